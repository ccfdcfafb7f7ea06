"""Input checks shared by oligomet's two-class estimators."""

from __future__ import annotations

import numpy as np
from sklearn.utils.multiclass import check_classification_targets, type_of_target

__all__ = ["binary_classes"]


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
