"""Single-marker classifiers, such as miR-200c for oligo- versus polymetastatic disease."""

from __future__ import annotations

from numbers import Integral
from typing import ClassVar

import numpy as np
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin, _fit_context
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_curve
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from .._validation import ParameterValidation, binary_classes

__all__ = ["ColumnPicker", "ColumnSelector", "SingleMarkerClassifier"]


class ColumnPicker(TransformerMixin, ParameterValidation, BaseEstimator):
    """Keep one column, chosen by position among the columns the step receives.

    Parameters
    ----------
    index : int, default=0
        Position of the column to keep.
    name : str or None, default=None
        The column's name, recorded for reports (``get_feature_names_out``); not used to select.
    """

    #: Learns nothing from the samples: a nested cross-validation applies it once to the whole
    #: cohort (see :mod:`oligomet.evaluation`).
    _per_sample = True

    _parameter_constraints: ClassVar[dict] = {
        "index": [Interval(Integral, 0, None, closed="left")],
        "name": [str, None],
    }

    def __init__(self, index: int = 0, name: str | None = None) -> None:
        self.index = index
        self.name = name

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        X = validate_data(self, X, reset=True)
        if self.index >= X.shape[1]:
            raise ValueError(f"column index {self.index} outside 0:{X.shape[1]}")
        return self

    def transform(self, X):
        check_is_fitted(self, "n_features_in_")
        X = validate_data(self, X, reset=False)
        return X[:, [self.index]]

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self, "n_features_in_")
        return np.asarray([self.name or f"x{self.index}"], dtype=object)


class ColumnSelector(TransformerMixin, ParameterValidation, BaseEstimator):
    """Keep several columns, chosen by position, in the given order (a signature's features).

    Parameters
    ----------
    indices : sequence of int
        Positions of the columns to keep, in output order.
    names : sequence of str or None, default=None
        The columns' names, recorded for reports (``get_feature_names_out``).
    """

    #: Learns nothing from the samples: a nested cross-validation applies it once to the whole
    #: cohort (see :mod:`oligomet.evaluation`).
    _per_sample = True

    _parameter_constraints: ClassVar[dict] = {
        "indices": ["array-like"],
        "names": ["array-like", None],
    }

    def __init__(self, indices=(), names=None) -> None:
        self.indices = indices
        self.names = names

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        X = validate_data(self, X, reset=True)
        indices = np.asarray(self.indices, dtype=int)
        if indices.size == 0 or indices.min() < 0 or indices.max() >= X.shape[1]:
            raise ValueError(f"column indices must lie in 0:{X.shape[1]}, got {list(indices)}")
        return self

    def transform(self, X):
        check_is_fitted(self, "n_features_in_")
        X = validate_data(self, X, reset=False)
        return X[:, np.asarray(self.indices, dtype=int)]

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self, "n_features_in_")
        if self.names is not None:
            return np.asarray(list(self.names), dtype=object)
        return np.asarray([f"x{i}" for i in self.indices], dtype=object)


class SingleMarkerClassifier(ClassifierMixin, ParameterValidation, BaseEstimator):
    """Classify by the level of one marker, with direction and cut-off learned from training data.

    The score of a sample is its marker value, multiplied by -1 when lower values go with the
    positive class. ``fit`` learns the direction (from the class means), the cut-off that maximises
    Youden's J (sensitivity + specificity - 1) on the training samples, and the slope of a
    one-variable logistic model that turns the score into a probability. Used inside
    cross-validation, all three are learned in the training folds only.

    Parameters
    ----------
    direction : {"auto", "higher", "lower"}, default="auto"
        Whether higher or lower marker values indicate the positive class; ``"auto"`` learns it.
    feature : int, default=0
        Column of ``X`` that holds the marker.

    Attributes
    ----------
    classes_ : ndarray of shape (2,)
        Class labels; ``classes_[1]`` is the positive class.
    sign_ : {1, -1}
        +1 when higher marker values indicate the positive class.
    threshold_ : float
        Cut-off on the signed score; scores above it are predicted positive.
    slope_ : float
        Slope of the one-variable logistic model, ``P(positive) = 1 / (1 + exp(-slope_ *
        (score - threshold_)))``; fitted without intercept so that the probability crosses 0.5 at
        the cut-off.

    References
    ----------
    Lussier YA et al. MicroRNA expression characterizes oligometastasis(es). PLoS One 2011;
    6:e28650. :doi:`10.1371/journal.pone.0028650`

    Lussier YA et al. Oligo- and polymetastatic progression in lung metastasis(es) patients is
    associated with specific microRNAs. PLoS One 2012;7:e50141.
    :doi:`10.1371/journal.pone.0050141`
    """

    _parameter_constraints: ClassVar[dict] = {
        "direction": [StrOptions({"auto", "higher", "lower"})],
        "feature": [Interval(Integral, 0, None, closed="left")],
    }

    def __init__(self, direction: str = "auto", feature: int = 0) -> None:
        self.direction = direction
        self.feature = feature

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        X, y = validate_data(self, X, y)
        self.classes_, y_index = binary_classes(y, "SingleMarkerClassifier")
        if self.feature >= X.shape[1]:
            raise ValueError(f"feature index {self.feature} outside 0:{X.shape[1]}")
        marker = X[:, self.feature]
        if self.direction == "auto":
            difference = marker[y_index == 1].mean() - marker[y_index == 0].mean()
            self.sign_ = 1 if difference >= 0 else -1
        else:
            self.sign_ = 1 if self.direction == "higher" else -1
        score = self.sign_ * marker
        # Every distinct score is a candidate cut (roc_curve would otherwise drop some).
        fpr, tpr, thresholds = roc_curve(y_index, score, drop_intermediate=False)
        # roc_curve's first threshold is +inf (predict nothing positive); skip it.
        best = 1 + int(np.argmax((tpr - fpr)[1:]))
        # Cut halfway between the chosen score and the next lower one, so a new sample at either
        # training value is classified as in training.
        lower = thresholds[best + 1] if best + 1 < thresholds.size else thresholds[best] - 1.0
        self.threshold_ = float((thresholds[best] + lower) / 2)
        # Probability = sigmoid(slope * (score - cut-off)): monotone in the score (so the AUC is the
        # marker's own) and above 0.5 exactly where ``predict`` says positive.
        centred = (score - self.threshold_)[:, None]
        slope = LogisticRegression(fit_intercept=False).fit(centred, y_index).coef_[0, 0]
        self.slope_ = max(float(slope), np.finfo(float).eps)
        return self

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        # One column of the data decides: on scikit-learn's generic test blobs (where the signal
        # may sit in any column) it cannot reach the accuracy the common checks ask of a classifier.
        tags.classifier_tags.poor_score = True
        return tags

    def decision_function(self, X):
        check_is_fitted(self, "threshold_")
        X = validate_data(self, X, reset=False)
        return self.sign_ * X[:, self.feature] - self.threshold_

    def predict(self, X):
        check_is_fitted(self, "threshold_")
        return self.classes_[(self.decision_function(X) > 0).astype(int)]

    def predict_proba(self, X):
        check_is_fitted(self, "threshold_")
        positive = expit(self.slope_ * self.decision_function(X))
        return np.column_stack([1 - positive, positive])
