"""Input checks shared by oligomet's estimators: two-class targets, and hyperparameters checked
against scikit-learn's ``_parameter_constraints`` with an error the command line can print."""

from __future__ import annotations

import numpy as np
from sklearn.utils._param_validation import InvalidParameterError as _SklearnInvalidParameterError
from sklearn.utils.multiclass import check_classification_targets, type_of_target

from ._errors import InputError

__all__ = ["InvalidParameterError", "ParameterValidation", "binary_classes"]


def binary_classes(y, estimator: str) -> tuple[np.ndarray, np.ndarray]:
    """The two classes of ``y`` and each sample's class index (0 or 1).

    Raises
    ------
    ValueError
        For a continuous or multiclass target (scikit-learn's wording, which its estimator
        checks expect), or a single class.
    """
    check_classification_targets(y)
    y_type = type_of_target(y, input_name="y", raise_unknown=True)
    if y_type != "binary":
        raise ValueError(
            f"Only binary classification is supported. The type of the target is {y_type}."
        )
    classes, index = np.unique(y, return_inverse=True)
    if classes.size != 2:
        raise ValueError(f"{estimator} needs 2 classes, got 1 class ({classes[0]!r})")
    return classes, index


class InvalidParameterError(InputError, _SklearnInvalidParameterError):
    """A hyperparameter of the wrong type or outside its range.

    Both scikit-learn's ``InvalidParameterError`` (what its estimator checks, ``GridSearchCV``
    and the workflow's model settings expect) and an :class:`~oligomet.InputError` (what the
    command line prints as one line, without a traceback), with scikit-learn's message:
    ``The 'mu' parameter of SNF must be a float in the range (0.0, inf). Got -1 instead.``
    """


class ParameterValidation:
    """Mixin for oligomet's estimators: scikit-learn's parameter validation (the class's
    ``_parameter_constraints``, checked by ``_fit_context`` at the start of ``fit``) raising
    :class:`InvalidParameterError`.

    Place it after scikit-learn's mixins and before ``BaseEstimator``:
    ``class SNF(ClusterMixin, ParameterValidation, BaseEstimator)``.
    """

    def _validate_params(self) -> None:
        try:
            super()._validate_params()
        except _SklearnInvalidParameterError as error:
            raise InvalidParameterError(str(error)) from None
