"""Logistic regression by Newton-Raphson: the small maximum-likelihood fits several modules need.

scikit-learn's ``LogisticRegression`` cannot leave the intercept unpenalised while penalising a
slope only (a signature's calibration), and reports no log-likelihood or convergence under
separation (a likelihood-ratio test needs both); this does, in a few lines of numpy.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

__all__ = ["logistic_newton"]


def logistic_newton(
    X: np.ndarray, y: np.ndarray, *, penalty=None, max_iter: int = 100
) -> tuple[np.ndarray, float, bool]:
    """Logistic regression with an intercept, optionally ridge-penalised, by Newton-Raphson.

    Maximises ``sum_i [y_i eta_i - log(1 + exp(eta_i))] - sum_j penalty_j beta_j^2 / 2`` with
    ``eta = beta_0 + X beta``; each Newton step is halved until the objective does not decrease.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Covariates (no intercept column).
    y : ndarray of shape (n_samples,)
        0/1 outcome.
    penalty : array-like of shape (n_features + 1,) or None, default=None
        Ridge penalty of each coefficient, intercept first (``[0, 1 / C]`` is scikit-learn's
        ``LogisticRegression(C=C)`` on one feature). None: unpenalised maximum likelihood.
    max_iter : int, default=100
        Newton iterations at most.

    Returns
    -------
    coef : ndarray of shape (n_features + 1,)
        Intercept first.
    loglik : float
        Log-likelihood (without the penalty) at ``coef``.
    converged : bool
        False when the iteration did not settle, or under separation (fitted probabilities 0 or 1
        in floating point: the unpenalised estimate is infinite).

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[0.0], [0.0], [0.0], [1.0], [1.0], [1.0]])
    >>> coef, loglik, converged = logistic_newton(x, np.array([0, 1, 0, 1, 1, 0]))
    >>> coef.round(4).tolist(), converged  # log-odds of 1/3, then the log odds ratio 4
    ([-0.6931, 1.3863], True)
    """
    design = np.column_stack([np.ones(len(X)), np.asarray(X, dtype=np.float64)])
    y = np.asarray(y, dtype=np.float64)
    penalty = np.zeros(design.shape[1]) if penalty is None else np.asarray(penalty, dtype=float)
    beta = np.zeros(design.shape[1])

    def loglik(coef: np.ndarray) -> float:
        eta = design @ coef
        return float(np.sum(y * eta - np.logaddexp(0.0, eta)))

    def objective(coef: np.ndarray) -> float:
        return loglik(coef) - 0.5 * float(np.sum(penalty * coef**2))

    current = objective(beta)
    for _ in range(max_iter):
        mu = expit(design @ beta)
        gradient = design.T @ (y - mu) - penalty * beta
        hessian = (design * (mu * (1 - mu))[:, None]).T @ design + np.diag(penalty)
        try:
            step = np.linalg.solve(hessian, gradient)
        except np.linalg.LinAlgError:
            return beta, loglik(beta), False
        scale = 1.0
        for _ in range(40):
            candidate = objective(beta + scale * step)
            if candidate >= current - 1e-12 * abs(current):
                break
            scale /= 2
        beta = beta + scale * step
        current = candidate
        if np.max(np.abs(scale * step)) <= 1e-9 * (1 + np.max(np.abs(beta))):
            # Under separation the fitted probabilities reach 0 or 1 in floating point and the
            # gradient vanishes at a finite but meaningless point (R's glm warns "fitted
            # probabilities numerically 0 or 1"): not a maximum.
            return beta, loglik(beta), bool(np.max(np.abs(design @ beta)) < 30)
        if np.max(np.abs(beta)) > 1e6:
            break
    return beta, loglik(beta), False
