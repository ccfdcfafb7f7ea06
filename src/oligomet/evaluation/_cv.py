"""Repeated cross-validation with confidence intervals and a permuted-label null."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from scipy.stats import rankdata
from sklearn.base import clone
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold
from sklearn.utils import check_random_state

from .._errors import InputError

__all__ = ["CrossValidationResult", "bootstrap_ci", "cross_validate", "univariate_auc"]

logger = logging.getLogger(__name__)


@dataclass
class CrossValidationResult:
    """Out-of-fold predictions and scores of a repeated cross-validation.

    Attributes
    ----------
    metrics : dict
        Summary numbers: ``roc_auc`` (mean over repeats of the AUC of the pooled out-of-fold
        probabilities) with ``roc_auc_ci_low``/``roc_auc_ci_high``, the same for
        ``balanced_accuracy``, and, when permutations were run, ``null_roc_auc`` (mean AUC of the
        same evaluation on permuted labels), ``null_roc_auc_sd`` and ``permutation_p``.
    fold_scores : pandas.DataFrame
        One row per (repeat, fold): ``roc_auc``, ``balanced_accuracy``, ``n_train``, ``n_test``.
    null_scores : pandas.DataFrame
        One row per permutation: ``roc_auc`` and ``balanced_accuracy`` of the whole repeated
        cross-validation on those permuted labels.
    oof_proba : ndarray of shape (n_repeats, n_samples)
        Out-of-fold probability of the positive class, one row per repeat.
    oof_pred : ndarray of shape (n_repeats, n_samples)
        Out-of-fold predicted class (0/1).
    y : ndarray of shape (n_samples,)
        The 0/1 labels.
    params : dict
        The evaluation's settings.
    """

    metrics: dict[str, float]
    fold_scores: pd.DataFrame
    null_scores: pd.DataFrame
    oof_proba: np.ndarray
    oof_pred: np.ndarray
    y: np.ndarray
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def summary(self) -> pd.DataFrame:
        """One row per metric: estimate and confidence interval."""
        rows = []
        for metric in ("roc_auc", "balanced_accuracy"):
            rows.append(
                {
                    "metric": metric,
                    "estimate": self.metrics[metric],
                    "ci_low": self.metrics[f"{metric}_ci_low"],
                    "ci_high": self.metrics[f"{metric}_ci_high"],
                }
            )
        if "null_roc_auc" in self.metrics:
            rows.append(
                {
                    "metric": "null_roc_auc",
                    "estimate": self.metrics["null_roc_auc"],
                    "ci_low": np.nan,
                    "ci_high": np.nan,
                }
            )
        return pd.DataFrame(rows).set_index("metric")

    def to_dict(self) -> dict[str, Any]:
        """Aggregate results only (no sample-level values), JSON-safe."""
        return {
            "metrics": {k: float(v) for k, v in self.metrics.items()},
            "params": dict(self.params),
            "fold_scores": self.fold_scores.to_dict(orient="records"),
            "null_scores": self.null_scores.to_dict(orient="records"),
        }


def _auc_by_rank(y: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """ROC AUC (Mann-Whitney U / n_pos n_neg, ties counted half) along the last axis."""
    positive = y == 1
    n_pos, n_neg = positive.sum(), (~positive).sum()
    ranks = rankdata(scores, axis=-1)
    rank_sum = ranks[..., positive].sum(axis=-1)
    return (rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


def univariate_auc(X: pd.DataFrame, y) -> pd.Series:
    """ROC AUC of every feature on its own (higher value = positive class), ties counted half.

    A descriptive check, not a model: a feature with an AUC near 0 or 1 separates the classes by
    itself, which for a molecular feature is remarkable and for a clinical column (follow-up time,
    stage, a copy of the label) means the outcome has leaked into the features.
    """
    y = np.asarray(y).astype(int)
    values = np.asarray(X, dtype=np.float64).T
    return pd.Series(_auc_by_rank(y, values), index=X.columns, name="roc_auc")


def _balanced_accuracy(y: np.ndarray, pred: np.ndarray) -> np.ndarray:
    positive = y == 1
    sensitivity = (pred[..., positive] == 1).mean(axis=-1)
    specificity = (pred[..., ~positive] == 0).mean(axis=-1)
    return (sensitivity + specificity) / 2


def bootstrap_ci(
    y: np.ndarray,
    oof_proba: np.ndarray,
    oof_pred: np.ndarray,
    *,
    n_bootstrap: int = 1000,
    confidence: float = 0.95,
    random_state=None,
) -> dict[str, tuple[float, float]]:
    """Stratified percentile-bootstrap intervals for AUC and balanced accuracy.

    Patients are resampled with replacement within each class (so every resample has both classes
    and the original prevalence); for each resample the metric is computed on every repeat's
    out-of-fold predictions and averaged over repeats, like the point estimate.

    Parameters
    ----------
    y : ndarray of shape (n_samples,)
        0/1 labels.
    oof_proba, oof_pred : ndarray of shape (n_repeats, n_samples)
        Out-of-fold probabilities and predicted classes.
    n_bootstrap : int, default=1000
        Number of resamples.
    confidence : float, default=0.95
        Coverage of the interval.
    random_state : int, RandomState or None, default=None
        Seed of the resampling.

    Returns
    -------
    dict
        ``{"roc_auc": (low, high), "balanced_accuracy": (low, high)}``.

    Notes
    -----
    The interval reflects which patients happened to be sampled, given the fitted models; it does
    not include the variability of refitting on other training sets, so it is somewhat narrow for
    small cohorts.
    """
    rng = check_random_state(random_state)
    y = np.asarray(y)
    positives, negatives = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    index = np.concatenate(
        [
            rng.choice(positives, size=(n_bootstrap, positives.size)),
            rng.choice(negatives, size=(n_bootstrap, negatives.size)),
        ],
        axis=1,
    )
    y_boot = np.r_[np.ones(positives.size, int), np.zeros(negatives.size, int)]
    tail = (1 - confidence) / 2 * 100
    out: dict[str, tuple[float, float]] = {}
    auc = np.mean([_auc_by_rank(y_boot, proba[index]) for proba in oof_proba], axis=0)
    balanced = np.mean([_balanced_accuracy(y_boot, pred[index]) for pred in oof_pred], axis=0)
    for name, values in (("roc_auc", auc), ("balanced_accuracy", balanced)):
        low, high = np.percentile(values, [tail, 100 - tail])
        out[name] = (float(low), float(high))
    return out


def _permute(y: np.ndarray, groups, rng) -> np.ndarray:
    """Permute labels between patients: with ``groups``, a patient's samples move together."""
    if groups is None:
        return rng.permutation(y)
    groups = np.asarray(groups)
    patients, first, position = np.unique(groups, return_index=True, return_inverse=True)
    if any(np.unique(y[groups == g]).size > 1 for g in patients):
        raise InputError("a patient's samples carry different labels; labels must be per patient")
    return rng.permutation(y[first])[position]


def _fit_fold(estimator, X, y, train, test):
    model = clone(estimator).fit(X.iloc[train], y[train])
    proba = model.predict_proba(X.iloc[test])[:, 1]
    pred = np.asarray(model.predict(X.iloc[test])).astype(int)
    return proba, pred


def _check_design(y: np.ndarray, n_splits: int, groups) -> None:
    classes, counts = np.unique(y, return_counts=True)
    if not np.isin(classes, [0, 1]).all():
        raise ValueError(f"labels must be 0/1, got {classes.tolist()}")
    if classes.size < 2:
        raise InputError(
            f"all {y.size} samples are in one class ({int(classes[0])}); a classifier needs both"
        )
    if n_splits < 2:
        raise InputError(f"n_splits must be at least 2, got {n_splits}")
    smallest = int(counts.min())
    if smallest < n_splits:
        which = "positive" if classes[np.argmin(counts)] == 1 else "negative"
        raise InputError(
            f"fewer samples than folds: the {which} class has {smallest} samples, fewer than the "
            f"{n_splits} cross-validation folds; use fewer folds (--n-splits {max(2, smallest)}) "
            "or more samples"
        )
    if groups is not None and len(np.unique(groups)) < n_splits:
        raise InputError(f"fewer groups ({len(np.unique(groups))}) than folds ({n_splits})")


def _repeated_oof(estimator, X, y, *, n_splits, n_repeats, seeds, groups, parallel):
    splits = []
    for repeat, seed in enumerate(seeds[:n_repeats]):
        if groups is None:
            splitter = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed)
        else:
            splitter = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=seed)
        for fold, (train, test) in enumerate(splitter.split(np.zeros(y.size), y, groups)):
            splits.append((repeat, fold, train, test))
    outputs = parallel(delayed(_fit_fold)(estimator, X, y, tr, te) for _, _, tr, te in splits)
    oof_proba = np.full((n_repeats, y.size), np.nan)
    oof_pred = np.full((n_repeats, y.size), -1, dtype=int)
    rows = []
    for (repeat, fold, train, test), (proba, pred) in zip(splits, outputs, strict=True):
        oof_proba[repeat, test] = proba
        oof_pred[repeat, test] = pred
        y_test = y[test]
        rows.append(
            {
                "repeat": repeat,
                "fold": fold,
                "roc_auc": float(_auc_by_rank(y_test, proba))
                if np.unique(y_test).size == 2
                else np.nan,
                "balanced_accuracy": float(_balanced_accuracy(y_test, pred)),
                "n_train": int(train.size),
                "n_test": int(test.size),
            }
        )
    return oof_proba, oof_pred, pd.DataFrame(rows)


def cross_validate(
    estimator,
    X: pd.DataFrame,
    y,
    *,
    n_splits: int = 5,
    n_repeats: int = 5,
    n_permutations: int = 5,
    n_bootstrap: int = 1000,
    confidence: float = 0.95,
    groups=None,
    n_jobs: int | None = None,
    random_state=None,
) -> CrossValidationResult:
    """Repeated stratified cross-validation of a classifier, with its permuted-label null.

    The estimator (normally a whole pipeline: normalisation, filtering, feature selection,
    classifier) is cloned and refitted on every training fold, so nothing is learned from the
    test fold. The same evaluation is then repeated on permuted labels: a pipeline that leaks no
    information scores ``null_roc_auc`` close to 0.5.

    Parameters
    ----------
    estimator : classifier
        Unfitted scikit-learn classifier with ``predict_proba``.
    X : pandas.DataFrame of shape (n_samples, n_features)
        Features, samples in rows.
    y : array-like of shape (n_samples,)
        0/1 labels; 1 is the positive class.
    n_splits : int, default=5
        Folds per repeat.
    n_repeats : int, default=5
        Repeats of the K-fold split, each with a different shuffle.
    n_permutations : int, default=5
        Label permutations for the null distribution (0 to skip). Each runs the whole repeated
        cross-validation again, refitting everything.
    n_bootstrap : int, default=1000
        Resamples for the confidence intervals (see :func:`bootstrap_ci`).
    confidence : float, default=0.95
        Coverage of the confidence intervals.
    groups : array-like of shape (n_samples,) or None, default=None
        Patient of each sample when a patient has several; folds then keep a patient's samples
        together (``StratifiedGroupKFold``).
    n_jobs : int or None, default=None
        Folds fitted in parallel (joblib).
    random_state : int, RandomState or None, default=None
        Seeds the splits, the permutations and the bootstrap: one value fixes every number.

    Returns
    -------
    CrossValidationResult

    Raises
    ------
    InputError
        With a single class, or fewer samples of a class than folds.
    """
    y = np.asarray(y).astype(int)
    if isinstance(X, pd.DataFrame):
        # One float block: a frame with a block per column (after pop/concat) makes every fold's
        # row selection copy thousands of blocks.
        X = pd.DataFrame(X.to_numpy(dtype=np.float64), index=X.index, columns=X.columns)
    else:
        X = pd.DataFrame(np.asarray(X, dtype=np.float64))
    if len(X) != y.size:
        raise ValueError(f"X has {len(X)} samples but y has {y.size}")
    _check_design(y, n_splits, groups)
    rng = check_random_state(random_state)
    seeds = rng.randint(0, 2**31 - 1, size=n_repeats).tolist()
    parallel = Parallel(n_jobs=n_jobs)
    oof_proba, oof_pred, fold_scores = _repeated_oof(
        estimator,
        X,
        y,
        n_splits=n_splits,
        n_repeats=n_repeats,
        seeds=seeds,
        groups=groups,
        parallel=parallel,
    )
    auc = float(np.mean([_auc_by_rank(y, proba) for proba in oof_proba]))
    balanced = float(np.mean(_balanced_accuracy(y, oof_pred)))
    intervals = bootstrap_ci(
        y, oof_proba, oof_pred, n_bootstrap=n_bootstrap, confidence=confidence, random_state=rng
    )
    metrics = {
        "roc_auc": auc,
        "roc_auc_ci_low": intervals["roc_auc"][0],
        "roc_auc_ci_high": intervals["roc_auc"][1],
        "balanced_accuracy": balanced,
        "balanced_accuracy_ci_low": intervals["balanced_accuracy"][0],
        "balanced_accuracy_ci_high": intervals["balanced_accuracy"][1],
        "n_samples": float(y.size),
        "n_positive": float(y.sum()),
    }
    null_rows = []
    for permutation in range(n_permutations):
        y_null = _permute(y, groups, rng)
        # The same shuffle seeds as the real evaluation; the folds still differ a little because
        # stratification follows the permuted labels.
        null_proba, null_pred, _ = _repeated_oof(
            estimator,
            X,
            y_null,
            n_splits=n_splits,
            n_repeats=n_repeats,
            seeds=seeds,
            groups=groups,
            parallel=parallel,
        )
        null_rows.append(
            {
                "permutation": permutation,
                "roc_auc": float(np.mean([_auc_by_rank(y_null, p) for p in null_proba])),
                "balanced_accuracy": float(np.mean(_balanced_accuracy(y_null, null_pred))),
            }
        )
        logger.debug("permutation %d: AUC %.3f", permutation, null_rows[-1]["roc_auc"])
    null_scores = pd.DataFrame(null_rows, columns=["permutation", "roc_auc", "balanced_accuracy"])
    if n_permutations:
        null_auc = null_scores["roc_auc"].to_numpy()
        metrics["null_roc_auc"] = float(null_auc.mean())
        metrics["null_roc_auc_sd"] = float(null_auc.std(ddof=1)) if null_auc.size > 1 else 0.0
        # Phipson & Smyth (2010): (b + 1) / (m + 1), never zero, and never below 1 / (m + 1).
        metrics["permutation_p"] = float((np.sum(null_auc >= auc) + 1) / (null_auc.size + 1))
    params = {
        "n_splits": n_splits,
        "n_repeats": n_repeats,
        "n_permutations": n_permutations,
        "n_bootstrap": n_bootstrap,
        "confidence": confidence,
        "grouped": groups is not None,
    }
    return CrossValidationResult(
        metrics=metrics,
        fold_scores=fold_scores,
        null_scores=null_scores,
        oof_proba=oof_proba,
        oof_pred=oof_pred,
        y=y,
        params=params,
    )
