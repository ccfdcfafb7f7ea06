"""Gradient-boosted trees with balanced class weights (XGBoost)."""

from __future__ import annotations

from numbers import Integral, Real
from typing import ClassVar

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted, validate_data

from .._validation import ParameterValidation, binary_classes

__all__ = ["BalancedXGBClassifier"]

#: What a fitted BalancedXGBClassifier holds that skops must be told to trust (named as strings:
#: xgboost is slow to import).
SKOPS_TRUSTED = ("xgboost.sklearn.XGBClassifier", "xgboost.core.Booster")


class BalancedXGBClassifier(ClassifierMixin, ParameterValidation, BaseEstimator):
    """XGBoost for two classes, the minority class up-weighted to balance the classes.

    ``scale_pos_weight`` must equal the training fold's ``n_negative / n_positive``; a fixed value
    set before cross-validation would use every sample's label. This wrapper computes it in
    ``fit``, so it is learned in each training fold like every other step.

    Parameters
    ----------
    n_estimators : int, default=200
        Boosting rounds.
    max_depth : int, default=2
        Depth of each tree (shallow trees suit a hundred patients).
    learning_rate : float, default=0.05
        Shrinkage ("eta").
    subsample : float, default=0.8
        Fraction of samples drawn for each tree.
    colsample_bytree : float, default=0.5
        Fraction of features drawn for each tree.
    min_child_weight : float, default=1.0
        Minimum summed hessian in a leaf.
    balance : bool, default=True
        Set ``scale_pos_weight`` to the training ratio of negatives to positives (balanced class
        weights); False leaves it at 1.
    random_state : int or None, default=None
        Seed of XGBoost's sampling (0 to 2**32 - 1; None is 0).
    n_jobs : int, default=1
        Threads (1: parallelism belongs to the cross-validation folds; -1 all cores).

    Attributes
    ----------
    booster_ : xgboost.XGBClassifier
        The fitted model.
    classes_ : ndarray of shape (2,)
    feature_importances_ : ndarray of shape (n_features_in_,)
        Gain-based importances (zero for features no tree used).
    """

    def __init__(
        self,
        n_estimators: int = 200,
        max_depth: int = 2,
        learning_rate: float = 0.05,
        subsample: float = 0.8,
        colsample_bytree: float = 0.5,
        min_child_weight: float = 1.0,
        balance: bool = True,
        random_state: int | None = None,
        n_jobs: int = 1,
    ) -> None:
        self.n_estimators = n_estimators
        self.max_depth = max_depth
        self.learning_rate = learning_rate
        self.subsample = subsample
        self.colsample_bytree = colsample_bytree
        self.min_child_weight = min_child_weight
        self.balance = balance
        self.random_state = random_state
        self.n_jobs = n_jobs

    _parameter_constraints: ClassVar[dict] = {
        "n_estimators": [Interval(Integral, 1, None, closed="left")],
        "max_depth": [Interval(Integral, 1, None, closed="left")],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "subsample": [Interval(Real, 0, 1, closed="right")],
        "colsample_bytree": [Interval(Real, 0, 1, closed="right")],
        "min_child_weight": [Interval(Real, 0, None, closed="left")],
        "balance": ["boolean"],
        # XGBoost takes an integer seed, not a generator.
        "random_state": [Interval(Integral, 0, 2**32 - 1, closed="both"), None],
        "n_jobs": [Integral],
    }

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y) -> BalancedXGBClassifier:
        from xgboost import XGBClassifier

        X, y = validate_data(self, X, y, dtype=np.float64)
        self.classes_, encoded = binary_classes(y, "BalancedXGBClassifier")
        n_positive = int(encoded.sum())
        weight = (encoded.size - n_positive) / n_positive if self.balance else 1.0
        seed = 0 if self.random_state is None else int(self.random_state)
        self.booster_ = XGBClassifier(
            n_estimators=self.n_estimators,
            max_depth=self.max_depth,
            learning_rate=self.learning_rate,
            subsample=self.subsample,
            colsample_bytree=self.colsample_bytree,
            min_child_weight=self.min_child_weight,
            scale_pos_weight=weight,
            tree_method="hist",
            random_state=seed,
            n_jobs=self.n_jobs,
        ).fit(X, encoded)
        self.feature_importances_ = np.asarray(self.booster_.feature_importances_, dtype=float)
        return self

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        return tags

    def predict_proba(self, X) -> np.ndarray:
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return self.booster_.predict_proba(X)

    def predict(self, X) -> np.ndarray:
        check_is_fitted(self)
        return self.classes_[(self.predict_proba(X)[:, 1] >= 0.5).astype(int)]
