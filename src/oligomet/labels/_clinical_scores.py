"""Clinical risk baselines for colorectal liver metastases: Fong score, Pitroda integrated risk.

Both are pure functions over a clinical table (one row a patient, index = patient ID). Clinical
values are parsed leniently (booleans, ``0``/``1``, yes/no, positive/negative, ``N0``/``N1``/``N2``,
numeric strings) and strictly: a value that is neither recognised nor empty raises
:class:`~oligomet._errors.InputError` naming the column, the patient and the value.
"""

from __future__ import annotations

import logging
import math
import numbers
import re
from collections.abc import Hashable
from typing import Any

import numpy as np
import pandas as pd

from .._errors import InputError

__all__ = ["CRS_FACTORS", "fong_crs", "integrated_risk"]

logger = logging.getLogger(__name__)

# Fong et al. 1999, Table 5: one point for each factor strictly beyond its threshold.
_DFI_MONTHS = 12.0  # disease-free interval < 12 months
_MAX_TUMOURS = 1  # more than one liver tumour
_CEA_NG_ML = 200.0  # preoperative CEA > 200 ng/mL
_SIZE_CM = 5.0  # largest liver tumour > 5 cm

#: Names of the five point columns of :func:`fong_crs`, in the order of Fong et al. (1999).
CRS_FACTORS = (
    "crs_node_positive",
    "crs_dfi_under_12_months",
    "crs_multiple_tumours",
    "crs_cea_over_200",
    "crs_largest_over_5_cm",
)
_N_FACTORS = len(CRS_FACTORS)
_MISSING_RULES = ("katipally", "bounds", "strict")
_SUBTYPES = ("canonical", "immune", "stromal")
_RISK_LEVELS = ("low", "intermediate", "high")

# Empty cells and the spellings of "not known" found in clinical exports (TCGA writes
# "[Not Available]", "[Unknown]"); all of them mean "missing", never "negative".
_MISSING_TOKENS = frozenset(
    {
        "",
        "na",
        "nan",
        "n/a",
        "null",
        "none",
        "unknown",
        "not available",
        "not evaluated",
        "not applicable",
    }
)
_TRUE_WORDS = frozenset({"1", "true", "yes", "positive", "pos", "+"})
_FALSE_WORDS = frozenset({"0", "false", "no", "negative", "neg", "-"})
# TNM regional-node category with optional clinical/pathological/post-therapy prefix (c, p, yp)
# and subdivision (N1a, N2b, N1mi, N0(i+)); NX means "cannot be assessed".
_N_CATEGORY = re.compile(r"^(?:y?[cp])?n(?P<category>[0-3x])(?:[a-c]|mi)?(?:\s*\(.*\))?$")
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


# ------------------------------------------------------------------------- parsing (shared)
def _is_missing(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().strip("[]").strip().lower() in _MISSING_TOKENS
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # list-like cells are values, not missing
        return False


def _where(column: str, patient: Hashable) -> str:
    return f"column '{column}', patient '{patient}'"


def _parse_flag(value: Any, column: str, patient: Hashable, *, node_status: bool) -> bool | None:
    """One yes/no cell as ``True``/``False``, or ``None`` when missing.

    With ``node_status=True`` TNM node categories are understood too: ``N0`` is negative,
    ``N1``-``N3`` (any subdivision or prefix) positive and ``NX`` missing.
    """
    if _is_missing(value):
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, numbers.Number) and float(value) in (0.0, 1.0):  # type: ignore[arg-type]
        return float(value) == 1.0  # type: ignore[arg-type]
    text = str(value).strip().lower()
    if _NUMBER.match(text) and float(text) in (0.0, 1.0):
        return float(text) == 1.0
    if text in _TRUE_WORDS:
        return True
    if text in _FALSE_WORDS:
        return False
    if node_status:
        match = _N_CATEGORY.match(text)
        if match:
            category = match.group("category")
            return None if category == "x" else category != "0"
    accepted = "N0/N1/N2/N3, " if node_status else ""
    raise InputError(
        f"{_where(column, patient)}: {value!r} is not a recognised yes/no value; use "
        f"{accepted}yes/no, positive/negative, true/false or 1/0, or leave it empty if unknown"
    )


def _parse_number(value: Any, column: str, patient: Hashable) -> float | None:
    """One non-negative numeric cell as a float, or ``None`` when missing."""
    if _is_missing(value):
        return None
    number: float | None = None
    if isinstance(value, numbers.Number) and not isinstance(value, bool | np.bool_):
        number = float(value)  # type: ignore[arg-type]
    elif isinstance(value, str) and _NUMBER.match(value.strip()):
        number = float(value.strip())
    if number is None or not math.isfinite(number):
        raise InputError(
            f"{_where(column, patient)}: {value!r} is not a number; "
            "fix the value or leave it empty if unknown"
        )
    if number < 0:
        raise InputError(
            f"{_where(column, patient)}: {value!r} is negative; "
            "this quantity cannot be below 0, so fix the value or leave it empty if unknown"
        )
    return number


def _check_table(clinical: Any, what: str = "clinical") -> None:
    if not isinstance(clinical, pd.DataFrame):
        raise InputError(
            f"{what} must be a pandas DataFrame with one row per patient, "
            f"got {type(clinical).__name__}"
        )
    _check_unique_index(clinical.index, what)


def _check_unique_index(index: pd.Index, what: str) -> None:
    duplicated = index[index.duplicated()]
    if len(duplicated):
        raise InputError(
            f"patient ID '{duplicated[0]}' occurs more than once in {what}; "
            "give each patient one row"
        )


def _column(clinical: pd.DataFrame, column: Hashable | None, argument: str) -> pd.Series | None:
    """The column ``column`` of ``clinical``; ``None`` when the caller says it is not recorded."""
    if column is None:
        return None
    if column not in clinical.columns:
        available = ", ".join(repr(name) for name in clinical.columns) or "none"
        raise InputError(
            f"column {column!r} (the {argument} argument) is not in the clinical table; "
            f"available columns: {available}. Pass {argument}=<your column name>, "
            f"or {argument}=None if it was not recorded"
        )
    return clinical[column]


def _flags(
    clinical: pd.DataFrame, column: Hashable | None, argument: str, *, node_status: bool = False
) -> pd.Series:
    """A nullable-boolean Series parsed from ``column`` (all missing when ``column`` is None)."""
    series = _column(clinical, column, argument)
    if series is None:
        return pd.Series(pd.NA, index=clinical.index, dtype="boolean")
    values = [
        _parse_flag(value, str(column), patient, node_status=node_status)
        for patient, value in series.items()
    ]
    return pd.Series(pd.array(values, dtype="boolean"), index=clinical.index)


def _numbers(clinical: pd.DataFrame, column: Hashable | None, argument: str) -> pd.Series:
    """A nullable-float Series parsed from ``column`` (all missing when ``column`` is None)."""
    series = _column(clinical, column, argument)
    if series is None:
        return pd.Series(pd.NA, index=clinical.index, dtype="Float64")
    values = [_parse_number(value, str(column), patient) for patient, value in series.items()]
    return pd.Series(pd.array(values, dtype="Float64"), index=clinical.index)


def _check_cutoff(cutoff: Any) -> int:
    if isinstance(cutoff, bool | np.bool_) or not isinstance(cutoff, numbers.Integral):
        raise InputError(f"cutoff must be an integer from 1 to 5, got {cutoff!r}")
    if not 1 <= int(cutoff) <= _N_FACTORS:
        raise InputError(f"cutoff must be an integer from 1 to 5, got {cutoff!r}")
    return int(cutoff)


# ------------------------------------------------------------------------------- Fong score
def fong_crs(
    clinical: pd.DataFrame,
    *,
    node_positive: Hashable | None = "node_positive",
    disease_free_interval: Hashable | None = "disease_free_interval_months",
    n_tumours: Hashable | None = "n_liver_tumours",
    cea: Hashable | None = "cea_ng_ml",
    largest_tumour: Hashable | None = "largest_tumour_cm",
    cutoff: int = 3,
    missing: str = "katipally",
) -> pd.DataFrame:
    """Fong clinical risk score (CRS) for resected colorectal liver metastases.

    One point for each of five factors (Fong et al. 1999): node-positive primary tumour;
    disease-free interval from the primary to the detection of liver metastases below 12 months;
    more than one liver tumour; preoperative CEA above 200 ng/mL; largest liver tumour above 5 cm.
    A value exactly at a threshold (12 months, 1 tumour, 200 ng/mL, 5 cm) scores 0. A score of at
    least ``cutoff`` is high risk.

    Parameters
    ----------
    clinical : pandas.DataFrame
        One row per patient, indexed by patient ID. Other columns are ignored.
    node_positive : hashable or None, default="node_positive"
        Column with the nodal status of the primary: booleans, ``1``/``0``, yes/no,
        positive/negative or a TNM node category (``N0`` negative; ``N1``-``N3`` with any
        subdivision or ``c``/``p``/``yp`` prefix positive; ``NX`` missing). Case-insensitive.
    disease_free_interval : hashable or None, default="disease_free_interval_months"
        Column with the months from the primary to the detection of liver metastases (0 for
        synchronous metastases).
    n_tumours : hashable or None, default="n_liver_tumours"
        Column with the number of liver tumours (a positive integer).
    cea : hashable or None, default="cea_ng_ml"
        Column with the preoperative serum CEA in ng/mL.
    largest_tumour : hashable or None, default="largest_tumour_cm"
        Column with the diameter of the largest liver tumour in cm.
    cutoff : int, default=3
        Lowest score called high risk: 3 follows Fong et al. (scores 3-5 high), 2 follows
        Pitroda et al. (2018).
    missing : {"katipally", "bounds", "strict"}, default="katipally"
        How to call patients with missing factors (their ``crs`` is always ``<NA>``):

        - ``"katipally"``: high when the known points already reach ``cutoff``, otherwise
          unscorable (Katipally et al. 2023).
        - ``"bounds"``: as ``"katipally"``, and also low when the known points plus one point
          for every missing factor still stay below ``cutoff``. This is an oligomet extension,
          not a published rule: it uses only what the data can still prove.
        - ``"strict"``: any missing factor makes the patient unscorable.

    Numeric columns accept numbers and numeric strings; negative values are errors. Empty cells,
    ``NaN``, ``<NA>``, "NA", "unknown" and "[Not Available]" are missing. Pass ``None`` for a
    column that was not recorded at all: the factor is then missing for every patient.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``clinical``, with columns:

        - the five point columns of :data:`CRS_FACTORS` (nullable ``Int64``: 1, 0 or ``<NA>``);
        - ``crs_known`` (``Int64``): sum of the known points;
        - ``crs_missing`` (``Int64``): number of missing factors;
        - ``crs`` (``Int64``): the score 0-5, ``<NA>`` unless all five factors are known;
        - ``crs_high`` (nullable ``boolean``): score at least ``cutoff``, ``<NA>`` = unscorable;
        - ``crs_group`` (ordered categorical ``"low"`` < ``"high"``, ``<NA>`` = unscorable).

        ``DataFrame.attrs`` holds ``{"cutoff": cutoff, "missing": missing}``, which
        :func:`integrated_risk` checks. pandas drops ``attrs`` in some operations (for example
        :func:`pandas.concat` of frames with different ``attrs``).

    Raises
    ------
    InputError
        If a named column is absent (the message lists the available columns), a value cannot
        be parsed or is negative (the message names the column, the patient and the value), the
        number of tumours is 0 or not a whole number, patient IDs repeat, or ``cutoff`` or
        ``missing`` is invalid.

    See Also
    --------
    integrated_risk : Pitroda et al.'s combination of the CRS with molecular subtypes.

    References
    ----------
    .. [1] Fong Y, Fortner J, Sun RL, Brennan MF, Blumgart LH. Clinical score for predicting
       recurrence after hepatic resection for metastatic colorectal cancer: analysis of 1001
       consecutive cases. Ann Surg 1999;230:309-318. :doi:`10.1097/00000658-199909000-00004`
    .. [2] Pitroda SP, Khodarev NN, Huang L, et al. Integrated molecular subtyping defines a
       curable oligometastatic state in colorectal liver metastasis. Nat Commun 2018;9:1793.
       :doi:`10.1038/s41467-018-04278-6`
    .. [3] Katipally RR, et al. Integrated clinical-molecular
       classification of colorectal liver metastases: a biomarker validation study.
       JAMA Oncol 2023. :doi:`10.1001/jamaoncol.2023.2535`

    Examples
    --------
    >>> import pandas as pd
    >>> from oligomet.labels import fong_crs
    >>> clinical = pd.DataFrame(
    ...     {
    ...         "node_positive": ["N1", "N0", "yes", None],
    ...         "disease_free_interval_months": [6, 24, 3, 2],
    ...         "n_liver_tumours": [3, 1, 2, 4],
    ...         "cea_ng_ml": [250, 5, None, 100],
    ...         "largest_tumour_cm": [6.5, 2.0, 3.0, 5.0],
    ...     },
    ...     index=["P1", "P2", "P3", "P4"],
    ... )
    >>> scores = fong_crs(clinical, cutoff=3)
    >>> scores[["crs_known", "crs_missing", "crs", "crs_group"]]
        crs_known  crs_missing   crs crs_group
    P1          5            0     5      high
    P2          0            0     0       low
    P3          3            1  <NA>      high
    P4          2            1  <NA>       NaN
    >>> fong_crs(clinical, cutoff=3, missing="strict")["crs_group"].tolist()
    ['high', 'low', nan, nan]
    """
    _check_table(clinical)
    cutoff = _check_cutoff(cutoff)
    if missing not in _MISSING_RULES:
        raise InputError(
            f"missing must be one of {', '.join(map(repr, _MISSING_RULES))}, got {missing!r}"
        )

    node = _flags(clinical, node_positive, "node_positive", node_status=True)
    interval = _numbers(clinical, disease_free_interval, "disease_free_interval")
    tumours = _numbers(clinical, n_tumours, "n_tumours")
    _check_tumour_counts(tumours, str(n_tumours))
    cea_values = _numbers(clinical, cea, "cea")
    size = _numbers(clinical, largest_tumour, "largest_tumour")

    points = pd.DataFrame(
        {
            "crs_node_positive": node,
            "crs_dfi_under_12_months": interval < _DFI_MONTHS,
            "crs_multiple_tumours": tumours > _MAX_TUMOURS,
            "crs_cea_over_200": cea_values > _CEA_NG_ML,
            "crs_largest_over_5_cm": size > _SIZE_CM,
        },
        index=clinical.index,
    ).astype("Int64")
    known = points.sum(axis=1, skipna=True).astype("Int64")
    n_missing = points.isna().sum(axis=1).astype("Int64")
    complete = n_missing == 0
    score = known.where(complete, pd.NA)

    high = pd.Series(pd.NA, index=clinical.index, dtype="boolean")
    high[complete] = score[complete] >= cutoff
    if missing in ("katipally", "bounds"):
        high[~complete & (known >= cutoff)] = True
    if missing == "bounds":
        high[~complete & (known + n_missing < cutoff)] = False

    result = points.assign(
        crs_known=known,
        crs_missing=n_missing,
        crs=score,
        crs_high=high,
        crs_group=pd.Categorical(
            [None if pd.isna(is_high) else ("high" if is_high else "low") for is_high in high],
            categories=["low", "high"],
            ordered=True,
        ),
    )
    result.attrs = {"cutoff": cutoff, "missing": missing}
    logger.debug(
        "Fong CRS (cutoff %d, missing=%r): %d high, %d low, %d unscorable of %d patients",
        cutoff,
        missing,
        int((high == True).sum()),  # noqa: E712 - nullable boolean comparison
        int((high == False).sum()),  # noqa: E712
        int(high.isna().sum()),
        len(high),
    )
    return result


def _check_tumour_counts(tumours: pd.Series, column: str) -> None:
    known = tumours.dropna()
    not_whole = known[(known % 1 != 0) | (known < 1)]
    if len(not_whole):
        patient = not_whole.index[0]
        raise InputError(
            f"{_where(column, patient)}: {not_whole.iloc[0]:g} is not a valid number of liver "
            "tumours; give a whole number of at least 1 (the Fong score applies to patients "
            "with liver metastases), or leave it empty if unknown"
        )


# ------------------------------------------------------------------------ integrated risk
def integrated_risk(
    subtype: pd.Series, crs: pd.Series | pd.DataFrame, *, cutoff: int = 2
) -> pd.Series:
    """Pitroda et al.'s integrated clinical-molecular risk of colorectal liver metastases.

    Crosses the molecular subtype (canonical, immune, stromal) with the Fong clinical risk score
    dichotomised at ``cutoff``:

    ============  =================  =================
    subtype       CRS < ``cutoff``   CRS >= ``cutoff``
    ============  =================  =================
    canonical     low                high
    immune        low                intermediate
    stromal       intermediate       high
    ============  =================  =================

    Parameters
    ----------
    subtype : pandas.Series
        Molecular subtype per patient (index = patient ID): ``"canonical"``, ``"immune"`` or
        ``"stromal"`` (case-insensitive, surrounding blanks ignored); missing values give
        ``<NA>``.
    crs : pandas.Series or pandas.DataFrame
        Either the score itself (integers 0-5, missing allowed) or the DataFrame returned by
        :func:`fong_crs`. From the DataFrame its ``crs_high`` column is used, so a patient with
        missing factors whose known points already reach the cut-off counts as CRS >= ``cutoff``
        (and, with ``missing="bounds"``, one that cannot reach it as CRS < ``cutoff``). The
        DataFrame must have been computed with the same ``cutoff`` (checked through its
        ``attrs["cutoff"]``).
    cutoff : int, default=2
        Lowest CRS counted as high; Pitroda et al. (2018) used 2.

    Returns
    -------
    pandas.Series
        Ordered categorical ``"low"`` < ``"intermediate"`` < ``"high"`` named
        ``"integrated_risk"``, indexed by the union of the two indexes (the patients of
        ``subtype`` first, in their order). ``<NA>`` where the subtype or the dichotomised CRS is
        missing, including patients present in only one input.

    Raises
    ------
    InputError
        If a subtype is not one of the three (the message names the values and a patient), a
        score is not an integer from 0 to 5, ``crs`` is a DataFrame without ``crs_high`` or
        computed with another cut-off, patient IDs repeat, or ``cutoff`` is invalid.

    See Also
    --------
    fong_crs : the clinical risk score and its handling of missing factors.

    References
    ----------
    .. [1] Pitroda SP, Khodarev NN, Huang L, et al. Integrated molecular subtyping defines a
       curable oligometastatic state in colorectal liver metastasis. Nat Commun 2018;9:1793.
       :doi:`10.1038/s41467-018-04278-6`
    .. [2] Katipally RR, et al. Integrated clinical-molecular
       classification of colorectal liver metastases: a biomarker validation study.
       JAMA Oncol 2023. :doi:`10.1001/jamaoncol.2023.2535`

    Examples
    --------
    >>> import pandas as pd
    >>> from oligomet.labels import integrated_risk
    >>> patients = ["P1", "P2", "P3", "P4"]
    >>> subtype = pd.Series(["Canonical", "immune", "stromal", "immune"], index=patients)
    >>> crs = pd.Series([1, 3, 0, None], index=patients)
    >>> integrated_risk(subtype, crs).tolist()
    ['low', 'intermediate', 'intermediate', nan]
    """
    cutoff = _check_cutoff(cutoff)
    if not isinstance(subtype, pd.Series):
        raise InputError(
            f"subtype must be a pandas Series indexed by patient ID, got {type(subtype).__name__}"
        )
    _check_unique_index(subtype.index, "subtype")
    subtypes = _parse_subtypes(subtype)
    high = _crs_high(crs, cutoff)

    index = subtype.index.append(high.index.difference(subtype.index, sort=False))
    subtypes = subtypes.reindex(index)
    high = high.reindex(index)
    only_one = index.difference(subtype.index.intersection(high.index))
    if len(only_one):
        logger.info(
            "integrated risk: %d patients are in only one of subtype and crs; their risk is NA",
            len(only_one),
        )

    risk = pd.Series(pd.NA, index=index, dtype=object)
    table = {
        ("canonical", False): "low",
        ("canonical", True): "high",
        ("immune", False): "low",
        ("immune", True): "intermediate",
        ("stromal", False): "intermediate",
        ("stromal", True): "high",
    }
    for (kind, is_high), level in table.items():
        risk[(subtypes == kind).fillna(False) & (high == is_high).fillna(False)] = level
    return pd.Series(
        pd.Categorical(risk, categories=list(_RISK_LEVELS), ordered=True),
        index=index,
        name="integrated_risk",
    )


def _parse_subtypes(subtype: pd.Series) -> pd.Series:
    parsed: list[str | None] = []
    unknown: dict[str, Hashable] = {}
    for patient, value in subtype.items():
        if _is_missing(value):
            parsed.append(None)
            continue
        text = str(value).strip().lower()
        if text not in _SUBTYPES:
            unknown.setdefault(str(value), patient)
        parsed.append(text)
    if unknown:
        first_value, first_patient = next(iter(unknown.items()))
        others = [repr(value) for value in list(unknown)[1:]]
        more = f" (also unrecognised: {', '.join(others)})" if others else ""
        raise InputError(
            f"subtype of patient '{first_patient}' is {first_value!r}{more}; expected canonical, "
            "immune or stromal (case-insensitive), or an empty value if unknown"
        )
    return pd.Series(parsed, index=subtype.index, dtype=object)


def _crs_high(crs: pd.Series | pd.DataFrame, cutoff: int) -> pd.Series:
    """Nullable boolean "CRS >= cutoff" per patient, from a score Series or a fong_crs frame."""
    if isinstance(crs, pd.DataFrame):
        _check_unique_index(crs.index, "crs")
        if "crs_high" not in crs.columns:
            raise InputError(
                "crs is a DataFrame without a 'crs_high' column; pass the DataFrame returned by "
                "fong_crs, or the score itself as a Series"
            )
        used = crs.attrs.get("cutoff")
        if used is None:
            raise InputError(
                "crs is a DataFrame without attrs['cutoff'], so the cut-off of its 'crs_high' "
                f"cannot be checked; recompute it with fong_crs(..., cutoff={cutoff}) "
                "or pass its 'crs' column"
            )
        if used != cutoff:
            raise InputError(
                f"crs was computed by fong_crs with cutoff={used}, but integrated_risk was "
                f"asked for cutoff={cutoff}; recompute it with fong_crs(..., cutoff={cutoff})"
            )
        return crs["crs_high"].astype("boolean")
    if not isinstance(crs, pd.Series):
        raise InputError(
            "crs must be a pandas Series of scores or the DataFrame returned by fong_crs, "
            f"got {type(crs).__name__}"
        )
    _check_unique_index(crs.index, "crs")
    name = str(crs.name) if crs.name is not None else "crs"
    high: list[bool | None] = []
    for patient, value in crs.items():
        score = _parse_number(value, name, patient)
        if score is not None and (not score.is_integer() or score > _N_FACTORS):
            raise InputError(
                f"{_where(name, patient)}: {value!r} is not a Fong score; "
                "give an integer from 0 to 5, or leave it empty if unknown"
            )
        high.append(None if score is None else score >= cutoff)
    return pd.Series(pd.array(high, dtype="boolean"), index=crs.index)
