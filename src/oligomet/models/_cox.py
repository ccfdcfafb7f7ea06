"""Penalised Cox proportional-hazards regression for survival endpoints.

:class:`PenalisedCox` wraps scikit-survival's coordinate-descent elastic-net Cox model
(``CoxnetSurvivalAnalysis``) as a scikit-learn estimator with one ``alpha``: ``predict`` returns
the risk score (linear predictor; higher = earlier event) and ``score`` Harrell's C-index, so it
works at the end of a :class:`~sklearn.pipeline.Pipeline` and inside
:class:`~sklearn.model_selection.GridSearchCV`. :func:`make_cox_model` builds the project's
standard pipeline around it.
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Sequence
from numbers import Integral, Real
from typing import ClassVar

import numpy as np
from sklearn.base import BaseEstimator, _fit_context
from sklearn.feature_selection import SelectorMixin
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted, validate_data

from .._errors import InputError
from .._validation import ParameterValidation
from ..pp import CONSTANT_VARIANCE, VarianceFilter
from ._steps import head_steps as _head

__all__ = [
    "COX_PARAM_GRID",
    "PenalisedCox",
    "UnivariateCoxFilter",
    "cox_score_test",
    "make_cox_model",
]

logger = logging.getLogger(__name__)

#: Default search space of :func:`make_cox_model`, explored by inner folds.
#:
#: With standardised features the penalty at which every coefficient is zero is
#: ``alpha_max = max_j |U_j| / (n * l1_ratio)`` (``U_j`` the Cox score of feature ``j``). For a
#: feature unrelated to survival ``U_j`` has standard deviation about ``sqrt(d)`` (``d`` events),
#: so on pure noise ``alpha_max`` is about ``sqrt(2 log p * d) / (n * l1_ratio)``: 0.2-0.9 for
#: n = 100-200 patients, p = 100-5,000 features and l1_ratio 0.5-0.9 (0.85 and 0.47 on the TCGA
#: glioblastoma mRNA data, n = 100, p = 1,500). The grid spans that boundary (0.3: a few strong
#: features or none) down to a tenth of it (0.03: some hundred features). Smaller alphas approach
#: the unpenalised fit, which does not exist when p >> n (the training risk order can be
#: reproduced exactly, so coefficients grow without bound): there the solver is slow or fails
#: ("weights are too large"), and the training C-index is already ~0.99 at 0.03, i.e. the model
#: is overfitted. l1_ratio 0.5 (grouped, correlated genes enter together) and 0.9 (sparser).
COX_PARAM_GRID: dict[str, list] = {
    "cox__alpha": [0.03, 0.1, 0.3],
    "cox__l1_ratio": [0.5, 0.9],
}

# Density of the warm-start path from alpha_max down to alpha (points per decade).
_PATH_PER_DECADE = 10


def _survival_arrays(y, n_samples: int) -> tuple[np.ndarray, np.ndarray]:
    """Event (bool) and time (float) from scikit-survival's structured array, validated."""
    if y is None:
        raise InputError(
            "requires y to be passed, but the target y is None; give the survival target, "
            "e.g. make_survival(...).y"
        )
    if hasattr(y, "y") and hasattr(y, "event") and hasattr(y, "time"):  # a SurvivalTarget
        y = y.y
    if not isinstance(y, np.ndarray) or y.dtype.names is None or len(y.dtype.names) != 2:
        raise InputError(
            "y must be a survival target: a structured array with an event and a time field, "
            "e.g. make_survival(...).y or sksurv.util.Surv.from_arrays(event, time)"
        )
    event_field, time_field = y.dtype.names
    event = np.asarray(y[event_field])
    time = np.asarray(y[time_field], dtype=np.float64)
    if event.dtype != bool:
        if not np.isin(event, [0, 1]).all():
            raise InputError(f"the event field '{event_field}' must be boolean or 0/1")
        event = event.astype(bool)
    if event.shape != (n_samples,):
        raise InputError(f"X has {n_samples} samples but y has {event.shape[0]}")
    if not np.isfinite(time).all() or (time < 0).any():
        raise InputError(f"the time field '{time_field}' must hold finite numbers >= 0")
    if not event.any():
        raise InputError(
            f"none of the {n_samples} samples has an event: a Cox model cannot be fitted"
        )
    return event, time


def _risk_sets(time: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Order by decreasing time, and for each sorted position the end of its risk set.

    In the descending order, the risk set ``{j : t_j >= t_i}`` of the sample at position ``k`` is
    positions ``0 .. last[k]`` (Breslow's handling of tied times: all tied samples are at risk).
    """
    order = np.argsort(-time, kind="stable")
    sorted_time = time[order]
    last = np.searchsorted(-sorted_time, -sorted_time, side="right") - 1
    return order, last


def cox_score_test(X, y) -> tuple[np.ndarray, np.ndarray]:
    """Cox score (log-rank) test of each feature on its own, at coefficient zero.

    For feature ``j``, ``U_j = sum_i d_i (x_ij - mean of x_j over the risk set of i)`` and its
    variance ``I_j = sum_i d_i var(x_j over the risk set of i)``, over events ``i`` (Breslow
    ties). ``z_j = U_j / sqrt(I_j)`` is approximately standard normal for a feature unrelated to
    survival; positive ``z`` means higher values, earlier events. A constant feature has
    ``z = 0``.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    y : structured array
        scikit-survival target (event, time).

    Returns
    -------
    score : ndarray of shape (n_features,)
        ``U``, the gradient of the Cox log partial likelihood at zero.
    z : ndarray of shape (n_features,)
        Standardised score statistics.

    References
    ----------
    Therneau TM, Grambsch PM. Modeling Survival Data: Extending the Cox Model. Springer, 2000,
    section 3.3. :doi:`10.1007/978-1-4757-3294-8`
    """
    X = np.asarray(X, dtype=np.float64)
    event, time = _survival_arrays(y, X.shape[0])
    return _score_test(X, event, time)


def _score_test(X: np.ndarray, event: np.ndarray, time: np.ndarray):
    order, last = _risk_sets(time)
    # Centring first keeps the running sums of squares accurate.
    Xo = X[order] - X.mean(axis=0)
    counts = (last + 1)[:, None]
    mean = np.cumsum(Xo, axis=0)[last] / counts
    second = np.cumsum(Xo**2, axis=0)[last] / counts
    d = event[order].astype(np.float64)[:, None]
    score = (d * (Xo - mean)).sum(axis=0)
    information = (d * np.clip(second - mean**2, 0.0, None)).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(information > 1e-12, score / np.sqrt(information), 0.0)
    return score, z


class PenalisedCox(ParameterValidation, BaseEstimator):
    """Elastic-net penalised Cox proportional-hazards model with a single penalty.

    Minimises ``-(1/n) log PL(beta) + alpha * (l1_ratio * |beta|_1 + (1 - l1_ratio)/2 *
    |beta|_2^2)`` (Simon et al. 2011; ``PL`` Breslow's partial likelihood) by scikit-survival's
    coordinate descent. Features are standardised inside ``fit`` (``standardize=True``) so the
    penalty treats them alike; coefficients are reported on the input scale.

    Parameters
    ----------
    alpha : float, default=0.1
        Strength of the penalty (``lambda`` in Simon et al. 2011). Above ``alpha_max_`` every
        coefficient is zero; see :data:`COX_PARAM_GRID` for the useful range.
    l1_ratio : float, default=0.5
        Mix of L1 and L2 penalties (``alpha`` in glmnet), in (0, 1]: 1 is the lasso.
    standardize : bool, default=True
        Centre and scale each feature to unit variance before fitting (constant features are
        left unscaled; they get a zero coefficient).
    max_iter : int, default=100000
        Maximum coordinate-descent iterations over the path.
    tol : float, default=1e-7
        Convergence tolerance of the coordinate descent.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
        Log hazard ratio per unit of each input feature; zero for features not selected.
    alpha_max_ : float
        Smallest penalty at which every coefficient is zero, for these training data.
    support_ : ndarray of bool, shape (n_features,)
        Features with a non-zero coefficient.
    selected_features_ : ndarray of str
        Names of those features (``x0``, ``x1``, ... when fitted on an array).
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when fitted on a DataFrame with string column names.

    Notes
    -----
    The model is fitted along a warm-started path of penalties from ``alpha_max_`` down to
    ``alpha`` (as glmnet does), not at ``alpha`` from zero: when p >> n and ``alpha`` is small,
    a cold start can overshoot and fail ("weights are too large"), while the path reaches the
    same convex optimum reliably. Penalties below about a tenth of ``alpha_max_`` approach the
    unpenalised fit, which does not exist when p >> n, and are slow and overfitted.

    ``predict`` gives relative risk scores only: no baseline hazard is estimated, so there are
    no survival curves. The score is the uncentred linear predictor ``X @ coef_``: centring it
    on the training samples' means (as scikit-survival and lifelines do) would shift each
    cross-validation fold's scores by a different constant before they are pooled.

    References
    ----------
    Simon N, Friedman J, Hastie T, Tibshirani R. Regularization paths for Cox's proportional
    hazards model via coordinate descent. J Stat Softw 2011;39(5):1-13.
    :doi:`10.18637/jss.v039.i05`

    Pölsterl S. scikit-survival: a library for time-to-event analysis built on top of
    scikit-learn. J Mach Learn Res 2020;21(212):1-6.

    Examples
    --------
    >>> import numpy as np
    >>> from sksurv.util import Surv
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(80, 5))
    >>> time = rng.exponential(np.exp(-1.5 * X[:, 0]))
    >>> y = Surv.from_arrays(np.ones(80, dtype=bool), time)
    >>> model = PenalisedCox(alpha=0.05).fit(X, y)
    >>> bool(model.coef_[0] > 0.5), model.selected_features_[0]
    (True, 'x0')
    >>> bool(model.score(X, y) > 0.7)
    True
    """

    def __init__(
        self,
        alpha: float = 0.1,
        l1_ratio: float = 0.5,
        *,
        standardize: bool = True,
        max_iter: int = 100_000,
        tol: float = 1e-7,
    ) -> None:
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.standardize = standardize
        self.max_iter = max_iter
        self.tol = tol

    _parameter_constraints: ClassVar[dict] = {
        "alpha": [Interval(Real, 0, None, closed="neither")],
        "l1_ratio": [Interval(Real, 0, 1, closed="right")],
        "standardize": ["boolean"],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="neither")],
    }

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        tags.target_tags.single_output = True
        return tags

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Fit the model.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : structured array of shape (n_samples,)
            Event indicator and time (``make_survival(...).y``, ``sksurv.util.Surv``).

        Returns
        -------
        self
        """
        X = validate_data(self, X, reset=True, dtype=np.float64)
        event, time = _survival_arrays(y, X.shape[0])

        mean = X.mean(axis=0)
        scale = X.std(axis=0) if self.standardize else np.ones(X.shape[1])
        scale[scale < 10 * np.finfo(np.float64).eps * np.maximum(np.abs(mean), 1.0)] = 1.0
        Xs = (X - mean) / scale
        score, _ = _score_test(Xs, event, time)
        n = X.shape[0]
        self.alpha_max_ = float(np.abs(score).max() / (n * self.l1_ratio))

        if self.alpha >= self.alpha_max_ * (1 - 1e-9):
            logger.debug(
                "alpha %g >= alpha_max %g: all coefficients zero", self.alpha, self.alpha_max_
            )
            beta = np.zeros(X.shape[1])
        else:
            beta = self._fit_path(Xs, event, time)
        self.coef_ = beta / scale
        self.support_ = self.coef_ != 0
        names = getattr(self, "feature_names_in_", None)
        if names is None:
            names = np.array([f"x{i}" for i in range(X.shape[1])], dtype=object)
        self.selected_features_ = np.asarray(names, dtype=object)[self.support_]
        return self

    def _fit_path(self, Xs: np.ndarray, event: np.ndarray, time: np.ndarray) -> np.ndarray:
        from sksurv.linear_model import CoxnetSurvivalAnalysis
        from sksurv.util import Surv

        steps = max(2, math.ceil(_PATH_PER_DECADE * math.log10(self.alpha_max_ / self.alpha)) + 1)
        alphas = np.geomspace(self.alpha_max_, self.alpha, steps)
        model = CoxnetSurvivalAnalysis(
            alphas=alphas,
            l1_ratio=self.l1_ratio,
            max_iter=self.max_iter,
            tol=self.tol,
            fit_baseline_model=False,
        )
        with warnings.catch_warnings():
            # The path starts at alpha_max, where all coefficients are zero by construction.
            warnings.filterwarnings("ignore", message="all coefficients are zero")
            try:
                model.fit(Xs, Surv.from_arrays(event, time))
            except ArithmeticError as error:
                raise InputError(
                    f"the penalised Cox fit diverged at alpha={self.alpha:g} ({error}); the "
                    f"penalty is too weak for these data (alpha_max={self.alpha_max_:.3g}): use "
                    f"a larger alpha, e.g. {self.alpha_max_ / 10:.2g} or more"
                ) from None
        return np.asarray(model.coef_[:, -1], dtype=np.float64)

    def predict(self, X) -> np.ndarray:
        """Risk score (linear predictor): higher means a higher hazard, an earlier event.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        check_is_fitted(self, "coef_")
        X = validate_data(self, X, reset=False, dtype=np.float64)
        return X @ self.coef_

    def score(self, X, y) -> float:
        """Harrell's concordance index of the risk scores (0.5 = random order, 1 = perfect).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : structured array of shape (n_samples,)

        Returns
        -------
        float
        """
        from sksurv.metrics import concordance_index_censored

        risk = self.predict(X)
        event, time = _survival_arrays(y, risk.size)
        return float(concordance_index_censored(event, time, risk)[0])


class UnivariateCoxFilter(SelectorMixin, ParameterValidation, BaseEstimator):
    """Keep the ``k`` features with the largest univariate Cox score statistic ``|z|``.

    A fast survival screen for very many features (see :func:`cox_score_test`), fitted inside
    each training fold like every other step.

    Parameters
    ----------
    k : int, default=100
        Number of features kept (all, when there are fewer). Ties keep the earlier feature.

    Attributes
    ----------
    z_ : ndarray of shape (n_features,)
        Standardised score statistic of each feature on the training samples.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when fitted on a DataFrame with string column names.
    """

    _parameter_constraints: ClassVar[dict] = {"k": [Interval(Integral, 1, None, closed="left")]}

    def __init__(self, k: int = 100) -> None:
        self.k = k

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        return tags

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Score each feature against the survival target ``y`` (structured array)."""
        X = validate_data(self, X, reset=True, dtype=np.float64)
        event, time = _survival_arrays(y, X.shape[0])
        _, self.z_ = _score_test(X, event, time)
        return self

    def _get_support_mask(self) -> np.ndarray:
        check_is_fitted(self, "z_")
        mask = np.zeros(self.z_.size, dtype=bool)
        order = np.argsort(-np.abs(self.z_), kind="stable")
        mask[order[: min(self.k, self.z_.size)]] = True
        return mask


def make_cox_model(
    feature_names: Sequence[str],
    views=None,
    random_state=None,
    *,
    n_select: int | None = None,
) -> Pipeline:
    """The standard survival pipeline: aligner, log transforms, filter, scaler, penalised Cox.

    Steps: :class:`~oligomet.models.FeatureAligner`, :class:`~oligomet.models.ViewLogTransform`,
    a constant-feature filter, :class:`~sklearn.preprocessing.StandardScaler` (scaling only, see
    below), optionally :class:`UnivariateCoxFilter` (``n_select``), and :class:`PenalisedCox`
    named ``"cox"``.
    Tune it with :data:`COX_PARAM_GRID` (keys ``cox__alpha``, ``cox__l1_ratio``).

    Parameters
    ----------
    feature_names : sequence of str
        Columns of the training matrix, in order.
    views : list of (str, str, int, int) or None, default=None
        Per-view log transforms, passed to :class:`~oligomet.models.ViewLogTransform`.
    random_state : None
        Accepted for symmetry with :func:`~oligomet.models.make_model`; the model is
        deterministic.
    n_select : int or None, default=None
        Keep the ``n_select`` features with the largest univariate Cox score statistic before
        the penalised fit (in each training fold). None: no screen; the elastic net selects.

    Returns
    -------
    sklearn.pipeline.Pipeline
        Unfitted; ``fit(X, y)`` takes a structured survival array ``y``.

    Notes
    -----
    The scaler divides by each feature's training standard deviation but does not subtract its
    mean. The Cox partial likelihood is unchanged by shifting a feature, so the fit is the same;
    but centring would offset each training fold's risk scores by a different constant, and
    :func:`~oligomet.evaluation.cross_validate_survival` pools scores across folds.

    Examples
    --------
    >>> model = make_cox_model(["g1", "g2", "g3"], n_select=2)
    >>> [name for name, _ in model.steps]
    ['align', 'log', 'variance', 'scale', 'select', 'cox']
    """
    del random_state  # coordinate descent is deterministic
    steps: list[tuple[str, object]] = [
        *_head(feature_names, views),
        ("variance", VarianceFilter(threshold=CONSTANT_VARIANCE)),
        # Unit variance without centring: the Cox fit is unchanged by shifts (PenalisedCox centres
        # internally), and the risk scores are not offset by each training fold's means, which
        # keeps the folds' out-of-fold scores comparable when they are pooled.
        ("scale", StandardScaler(with_mean=False)),
    ]
    if n_select is not None:
        if isinstance(n_select, bool) or not isinstance(n_select, Integral) or n_select < 1:
            raise InputError(f"n_select must be a whole number >= 1, got {n_select!r}")
        if n_select < len(feature_names):
            steps.append(("select", UnivariateCoxFilter(k=int(n_select))))
    # The scaler has scaled the features already.
    steps.append(("cox", PenalisedCox(standardize=False)))
    return Pipeline(steps)
