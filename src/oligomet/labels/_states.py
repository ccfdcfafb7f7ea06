"""ESTRO/EORTC classification of oligometastatic disease into nine states (Guckenberger 2020)."""

from __future__ import annotations

import logging
import numbers
from collections.abc import Hashable

import numpy as np
import pandas as pd

from .._errors import InputError
from ._clinical_scores import _check_table, _flags, _numbers

__all__ = ["OLIGOMETASTATIC_STATES", "oligometastatic_state"]

logger = logging.getLogger(__name__)

#: The nine states of the ESTRO/EORTC decision tree, in the guideline's order: genuine de-novo
#: (synchronous, then metachronous), genuine repeat, then induced oligometastatic disease.
OLIGOMETASTATIC_STATES = (
    "synchronous oligometastatic disease",
    "metachronous oligorecurrence",
    "metachronous oligoprogression",
    "repeat oligorecurrence",
    "repeat oligoprogression",
    "repeat oligopersistence",
    "induced oligorecurrence",
    "induced oligoprogression",
    "induced oligopersistence",
)


def oligometastatic_state(
    clinical: pd.DataFrame,
    *,
    prior_polymetastatic: Hashable | None = "prior_polymetastatic",
    prior_oligometastatic: Hashable | None = "prior_oligometastatic",
    months_since_primary: Hashable | None = "months_since_primary",
    systemic_therapy: Hashable | None = "systemic_therapy",
    progressing: Hashable | None = "progressing",
    synchronous_months: float = 6,
) -> pd.Series:
    """Classify each patient's oligometastatic disease by the ESTRO/EORTC decision tree.

    The tree of Guckenberger et al. (2020), applied to patients whose current diagnosis is
    oligometastatic disease:

    1. History of polymetastatic disease -> *induced* oligometastatic disease: induced
       oligorecurrence (no active systemic therapy at diagnosis), induced oligoprogression (on
       active systemic therapy, lesions progressing) or induced oligopersistence (on active
       systemic therapy, lesions not progressing).
    2. Otherwise *genuine*. With a history of oligometastatic disease -> *repeat*: repeat
       oligorecurrence, repeat oligoprogression or repeat oligopersistence, by the same rule.
    3. Otherwise *de-novo*: synchronous oligometastatic disease when diagnosed at most
       ``synchronous_months`` after the primary tumour; beyond that metachronous
       oligorecurrence (no active systemic therapy) or metachronous oligoprogression (diagnosed
       on active systemic therapy).

    A patient needs only the inputs on its branch: a synchronous de-novo patient needs no therapy
    status, a patient off systemic therapy no progression status, an induced patient no interval.
    A patient missing an input its branch needs gets ``<NA>``. The progression status is not used
    on the de-novo branch, where a first metastatic diagnosis on therapy is progression.

    Parameters
    ----------
    clinical : pandas.DataFrame
        One row per patient, indexed by patient ID. Other columns are ignored.
    prior_polymetastatic : hashable or None, default="prior_polymetastatic"
        Yes/no column: polymetastatic disease before the current oligometastatic diagnosis.
    prior_oligometastatic : hashable or None, default="prior_oligometastatic"
        Yes/no column: oligometastatic disease treated before the current diagnosis.
    months_since_primary : hashable or None, default="months_since_primary"
        Numeric column: months from the diagnosis of the primary tumour to the diagnosis of
        oligometastatic disease (0 when found together; negative values are errors).
    systemic_therapy : hashable or None, default="systemic_therapy"
        Yes/no column: active systemic therapy at the time of the oligometastatic diagnosis.
    progressing : hashable or None, default="progressing"
        Yes/no column: the metastases progress on that therapy (as opposed to persist).
    synchronous_months : float, default=6
        Longest interval, in months, still called synchronous (the guideline's 6 months).

    Yes/no columns accept booleans, ``1``/``0``, yes/no, true/false and positive/negative
    (case-insensitive); empty cells, ``NaN``, "NA" and "unknown" are missing. Pass ``None`` for a
    column that was not recorded: patients whose branch needs it get ``<NA>``.

    Returns
    -------
    pandas.Series
        Unordered categorical named ``"oligometastatic_state"`` with exactly the categories of
        :data:`OLIGOMETASTATIC_STATES`, indexed like ``clinical``; ``<NA>`` = not classifiable.

    Raises
    ------
    InputError
        If a named column is absent (the message lists the available columns), a value cannot
        be parsed or an interval is negative (the message names the column, the patient and the
        value), patient IDs repeat, or ``synchronous_months`` is not a non-negative number.

    References
    ----------
    .. [1] Guckenberger M, Lievens Y, Bouma AB, et al. Characterisation and classification of
       oligometastatic disease: a European Society for Radiotherapy and Oncology and European
       Organisation for Research and Treatment of Cancer consensus recommendation. Lancet Oncol
       2020;21:e18-e28. :doi:`10.1016/S1470-2045(19)30718-1`

    Examples
    --------
    >>> import pandas as pd
    >>> from oligomet.labels import oligometastatic_state
    >>> clinical = pd.DataFrame(
    ...     {
    ...         "prior_polymetastatic": ["no", "no", "yes", "no"],
    ...         "prior_oligometastatic": ["no", "no", "no", "yes"],
    ...         "months_since_primary": [3, 30, 40, None],
    ...         "systemic_therapy": [None, "no", "yes", "yes"],
    ...         "progressing": [None, None, "no", None],
    ...     },
    ...     index=["P1", "P2", "P3", "P4"],
    ... )
    >>> oligometastatic_state(clinical).tolist()
    ['synchronous oligometastatic disease', 'metachronous oligorecurrence', \
'induced oligopersistence', nan]
    """
    _check_table(clinical)
    if (
        isinstance(synchronous_months, bool | np.bool_)
        or not isinstance(synchronous_months, numbers.Real)
        or not synchronous_months >= 0
    ):
        raise InputError(
            f"synchronous_months must be a non-negative number, got {synchronous_months!r}"
        )

    polymetastatic = _flags(clinical, prior_polymetastatic, "prior_polymetastatic")
    oligometastatic = _flags(clinical, prior_oligometastatic, "prior_oligometastatic")
    interval = _numbers(clinical, months_since_primary, "months_since_primary")
    on_therapy = _flags(clinical, systemic_therapy, "systemic_therapy")
    progression = _flags(clinical, progressing, "progressing")

    states: list[str | None] = []
    for patient in clinical.index:
        states.append(
            _state(
                polymetastatic[patient],
                oligometastatic[patient],
                interval[patient],
                on_therapy[patient],
                progression[patient],
                float(synchronous_months),
            )
        )
    result = pd.Series(
        pd.Categorical(states, categories=list(OLIGOMETASTATIC_STATES), ordered=False),
        index=clinical.index,
        name="oligometastatic_state",
    )
    logger.debug(
        "ESTRO/EORTC states: %d of %d patients not classifiable for missing inputs",
        int(result.isna().sum()),
        len(result),
    )
    return result


def _state(
    polymetastatic: bool | None,
    oligometastatic: bool | None,
    interval: float | None,
    on_therapy: bool | None,
    progression: bool | None,
    synchronous_months: float,
) -> str | None:
    """One patient's state; ``None`` when an input on its branch is missing (``pd.NA``)."""
    if pd.isna(polymetastatic):
        return None
    if polymetastatic:
        return _by_therapy("induced", on_therapy, progression)
    if pd.isna(oligometastatic):
        return None
    if oligometastatic:
        return _by_therapy("repeat", on_therapy, progression)
    if pd.isna(interval):
        return None
    if interval <= synchronous_months:
        return "synchronous oligometastatic disease"
    if pd.isna(on_therapy):
        return None
    return "metachronous oligoprogression" if on_therapy else "metachronous oligorecurrence"


def _by_therapy(kind: str, on_therapy: bool | None, progression: bool | None) -> str | None:
    if pd.isna(on_therapy):
        return None
    if not on_therapy:
        return f"{kind} oligorecurrence"
    if pd.isna(progression):
        return None
    return f"{kind} oligoprogression" if progression else f"{kind} oligopersistence"
