"""Scoring signatures: an estimator for cross-validation and a function for notebooks."""

from __future__ import annotations

import logging
import os
from numbers import Real
from typing import TYPE_CHECKING, ClassVar

import numpy as np
import pandas as pd
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted, validate_data

from .._errors import InputError
from .._logistic import logistic_newton
from .._validation import ParameterValidation, binary_classes
from ._io import load_signature
from ._match import SignatureMatch, match_features
from ._model import Signature

if TYPE_CHECKING:
    import anndata as ad

__all__ = ["SignatureScore", "score_signature", "signature_estimator"]

logger = logging.getLogger(__name__)


def _scale(X: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-column mean, standard deviation (ddof=0; 1 for constant columns, so z = 0) and which
    columns are constant."""
    mean = X.mean(axis=0)
    scale = X.std(axis=0)
    # A constant column can show a tiny spread from rounding of its mean; treat it as constant.
    constant = scale <= 10 * np.finfo(float).eps * np.maximum(np.abs(mean), 1.0)
    return mean, np.where(constant, 1.0, scale), constant


def _weighted_z(X: np.ndarray, mean: np.ndarray, scale: np.ndarray, weights: np.ndarray):
    """sum_i w_i z_i / sum_i |w_i|, with z_i = (x_i - mean_i) / scale_i."""
    return ((X - mean) / scale) @ weights / np.abs(weights).sum()


def _fit_logistic_1d(score: np.ndarray, y: np.ndarray, C: float) -> tuple[float, float]:
    """Intercept and slope of P(y=1) = expit(a + b s), L2 penalty b^2 / (2C) on the slope only
    (scikit-learn's ``LogisticRegression(C=C)`` on one feature)."""
    coef, _, _ = logistic_newton(score[:, None], y, penalty=[0.0, 1.0 / C])
    return float(coef[0]), float(coef[1])


#: Slope of the calibration when the data contradict the published direction.
_MIN_SLOPE = 1e-9


class SignatureScore(ClassifierMixin, ParameterValidation, BaseEstimator):
    """Score samples with a signature's published weights; calibrate the score on training data.

    The columns of ``X`` are the signature's features, in the order of ``weights``. ``fit``
    learns each feature's mean and standard deviation on the training samples; the score of a
    sample is the weighted mean of its z-scores,

    .. math:: s = \\frac{\\sum_i w_i z_i}{\\sum_i |w_i|}, \\quad z_i = (x_i - \\mu_i) / \\sigma_i,

    so the published weights (directions: up = +1, down = -1) are used as they are, never
    refitted. A one-variable logistic model ``P(positive) = expit(intercept_ + slope_ * s)`` is
    then fitted on the training samples with ``slope_ > 0``: the calibration may shrink the
    signature's effect to nothing but never reverses its published direction. When the training
    samples point the other way (the score is lower, on average, in the positive class) the
    slope is 0, every sample gets the training prevalence as probability, and
    ``direction_agrees_`` is False.

    Parameters
    ----------
    weights : sequence of float or None, default=None
        Signed weight of each column (``Signature.weights``, or ``SignatureMatch.weights`` for
        the features a table has); None weights every column +1.
    C : float, default=1.0
        Inverse strength of the L2 penalty on the calibration slope (as in scikit-learn's
        ``LogisticRegression``); keeps the probabilities finite when the training classes are
        separated by the score. The intercept is not penalised.

    Attributes
    ----------
    classes_ : ndarray of shape (2,)
        Class labels. ``classes_[1]`` is the positive class, the one the ``up`` direction points
        to: encode labels so that it is the polymetastatic class (oligomet labels: 1).
    weights_ : ndarray of shape (n_features,)
        The weights used.
    mean_, scale_ : ndarray of shape (n_features,)
        Training mean and standard deviation (ddof=0) of each feature; a constant feature has
        scale 1 and contributes z = 0.
    intercept_, slope_ : float
        Calibration: ``P(positive) = expit(intercept_ + slope_ * score)``, ``slope_ > 0``.
    direction_agrees_ : bool
        Whether the training samples agree with the published direction (the score is higher
        on average in the positive class); when not, ``slope_`` is negligible (1e-9).
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features,)
        Defined when ``X`` was a DataFrame with string column names.

    Notes
    -----
    :meth:`score_samples` returns the signature score ``s`` itself (zero = training mean);
    :meth:`decision_function` the calibrated log-odds, whose sign gives :meth:`predict`. The
    calibration never reverses the published direction: when a training fold contradicts it, the
    slope is set to a negligible positive value, so probabilities equal the prevalence to many
    digits while still ranking samples by the published score; a ROC AUC then shows the
    signature's own discrimination, below 0.5 when the data disagree with it.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1.0, 4.0], [2.0, 2.0], [3.0, 0.0]])
    >>> model = SignatureScore(weights=[1, -1]).fit(X, [0, 0, 1])
    >>> model.score_samples(X).round(4)
    array([-1.2247,  0.    ,  1.2247])
    >>> bool(model.direction_agrees_), bool(model.slope_ > 0)
    (True, True)
    """

    _parameter_constraints: ClassVar[dict] = {
        "weights": ["array-like", None],
        "C": [Interval(Real, 0, None, closed="neither")],
    }

    def __init__(self, weights=None, C: float = 1.0) -> None:
        self.weights = weights
        self.C = C

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Learn feature means and scales and the calibration from training samples.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The signature's features, in the order of ``weights``.
        y : array-like of shape (n_samples,)
            Two classes; the larger label (``classes_[1]``) is the positive one.

        Returns
        -------
        self
        """
        X, y = validate_data(self, X, y, dtype=np.float64, order="C")
        self.classes_, y_index = binary_classes(y, "SignatureScore")
        self.weights_ = self._check_weights(X.shape[1])
        self.mean_, self.scale_, _ = _scale(X)
        score = _weighted_z(X, self.mean_, self.scale_, self.weights_)
        target = y_index.astype(float)
        # With the intercept at its optimum, the log-likelihood's slope at b = 0 is
        # sum_i (y_i - mean(y)) s_i: its sign is the sign of the constrained optimum's slope.
        association = float(np.dot(target - target.mean(), score))
        self.direction_agrees_ = association > 0
        if self.direction_agrees_:
            self.intercept_, self.slope_ = _fit_logistic_1d(score, target, float(self.C))
            self.slope_ = max(self.slope_, _MIN_SLOPE)
        else:
            prevalence = target.mean()
            # The flattest increasing calibration: probabilities stay at the prevalence to many
            # digits, but still rank samples by the published score, so a signature the data
            # contradict scores an AUC below 0.5 instead of exactly 0.5.
            logit = float(np.log(prevalence / (1 - prevalence)))
            self.intercept_, self.slope_ = logit, _MIN_SLOPE
            logger.info(
                "signature score is not higher on average in the positive class %r of the training "
                "samples: calibration slope set to 0 (the published direction is not reversed)",
                self.classes_[1],
            )
        return self

    def _check_weights(self, n_features: int) -> np.ndarray:
        if self.weights is None:
            return np.ones(n_features)
        weights = np.asarray(self.weights, dtype=float)
        if weights.ndim != 1 or weights.shape[0] != n_features:
            raise ValueError(
                f"weights has {weights.size} entries but X has {n_features} columns; give one "
                "weight per column, in column order"
            )
        if not np.all(np.isfinite(weights)) or not np.any(weights):
            raise ValueError("weights must be finite and not all zero")
        return weights

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        # Fixed (published) weights do not adapt to the data: on scikit-learn's generic test
        # blobs the score need not separate the classes.
        tags.classifier_tags.poor_score = True
        return tags

    def score_samples(self, X) -> np.ndarray:
        """The signature score of each sample (weighted mean of training-fold z-scores).

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        check_is_fitted(self, "slope_")
        # C order whatever the input's: the weighted sum then adds in one order, so a score
        # does not depend on how the caller's array was sliced.
        X = validate_data(self, X, reset=False, dtype=np.float64, order="C")
        return _weighted_z(X, self.mean_, self.scale_, self.weights_)

    def decision_function(self, X) -> np.ndarray:
        """Calibrated log-odds of the positive class, ``intercept_ + slope_ * score``.

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        check_is_fitted(self, "slope_")
        return self.intercept_ + self.slope_ * self.score_samples(X)

    def predict_proba(self, X) -> np.ndarray:
        """Calibrated class probabilities; columns follow ``classes_``.

        Returns
        -------
        ndarray of shape (n_samples, 2)
        """
        check_is_fitted(self, "slope_")
        positive = expit(self.decision_function(X))
        return np.column_stack([1 - positive, positive])

    def predict(self, X) -> np.ndarray:
        """The positive class where its calibrated probability exceeds 0.5, else the negative."""
        check_is_fitted(self, "slope_")
        return self.classes_[(self.decision_function(X) > 0).astype(int)]


def signature_estimator(
    signature: Signature | SignatureMatch | str | os.PathLike[str],
    random_state=None,
):
    """The unfitted scikit-learn estimator that a signature's scoring rule calls for.

    Its input is the signature's features only, as columns in signature order (select them
    with :attr:`SignatureMatch.columns` first).

    Parameters
    ----------
    signature : Signature, SignatureMatch, str or path-like
        A signature or anything :func:`~oligomet.signatures.load_signature` accepts. Give the
        :class:`SignatureMatch` when some features are absent from the data: the weights are
        then those of the features found, in the same order as :attr:`SignatureMatch.columns`.
    random_state : int, RandomState instance or None, default=None
        Passed to the logistic regression of ``retrain`` signatures (its ``lbfgs`` solver is
        deterministic; the argument is recorded for reproducibility of other solvers).

    Returns
    -------
    estimator
        ``weighted_mean``: :class:`SignatureScore` with the published weights.
        ``retrain``: ``Pipeline(StandardScaler, LogisticRegression(C=1, l1_ratio=0 (L2),
        class_weight="balanced"))``, refitted in each training fold.

    Examples
    --------
    >>> signature_estimator("mir200c")
    SignatureScore(weights=(1.0,))
    >>> signature_estimator("katipally2023").steps[-1][1]
    LogisticRegression(class_weight='balanced', max_iter=1000)
    """
    if isinstance(signature, SignatureMatch):
        match = signature.check()
        signature, weights = match.signature, match.weights
    else:
        signature = load_signature(signature)
        weights = signature.weights
    if signature.scoring == "weighted_mean":
        return SignatureScore(weights=weights)
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    return Pipeline(
        [
            ("scale", StandardScaler()),
            (
                "classify",
                LogisticRegression(
                    C=1.0,
                    l1_ratio=0.0,
                    class_weight="balanced",
                    max_iter=1000,
                    random_state=random_state,
                ),
            ),
        ]
    )


def score_signature(
    data: ad.AnnData | pd.DataFrame,
    signature: Signature | str | os.PathLike[str],
    *,
    key_added: str | None = None,
    layer: str | None = None,
    copy: bool = False,
) -> ad.AnnData | pd.Series | None:
    """Score every sample with a signature's published weights (a cohort-relative score).

    Each feature is z-scored **within the samples given** (mean and standard deviation, ddof=0,
    of this cohort), then the score is ``sum(w_i z_i) / sum(|w_i|)`` over the features found.
    The score therefore ranks samples within this cohort; it is not comparable across cohorts
    and carries no threshold. For a classifier evaluated by cross-validation use
    :func:`signature_estimator` instead, which learns the scaling in training folds only.

    Parameters
    ----------
    data : anndata.AnnData or pandas.DataFrame
        Samples x features. Features are matched by :func:`match_features`.
    signature : Signature, str or path-like
        A ``weighted_mean`` signature, or anything :func:`load_signature` accepts.
    key_added : str, optional
        Name of the score; default ``signature_<name>``.
    layer : str, optional
        AnnData only: score this layer instead of ``X``.
    copy : bool, default=False
        AnnData only: return a scored copy instead of writing into ``data``.

    Returns
    -------
    AnnData, Series or None
        AnnData input: writes ``obs[key_added]`` and ``uns[key_added]["params"]`` (signature,
        features found and missing) and returns None, or the copy when ``copy=True``.
        DataFrame input: returns the score as a Series named ``key_added`` (the frame is not
        changed).

    Raises
    ------
    InputError
        If the signature is a ``retrain`` one (no published weights), fewer features than its
        minimum are found, or the matched columns hold missing or non-numeric values.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"hsa-mir-200c": [1.0, 2.0, 3.0]}, index=["a", "b", "c"])
    >>> score_signature(frame, "mir200c").round(4).tolist()
    [-1.2247, 0.0, 1.2247]
    """
    signature = load_signature(signature)
    if signature.scoring != "weighted_mean":
        raise InputError(
            f"signature {signature.name} has no published weights to score with (scoring: "
            f"{signature.scoring}); train a classifier on its features inside cross-validation "
            "instead (signature_estimator / the model zoo's signature:NAME)"
        )
    key = key_added or f"signature_{signature.name}"
    is_frame = isinstance(data, pd.DataFrame)
    if is_frame:
        if layer is not None or copy:
            raise InputError("layer and copy apply to AnnData only; a DataFrame is never changed")
        columns = data.columns
    else:
        columns = data.var_names
    match = match_features(signature, columns)
    if match.missing:
        logger.warning("%s", match.report())
    else:
        logger.info("%s", match.report())
    match.check()

    if is_frame:
        values = data[match.columns]
        non_numeric = [c for c in values.columns if not pd.api.types.is_numeric_dtype(values[c])]
        if non_numeric:
            raise InputError(
                f"signature {signature.name}: column(s) {', '.join(map(str, non_numeric))} are "
                "not numeric; give expression values"
            )
        matrix = values.to_numpy(dtype=float)
        samples = data.index
    else:
        subset = data[:, match.columns]
        matrix = subset.layers[layer] if layer is not None else subset.X
        if hasattr(matrix, "toarray"):
            matrix = matrix.toarray()
        matrix = np.asarray(matrix, dtype=float)
        samples = data.obs_names
    if not np.all(np.isfinite(matrix)):
        finite = np.isfinite(matrix).all(axis=0)
        bad = [str(c) for c, ok in zip(match.columns, finite, strict=True) if not ok]
        raise InputError(
            f"signature {signature.name}: missing or infinite values in {', '.join(bad)}; "
            "impute or drop those samples first"
        )
    mean, scale, constant = _scale(matrix)
    if constant.any():
        logger.warning(
            "signature %s: constant in these samples, so contributes 0: %s",
            signature.name,
            ", ".join(str(c) for c, flat in zip(match.columns, constant, strict=True) if flat),
        )
    score = _weighted_z(matrix, mean, scale, np.asarray(match.weights, dtype=float))
    if is_frame:
        return pd.Series(score, index=samples, name=key)
    adata = data.copy() if copy else data
    adata.obs[key] = pd.Series(score, index=adata.obs_names)
    adata.uns[key] = {
        "params": {
            "signature": signature.name,
            "layer": layer if layer is not None else "X",
            "n_features": match.n_features,
            "n_found": match.n_found,
            "found": dict(match.found),
            "missing": list(match.missing),
        }
    }
    return adata if copy else None
