"""Two models on the same cohort and folds: is one better? A paired bootstrap of the difference."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from sklearn.utils import check_random_state

from .._errors import InputError
from ._metrics import _nanmean, _ranking_metrics
from ._survival import SurvivalCVResult, _bootstrap_c, _bootstrap_weights

__all__ = ["PairedComparison", "paired_comparison"]


@dataclass(frozen=True)
class PairedComparison:
    """The difference of two cross-validated scores on the same patients and folds.

    Attributes
    ----------
    metric : str
        ``"roc_auc"`` or ``"c_index"``.
    first, second : str
        Names of the two models (``difference = first - second``).
    estimate_first, estimate_second, difference : float
    ci_low, ci_high : float
        Percentile bootstrap interval of the difference.
    p_value : float
        Two-sided bootstrap p-value of no difference.
    n_bootstrap : int
    confidence : float
    """

    metric: str
    first: str
    second: str
    estimate_first: float
    estimate_second: float
    difference: float
    ci_low: float
    ci_high: float
    p_value: float
    n_bootstrap: int
    confidence: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _check_pair(first, second) -> None:
    if type(first) is not type(second):
        raise InputError("a paired comparison needs two results of the same task")
    if isinstance(first, SurvivalCVResult):
        same = np.array_equal(first.time, second.time) and np.array_equal(first.event, second.event)
    else:
        same = np.array_equal(first.y, second.y)
    if not same or not np.array_equal(first.folds, second.folds):
        raise InputError(
            "the two results were not evaluated on the same samples and folds (same cohort, "
            "label rule, seed and cross-validation settings); they cannot be compared pairwise"
        )


def _resampled(result, weights: np.ndarray) -> np.ndarray:
    """The headline score of ``result`` under each row of patient weights (mean over repeats)."""
    if isinstance(result, SurvivalCVResult):
        return _bootstrap_c(result.time, result.event, result.oof_risk, weights)
    scores = np.vstack(
        [_ranking_metrics(result.y, proba, weights)[0] for proba in result.oof_proba]
    )
    return _nanmean(scores, axis=0)


def paired_comparison(
    first,
    second,
    *,
    names: tuple[str, str] = ("first", "second"),
    groups=None,
    n_bootstrap: int = 2000,
    confidence: float = 0.95,
    random_state=0,
) -> PairedComparison:
    """Paired bootstrap of the difference in ROC AUC (or Harrell's C) of two models.

    Both results must come from the same cohort, label rule and folds (the same seed and
    cross-validation settings give the same folds), so each resample of patients scores both
    models' out-of-fold predictions on the same patients: the difference keeps the correlation
    between the two models, which an unpaired comparison of two intervals ignores. Patients are
    resampled within each class (or event status), a patient's samples together with ``groups``;
    each model's score is averaged over repeats, as its point estimate is.

    Parameters
    ----------
    first, second : CrossValidationResult or SurvivalCVResult
    names : (str, str)
        What to call them in the result.
    groups : array-like or None, default=None
        Patient of each sample, when a patient has several.
    n_bootstrap : int, default=2000
    confidence : float, default=0.95
    random_state : int, RandomState or None, default=0

    Returns
    -------
    PairedComparison
        ``p_value`` is two-sided: twice the smaller share of resampled differences at or beyond
        zero on either side, with the ``(b + 1) / (B + 1)`` correction; it cannot be below
        ``2 / (n_bootstrap + 1)``.

    References
    ----------
    Efron B, Tibshirani RJ. An Introduction to the Bootstrap. Chapman & Hall; 1993, ch. 16.
    :doi:`10.1201/9780429246593`
    """
    _check_pair(first, second)
    if not 0 < confidence < 1:
        raise InputError(f"confidence must lie strictly between 0 and 1, got {confidence}")
    survival = isinstance(first, SurvivalCVResult)
    strata = first.event if survival else first.y.astype(bool)
    groups = None if groups is None else np.asarray(groups)
    weights = _bootstrap_weights(strata, groups, int(n_bootstrap), check_random_state(random_state))
    differences = _resampled(first, weights) - _resampled(second, weights)
    differences = differences[np.isfinite(differences)]
    metric = "c_index" if survival else "roc_auc"
    estimate_first, estimate_second = first.metrics[metric], second.metrics[metric]
    tail = (1 - confidence) / 2
    low, high = np.quantile(differences, [tail, 1 - tail]) if differences.size else (np.nan, np.nan)
    n = differences.size
    below = (np.sum(differences <= 0) + 1) / (n + 1)
    above = (np.sum(differences >= 0) + 1) / (n + 1)
    return PairedComparison(
        metric=metric,
        first=names[0],
        second=names[1],
        estimate_first=float(estimate_first),
        estimate_second=float(estimate_second),
        difference=float(estimate_first - estimate_second),
        ci_low=float(low),
        ci_high=float(high),
        p_value=float(min(1.0, 2 * min(below, above))),
        n_bootstrap=int(n_bootstrap),
        confidence=float(confidence),
    )
