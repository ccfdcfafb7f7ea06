"""Elastic-net logistic regression solved exactly by proximal Newton with coordinate descent.

scikit-learn's only elastic-net solver for logistic regression is SAGA, a stochastic method
whose default tolerance leaves coefficients a few hundredths from the optimum on these data and
which needs hundreds of passes over the data when the penalty is weak. This is the glmnet /
proximal-Newton algorithm instead (Friedman, Hastie & Tibshirani 2010; Lee, Sun & Saunders 2014):
a quadratic model of the logistic loss at the current coefficients, minimised by cyclic
coordinate descent (soft-thresholding), then a backtracking line search on the true objective.
It minimises exactly scikit-learn's objective

    C * sum_i s_i log(1 + exp(-y_i (x_i w + b))) + l1_ratio |w|_1 + (1 - l1_ratio) / 2 |w|^2

(``s_i`` the class weights, the intercept ``b`` unpenalised), to a tolerance on the optimality
conditions rather than on the change between passes, and warm-starts from a neighbouring
solution along a regularisation path (``warm_start=True``).
"""

from __future__ import annotations

from numbers import Integral, Real
from typing import ClassVar

import numpy as np
from numba import njit
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from .._validation import ParameterValidation, binary_classes

__all__ = ["ElasticNetLogistic"]


@njit(cache=True)
def _softplus(eta):
    """log(1 + exp(eta)), without overflow."""
    if eta > 0:
        return eta + np.log1p(np.exp(-eta))
    return np.log1p(np.exp(eta))


@njit(cache=True)
def _sigmoid(eta):
    if eta >= 0:
        return 1.0 / (1.0 + np.exp(-eta))
    z = np.exp(eta)
    return z / (1.0 + z)


@njit(cache=True)
def _objective(eta, y, s, w, lam1, lam2):
    loss = 0.0
    for i in range(eta.size):
        loss += s[i] * (_softplus(eta[i]) - y[i] * eta[i])
    return loss + lam1 * np.abs(w).sum() + 0.5 * lam2 * (w * w).sum()


@njit(cache=True)
def _violation(gradient, gradient_b, w, lam1, lam2):
    """Largest violation of the optimality (KKT) conditions."""
    worst = abs(gradient_b)
    for j in range(w.size):
        g = gradient[j] + lam2 * w[j]
        if w[j] > 0:
            v = abs(g + lam1)
        elif w[j] < 0:
            v = abs(g - lam1)
        else:
            v = max(abs(g) - lam1, 0.0)
        worst = max(worst, v)
    return worst


@njit(cache=True)
def _newton_direction(X, g, h, gradient, gradient_b, w, lam1, lam2, tol, max_sweeps):
    """Minimise the quadratic model of the loss plus the penalty by coordinate descent.

    Returns the step ``d`` (coefficients), ``db`` (intercept) and ``r = X d + db``.
    """
    n, p = X.shape
    d = np.zeros(p)
    r = np.zeros(n)
    db = 0.0
    h_sum = h.sum()
    curvature = np.empty(p)
    for j in range(p):
        total = 0.0
        for i in range(n):
            total += h[i] * X[i, j] * X[i, j]
        curvature[j] = total
    for _ in range(max_sweeps):
        largest = 0.0
        if h_sum > 0:
            hr = 0.0
            for i in range(n):
                hr += h[i] * r[i]
            step = -(gradient_b + hr) / h_sum
            if step != 0.0:
                db += step
                for i in range(n):
                    r[i] += step
                largest = max(largest, step * step * h_sum)
        for j in range(p):
            a = curvature[j]
            if a <= 0.0:
                continue
            hxr = 0.0
            for i in range(n):
                hxr += h[i] * X[i, j] * r[i]
            current = w[j] + d[j]
            # d/dz of the model at z = current, without the penalty:
            c = gradient[j] + hxr
            u = a * current - c
            if u > lam1:
                new = (u - lam1) / (a + lam2)
            elif u < -lam1:
                new = (u + lam1) / (a + lam2)
            else:
                new = 0.0
            delta = new - current
            if delta != 0.0:
                d[j] += delta
                for i in range(n):
                    r[i] += delta * X[i, j]
                largest = max(largest, delta * delta * a)
        if largest <= tol * tol:
            break
    return d, db, r


@njit(cache=True)
def _solve(X, y, s, lam1, lam2, w, b, tol, max_iter, max_sweeps):
    """Proximal Newton for the weighted elastic-net logistic loss (``s`` sums to 1).

    ``X`` is Fortran-ordered (columns contiguous); ``w`` and ``b`` are the starting point.
    Returns ``(w, b, n_iter, violation)``.
    """
    n = X.shape[0]
    w = w.copy()
    eta = X @ w + b
    g = np.empty(n)
    h = np.empty(n)
    objective = _objective(eta, y, s, w, lam1, lam2)
    violation = np.inf
    iteration = 0
    stalled = 0
    while iteration < max_iter:
        iteration += 1
        for i in range(n):
            prob = _sigmoid(eta[i])
            g[i] = s[i] * (prob - y[i])
            h[i] = max(s[i] * prob * (1.0 - prob), 1e-12 * s[i])
        gradient = X.T @ g
        gradient_b = g.sum()
        violation = _violation(gradient, gradient_b, w, lam1, lam2)
        if violation <= tol:
            break
        # The quadratic model needs solving only as precisely as the current iterate is good.
        inner_tol = max(0.1 * tol, 0.1 * violation)
        d, db, r = _newton_direction(
            X, g, h, gradient, gradient_b, w, lam1, lam2, inner_tol, max_sweeps
        )
        # Armijo backtracking on the true objective (Tseng & Yun's rule).
        decrease = gradient @ d + gradient_b * db
        decrease += lam1 * (np.abs(w + d).sum() - np.abs(w).sum())
        decrease += 0.5 * lam2 * (((w + d) ** 2).sum() - (w * w).sum())
        step = 1.0
        accepted = False
        for _ in range(60):
            trial_w = w + step * d
            trial_eta = eta + step * r
            trial = _objective(trial_eta, y, s, trial_w, lam1, lam2)
            if trial <= objective + 1e-4 * step * decrease:
                accepted = True
                break
            step *= 0.5
        if not accepted:
            break  # no further progress is possible in floating point
        # The objective no longer changes in floating point: the optimum is as precise as the
        # arithmetic allows, whatever the tolerance asked for.
        stalled = stalled + 1 if objective - trial <= 1e-15 * max(1.0, abs(objective)) else 0
        w, eta, b, objective = trial_w, trial_eta, b + step * db, trial
        if stalled >= 3:
            break
    return w, b, iteration, violation


class ElasticNetLogistic(ClassifierMixin, ParameterValidation, BaseEstimator):
    """Elastic-net penalised logistic regression, solved to the optimum.

    The same model as ``LogisticRegression(C=C, l1_ratio=l1_ratio, solver="saga",
    class_weight=class_weight)``: the same objective, minimised by proximal Newton with
    coordinate descent (module docstring) until the optimality conditions hold to ``tol``.

    Parameters
    ----------
    C : float, default=0.1
        Inverse of the regularisation strength (as in scikit-learn).
    l1_ratio : float, default=0.5
        Elastic-net mixing: 1 is the lasso, 0 ridge.
    class_weight : "balanced", dict or None, default="balanced"
        Sample weights ``n / (2 n_class)`` (each class weighs the same in total; with
        ``sample_weight``, over the weighted counts), a weight per class label (absent classes
        weigh 1), or none.
    tol : float, default=1e-8
        Largest violation of the optimality conditions allowed at the solution, on the scale of
        the mean (weighted) loss.
    max_iter : int, default=200
        Newton iterations at most.
    warm_start : bool, default=False
        Start from the previous fit's coefficients (along a path of ``C``).

    Attributes
    ----------
    coef_ : ndarray of shape (1, n_features)
    intercept_ : ndarray of shape (1,)
    classes_ : ndarray of shape (2,)
    n_iter_ : ndarray of shape (1,)
        Newton iterations used.
    n_features_in_ : int

    References
    ----------
    Friedman J, Hastie T, Tibshirani R. Regularization paths for generalized linear models via
    coordinate descent. J Stat Softw 2010;33(1):1-22. :doi:`10.18637/jss.v033.i01`

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(60, 5))
    >>> y = (X[:, 0] + rng.normal(size=60) > 0).astype(int)
    >>> model = ElasticNetLogistic(C=1.0, l1_ratio=0.5).fit(X, y)
    >>> int(np.argmax(np.abs(model.coef_[0])))
    0
    """

    #: Inner searches fit the candidates of one ``l1_ratio`` along ``C``, each warm-started.
    _path_parameter = "C"

    def __init__(
        self,
        C: float = 0.1,
        l1_ratio: float = 0.5,
        class_weight: str | dict | None = "balanced",
        tol: float = 1e-8,
        max_iter: int = 200,
        warm_start: bool = False,
    ) -> None:
        self.C = C
        self.l1_ratio = l1_ratio
        self.class_weight = class_weight
        self.tol = tol
        self.max_iter = max_iter
        self.warm_start = warm_start

    _parameter_constraints: ClassVar[dict] = {
        "C": [Interval(Real, 0, None, closed="neither")],
        "l1_ratio": [Interval(Real, 0, 1, closed="both")],
        "class_weight": [StrOptions({"balanced"}), dict, None],
        "tol": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "warm_start": ["boolean"],
    }

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the coefficients to the training samples.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Two classes; ``classes_[1]`` is the positive one.
        sample_weight : array-like of shape (n_samples,) or None
            Non-negative, not all zero; multiplies the class weights (a weight of 2 counts as
            the sample twice).

        Returns
        -------
        self
        """
        previous = (
            (self.coef_[0], float(self.intercept_[0]))
            if self.warm_start and hasattr(self, "coef_")
            else None
        )
        X, y = validate_data(self, X, y, dtype=np.float64, order="F")
        self.classes_, target = binary_classes(y, "ElasticNetLogistic")
        weights = self._sample_weights(X, target, sample_weight)
        total = weights.sum()
        # scikit-learn's objective divided by C * sum(weights): the same minimiser.
        strength = 1.0 / (self.C * total)
        if previous is not None and previous[0].size == X.shape[1]:
            start, intercept = previous[0].copy(), previous[1]
        else:
            start, intercept = np.zeros(X.shape[1]), 0.0
        coef, intercept, n_iter, _ = _solve(
            X,
            target.astype(np.float64),
            weights / total,
            strength * self.l1_ratio,
            strength * (1.0 - self.l1_ratio),
            start,
            intercept,
            float(self.tol),
            int(self.max_iter),
            10_000,
        )
        self.coef_ = coef.reshape(1, -1)
        self.intercept_ = np.array([intercept])
        self.n_iter_ = np.array([n_iter])
        return self

    def _sample_weights(self, X, target: np.ndarray, sample_weight) -> np.ndarray:
        """Each sample's weight: its class weight times its sample weight."""
        if sample_weight is not None:
            sample_weight = _check_sample_weight(
                sample_weight, X, dtype=np.float64, ensure_non_negative=True
            )
            if not np.bincount(target, weights=sample_weight).all():
                raise ValueError(
                    "ElasticNetLogistic needs 2 classes, got 1 class with non-zero sample weight"
                )
        if self.class_weight == "balanced":
            # n / (2 n_class), as scikit-learn's compute_sample_weight("balanced") computes it;
            # with sample weights, of the weighted counts (a weight of 2 = the sample twice).
            counts = np.bincount(target, weights=sample_weight)
            per_class = counts.sum() / (2 * counts.astype(np.float64))
        elif isinstance(self.class_weight, dict):
            unknown = [c for c in self.class_weight if c not in set(self.classes_.tolist())]
            if unknown:
                raise ValueError(f"class_weight names classes not in y: {unknown}")
            per_class = np.array([self.class_weight.get(c, 1.0) for c in self.classes_.tolist()])
        else:
            per_class = np.ones(2)
        weights = np.asarray(per_class, dtype=np.float64)[target]
        return weights if sample_weight is None else weights * sample_weight

    def decision_function(self, X) -> np.ndarray:
        """Log-odds of the positive class."""
        check_is_fitted(self, "coef_")
        X = validate_data(self, X, reset=False, dtype=np.float64)
        return X @ self.coef_[0] + self.intercept_[0]

    def predict_proba(self, X) -> np.ndarray:
        eta = self.decision_function(X)
        positive = np.where(eta >= 0, 1 / (1 + np.exp(-np.abs(eta))), 0.0)
        negative_side = np.exp(-np.abs(eta)) / (1 + np.exp(-np.abs(eta)))
        positive = np.where(eta >= 0, positive, negative_side)
        return np.column_stack([1 - positive, positive])

    def predict(self, X) -> np.ndarray:
        check_is_fitted(self, "coef_")
        return self.classes_[(self.decision_function(X) > 0).astype(int)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        return tags
