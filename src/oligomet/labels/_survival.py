"""Survival endpoints from clinical columns: a time and an event indicator per patient."""

from __future__ import annotations

import logging
import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._errors import InputError
from ._result import count_reasons
from ._rules import (
    _as_list,
    _check_column,
    _display,
    _is_missing,
    _json_value,
    _list_values,
    _normalise,
    _parse_event,
)

__all__ = ["SurvivalTarget", "make_survival"]

logger = logging.getLogger(__name__)


def reverse_km_median(time: np.ndarray, event: np.ndarray) -> float:
    """Median follow-up by the reverse Kaplan–Meier method (Schemper & Smith 1996).

    The Kaplan–Meier estimate with the roles of event and censoring swapped: an event ends a
    patient's follow-up early, so it is treated as censoring of the follow-up time. Returns
    ``inf`` when fewer than half of the patients are censored before the last time.

    References
    ----------
    Schemper M, Smith TL. A note on quantifying follow-up in studies of failure time. Control Clin
    Trials 1996;17:343-346. :doi:`10.1016/0197-2456(96)00075-X`
    """
    from lifelines import KaplanMeierFitter

    fitter = KaplanMeierFitter().fit(np.asarray(time, float), 1 - np.asarray(event, int))
    return float(fitter.median_survival_time_)


@dataclass
class SurvivalTarget:
    """Time to event and event indicator per patient, and the patients left out with reasons.

    No patient is dropped silently: each patient of the input is either in :attr:`time` and
    :attr:`event` or in :attr:`excluded`.

    Parameters
    ----------
    time : pandas.Series
        Time to event or censoring (float, >= 0), named ``"time"``, indexed by patient ID.
    event : pandas.Series
        ``True`` for an event, ``False`` for censoring, named ``"event"``, same index as ``time``.
    excluded : pandas.Series
        Reason strings indexed by the IDs of the excluded patients, e.g. ``"missing time"``.
    event_name : str, default="event"
        Human name of the event, e.g. ``"death"`` or ``"polymetastatic progression"``.
    rule : dict
        JSON-safe description of how the target was built (columns, event coding).
    """

    time: pd.Series
    event: pd.Series
    excluded: pd.Series
    event_name: str = "event"
    rule: dict[str, Any] = field(default_factory=dict)

    @property
    def n_samples(self) -> int:
        """Number of included patients."""
        return len(self.time)

    @property
    def n_events(self) -> int:
        """Number of included patients with an event."""
        return int(self.event.sum())

    @property
    def n_censored(self) -> int:
        """Number of included patients censored."""
        return self.n_samples - self.n_events

    @property
    def n_excluded(self) -> int:
        """Number of excluded patients."""
        return len(self.excluded)

    @property
    def y(self) -> np.ndarray:
        """The target as scikit-survival's structured array (fields ``event``, ``time``)."""
        from sksurv.util import Surv

        return Surv.from_arrays(
            self.event.to_numpy(dtype=bool), self.time.to_numpy(dtype=float), "event", "time"
        )

    @property
    def median_follow_up(self) -> float:
        """Median follow-up by the reverse Kaplan–Meier method (``inf`` if not reached)."""
        return reverse_km_median(self.time.to_numpy(), self.event.to_numpy())

    def excluded_reasons(self) -> dict[str, int]:
        """Counts of excluded patients by reason, details in parentheses stripped, largest first."""
        return count_reasons(self.excluded)

    @property
    def summary(self) -> pd.DataFrame:
        """Patients, events, censored, median follow-up, excluded (total and by reason).

        One column, ``value``; rows ``patients``, ``events``, ``censored``, ``median_follow_up``,
        ``excluded`` and one ``excluded: <reason>`` row per reason.
        """
        rows: list[tuple[str, float]] = [
            ("patients", self.n_samples),
            ("events", self.n_events),
            ("censored", self.n_censored),
            ("median_follow_up", self.median_follow_up),
            ("excluded", self.n_excluded),
        ]
        rows += [(f"excluded: {reason}", n) for reason, n in self.excluded_reasons().items()]
        index, values = zip(*rows, strict=True)
        return pd.DataFrame({"value": [float(v) for v in values]}, index=list(index))

    def to_dict(self, *, include_samples: bool = True) -> dict[str, Any]:
        """JSON-safe dictionary: counts, median follow-up, exclusion reasons, the rule, and (with
        ``include_samples``) each patient's time and event or exclusion reason, which is
        patient-level data."""
        follow_up = self.median_follow_up
        summary: dict[str, Any] = {
            "event_name": self.event_name,
            "n_samples": self.n_samples,
            "n_events": self.n_events,
            "n_censored": self.n_censored,
            "median_follow_up": follow_up if math.isfinite(follow_up) else None,
            "n_excluded": self.n_excluded,
            "excluded_reasons": self.excluded_reasons(),
            "rule": self.rule,
        }
        if include_samples:
            summary["time"] = {str(p): float(t) for p, t in self.time.items()}
            summary["event"] = {str(p): bool(e) for p, e in self.event.items()}
            summary["excluded"] = {str(p): str(r) for p, r in self.excluded.items()}
        return summary

    def report(self) -> str:
        """One paragraph: patients, events, censored, median follow-up, exclusions.

        For example ``"100 patients, 96 with death, 4 censored; median follow-up 1042 (reverse
        Kaplan–Meier, unit of 'time_days'); 2 excluded: 2 missing time"``.
        """
        follow_up = self.median_follow_up
        unit = self.rule.get("time")
        unit_text = f", unit of '{unit}'" if unit else ""
        follow_text = (
            f"median follow-up {follow_up:.4g} (reverse Kaplan–Meier{unit_text})"
            if math.isfinite(follow_up)
            else "median follow-up not reached (fewer than half censored before the last time)"
        )
        text = (
            f"{self.n_samples} patients, {self.n_events} with {self.event_name}, "
            f"{self.n_censored} censored; {follow_text}; {self.n_excluded} excluded"
        )
        reasons = self.excluded_reasons()
        if reasons:
            text += ": " + ", ".join(f"{count} {reason}" for reason, count in reasons.items())
        return text


def _categorical_events(
    values: pd.Series,
    column: str,
    event_values: list | None,
    censor_values: list | None,
) -> tuple[dict[Hashable, int | None], dict[str, Any]]:
    """Map each patient's category to 1 (event), 0 (censored) or None (missing)."""
    normalised = values.map(_normalise)
    observed: dict[str, Any] = {}  # normalised -> first raw spelling
    for raw, norm in zip(values, normalised, strict=True):
        if norm is not None and norm not in observed:
            observed[norm] = _display(raw)
    event_set = None if event_values is None else {_normalise(v) for v in event_values}
    censor_set = None if censor_values is None else {_normalise(v) for v in censor_values}
    both = (event_set or set()) & (censor_set or set())
    if both:
        value = next(v for v in event_values or [] if _normalise(v) in both)
        raise InputError(
            f"value {value!r} is listed as both an event and censoring for '{column}'; "
            "list it in only one"
        )
    for listed, what in ((event_values or [], "event"), (censor_values or [], "censoring")):
        for value in listed:
            if _normalise(value) not in observed:
                raise InputError(
                    f"{what} value {value!r} never occurs in '{column}' (a typo?); observed "
                    f"values: {_list_values(observed.values())}"
                )
    events: dict[Hashable, int | None] = {}
    for patient, raw, norm in zip(values.index, values, normalised, strict=True):
        if norm is None:
            events[patient] = None
        elif event_set is not None and norm in event_set:
            events[patient] = 1
        elif censor_set is not None and norm in censor_set:
            events[patient] = 0
        elif event_set is None:  # only censor_values given: everything else is an event
            events[patient] = 1
        elif censor_set is None:  # only event_values given: everything else is censored
            events[patient] = 0
        else:
            raise InputError(
                f"'{column}' of patient '{patient}' is {_display(raw)!r}, neither an event value "
                f"({_list_values(event_values)}) nor a censoring value "
                f"({_list_values(censor_values)}); add it to one list"
            )
    coding = {
        "event_values": None if event_values is None else [_json_value(v) for v in event_values],
        "censor_values": None if censor_values is None else [_json_value(v) for v in censor_values],
    }
    return events, coding


def _survival_times(clinical: pd.DataFrame, time: str) -> pd.Series:
    """Times as floats (NaN where missing); a non-number or negative time is an error."""
    raw_times = clinical[time]
    missing = raw_times.map(_is_missing).astype(bool)
    times = pd.to_numeric(raw_times.where(~missing), errors="coerce").astype(float)
    bad = (times.isna() & ~missing) | np.isinf(times) | (times < 0)
    if bad.any():
        patient = times.index[bad.to_numpy()][0]
        raise InputError(
            f"time '{time}' of patient '{patient}' is {raw_times[patient]!r}; times must be "
            "finite numbers >= 0: fix or blank that value"
        )
    return times


def _indicator_events(values: pd.Series, event: str) -> dict[Hashable, int | None]:
    """1/0/None per patient from an indicator column (1/0, true/false, dead/alive)."""
    events: dict[Hashable, int | None] = {}
    for patient, value in values.items():
        try:
            events[patient] = _parse_event(value, patient, event)
        except InputError as error:
            raise InputError(
                f"{str(error).replace('of sample', 'of patient')}; for categories, give "
                "event_values=[...] (the values that are events)"
            ) from None
    return events


def _split_included(times: pd.Series, events: dict[Hashable, int | None], index: pd.Index):
    """Time and event Series of the patients with both, and the reason of every other one."""
    kept_time: dict[Hashable, float] = {}
    kept_event: dict[Hashable, bool] = {}
    reasons: dict[Hashable, str] = {}
    for patient, t in times.items():
        status = events[patient]
        if math.isnan(t) and status is None:
            reasons[patient] = "missing time and event"
        elif math.isnan(t):
            reasons[patient] = "missing time"
        elif status is None:
            reasons[patient] = "missing event"
        else:
            kept_time[patient] = float(t)
            kept_event[patient] = bool(status)
    included = pd.Index([p for p in index if p in kept_time], name=index.name)
    excluded_index = pd.Index([p for p in index if p in reasons], name=index.name)
    time_series = pd.Series([kept_time[p] for p in included], index=included, name="time")
    event_series = pd.Series(
        [kept_event[p] for p in included], index=included, name="event", dtype=bool
    )
    excluded = pd.Series(
        [reasons[p] for p in excluded_index], index=excluded_index, name="reason", dtype=object
    )
    return time_series, event_series, excluded


def _check_events(event_series: pd.Series, event: str, event_list: list | None) -> None:
    n_events, n_included = int(event_series.sum()), len(event_series)
    if n_events == 0:
        coding = (
            f" (event values {_list_values(event_list)})"
            if event_list is not None
            else " (1/true/dead)"
        )
        raise InputError(
            f"none of the {n_included} included patients has an event in '{event}'{coding}; a "
            "survival model needs events: check the column and the event coding"
        )
    if n_events == n_included:
        raise InputError(
            f"all {n_events} included patients have an event in '{event}' and none is censored; "
            "check the event coding (is every value counted as an event?) or list the censored "
            "categories with censor_values=[...]"
        )


def _value_lists(event_values, censor_values) -> tuple[list | None, list | None]:
    event_list = None if event_values is None else _as_list(event_values, "event_values")
    censor_list = None if censor_values is None else _as_list(censor_values, "censor_values")
    if event_list is not None and not event_list:
        raise InputError("event_values must list at least one value, or be None")
    if censor_list is not None and not censor_list:
        raise InputError("censor_values must list at least one value, or be None")
    return event_list, censor_list


def make_survival(
    clinical: pd.DataFrame,
    *,
    time: str,
    event: str,
    event_values: Sequence | None = None,
    censor_values: Sequence | None = None,
    event_name: str | None = None,
) -> SurvivalTarget:
    """Build a survival target (time, event) from two columns of a clinical table.

    The ``event`` column is either an indicator (``1``/``0``, ``True``/``False``,
    ``dead``/``alive``, ``deceased``/``living``) or a category, in which case ``event_values``
    (and/or ``censor_values``) say which categories are events. Categories are compared as
    stripped, case-insensitive strings (as in :func:`label_by_category`).

    **Time to polymetastatic progression** is the main use of categories: with
    ``event_values=["polymetastatic progression"]``, progression to polymetastatic disease is the
    event and everything else, including death without such progression, is censored at its time.
    This is a *cause-specific* view: it estimates the cause-specific hazard of progression, which
    is what a Cox model of the target fits, but ``1 - Kaplan–Meier`` of such a target overstates
    the cumulative incidence of progression when death is a common competing event (Putter et al.
    2007); use a competing-risks estimator (Aalen–Johansen) for absolute risks.

    Patients with a missing time or event are excluded with their reason, never dropped silently.

    Parameters
    ----------
    clinical : pandas.DataFrame
        One row per patient, indexed by patient ID.
    time : str
        Column with the time to event or censoring, a number >= 0 (any unit).
    event : str
        Column with the event indicator or the category of the outcome.
    event_values : sequence or None, default=None
        Categories of ``event`` that are events, e.g. ``["polymetastatic progression"]``. Without
        ``censor_values``, every other non-missing value is censored.
    censor_values : sequence or None, default=None
        Categories that are censored. Given alone, every other non-missing value is an event.
        Given with ``event_values``, a value in neither list is an error.
    event_name : str or None, default=None
        Human name of the event for reports. Default: the event values joined by ``"/"``, or
        ``"event"``.

    Returns
    -------
    SurvivalTarget

    Raises
    ------
    InputError
        If a column is absent, patient IDs repeat, a time is not a number or negative, an event
        value is not recognised, a listed category never occurs, or the included patients have
        no event (nothing to model) or only events (no censored patient: check the coding, e.g.
        a vital-status column where every value counts as an event).

    References
    ----------
    Putter H, Fiocco M, Geskus RB. Tutorial in biostatistics: competing risks and multi-state
    models. Stat Med 2007;26:2389-2430. :doi:`10.1002/sim.2712`

    Examples
    --------
    >>> import pandas as pd
    >>> clinical = pd.DataFrame(
    ...     {
    ...         "months": [3, 10, 14, 20, None],
    ...         "outcome": ["polymetastatic progression", "death", "none",
    ...                     "polymetastatic progression", "none"],
    ...     },
    ...     index=["p1", "p2", "p3", "p4", "p5"],
    ... )
    >>> target = make_survival(
    ...     clinical, time="months", event="outcome",
    ...     event_values=["polymetastatic progression"],
    ... )
    >>> target.event.tolist()
    [True, False, False, True]
    >>> target.excluded.to_dict()
    {'p5': 'missing time'}
    """
    if not isinstance(clinical, pd.DataFrame):
        raise InputError(f"clinical must be a pandas DataFrame, got {type(clinical).__name__}")
    _check_column(clinical, time)
    _check_column(clinical, event)
    duplicated = clinical.index[clinical.index.duplicated()]
    if len(duplicated):
        raise InputError(
            f"patient ID '{duplicated[0]}' occurs more than once in the clinical table; a survival "
            "target needs one row per patient"
        )
    event_list, censor_list = _value_lists(event_values, censor_values)
    times = _survival_times(clinical, time)
    if event_list is None and censor_list is None:
        events = _indicator_events(clinical[event], event)
        coding: dict[str, Any] = {"event_values": None, "censor_values": None}
    else:
        events, coding = _categorical_events(clinical[event], event, event_list, censor_list)
    time_series, event_series, excluded = _split_included(times, events, clinical.index)
    _check_events(event_series, event, event_list)
    if event_name is None:
        event_name = "/".join(map(str, event_list)) if event_list is not None else "event"
    rule = {"kind": "survival", "time": time, "event": event, **coding}
    target = SurvivalTarget(time_series, event_series, excluded, event_name, rule)
    logger.info("survival target: %s", target.report())
    return target
