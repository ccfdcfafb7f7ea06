"""Rules that turn one or two clinical columns into oligo (0) versus poly (1) labels."""

from __future__ import annotations

import difflib
import logging
import math
import numbers
import re
from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .._errors import InputError
from ._result import LabelResult

__all__ = ["label_by_category", "label_by_count", "label_by_time", "make_labels"]

logger = logging.getLogger(__name__)

_MISSING_TOKENS = frozenset({"", "na", "nan", "n/a", "null"})
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_EVENT_WORDS = {
    "1": 1,
    "true": 1,
    "dead": 1,
    "deceased": 1,
    "0": 0,
    "false": 0,
    "alive": 0,
    "living": 0,
}


# ------------------------------------------------------------------------------------ helpers
def _fmt(number: float) -> str:
    """Format a threshold without a spurious ``.0`` (``7.0`` -> ``"7"``, ``3.25`` -> ``"3.25"``)."""
    number = float(number)
    if number.is_integer():
        return str(int(number))
    return f"{number:g}"


def _name(series: pd.Series, default: str) -> str:
    return str(series.name) if series.name is not None else default


def _is_missing(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in _MISSING_TOKENS
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # list-like cells
        return False


def _normalise(value: Any) -> str | None:
    """Comparable form of a category value: stripped, lower-case, numbers without ``.0``.

    ``1``, ``1.0``, ``"1"``, ``" 1.0 "`` and ``True`` all become ``"1"``; ``"M1"`` becomes ``"m1"``.
    Missing values become ``None``.
    """
    if _is_missing(value):
        return None
    if isinstance(value, bool | np.bool_):
        return "1" if value else "0"
    if isinstance(value, numbers.Number):
        number = float(value)  # type: ignore[arg-type]
        return str(int(number)) if number.is_integer() else repr(number)
    text = str(value).strip().lower()
    if text in ("true", "false"):
        return "1" if text == "true" else "0"
    if _NUMBER.match(text):
        number = float(text)
        return str(int(number)) if number.is_integer() else repr(number)
    return text


def _check_unique_index(series: pd.Series, what: str) -> None:
    duplicated = series.index[series.index.duplicated()]
    if len(duplicated):
        raise InputError(
            f"sample ID '{duplicated[0]}' occurs more than once in {what}; "
            "make the sample IDs unique before labelling"
        )


def _to_numbers(series: pd.Series, what: str) -> pd.Series:
    """Numeric copy of ``series``; missing stays NaN, anything else non-numeric is an error."""
    missing = series.map(_is_missing).astype(bool)
    numbers_ = pd.to_numeric(series.where(~missing), errors="coerce").astype(float)
    bad = numbers_.isna() & ~missing
    if bad.any():
        sample = bad.index[bad.to_numpy()][0]
        raise InputError(
            f"{what} of sample '{sample}' is {series[sample]!r}, not a number; "
            "fix or blank that value"
        )
    return numbers_


def _result(
    labels: dict[Hashable, int],
    reasons: dict[Hashable, str],
    index: pd.Index,
    positive_name: str,
    negative_name: str,
    rule: dict[str, Any],
) -> LabelResult:
    included = [sample for sample in index if sample in labels]
    excluded = [sample for sample in index if sample in reasons]
    y = pd.Series(
        [labels[sample] for sample in included],
        index=pd.Index(included, name=index.name),
        name="label",
        dtype="int64",
    )
    excluded_series = pd.Series(
        [reasons[sample] for sample in excluded],
        index=pd.Index(excluded, name=index.name),
        name="reason",
        dtype=object,
    )
    result = LabelResult(y, excluded_series, positive_name, negative_name, rule)
    logger.info("labels (%s): %s", rule.get("kind"), result.report())
    return result


# -------------------------------------------------------------------------------------- rules
def label_by_count(
    values: pd.Series, *, oligo_max: float, poly_min: float | None = None
) -> LabelResult:
    """Label by a count of metastases: few (oligo, 0) versus many (poly, 1).

    A sample is oligometastatic (0) if ``n <= oligo_max`` and polymetastatic (1) if
    ``n >= poly_min``; counts strictly between are an excluded middle band. Missing counts are
    excluded with the reason ``"missing value"``.

    Parameters
    ----------
    values : pandas.Series
        Number of metastases per sample, indexed by sample ID. Numeric strings are accepted.
    oligo_max : float
        Largest count still called oligometastatic (the "N" of "<= N metastases").
    poly_min : float, optional
        Smallest count called polymetastatic. Default: any count above ``oligo_max``, i.e. no
        middle band. Wuttig et al. (2009) compared few (< 8) with many (> 16) lung metastases:
        ``oligo_max=7, poly_min=17``.

    Returns
    -------
    LabelResult

    Raises
    ------
    InputError
        If a count is not a number, negative or not a whole number, or ``poly_min <= oligo_max``.

    References
    ----------
    Wuttig D, Baier B, Fuessel S, et al. Gene signatures of pulmonary metastases of renal cell
    carcinoma reflect the disease-free interval and the number of metastases per patient.
    Int J Cancer 2009;125:474-482. :doi:`10.1002/ijc.24353`

    Examples
    --------
    >>> import pandas as pd
    >>> counts = pd.Series({"a": 1, "b": 3, "c": 10, "d": None})
    >>> label_by_count(counts, oligo_max=3).report()
    '1 poly (>3) (1) vs 2 oligo (<=3) (0); 1 excluded: 1 missing value'
    """
    what = _name(values, "count")
    _check_unique_index(values, f"column '{what}'")
    if isinstance(oligo_max, bool) or not isinstance(oligo_max, numbers.Real):
        raise InputError(f"oligo_max must be a number, got {oligo_max!r}")
    if poly_min is not None:
        if isinstance(poly_min, bool) or not isinstance(poly_min, numbers.Real):
            raise InputError(f"poly_min must be a number, got {poly_min!r}")
        if poly_min <= oligo_max:
            raise InputError(
                f"poly_min ({_fmt(poly_min)}) must be greater than oligo_max ({_fmt(oligo_max)})"
            )
    counts = _to_numbers(values, f"'{what}'")
    for sample, count in counts.items():
        if math.isnan(count):
            continue
        if count < 0 or not float(count).is_integer():
            raise InputError(
                f"'{what}' of sample '{sample}' is {values[sample]!r}; counts of metastases must "
                "be whole numbers >= 0"
            )

    if poly_min is None:
        positive_name, band = f"poly (>{_fmt(oligo_max)})", None
    else:
        positive_name = f"poly (>={_fmt(poly_min)})"
        if float(oligo_max).is_integer() and float(poly_min).is_integer():
            band = f"{_fmt(oligo_max + 1)} <= n <= {_fmt(poly_min - 1)}"
        else:
            band = f"{_fmt(oligo_max)} < n < {_fmt(poly_min)}"
    negative_name = f"oligo (<={_fmt(oligo_max)})"

    labels: dict[Hashable, int] = {}
    reasons: dict[Hashable, str] = {}
    for sample, count in counts.items():
        if math.isnan(count):
            reasons[sample] = "missing value"
        elif count <= oligo_max:
            labels[sample] = 0
        elif poly_min is None or count >= poly_min:
            labels[sample] = 1
        else:
            reasons[sample] = f"in excluded middle band ({band})"
    rule = {
        "kind": "count",
        "column": values.name if isinstance(values.name, str) else None,
        "oligo_max": float(oligo_max),
        "poly_min": None if poly_min is None else float(poly_min),
    }
    return _result(labels, reasons, values.index, positive_name, negative_name, rule)


def label_by_category(
    values: pd.Series, *, positive: Sequence, negative: Sequence | None = None
) -> LabelResult:
    """Label by category: listed positive values are 1, listed negative values are 0.

    Values are compared as stripped, case-insensitive strings with numbers written without a
    trailing ``.0``, so ``1``, ``1.0``, ``"1"`` and ``True`` match each other and ``"M1"`` matches
    ``"m1"``. Missing values are excluded with the reason ``"missing value"``; values in neither
    list are excluded with the reason ``"value 'MX' is neither positive nor negative"``.

    Parameters
    ----------
    values : pandas.Series
        One clinical column, indexed by sample ID.
    positive : sequence
        Values of the positive class (1), e.g. ``["M1"]``. A single string is one value.
    negative : sequence, optional
        Values of the negative class (0), e.g. ``["M0"]``. Default: every non-missing value not in
        ``positive`` (recorded as ``"negative_is_rest": True`` in the rule).

    Returns
    -------
    LabelResult

    Raises
    ------
    InputError
        If a value is listed as both positive and negative, or a listed value never occurs in the
        data (probably a typo; the message lists the observed values).

    Examples
    --------
    >>> import pandas as pd
    >>> stage = pd.Series({"a": "M0", "b": "M1", "c": "MX", "d": "m0"})
    >>> label_by_category(stage, positive=["M1"], negative=["M0"]).report()
    "1 M1 (1) vs 2 M0 (0); 1 excluded: 1 value 'MX' is neither positive nor negative"
    """
    what = _name(values, "values")
    _check_unique_index(values, f"column '{what}'")
    positive_list = _as_list(positive, "positive")
    negative_list = None if negative is None else _as_list(negative, "negative")
    if not positive_list:
        raise InputError("positive must list at least one value")
    if negative_list is not None and not negative_list:
        raise InputError("negative must list at least one value, or be None for 'all others'")

    normalised = values.map(_normalise)
    observed: dict[str, Any] = {}  # normalised -> first raw spelling, in order of appearance
    for raw, norm in zip(values, normalised, strict=True):
        if norm is not None and norm not in observed:
            observed[norm] = raw.strip() if isinstance(raw, str) else raw
    positive_set = {_normalise(value) for value in positive_list}
    negative_set = None if negative_list is None else {_normalise(v) for v in negative_list}
    both = positive_set & (negative_set or set())
    if both:
        value = next(v for v in positive_list if _normalise(v) in both)
        raise InputError(
            f"value {value!r} is listed as both positive and negative for '{what}'; "
            "list it in only one"
        )
    observed_text = _list_values(observed.values())
    for listed, label in ((positive_list, "positive"), (negative_list or [], "negative")):
        for value in listed:
            if _normalise(value) not in observed:
                raise InputError(
                    f"{label} value {value!r} never occurs in '{what}' (a typo?); "
                    f"observed values: {observed_text}"
                )

    labels: dict[Hashable, int] = {}
    reasons: dict[Hashable, str] = {}
    for sample, raw, norm in zip(values.index, values, normalised, strict=True):
        if norm is None:
            reasons[sample] = "missing value"
        elif norm in positive_set:
            labels[sample] = 1
        elif negative_set is None or norm in negative_set:
            labels[sample] = 0
        else:
            reasons[sample] = f"value '{_display(raw)}' is neither positive nor negative"

    positive_name = "/".join(str(value) for value in positive_list)
    if negative_list is not None:
        negative_name = "/".join(str(value) for value in negative_list)
    else:
        rest = sorted(str(raw) for norm, raw in observed.items() if norm not in positive_set)
        negative_name = "/".join(rest) if 0 < len(rest) <= 3 else f"not {positive_name}"
    rule = {
        "kind": "category",
        "column": values.name if isinstance(values.name, str) else None,
        "positive": [_json_value(value) for value in positive_list],
        "negative": None if negative_list is None else [_json_value(v) for v in negative_list],
        "negative_is_rest": negative_list is None,
    }
    return _result(labels, reasons, values.index, positive_name, negative_name, rule)


def label_by_time(
    time: pd.Series,
    event: pd.Series,
    *,
    horizon: float,
    event_values: Sequence | None = None,
    censor_values: Sequence | None = None,
) -> LabelResult:
    """Label by time to event at a horizon ``H``: event within ``H`` (1) versus event-free (0).

    ============================================  ==============================================
    sample                                        label
    ============================================  ==============================================
    event and ``time <= H``                       1 (``"event within H"``)
    ``time > H`` (event later or never)           0 (``"event-free beyond H"``)
    censored (no event) at ``time >= H``          0
    censored (no event) at ``time < H``           excluded: status at ``H`` unknown
    time or event missing                         excluded
    ============================================  ==============================================

    Parameters
    ----------
    time : pandas.Series
        Time to event or censoring, indexed by sample ID, in the unit of ``horizon``.
    event : pandas.Series
        Event indicator with the same sample IDs: 0/1, booleans, or the case-insensitive
        strings ``"0"``/``"1"``, ``"true"``/``"false"``, ``"dead"``/``"alive"``,
        ``"deceased"``/``"living"``.
    horizon : float
        The horizon ``H`` (> 0).
    event_values, censor_values : sequence or None
        For an ``event`` column of categories (``relapse``/``no relapse``): the values that are
        an event, and those that are censored (compared stripped and case-insensitively, as in
        :func:`label_by_category`). Given one list, every other non-missing value is the other
        kind; given both, a value in neither is an error. As for
        :func:`~oligomet.labels.make_survival`.

    Returns
    -------
    LabelResult

    Raises
    ------
    InputError
        If ``horizon <= 0``, a time is negative or not a number, an event value is not recognised,
        a listed event value never occurs, or ``time`` and ``event`` have different sample IDs.

    Examples
    --------
    >>> import pandas as pd
    >>> time = pd.Series({"a": 1.0, "b": 7.0, "c": 3.2, "d": 5.0})
    >>> event = pd.Series({"a": 1, "b": 1, "c": 0, "d": 0})
    >>> result = label_by_time(time, event, horizon=5)
    >>> result.y.to_dict(), result.excluded.to_dict()
    ({'a': 1, 'b': 0, 'd': 0}, {'c': 'censored before horizon (3.2 < 5)'})
    """
    if isinstance(horizon, bool) or not isinstance(horizon, numbers.Real) or not horizon > 0:
        raise InputError(f"horizon must be a number > 0, got {horizon!r}")
    time_name, event_name = _name(time, "time"), _name(event, "event")
    _check_unique_index(time, f"column '{time_name}'")
    _check_unique_index(event, f"column '{event_name}'")
    if not time.index.equals(event.index):
        only_time = time.index.difference(event.index)
        only_event = event.index.difference(time.index)
        if len(only_time) or len(only_event):
            sample, where = (
                (only_time[0], f"'{time_name}' but not '{event_name}'")
                if len(only_time)
                else (only_event[0], f"'{event_name}' but not '{time_name}'")
            )
            raise InputError(
                f"sample '{sample}' is in {where}; give time and event for the same samples"
            )
        event = event.reindex(time.index)

    times = _to_numbers(time, f"time '{time_name}'")
    negative_times = times < 0
    if negative_times.any():
        sample = times.index[negative_times.to_numpy()][0]
        raise InputError(
            f"time '{time_name}' of sample '{sample}' is negative ({times[sample]:g}); "
            "times must be >= 0"
        )
    if event_values is None and censor_values is None:
        events = {s: _parse_event(value, s, event_name) for s, value in event.items()}
    else:
        events = _coded_events(event, event_name, event_values, censor_values)

    labels: dict[Hashable, int] = {}
    reasons: dict[Hashable, str] = {}
    for sample, t in times.items():
        status = events[sample]
        if math.isnan(t):
            reasons[sample] = "missing time"
        elif status is None:
            reasons[sample] = "missing event"
        elif status == 1 and t <= horizon:
            labels[sample] = 1
        elif t >= horizon:  # event-free beyond H (event later or never), or censored at H
            labels[sample] = 0
        else:
            reasons[sample] = f"censored before horizon ({_fmt(t)} < {_fmt(horizon)})"
    rule = {
        "kind": "time",
        "time": time.name if isinstance(time.name, str) else None,
        "event": event.name if isinstance(event.name, str) else None,
        "horizon": float(horizon),
    }
    if event_values is not None:
        rule["event_values"] = [_json_value(v) for v in _as_list(event_values, "event_values")]
    if censor_values is not None:
        rule["censor_values"] = [_json_value(v) for v in _as_list(censor_values, "censor_values")]
    h = _fmt(horizon)
    return _result(labels, reasons, time.index, f"event within {h}", f"event-free beyond {h}", rule)


def make_labels(
    clinical: pd.DataFrame,
    *,
    column: str,
    positive: Sequence | None = None,
    negative: Sequence | None = None,
    time: str | None = None,
    horizon: float | None = None,
    oligo_max: float | None = None,
    poly_min: float | None = None,
) -> LabelResult:
    """Label the samples (rows) of a clinical table, choosing the rule from the options given.

    ================================  =========================================================
    options                           rule
    ================================  =========================================================
    ``time`` and ``horizon``          :func:`label_by_time`, ``column`` is the event indicator
                                      (its event / censored categories in ``positive`` /
                                      ``negative``, e.g. ``relapse`` / ``no relapse``)
    ``oligo_max`` (and ``poly_min``)  :func:`label_by_count` on ``column``
    ``positive`` (and ``negative``)   :func:`label_by_category` on ``column``
    none, ``column`` holds only 0/1   :func:`label_by_category`, ``positive=[1]``,
                                      ``negative=[0]``
    ================================  =========================================================

    Parameters
    ----------
    clinical : pandas.DataFrame
        One row per sample, indexed by sample ID.
    column : str
        The column to label by (the event indicator when ``time`` is given).
    positive, negative : sequence, optional
        Category values of the positive (1) and negative (0) class; with ``time``, the values
        of the event column that are an event and that are censored.
    time : str, optional
        Column with the time to event; requires ``horizon``.
    horizon : float, optional
        Horizon for the time rule, in the unit of the ``time`` column.
    oligo_max, poly_min : float, optional
        Count thresholds for the count rule.

    Returns
    -------
    LabelResult
        With ``rule["column"]`` set to ``column``.

    Raises
    ------
    InputError
        If a column is unknown, the options are incomplete or conflicting, or the labels contain
        only one class.
    """
    if not isinstance(clinical, pd.DataFrame):
        raise InputError(f"clinical must be a pandas DataFrame, got {type(clinical).__name__}")
    _check_column(clinical, column)
    uses_count = oligo_max is not None or poly_min is not None
    uses_time = time is not None or horizon is not None
    # With a time, positive/negative name the event column's event and censored values.
    uses_category = (positive is not None or negative is not None) and not uses_time
    if sum((uses_count, uses_category, uses_time)) > 1:
        raise InputError(
            "give options of one rule only: time=/horizon=, oligo_max=/poly_min=, "
            "or positive=/negative="
        )

    values = clinical[column]
    if uses_time:
        if time is None or horizon is None:
            raise InputError("the time rule needs both time= (a column) and horizon= (a number)")
        _check_column(clinical, time)
        result = label_by_time(
            clinical[time],
            values,
            horizon=horizon,
            event_values=positive,
            censor_values=negative,
        )
        result.rule["time"], result.rule["event"] = time, column
    elif uses_count:
        if oligo_max is None:
            raise InputError("poly_min= needs oligo_max= as well")
        result = label_by_count(values, oligo_max=oligo_max, poly_min=poly_min)
    elif uses_category:
        if positive is None:
            raise InputError("negative= needs positive= as well")
        result = label_by_category(values, positive=positive, negative=negative)
    else:
        normalised = values.map(_normalise)
        observed = {v for v in normalised if v is not None}
        if not observed:
            raise InputError(
                f"column '{column}' has no value: all {len(values)} samples are missing it; fill "
                "it in, or choose another column"
            )
        if observed <= {"0", "1"}:
            if len(observed) == 1:
                only = next(iter(observed))
                raise InputError(
                    f"column '{column}' gives only {int((normalised == only).sum())} samples, "
                    f"all {only}; need both classes"
                )
            result = label_by_category(values, positive=[1], negative=[0])
        else:
            shown = _list_values(pd.unique(values.dropna()), limit=10)
            raise InputError(
                f"cannot tell how to label '{column}' (values: {shown}); pass positive=/negative= "
                "for categories, oligo_max= for counts, or time= and horizon= for time to event"
            )
    result.rule["column"] = column

    if result.y.empty:
        raise InputError(f"no samples left to label in '{column}' ({result.report()})")
    classes = result.y.unique()
    if len(classes) == 1:
        name = result.positive_name if classes[0] == 1 else result.negative_name
        raise InputError(
            f"column '{column}' gives only {len(result.y)} samples, all {name}; need both "
            f"classes ({result.n_excluded} excluded)"
        )
    return result


# --------------------------------------------------------------------------- small utilities
def _display(value: Any) -> Any:
    """A value as the user wrote it: ``9`` rather than ``9.0`` for a whole number read as float."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return int(value)
    return value


def _as_list(values: Sequence | Any, what: str) -> list:
    if isinstance(values, str) or not isinstance(values, Sequence | set | frozenset | np.ndarray):
        return [values]
    return list(values)


def _json_value(value: Any) -> Any:
    """A JSON-safe copy of a category value (numpy scalars become Python scalars)."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _list_values(values: Any, limit: int = 20) -> str:
    values = list(values)
    shown = ", ".join(repr(v.item() if isinstance(v, np.generic) else v) for v in values[:limit])
    more = f" (+{len(values) - limit} more)" if len(values) > limit else ""
    return (shown or "none") + more


def _coded_events(
    event: pd.Series, column: str, event_values: Sequence | None, censor_values: Sequence | None
) -> dict[Hashable, int | None]:
    """Each sample's event (1), censoring (0) or None (missing), from categories listed as
    events and/or as censored."""
    events = {_normalise(v) for v in _as_list(event_values or [], "event_values")}
    censored = {_normalise(v) for v in _as_list(censor_values or [], "censor_values")}
    observed = {_normalise(v) for v in event if not _is_missing(v)}
    for listed, what in ((events, "event"), (censored, "censored")):
        absent = sorted(v for v in listed if v not in observed)
        if absent:
            shown = _list_values(pd.unique(event.dropna()), limit=10)
            raise InputError(
                f"{what} value {absent[0]!r} never occurs in '{column}' (values: {shown})"
            )
    coded: dict[Hashable, int | None] = {}
    for sample, value in event.items():
        norm = _normalise(value)
        if norm is None:
            coded[sample] = None
        elif norm in events or (not events and norm not in censored):
            coded[sample] = 1
        elif norm in censored or not censored:
            coded[sample] = 0
        else:
            raise InputError(
                f"event '{column}' of sample '{sample}' is {value!r}, neither an event value nor "
                "a censored one; list it with --positive or --negative"
            )
    return coded


def _parse_event(value: Any, sample: Hashable, column: str) -> int | None:
    if _is_missing(value):
        return None
    if isinstance(value, bool | np.bool_):
        return int(value)
    if isinstance(value, numbers.Number):
        number = float(value)  # type: ignore[arg-type]
        if number in (0.0, 1.0):
            return int(number)
    else:
        text = str(value).strip().lower()
        if text in _EVENT_WORDS:
            return _EVENT_WORDS[text]
        if _NUMBER.match(text) and float(text) in (0.0, 1.0):
            return int(float(text))
    raise InputError(
        f"event '{column}' of sample '{sample}' is {value!r}; use 0/1, true/false, dead/alive "
        "or deceased/living, or name the event value(s) with --positive (positive=) and the "
        "censored ones with --negative (negative=)"
    )


def _check_column(clinical: pd.DataFrame, column: str) -> None:
    if column in clinical.columns:
        return
    available = [str(c) for c in clinical.columns]
    close = difflib.get_close_matches(str(column), available, n=5, cutoff=0.5)
    ordered = close + [c for c in available if c not in close]
    shown = ", ".join(ordered[:15]) + (f" (+{len(ordered) - 15} more)" if len(ordered) > 15 else "")
    raise InputError(f"no column '{column}' in the clinical table; available: {shown or 'none'}")
