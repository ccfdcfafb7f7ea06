"""Feature filters fitted on training samples only, for use inside cross-validated pipelines."""

from __future__ import annotations

from numbers import Integral, Real
from typing import ClassVar

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, _fit_context
from sklearn.feature_selection import SelectorMixin
from sklearn.utils._param_validation import Interval
from sklearn.utils.sparsefuncs import mean_variance_axis
from sklearn.utils.validation import check_is_fitted, validate_data

from .._validation import ParameterValidation

__all__ = ["CONSTANT_VARIANCE", "VarianceFilter"]

#: Variance at or below which a feature counts as constant among training samples: rounding
#: noise included (a z-scored table may write one value in several spellings).
CONSTANT_VARIANCE = 1e-12


class VarianceFilter(SelectorMixin, ParameterValidation, BaseEstimator):
    """Keep features whose training variance exceeds a threshold, optionally only the top ones.

    Unsupervised, but still learned from samples: place it inside the cross-validated
    :class:`~sklearn.pipeline.Pipeline` so that each fold chooses its features from its own
    training samples only.

    Parameters
    ----------
    n_top : int, optional
        Keep only the ``n_top`` most variable features among those above ``threshold``. Ties are
        broken by column order. Default: keep all features above ``threshold``.
    threshold : float, default=0.0
        Keep features whose variance is strictly greater than this. The default removes constant
        features.

    Attributes
    ----------
    variances_ : ndarray of shape (n_features_in_,)
        Variance (``ddof=0``) of each feature over the training samples.
    support_ : ndarray of bool, shape (n_features_in_,)
        Mask of kept features.
    n_features_in_ : int
        Number of features seen in :meth:`fit`.
    feature_names_in_ : ndarray of str
        Feature names seen in :meth:`fit`, if the input had string column names.

    See Also
    --------
    sklearn.feature_selection.VarianceThreshold : The threshold part alone.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0, 1.0, 5.0], [0.0, 3.0, 5.5], [0.0, 5.0, 6.0]])
    >>> VarianceFilter(n_top=1).fit(X).get_support()
    array([False,  True, False])
    """

    _parameter_constraints: ClassVar[dict] = {
        "n_top": [Interval(Integral, 1, None, closed="left"), None],
        "threshold": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(self, n_top: int | None = None, threshold: float = 0.0) -> None:
        self.n_top = n_top
        self.threshold = threshold

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None) -> VarianceFilter:
        """Learn the feature variances and the kept features from the training samples.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            Training samples, at least two.
        y : ignored
            Present for pipeline compatibility.

        Returns
        -------
        self : VarianceFilter
        """
        X = validate_data(
            self,
            X,
            accept_sparse=("csr", "csc"),
            dtype=np.float64,
            ensure_min_samples=2,
        )
        if sparse.issparse(X):
            _, variances = mean_variance_axis(X, axis=0)
        else:
            variances = np.var(X, axis=0)
        support = variances > self.threshold
        if not support.any():
            raise ValueError(
                f"no feature has a variance above the threshold {self.threshold}; "
                "lower the threshold"
            )
        if self.n_top is not None and support.sum() > self.n_top:
            # Stable sort on the negated variance: equal variances keep column order.
            candidates = np.flatnonzero(support)
            order = np.argsort(-variances[candidates], kind="stable")
            support = np.zeros_like(support)
            support[candidates[order[: self.n_top]]] = True
        self.variances_ = np.asarray(variances, dtype=np.float64)
        self.support_ = support
        return self

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    def _get_support_mask(self) -> np.ndarray:
        check_is_fitted(self)
        return self.support_
