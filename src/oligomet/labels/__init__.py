"""Oligo- versus polymetastatic labels from clinical columns.

Encoding everywhere: ``1`` is the positive class (polymetastatic, event within the horizon, M1)
and ``0`` the negative class (oligometastatic, event-free, M0). Samples a rule cannot label are
never dropped silently: :class:`LabelResult` lists each with its reason.
"""

from ._result import LabelResult
from ._rules import label_by_category, label_by_count, label_by_time, make_labels

__all__ = ["LabelResult", "label_by_category", "label_by_count", "label_by_time", "make_labels"]
