"""Differential-expression feature selection, fitted on training samples only."""

from __future__ import annotations

import warnings
from numbers import Integral
from typing import ClassVar

import numpy as np
from scipy import stats
from sklearn.base import BaseEstimator, _fit_context
from sklearn.feature_selection import SelectorMixin
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from .._errors import InputError
from .._validation import ParameterValidation
from ._filter import CONSTANT_VARIANCE

__all__ = ["DifferentialExpressionFilter"]

_TESTS = ("welch", "student", "mannwhitney")


class DifferentialExpressionFilter(SelectorMixin, ParameterValidation, BaseEstimator):
    """Keep the ``k`` features that differ most between two classes.

    A two-group differential-expression screen (as in Wuttig et al. 2009, who compared renal
    cancers with few and many lung metastases): each feature is tested between the classes and
    the ``k`` smallest p-values are kept. Place it inside the cross-validated pipeline: each
    training fold then chooses its own features, and the test fold never influences the choice.

    Parameters
    ----------
    k : int, default=11
        Number of features to keep (all, if there are fewer).
    test : {"welch", "student", "mannwhitney"}, default="welch"
        Welch's unequal-variance t-test, Student's t-test, or the Mann-Whitney U test. With more
        than two classes: one-way ANOVA (the t-tests) or Kruskal-Wallis (Mann-Whitney).

    Attributes
    ----------
    statistics_ : ndarray of shape (n_features_in_,)
        Test statistic (t, or U - n1 n2 / 2 for Mann-Whitney) of the last class against the
        others, positive = higher in the last class; F or H with more than two classes.
    pvalues_ : ndarray of shape (n_features_in_,)
        Two-sided p-values (NaN for constant features, which are never selected).
    support_ : ndarray of bool
        Mask of the kept features.

    References
    ----------
    Wuttig D, et al. Gene signatures of pulmonary metastases of renal cell carcinoma reflect the
    disease-free interval and the number of metastases per patient. Int J Cancer 2009;125:474-82.
    :doi:`10.1002/ijc.24353`

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0, 5.0, 1.0], [0.1, 5.1, 2.0], [1.0, 5.0, 1.5], [1.1, 5.1, 1.4]])
    >>> DifferentialExpressionFilter(k=1).fit(X, [0, 0, 1, 1]).get_support()
    array([ True, False, False])
    """

    _parameter_constraints: ClassVar[dict] = {
        "k": [Interval(Integral, 1, None, closed="left")],
        "test": [StrOptions(set(_TESTS))],
    }

    def __init__(self, k: int = 11, test: str = "welch") -> None:
        self.k = k
        self.test = test

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y) -> DifferentialExpressionFilter:
        X, y = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        classes = np.unique(y)
        if classes.size < 2:
            raise InputError("differential expression needs at least 2 classes, got 1 class")
        # Constant features (up to rounding noise) are left out of the test: no variance, no
        # statistic, and a near-zero variance would give a meaningless, huge t.
        constant = np.var(X, axis=0) <= CONSTANT_VARIANCE
        varying = X[:, ~constant]
        second = y == classes[-1]
        with np.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings():
            # A feature may be constant within one class (a sparse miRNA present only in the
            # other); scipy warns about its zero within-class variance, which Welch's test
            # handles.
            warnings.filterwarnings("ignore", message="Precision loss occurred in moment")
            if classes.size > 2:
                groups = [varying[y == c] for c in classes]
                test = stats.kruskal if self.test == "mannwhitney" else stats.f_oneway
                result = test(*groups, axis=0)
                statistic = result.statistic
            elif self.test == "mannwhitney":
                result = stats.mannwhitneyu(
                    varying[second], varying[~second], axis=0, alternative="two-sided"
                )
                statistic = result.statistic - second.sum() * (~second).sum() / 2
            else:
                result = stats.ttest_ind(
                    varying[second], varying[~second], axis=0, equal_var=self.test == "student"
                )
                statistic = result.statistic
        pvalues = np.full(X.shape[1], np.nan)
        pvalues[~constant] = result.pvalue
        self.statistics_ = np.zeros(X.shape[1])
        self.statistics_[~constant] = statistic
        self.pvalues_ = pvalues
        # Smallest p first; ties (and NaN) broken by |statistic| then column order.
        order = np.lexsort(
            (np.arange(X.shape[1]), -np.abs(self.statistics_), np.nan_to_num(pvalues, nan=2.0))
        )
        k = min(int(self.k), int((~constant).sum()))
        support = np.zeros(X.shape[1], dtype=bool)
        support[order[:k]] = True
        self.support_ = support
        return self

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        tags.input_tags.allow_nan = False
        return tags

    def _get_support_mask(self) -> np.ndarray:
        check_is_fitted(self)
        return self.support_
