"""Survival endpoints as a task of the nested cross-validation engine: Harrell's C with a
bootstrap interval, a permuted-outcome null, and Kaplan–Meier curves of out-of-fold risk groups."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from sklearn.utils import check_random_state

from .._errors import InputError
from .._render import Display, Rendered, interval_text
from ._cv import _splits, as_float_frame, selection_frequency, selection_table
from ._engine import FoldOutput, TunedFit, nested_cross_validate, params_text
from ._steps import rows

__all__ = [
    "SurvivalCVResult",
    "SurvivalTask",
    "TunedSurvivalFit",
    "cross_validate_survival",
    "fit_tuned_survival",
]

logger = logging.getLogger(__name__)

#: A tuned survival model (the same record as a classifier's; ``inner_c_index`` is its score).
TunedSurvivalFit = TunedFit

# ----------------------------------------------------------------------------- concordance
# Harrell's C counts two risks within this distance as tied (as scikit-survival does).
_TIED_TOL = 1e-8


# ----------------------------------------------------------------------------- concordance
def _pair_matrices(time: np.ndarray, event: np.ndarray, risk: np.ndarray):
    """Comparable pairs and their concordance, as n x n matrices (row = the earlier event).

    Pair ``(i, j)`` is comparable when ``i`` had an event and ``j`` was still at risk after it:
    ``t_i < t_j``, or ``t_i == t_j`` with ``j`` censored (a censoring at an event time is taken
    to follow the event). It is concordant (1) when ``risk_i > risk_j``, tied (0.5) when the risks
    are within 1e-8, discordant (0) otherwise. The same convention as scikit-survival's
    ``concordance_index_censored``.
    """
    t_i, t_j = time[:, None], time[None, :]
    comparable = event[:, None] & ((t_i < t_j) | ((t_i == t_j) & ~event[None, :]))
    difference = risk[:, None] - risk[None, :]
    concordance = np.where(np.abs(difference) <= _TIED_TOL, 0.5, (difference > 0).astype(float))
    comparable = comparable.astype(np.float64)
    return comparable, comparable * concordance


def _harrell_c(time: np.ndarray, event: np.ndarray, risk: np.ndarray) -> float:
    """Harrell's C-index of risk scores; NaN when no pair is comparable."""
    comparable, concordant = _pair_matrices(time, event, risk)
    total = comparable.sum()
    return float(concordant.sum() / total) if total > 0 else np.nan


def _bootstrap_c(time, event, risks, weights: np.ndarray, chunk: int = 200) -> np.ndarray:
    """Harrell's C of each weighted resample, averaged over the rows of ``risks``.

    A bootstrap resample that draws patient ``i`` ``w_i`` times counts pair ``(i, j)``
    ``w_i w_j`` times; copies of one patient are never comparable with each other (same time,
    same status), so ``C = w' K w / w' P w`` with ``P`` the comparable and ``K`` the concordant
    pair matrices.
    """
    out = np.zeros(weights.shape[0])
    for risk in risks:
        comparable, concordant = _pair_matrices(time, event, risk)
        for start in range(0, weights.shape[0], chunk):
            w = weights[start : start + chunk]
            numerator = np.einsum("bi,bi->b", w @ concordant, w)
            denominator = np.einsum("bi,bi->b", w @ comparable, w)
            with np.errstate(invalid="ignore", divide="ignore"):
                out[start : start + chunk] += numerator / denominator
    return out / len(risks)


# ---------------------------------------------------------------------------------- result
@dataclass
class SurvivalCVResult(Rendered):
    """Out-of-fold risk scores, risk groups and C-indices of a repeated survival cross-validation.

    Attributes
    ----------
    metrics : dict
        ``c_index`` (mean over repeats of Harrell's C of the pooled out-of-fold risk scores),
        ``c_index_ci_low``/``c_index_ci_high`` (stratified percentile bootstrap),
        ``c_index_fold_mean`` (mean of the per-fold C-indices), with permutations
        ``null_c_index``, ``null_c_index_sd`` and ``permutation_p``; ``logrank_p`` and
        ``logrank_statistic`` (high vs low risk group, first repeat), ``n_high``, ``n_low``,
        ``n_samples``, ``n_events``.
    fold_scores : pandas.DataFrame
        One row per (repeat, fold): ``c_index`` on the test fold (NaN without comparable pairs),
        ``inner_c_index`` (inner-fold C of the chosen hyperparameters), ``params`` (JSON),
        ``threshold`` (median training risk), ``n_train``, ``n_test``, ``n_events_test``.
    null_scores : pandas.DataFrame
        One row per permutation: ``c_index`` of the whole evaluation on permuted outcomes.
    oof_risk : ndarray of shape (n_repeats, n_samples)
        Out-of-fold risk score (higher = earlier event), one row per repeat.
    oof_group : ndarray of shape (n_repeats, n_samples)
        Out-of-fold risk group: 1 high (risk above the median risk of the fold's training
        samples), 0 low.
    folds : ndarray of shape (n_repeats, n_samples)
        Outer fold in which each sample was tested.
    time : ndarray of shape (n_samples,)
    event : ndarray of bool, shape (n_samples,)
    selection : pandas.DataFrame
        One row per (repeat, fold), one boolean column per feature: whether the fold's model used
        it (empty when the model does not say).
    params : dict
        The evaluation's settings.
    event_name : str
        What the event is (for reports).
    """

    metrics: dict[str, float]
    fold_scores: pd.DataFrame
    null_scores: pd.DataFrame
    oof_risk: np.ndarray
    oof_group: np.ndarray
    folds: np.ndarray
    time: np.ndarray
    event: np.ndarray
    selection: pd.DataFrame = field(default_factory=pd.DataFrame)
    params: dict[str, Any] = field(default_factory=dict)
    event_name: str = "event"

    #: The headline score, for rankings and comparisons.
    score = "c_index"

    @property
    def oof_scores(self) -> np.ndarray:
        """The out-of-fold scores that rank patients (here: risk scores)."""
        return self.oof_risk

    @property
    def selection_frequency(self) -> pd.Series:
        """Fraction of outer training folds whose model used each feature, most frequent first."""
        return selection_frequency(self.selection)

    @property
    def summary(self) -> pd.DataFrame:
        """One row per metric: ``estimate``, ``ci_low``, ``ci_high`` (NaN where not defined)."""
        m = self.metrics
        rows = [("c_index", m["c_index"], m["c_index_ci_low"], m["c_index_ci_high"])]
        for name in ("c_index_fold_mean", "null_c_index", "permutation_p", "logrank_p"):
            if name in m:
                rows.append((name, m[name], np.nan, np.nan))
        frame = pd.DataFrame(rows, columns=["metric", "estimate", "ci_low", "ci_high"])
        return frame.set_index("metric")

    def to_dict(self) -> dict[str, Any]:
        """Aggregate results only (no patient-level values), JSON-safe."""
        return {
            "metrics": {k: float(v) for k, v in self.metrics.items()},
            "params": dict(self.params),
            "fold_scores": self.fold_scores.to_dict(orient="records"),
            "null_scores": self.null_scores.to_dict(orient="records"),
            "selection_frequency": {str(k): float(v) for k, v in self.selection_frequency.items()},
        }

    def _display(self, title: str | None = None) -> Display:
        m, p = self.metrics, self.params
        confidence = p.get("confidence", 0.95)
        rows = [
            (
                "C-index (pooled out-of-fold)",
                f"{m['c_index']:.3f}",
                interval_text(m["c_index_ci_low"], m["c_index_ci_high"]),
            ),
            ("C-index (mean of folds)", f"{m['c_index_fold_mean']:.3f}", ""),
        ]
        if "null_c_index" in m:
            n_permutations = int(p.get("n_permutations", len(self.null_scores)))
            rows.append(
                (
                    "C-index, permuted outcomes",
                    f"{m['null_c_index']:.3f}",
                    f"permutation p {m['permutation_p']:.3f} (>= {1 / (n_permutations + 1):.3f})",
                )
            )
        rows.append(
            (
                "log-rank, high vs low risk (out-of-fold)",
                f"p {m['logrank_p']:.3g}",
                f"{int(m['n_high'])} high / {int(m['n_low'])} low",
            )
        )
        table = pd.DataFrame(rows, columns=["metric", "estimate", f"{confidence:.0%} CI"])
        design = f"nested {p.get('n_repeats')} x {p.get('n_splits')}-fold CV"
        heading = f"{title}: time to {self.event_name}" if title else f"time to {self.event_name}"
        return Display(
            f"{heading} ({self.time.size} samples, {int(self.event.sum())} events; {design})",
            table,
        )

    def figures(self, title: str) -> dict[str, Any]:
        """The standard plots, by file stem: Kaplan-Meier of the out-of-fold risk groups, and the
        selection frequency."""
        from ._plots import plot_km, plot_selection_frequency

        figures = {"kaplan_meier": plot_km(self, title=title)}
        if not self.selection.empty:
            figures["selection_frequency"] = plot_selection_frequency(self, title=title)
        return figures


# ---------------------------------------------------------------------------------- helpers
def _survival_target(y, X) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """Time, event and X (one float block) from a structured array or a SurvivalTarget."""
    if hasattr(y, "y") and hasattr(y, "event") and hasattr(y, "time"):  # SurvivalTarget
        patients = y.time.index
        if isinstance(X, pd.DataFrame) and not X.index.equals(patients):
            absent = patients.difference(X.index)
            if len(absent):
                raise InputError(
                    f"{len(absent)} patients of the survival target are absent from X (first: "
                    f"'{absent[0]}'); give X a row for every patient of the target"
                )
            left_out = len(X.index.difference(patients))
            if left_out:
                logger.info("%d samples of X have no survival target and are left out", left_out)
            X = X.loc[patients]
        time = y.time.to_numpy(dtype=np.float64)
        event = y.event.to_numpy(dtype=bool)
    else:
        if not isinstance(y, np.ndarray) or y.dtype.names is None or len(y.dtype.names) != 2:
            raise InputError(
                "y must be a survival target: make_survival(...) or a structured array with an "
                "event and a time field (sksurv.util.Surv.from_arrays)"
            )
        event_field, time_field = y.dtype.names
        event = np.asarray(y[event_field]).astype(bool)
        time = np.asarray(y[time_field], dtype=np.float64)
    X = as_float_frame(X)
    if len(X) != time.size:
        raise InputError(f"X has {len(X)} samples but the survival target has {time.size}")
    if not np.isfinite(time).all() or (time < 0).any():
        raise InputError("survival times must be finite numbers >= 0")
    return time, event, X


def _structured(event: np.ndarray, time: np.ndarray) -> np.ndarray:
    from sksurv.util import Surv

    return Surv.from_arrays(event, time, "event", "time")


def _aligned_groups(groups, original_index, X: pd.DataFrame):
    """``groups`` as an array, reordered like X when X was put in the target's patient order."""
    if groups is None:
        return None
    groups = np.asarray(groups)
    if original_index is not None and not X.index.equals(original_index):
        if groups.size != len(original_index):
            raise InputError(
                f"groups has {groups.size} entries but X has {len(original_index)} rows"
            )
        groups = pd.Series(groups, index=original_index).loc[X.index].to_numpy()
    return groups


def _check_design(event: np.ndarray, n_splits: int, groups) -> None:
    n_events = int(event.sum())
    if n_splits < 2:
        raise InputError(f"n_splits must be at least 2, got {n_splits}")
    if n_events == 0 or n_events == event.size:
        which = "no" if n_events == 0 else "only"
        raise InputError(
            f"the {event.size} samples have {which} events; a survival evaluation needs events "
            "and censored samples"
        )
    if n_events < n_splits:
        raise InputError(
            f"fewer events ({n_events}) than cross-validation folds ({n_splits}); use fewer "
            f"folds (n_splits={max(2, n_events)}) or more patients"
        )
    if groups is not None and len(np.unique(groups)) < n_splits:
        raise InputError(f"fewer patients ({len(np.unique(groups))}) than folds ({n_splits})")


def _patient_units(event: np.ndarray, time: np.ndarray, groups):
    """Index of each sample's patient, and each patient's first sample; checks consistency."""
    if groups is None:
        index = np.arange(event.size)
        return index, index
    _, first, position = np.unique(groups, return_index=True, return_inverse=True)
    if (time != time[first][position]).any() or (event != event[first][position]).any():
        sample = int(
            np.flatnonzero((time != time[first][position]) | (event != event[first][position]))[0]
        )
        raise InputError(
            f"patient '{groups[sample]}' has samples with different survival times or events; "
            "the survival target must be per patient"
        )
    return position, first


def _permute(event, time, groups, rng):
    """Move (time, event) pairs jointly between patients; each patient keeps its features."""
    position, first = _patient_units(event, time, groups)
    order = rng.permutation(first.size)
    return event[first][order][position], time[first][order][position]


def _bootstrap_weights(event, groups, n_bootstrap: int, rng) -> np.ndarray:
    """Per-sample multiplicities of stratified (by event) bootstrap resamples of patients."""
    position, first = _patient_units(event, np.zeros(event.size), groups)
    patient_event = event[first]
    n_patients = first.size
    counts = np.zeros(n_bootstrap * n_patients)
    offsets = (np.arange(n_bootstrap) * n_patients)[:, None]
    for stratum in (np.flatnonzero(patient_event), np.flatnonzero(~patient_event)):
        draws = stratum[rng.randint(0, stratum.size, size=(n_bootstrap, stratum.size))]
        counts += np.bincount((draws + offsets).ravel(), minlength=counts.size)
    return counts.reshape(n_bootstrap, n_patients)[:, position]


def _used_features(model, columns: pd.Index) -> list[str] | None:
    """Input features the fitted model uses, where it says (oligomet pipelines, sparse Cox)."""
    if hasattr(model, "steps"):
        from ..models import selected_features

        return selected_features(model, columns)
    coef = getattr(model, "coef_", None)
    if coef is not None and np.ndim(coef) == 1 and len(coef) == len(columns):
        return [str(c) for c in columns[np.asarray(coef) != 0]]
    return None


def _fit_searched(estimator, X, event, time, *, param_grid, n_inner_splits, seed, groups):
    """Fit with the hyperparameters that the inner folds (Harrell's C) prefer, if searching."""
    y = _structured(event, time)
    if not param_grid:
        return clone(estimator).fit(X, y), {}, np.nan
    n_inner = min(n_inner_splits, int(event.sum()))
    if n_inner < 2:
        raise InputError(
            f"a training fold has {int(event.sum())} event(s): too few for inner folds; use "
            "fewer outer folds"
        )
    inner = _splits(event, n_inner, seed, groups)
    search = GridSearchCV(clone(estimator), param_grid, cv=inner, refit=True, n_jobs=1)
    search.fit(X, y)
    return search.best_estimator_, dict(search.best_params_), float(search.best_score_)


def fit_tuned_survival(
    estimator, X, y, *, param_grid=None, n_inner_splits: int = 3, groups=None, random_state=None
) -> TunedFit:
    """Choose hyperparameters by inner cross-validation (Harrell's C), then refit on all samples.

    What happens inside every outer training fold of :func:`cross_validate_survival`, and on all
    samples for the final model.

    Parameters
    ----------
    estimator : survival estimator
        Unfitted; ``fit(X, y)`` with a structured survival array, ``predict`` a risk score.
    X : pandas.DataFrame of shape (n_samples, n_features)
    y : SurvivalTarget or structured array
        As for :func:`cross_validate_survival`.
    param_grid : dict or None, default=None
    n_inner_splits : int, default=3
    groups : array-like or None, default=None
    random_state : int, RandomState or None, default=None
        Seeds the inner folds.

    Returns
    -------
    TunedFit
        ``threshold`` is the median risk of the given samples (the high/low risk cut-off);
        ``inner_c_index`` the mean inner-fold C-index of the chosen hyperparameters.
    """
    X, task = SurvivalTask.from_target(y, X, groups=groups)
    return task.fit_tuned(
        estimator,
        X,
        param_grid=param_grid,
        n_inner_splits=n_inner_splits,
        random_state=random_state,
    )


def _pooled_c(time, event, oof_risk) -> float:
    return float(np.mean([_harrell_c(time, event, risk) for risk in oof_risk]))


def logrank(time, event, group) -> tuple[float, float]:
    """Log-rank test of high (1) vs low (0) risk group: (statistic, p); NaN if a group is empty."""
    from lifelines.statistics import logrank_test

    high, low = group == 1, group == 0
    if not high.any() or not low.any():
        return np.nan, np.nan
    result = logrank_test(time[high], time[low], event[high], event[low])
    return float(result.test_statistic), float(result.p_value)


class SurvivalTask:
    """A time-to-event endpoint as a task of :func:`nested_cross_validate`.

    Splitter: K-fold stratified by the event indicator (each fold gets its share of events;
    ``StratifiedGroupKFold`` with ``groups``). Inside a training fold: an inner
    :class:`~sklearn.model_selection.GridSearchCV` scored by the estimator's ``score`` (Harrell's
    C) and a risk-group cut-off at the median training risk. Scorers: Harrell's C per fold and
    pooled, with a stratified (by event) bootstrap over patients. Permutation unit: a patient's
    (time, event) pair, moved jointly.

    Parameters
    ----------
    event : array-like of bool
    time : array-like of float
    groups : array-like or None, default=None
        Patient of each sample; the survival target must be constant within a patient.
    event_name : str, default="event"
    """

    score = "c_index"
    null_columns = ("c_index",)
    #: The engine hands the folds an array and the column names (no DataFrame per fit).
    takes_arrays = True

    def __init__(self, event, time, *, groups=None, event_name: str = "event"):
        self.event = np.asarray(event).astype(bool)
        self.time = np.asarray(time, dtype=np.float64)
        self.groups = None if groups is None else np.asarray(groups)
        self.event_name = event_name

    @classmethod
    def from_target(
        cls, y, X, *, groups=None, event_name=None
    ) -> tuple[pd.DataFrame, SurvivalTask]:
        """The task of a SurvivalTarget or structured array, and X in the target's patient order
        (a SurvivalTarget's patients are matched to the rows of a DataFrame X by index)."""
        original_index = X.index if isinstance(X, pd.DataFrame) else None
        time, event, X = _survival_target(y, X)
        groups = _aligned_groups(groups, original_index, X)
        if groups is not None and groups.size != time.size:
            raise InputError(f"groups has {groups.size} entries but there are {time.size} samples")
        name = event_name or getattr(y, "event_name", None) or "event"
        return X, cls(event, time, groups=groups, event_name=name)

    @property
    def n_samples(self) -> int:
        return int(self.time.size)

    def align(self, X) -> tuple[pd.DataFrame, SurvivalTask]:
        X = as_float_frame(X)
        if len(X) != self.time.size:
            raise InputError(f"X has {len(X)} samples but the survival target has {self.time.size}")
        return X, self

    def check(self, n_splits: int) -> None:
        _check_design(self.event, n_splits, self.groups)
        _patient_units(self.event, self.time, self.groups)

    def splits(self, n_splits: int, seed: int):
        return _splits(self.event, n_splits, seed, self.groups)

    def _search(self, estimator, X, index, *, param_grid, n_inner_splits, seed):
        groups = None if self.groups is None else self.groups[index]
        return _fit_searched(
            estimator,
            X,
            self.event[index],
            self.time[index],
            param_grid=param_grid,
            n_inner_splits=n_inner_splits,
            seed=seed,
            groups=groups,
        )

    def fit_tuned(self, estimator, X, *, param_grid=None, n_inner_splits=3, random_state=None):
        seed = int(check_random_state(random_state).randint(2**31 - 1))
        everyone = np.arange(self.n_samples)
        model, params, inner = self._search(
            estimator, X, everyone, param_grid=param_grid, n_inner_splits=n_inner_splits, seed=seed
        )
        threshold = float(np.median(model.predict(X)))
        return TunedFit(model=model, params=params, threshold=threshold, inner_score=inner)

    def fit_fold(self, estimator, X, train, test, *, seed, options, record, columns) -> FoldOutput:
        # The fold's seed drives its inner folds directly.
        model, params, inner = self._search(estimator, rows(X, train), train, seed=seed, **options)
        # The risk-group cut-off is learned from the training samples only.
        threshold = float(np.median(model.predict(rows(X, train))))
        risk = np.asarray(model.predict(rows(X, test)), dtype=np.float64)
        row = {
            "c_index": _harrell_c(self.time[test], self.event[test], risk),
            "inner_c_index": inner,
            "params": params_text(params),
            "threshold": threshold,
            "n_train": int(train.size),
            "n_test": int(test.size),
            "n_events_test": int(self.event[test].sum()),
        }
        used = _used_features(model, columns) if record else None
        return FoldOutput(risk, (risk > threshold).astype(int), row, used)

    def summarise(self, scores, calls, fold_scores, *, n_bootstrap, confidence, rng) -> dict:
        metrics: dict[str, float] = {"c_index": _pooled_c(self.time, self.event, scores)}
        weights = _bootstrap_weights(self.event, self.groups, n_bootstrap, rng)
        boot = _bootstrap_c(self.time, self.event, scores, weights)
        tail = (1 - confidence) / 2
        defined = np.isfinite(boot).any()
        low, high = np.nanquantile(boot, [tail, 1 - tail]) if defined else (np.nan,) * 2
        metrics["c_index_ci_low"], metrics["c_index_ci_high"] = float(low), float(high)
        metrics["c_index_fold_mean"] = float(np.nanmean(fold_scores["c_index"]))
        return metrics

    def permuted(self, rng) -> SurvivalTask:
        event, time = _permute(self.event, self.time, self.groups, rng)
        return SurvivalTask(event, time, groups=self.groups, event_name=self.event_name)

    def null_scores(self, scores, calls) -> dict[str, float]:
        return {"c_index": _pooled_c(self.time, self.event, scores)}

    def describe(self, scores, calls) -> dict[str, float]:
        statistic, p_value = logrank(self.time, self.event, calls[0])
        return {
            "logrank_statistic": statistic,
            "logrank_p": p_value,
            "n_high": float((calls[0] == 1).sum()),
            "n_low": float((calls[0] == 0).sum()),
            "n_samples": float(self.time.size),
            "n_events": float(self.event.sum()),
        }

    def settings(self) -> dict[str, Any]:
        return {}

    def result(self, *, scores, calls, used, columns, **fields) -> SurvivalCVResult:
        return SurvivalCVResult(
            oof_risk=scores,
            oof_group=calls,
            time=self.time,
            event=self.event,
            selection=selection_table(used, columns),
            event_name=self.event_name,
            **fields,
        )


# ------------------------------------------------------------------------------------- main
def cross_validate_survival(
    estimator,
    X,
    y,
    *,
    param_grid: dict[str, list] | None = None,
    n_splits: int = 5,
    n_repeats: int = 5,
    n_inner_splits: int = 3,
    n_permutations: int = 5,
    n_bootstrap: int = 1000,
    confidence: float = 0.95,
    groups=None,
    n_jobs: int | None = None,
    random_state=None,
    executor=None,
    progress=None,
) -> SurvivalCVResult:
    """Repeated, nested cross-validation of a survival model, with a permuted-outcome null.

    :func:`nested_cross_validate` with a :class:`SurvivalTask`. Outer folds are stratified by the
    event indicator (so each has its share of events). In each
    outer training fold, an inner :class:`~sklearn.model_selection.GridSearchCV` scored by the
    estimator's ``score`` (Harrell's C for :class:`~oligomet.models.PenalisedCox` and
    scikit-survival models) chooses the hyperparameters in ``param_grid``, and the whole estimator
    (normally a pipeline from :func:`~oligomet.models.make_cox_model`) is refitted; nothing is
    learned from the test fold. Each test patient gets an out-of-fold risk score and a risk group:
    *high* when its risk exceeds the median risk of that fold's training patients, a cut-off
    learned in-fold like everything else.

    Parameters
    ----------
    estimator : estimator
        Unfitted survival model: ``fit(X, y)`` with a structured survival array, ``predict``
        returning risk scores (higher = earlier event) and ``score`` a C-index.
    X : pandas.DataFrame or array-like of shape (n_samples, n_features)
        Features, samples in rows.
    y : SurvivalTarget or structured array of shape (n_samples,)
        Event and time (:func:`~oligomet.labels.make_survival`, ``sksurv.util.Surv``). With a
        :class:`~oligomet.labels.SurvivalTarget` and a DataFrame ``X``, the rows of ``X`` are
        matched to the target's patients by index.
    param_grid : dict or None, default=None
        Search space for the inner folds, e.g. :data:`~oligomet.models.COX_PARAM_GRID`.
    n_splits : int, default=5
        Outer folds per repeat.
    n_repeats : int, default=5
        Repeats of the outer split, each with a different shuffle.
    n_inner_splits : int, default=3
        Inner folds (stratified by event) per outer training fold.
    n_permutations : int, default=5
        Permutations of the outcome for the null distribution (0 to skip). Each permutes the
        (time, event) pairs jointly across patients, keeping every patient's features, and runs
        the whole nested evaluation again.
    n_bootstrap : int, default=1000
        Resamples for the confidence interval of the C-index.
    confidence : float, default=0.95
        Coverage of the interval.
    groups : array-like of shape (n_samples,) or None, default=None
        Patient of each sample when a patient has several samples; folds, permutations and the
        bootstrap then keep a patient's samples together.
    n_jobs : int or None, default=None
        Outer folds fitted in parallel processes; None: ``OLIGOMET_N_JOBS`` or every core.
        Results do not depend on it.
    random_state : int, RandomState or None, default=None
        Seeds the splits, the permutations and the bootstrap: one value fixes every number.
    executor, progress
        Where the folds run and a ``progress(done, total)`` callback: see
        :func:`~oligomet.evaluation.nested_cross_validate`.

    Returns
    -------
    SurvivalCVResult

    Raises
    ------
    InputError
        Without events or without censored samples, or with fewer events than folds.

    Notes
    -----
    ``c_index`` is Harrell's C of the out-of-fold risk scores *pooled* over the folds of a
    repeat, averaged over repeats. Pooling compares patients scored by different fold models,
    which assumes the folds' risk scores are on comparable scales (true for linear predictors of
    similar models, not guaranteed with strong penalties that zero some folds' models); the mean
    of the per-fold C-indices (``c_index_fold_mean``) avoids that assumption at the cost of fewer
    pairs per estimate. Report both when they disagree.

    The interval is a percentile bootstrap of patients, stratified by event, on the fixed
    out-of-fold scores: it reflects which patients were sampled, not the variability of
    refitting on other training sets, so it is somewhat narrow. ``permutation_p`` is
    ``(b + 1) / (m + 1)`` with ``b`` of ``m`` permuted evaluations scoring at least the observed
    C (Phipson & Smyth 2010); with the default 5 permutations it cannot be below 1/6.

    The log-rank test compares the out-of-fold high and low risk groups of the first repeat. It
    is a descriptive companion to the C-index: the groups come from models fitted on other
    patients, but the test ignores that they came from several fold models.

    Concordance is computed from n x n pair matrices (memory grows as n²): comfortable up to a
    few thousand samples.

    References
    ----------
    Harrell FE, Lee KL, Mark DB. Multivariable prognostic models: issues in developing models,
    evaluating assumptions and adequacy, and measuring and reducing errors. Stat Med
    1996;15:361-387. :doi:`10.1002/(SICI)1097-0258(19960229)15:4<361::AID-SIM168>3.0.CO;2-4`

    Simon RM, Subramanian J, Li MC, Menezes S. Using cross-validation to evaluate predictive
    accuracy of survival risk classifiers based on high-dimensional data. Brief Bioinform
    2011;12:203-214. :doi:`10.1093/bib/bbr001`

    Phipson B, Smyth GK. Permutation p-values should never be zero: calculating exact p-values
    when permutations are randomly drawn. Stat Appl Genet Mol Biol 2010;9:39.
    :doi:`10.2202/1544-6115.1585`
    """
    X, task = SurvivalTask.from_target(y, X, groups=groups)
    result = nested_cross_validate(
        estimator,
        X,
        task,
        param_grid=param_grid,
        n_inner_splits=n_inner_splits,
        n_splits=n_splits,
        n_repeats=n_repeats,
        n_permutations=n_permutations,
        n_bootstrap=n_bootstrap,
        confidence=confidence,
        n_jobs=n_jobs,
        random_state=random_state,
        executor=executor,
        progress=progress,
    )
    m = result.metrics
    logger.info(
        "survival CV: C-index %.3f [%.3f, %.3f]",
        m["c_index"],
        m["c_index_ci_low"],
        m["c_index_ci_high"],
    )
    return result
