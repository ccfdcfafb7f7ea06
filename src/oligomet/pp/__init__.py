"""Preprocessing: per-sample AnnData transforms, and fitted transformers for in-fold use.

:func:`log_transform` learns nothing across samples and may run before cross-validation;
:class:`VarianceFilter` and :class:`DifferentialExpressionFilter` learn from training samples
and belong inside the cross-validated pipeline.
"""

from ._de import DifferentialExpressionFilter
from ._filter import CONSTANT_VARIANCE, VarianceFilter
from ._log import LogInputError, log_transform, log_values

__all__ = [
    "CONSTANT_VARIANCE",
    "DifferentialExpressionFilter",
    "LogInputError",
    "VarianceFilter",
    "log_transform",
    "log_values",
]
