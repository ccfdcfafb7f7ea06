"""What the subtypes mean: survival, agreement with known labels, association with a category.

Every function takes subtype labels (any hashable values: ints, strings) and a second variable of
the same samples. Both may be array-likes of equal length, matched by position, or pandas Series,
matched by index when their indexes differ. Samples with a missing value in any input are left
out and counted, never dropped silently.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import chi2_contingency, fisher_exact
from scipy.stats.contingency import expected_freq
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from .._errors import InputError

__all__ = [
    "ContingencyTest",
    "SurvivalComparison",
    "compare_labels",
    "subtype_association",
    "survival_by_subtype",
]

logger = logging.getLogger(__name__)

# Below this expected count per cell the chi-squared approximation of the contingency test is
# unreliable (Cochran's rule of thumb).
_MIN_EXPECTED = 5.0


# --------------------------------------------------------------------------------------------
# Input handling shared by the analyses
# --------------------------------------------------------------------------------------------


def _describe(name: str, values: Any) -> str:
    """``time`` or ``time ('time_days')`` when the input is a named Series, for messages."""
    label = getattr(values, "name", None)
    return f"{name} ({label!r})" if isinstance(values, pd.Series) and label is not None else name


def _to_series(name: str, values: Any) -> pd.Series:
    if isinstance(values, pd.Series):
        return values
    if isinstance(values, pd.DataFrame):
        raise InputError(f"{name} must be one column (1-D), not a table of {values.shape[1]}")
    array = np.asarray(values, dtype=object) if not hasattr(values, "dtype") else values
    if np.ndim(array) != 1:
        raise InputError(f"{name} must be 1-D, got an array of shape {np.shape(array)}")
    return pd.Series(array)


def _align(inputs: Mapping[str, Any]) -> tuple[pd.DataFrame, int]:
    """One row per sample with a column per input; rows with any missing value removed.

    Series are matched by index when every input is a Series and their indexes differ (the
    first input's index decides which samples count); otherwise inputs are matched by position
    and must have the same length. Returns the complete rows and the number of samples dropped.
    """
    series = {name: _to_series(name, values) for name, values in inputs.items()}
    names = list(series)
    first = series[names[0]]
    all_series = all(isinstance(values, pd.Series) for values in inputs.values())
    if all_series and not all(s.index.equals(first.index) for s in series.values()):
        for name, values in series.items():
            if values.index.has_duplicates:
                duplicate = values.index[values.index.duplicated()][0]
                raise InputError(
                    f"{_describe(name, inputs[name])} has the sample {duplicate!r} more than once;"
                    " give each sample one value"
                )
        frame = pd.DataFrame({name: s.reindex(first.index) for name, s in series.items()})
    else:
        lengths = {name: len(s) for name, s in series.items()}
        if len(set(lengths.values())) > 1:
            listed = ", ".join(f"{name}={n}" for name, n in lengths.items())
            raise InputError(f"inputs differ in length ({listed}); give one value per sample")
        index = first.index if isinstance(inputs[names[0]], pd.Series) else None
        frame = pd.DataFrame(
            {name: s.to_numpy() for name, s in series.items()},
            index=index,
        )
    complete = frame.notna().all(axis=1)
    return frame.loc[complete], int((~complete).sum())


def _ordered(values: Sequence[Hashable] | np.ndarray | pd.Series) -> list[Hashable]:
    """Distinct values, sorted when they can be, else in order of first appearance."""
    distinct = list(pd.unique(pd.Series(values, dtype=object)))
    try:
        return sorted(distinct)
    except TypeError:
        return distinct


def _finite_or_none(value: Any) -> Any:
    """Floats for JSON: ``inf`` (e.g. a median survival not reached) and NaN become ``None``."""
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    return value


def _records(frame: pd.DataFrame, key: str) -> list[dict[str, Any]]:
    rows = []
    for index, row in frame.iterrows():
        record = {key: str(index)}
        record.update({str(k): _finite_or_none(v) for k, v in row.items()})
        rows.append(record)
    return rows


# --------------------------------------------------------------------------------------------
# Survival
# --------------------------------------------------------------------------------------------


@dataclass
class SurvivalComparison:
    """Kaplan–Meier curves per subtype and a log-rank test of their equality.

    Attributes
    ----------
    p_value : float
        p-value of the multivariate log-rank test (all subtypes have the same survival).
    test_statistic : float
        The log-rank chi-squared statistic.
    degrees_of_freedom : int
        Number of subtypes minus one.
    n_dropped : int
        Samples left out because their subtype, time or event was missing.
    table : pandas.DataFrame
        One row per subtype (index ``subtype``): ``n``, ``events``, ``median_survival`` (``inf``
        when the curve never falls to 0.5), its confidence interval ``median_ci_low`` /
        ``median_ci_high``, and ``survival_at_<t>`` for each time in :attr:`times` (NaN beyond the
        subtype's last follow-up).
    curves : dict
        Subtype -> DataFrame indexed by time with columns ``survival``, ``ci_low``, ``ci_high``.
    censored : dict
        Subtype -> times of the censored samples in that subtype (for the censoring marks).
    times : list of float
        Times at which :attr:`table` reports survival.
    alpha : float
        The confidence intervals are ``1 - alpha``.
    """

    p_value: float
    test_statistic: float
    degrees_of_freedom: int
    n_dropped: int
    table: pd.DataFrame
    curves: dict[Hashable, pd.DataFrame] = field(repr=False)
    censored: dict[Hashable, np.ndarray] = field(repr=False)
    times: list[float] = field(default_factory=list)
    alpha: float = 0.05

    @property
    def n(self) -> int:
        """Number of samples compared."""
        return int(self.table["n"].sum())

    @property
    def summary(self) -> pd.DataFrame:
        """One row per subtype: size, events, median survival with CI, survival at times."""
        return self.table.copy()

    def to_dict(self) -> dict[str, Any]:
        """The test and per-subtype aggregates (no sample-level values), JSON-safe."""
        return {
            "test": "multivariate log-rank",
            "p_value": float(self.p_value),
            "test_statistic": float(self.test_statistic),
            "degrees_of_freedom": int(self.degrees_of_freedom),
            "n": self.n,
            "n_dropped": int(self.n_dropped),
            "alpha": float(self.alpha),
            "times": [float(t) for t in self.times],
            "subtypes": _records(self.table, "subtype"),
        }

    def plot(self, ax=None, *, time_label: str = "time", title: str | None = None):
        """Kaplan–Meier curves with (1 - alpha) bands and censoring marks; log-rank p in legend.

        Parameters
        ----------
        ax : matplotlib.axes.Axes or None, default=None
            Axes to draw on; a new :class:`matplotlib.figure.Figure` (no pyplot state) if None.
        time_label : str, default="time"
            x-axis label, e.g. ``"days"``.
        title : str or None, default=None
            Axes title.

        Returns
        -------
        matplotlib.figure.Figure
            The figure holding the axes.
        """
        if ax is None:
            from matplotlib.figure import Figure

            figure = Figure(figsize=(6, 4.5), layout="constrained")
            ax = figure.add_subplot()
        else:
            figure = ax.figure
        for i, (subtype, curve) in enumerate(self.curves.items()):
            color = f"C{i % 10}"
            row = self.table.loc[subtype]
            label = f"{subtype} (n={int(row['n'])}, events={int(row['events'])})"
            time = curve.index.to_numpy(dtype=float)
            ax.step(time, curve["survival"], where="post", color=color, lw=1.5, label=label)
            ax.fill_between(
                time,
                curve["ci_low"],
                curve["ci_high"],
                step="post",
                color=color,
                alpha=0.15,
                lw=0,
            )
            censored = self.censored.get(subtype, np.empty(0))
            if censored.size:
                position = np.searchsorted(time, censored, side="right") - 1
                ax.plot(
                    censored,
                    curve["survival"].to_numpy()[position],
                    ls="none",
                    marker="|",
                    color=color,
                    markersize=6,
                )
        ax.set(xlabel=time_label, ylabel="survival probability", ylim=(0, 1.02))
        ax.set_xlim(left=0)
        ax.legend(
            title=f"log-rank p = {self.p_value:.2g}",
            loc="best",
            fontsize="small",
            title_fontsize="small",
        )
        if title:
            ax.set_title(title, fontsize="medium")
        return figure


def _is_number(value: Any) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def _event_indicator(values: pd.Series, name: str) -> np.ndarray:
    """0/1 integers from 0/1 numbers or booleans; anything else is a user error."""
    as_numbers = values.map(lambda v: int(v) if isinstance(v, (bool, np.bool_)) else v)
    try:
        numeric = pd.to_numeric(as_numbers, errors="raise")
    except (TypeError, ValueError):
        bad = next(v for v in as_numbers if not _is_number(v))
        raise InputError(f"{name} must be 0/1 or True/False; got {bad!r}") from None
    invalid = ~numeric.isin([0, 1])
    if invalid.any():
        raise InputError(
            f"{name} must be 0/1 or True/False; got {numeric[invalid].iloc[0]!r}"
            f" for sample {numeric.index[invalid][0]!r}"
        )
    return numeric.to_numpy(dtype=int)


def _durations(values: pd.Series, name: str) -> np.ndarray:
    try:
        numeric = pd.to_numeric(values, errors="raise").astype(float)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be numeric; got non-numeric values") from None
    if not np.isfinite(numeric).all():
        sample = numeric.index[~np.isfinite(numeric)][0]
        raise InputError(f"{name} must be finite; sample {sample!r} has {numeric[sample]}")
    if (numeric < 0).any():
        sample = numeric.index[numeric < 0][0]
        raise InputError(f"{name} must not be negative; sample {sample!r} has {numeric[sample]:g}")
    return numeric.to_numpy()


def _default_times(durations: np.ndarray) -> list[float]:
    """Quartiles of the observed times, to three significant figures (readable column names)."""
    quartiles = np.quantile(durations, [0.25, 0.5, 0.75])
    return sorted({float(f"{q:.3g}") for q in quartiles if q > 0})


def survival_by_subtype(
    labels,
    time,
    event,
    *,
    alpha: float = 0.05,
    times: Sequence[float] | None = None,
) -> SurvivalComparison:
    """Kaplan–Meier survival per subtype and a multivariate log-rank test across subtypes.

    Parameters
    ----------
    labels : array-like or pandas.Series of shape (n_samples,)
        Subtype of each sample (any hashable values).
    time : array-like or pandas.Series of shape (n_samples,)
        Follow-up time (time to event or to censoring); non-negative.
    event : array-like or pandas.Series of shape (n_samples,)
        1 / True if the event (e.g. death) was observed, 0 / False if censored.
    alpha : float, default=0.05
        Confidence intervals of the curves and medians are ``1 - alpha``.
    times : sequence of float or None, default=None
        Times at which to report survival in the summary; None means the quartiles of the
        observed times (three significant figures).

    Returns
    -------
    SurvivalComparison

    Raises
    ------
    InputError
        If fewer than two subtypes have samples with time and event, a time is negative or not
        finite, an event is not 0/1, or no event was observed at all (the log-rank test is then
        undefined).

    Notes
    -----
    Samples with a missing subtype, time or event are left out and counted in ``n_dropped``.
    The log-rank test is lifelines' ``multivariate_logrank_test`` (Mantel–Haenszel, no weights).

    Examples
    --------
    >>> result = survival_by_subtype(
    ...     [1, 1, 1, 2, 2, 2], [5, 6, 7, 50, 60, 70], [1, 1, 1, 1, 0, 1]
    ... )
    >>> result.summary["median_survival"].to_dict()
    {1: 6.0, 2: 70.0}
    >>> result.degrees_of_freedom, result.n_dropped
    (1, 0)
    """
    from lifelines import KaplanMeierFitter
    from lifelines.statistics import multivariate_logrank_test
    from lifelines.utils import median_survival_times

    if not 0 < alpha < 1:
        raise InputError(f"alpha must be between 0 and 1, got {alpha}")
    frame, n_dropped = _align({"labels": labels, "time": time, "event": event})
    subtypes = _ordered(frame["labels"])
    if len(subtypes) < 2:
        found = "none" if not subtypes else f"only {subtypes[0]!r}"
        raise InputError(
            f"survival comparison needs at least 2 subtypes with time and event; found {found}"
            f" ({n_dropped} samples missing a subtype, time or event)"
        )
    durations = _durations(frame["time"], _describe("time", time))
    events = _event_indicator(frame["event"], _describe("event", event))
    if events.sum() == 0:
        raise InputError(
            f"no events among the {len(events)} samples in {_describe('event', event)};"
            " the log-rank test needs at least one (is 1 the event, e.g. death?)"
        )
    if times is None:
        times = _default_times(durations)
    times = [float(t) for t in times]

    codes = pd.Categorical(frame["labels"], categories=subtypes).codes
    test = multivariate_logrank_test(durations, codes, events)

    rows, curves, censored = [], {}, {}
    for code, subtype in enumerate(subtypes):
        in_group = codes == code
        group_time, group_event = durations[in_group], events[in_group]
        fitter = KaplanMeierFitter(alpha=alpha).fit(group_time, group_event, label="survival")
        median_ci = median_survival_times(fitter.confidence_interval_).to_numpy().ravel()
        row = {
            "n": int(in_group.sum()),
            "events": int(group_event.sum()),
            "median_survival": float(fitter.median_survival_time_),
            "median_ci_low": float(median_ci[0]),
            "median_ci_high": float(median_ci[1]),
        }
        # Beyond a subtype's last follow-up the curve is unknown, not flat: report NaN.
        at_times = fitter.survival_function_at_times(times).to_numpy()
        for t, value in zip(times, at_times, strict=True):
            row[f"survival_at_{t:g}"] = float(value) if t <= group_time.max() else np.nan
        rows.append(row)
        band = fitter.confidence_interval_survival_function_
        curves[subtype] = pd.DataFrame(
            {
                "survival": fitter.survival_function_.iloc[:, 0].to_numpy(),
                "ci_low": band.iloc[:, 0].to_numpy(),
                "ci_high": band.iloc[:, 1].to_numpy(),
            },
            index=pd.Index(fitter.survival_function_.index.to_numpy(), name="time"),
        )
        censored[subtype] = np.sort(group_time[group_event == 0])
    table = pd.DataFrame(rows, index=pd.Index(subtypes, name="subtype"))
    logger.info(
        "log-rank across %d subtypes: p=%.3g (%d samples, %d dropped)",
        len(subtypes),
        test.p_value,
        len(durations),
        n_dropped,
    )
    return SurvivalComparison(
        p_value=float(test.p_value),
        test_statistic=float(test.test_statistic),
        degrees_of_freedom=int(test.degrees_of_freedom),
        n_dropped=n_dropped,
        table=table,
        curves=curves,
        censored=censored,
        times=times,
        alpha=alpha,
    )


# --------------------------------------------------------------------------------------------
# Agreement with known labels
# --------------------------------------------------------------------------------------------


def compare_labels(labels, reference) -> dict[str, float | int]:
    """Agreement of the subtypes with known labels: NMI and adjusted Rand index.

    Parameters
    ----------
    labels : array-like or pandas.Series of shape (n_samples,)
        Subtype of each sample.
    reference : array-like or pandas.Series of shape (n_samples,)
        Known grouping of the same samples, e.g. published clusters.

    Returns
    -------
    dict
        ``nmi`` (normalised mutual information, arithmetic normalisation; 1 = same partition),
        ``ari`` (adjusted Rand index; 0 = chance, 1 = same partition) and ``n``, the number of
        samples with both labels. Both scores ignore the names of the groups.

    Raises
    ------
    InputError
        If no sample has both labels, or the inputs differ in length.

    Examples
    --------
    >>> compare_labels([0, 0, 1, 1, None], ["b", "b", "a", "a", "a"])
    {'nmi': 1.0, 'ari': 1.0, 'n': 4}
    """
    frame, _ = _align({"labels": labels, "reference": reference})
    if frame.empty:
        raise InputError(
            f"no sample has both a subtype and a {_describe('reference', reference)} label"
        )
    # Codes rather than the values, so mixed types (1 and "1") cannot trip up the sorting inside
    # scikit-learn.
    subtype_codes = pd.factorize(frame["labels"])[0]
    reference_codes = pd.factorize(frame["reference"])[0]
    return {
        "nmi": float(normalized_mutual_info_score(reference_codes, subtype_codes)),
        "ari": float(adjusted_rand_score(reference_codes, subtype_codes)),
        "n": len(frame),
    }


# --------------------------------------------------------------------------------------------
# Association with a categorical label
# --------------------------------------------------------------------------------------------


@dataclass
class ContingencyTest:
    """A subtype x category table and a test of independence.

    Attributes
    ----------
    table : pandas.DataFrame
        Counts, subtypes as rows (index ``subtype``), categories as columns.
    test : {"fisher_exact", "chi2"}
        Fisher's exact test for a 2x2 table, Pearson's chi-squared test otherwise.
    p_value : float
        Two-sided p-value of independence.
    statistic : float
        The sample odds ratio ``(a d) / (b c)`` for Fisher's test (``inf`` or 0 with an empty
        cell); the chi-squared statistic otherwise.
    degrees_of_freedom : int or None
        Of the chi-squared test; None for Fisher's test.
    expected : pandas.DataFrame
        Expected counts under independence.
    caveat : str or None
        Set for a chi-squared test when an expected count is below 5, where the chi-squared
        approximation may be inaccurate.
    n_dropped : int
        Samples left out because the subtype or the category was missing.
    """

    table: pd.DataFrame
    test: str
    p_value: float
    statistic: float
    degrees_of_freedom: int | None
    expected: pd.DataFrame
    caveat: str | None = None
    n_dropped: int = 0

    @property
    def n(self) -> int:
        """Number of samples in the table."""
        return int(self.table.to_numpy().sum())

    @property
    def summary(self) -> pd.DataFrame:
        """One row per subtype: count per category, ``n``, and ``fraction_<category>``."""
        counts = self.table.copy()
        totals = counts.sum(axis=1)
        fractions = counts.div(totals, axis=0).add_prefix("fraction_")
        counts["n"] = totals
        return pd.concat([counts, fractions], axis=1)

    def to_dict(self) -> dict[str, Any]:
        """Test, p-value, counts and expected counts (aggregates only), JSON-safe."""

        def nested(frame: pd.DataFrame, cast) -> dict[str, dict[str, Any]]:
            return {
                str(row): {str(col): cast(value) for col, value in values.items()}
                for row, values in frame.iterrows()
            }

        return {
            "test": self.test,
            "statistic_name": "odds_ratio" if self.test == "fisher_exact" else "chi2",
            "statistic": _finite_or_none(float(self.statistic)),
            "p_value": float(self.p_value),
            "degrees_of_freedom": self.degrees_of_freedom,
            "n": self.n,
            "n_dropped": int(self.n_dropped),
            "caveat": self.caveat,
            "table": nested(self.table, int),
            "expected": nested(self.expected, float),
        }


def subtype_association(labels, other) -> ContingencyTest:
    """Cross-table of subtypes against another categorical label, with a test of independence.

    Parameters
    ----------
    labels : array-like or pandas.Series of shape (n_samples,)
        Subtype of each sample.
    other : array-like or pandas.Series of shape (n_samples,)
        A categorical label of the same samples, e.g. oligo- vs polymetastatic.

    Returns
    -------
    ContingencyTest
        Fisher's exact test (two-sided) for a 2x2 table; otherwise Pearson's chi-squared test
        (``scipy.stats.chi2_contingency``), with a caveat when an expected count is below 5.

    Raises
    ------
    InputError
        If, after leaving out samples with a missing value, fewer than two subtypes or fewer
        than two categories remain.

    Examples
    --------
    >>> result = subtype_association([1, 1, 1, 1, 2, 2, 2, 2], ["o", "o", "o", "p"] + ["p"] * 4)
    >>> result.test, round(result.p_value, 3)
    ('fisher_exact', 0.143)
    """
    frame, n_dropped = _align({"labels": labels, "other": other})
    subtypes = _ordered(frame["labels"])
    categories = _ordered(frame["other"])
    if len(subtypes) < 2 or len(categories) < 2:
        raise InputError(
            f"an association test needs at least 2 subtypes and 2 values of"
            f" {_describe('other', other)}; found {len(subtypes)} subtype(s) and"
            f" {len(categories)} value(s) among {len(frame)} samples with both"
        )
    # Categoricals with fixed categories keep the sorted order and drop unused categories.
    table = pd.crosstab(
        pd.Categorical(frame["labels"], categories=subtypes),
        pd.Categorical(frame["other"], categories=categories),
        dropna=False,
    )
    table.index = pd.Index(subtypes, name="subtype")
    table.columns = pd.Index(categories, name=getattr(other, "name", None) or "other")
    counts = table.to_numpy()
    expected = pd.DataFrame(expected_freq(counts), index=table.index, columns=table.columns)
    caveat = None
    if counts.shape == (2, 2):
        result = fisher_exact(counts, alternative="two-sided")
        test, statistic, dof = "fisher_exact", float(result.statistic), None
        p_value = float(result.pvalue)
    else:
        result = chi2_contingency(counts)
        test, statistic, dof = "chi2", float(result.statistic), int(result.dof)
        p_value = float(result.pvalue)
        small = expected.to_numpy() < _MIN_EXPECTED
        if small.any():
            caveat = (
                f"{int(small.sum())} of {small.size} expected counts are below"
                f" {_MIN_EXPECTED:g} (smallest {expected.to_numpy().min():.2g});"
                " the chi-squared p-value may be inaccurate"
            )
    return ContingencyTest(
        table=table,
        test=test,
        p_value=p_value,
        statistic=statistic,
        degrees_of_freedom=dof,
        expected=expected,
        caveat=caveat,
        n_dropped=n_dropped,
    )
