"""Oligo- versus polymetastatic labels from clinical columns.

Encoding everywhere: ``1`` is the positive class (polymetastatic, event within the horizon, M1)
and ``0`` the negative class (oligometastatic, event-free, M0). Samples a rule cannot label are
never dropped silently: :class:`LabelResult` lists each with its reason.

Clinical baselines: the Fong clinical risk score (:func:`fong_crs`), Pitroda's integrated
clinical-molecular risk (:func:`integrated_risk`) and the nine ESTRO/EORTC oligometastatic
states (:func:`oligometastatic_state`), each a Series/DataFrame indexed by patient.
"""

from ._clinical_scores import CRS_FACTORS, fong_crs, integrated_risk
from ._result import LabelResult, describe_rule
from ._rules import label_by_category, label_by_count, label_by_time, make_labels
from ._states import OLIGOMETASTATIC_STATES, oligometastatic_state
from ._survival import SurvivalTarget, make_survival

__all__ = [
    "CRS_FACTORS",
    "OLIGOMETASTATIC_STATES",
    "LabelResult",
    "SurvivalTarget",
    "describe_rule",
    "fong_crs",
    "integrated_risk",
    "label_by_category",
    "label_by_count",
    "label_by_time",
    "make_labels",
    "make_survival",
    "oligometastatic_state",
]
