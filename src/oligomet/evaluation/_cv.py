"""Nested, repeated cross-validation with confidence intervals and a permuted-label null."""

from __future__ import annotations

import json
import logging
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from scipy.stats import rankdata
from sklearn.base import clone
from sklearn.model_selection import ParameterGrid, StratifiedGroupKFold, StratifiedKFold
from sklearn.utils import check_random_state

from .._errors import InputError
from ._metrics import (
    METRIC_NAMES,
    binary_metrics,
    bootstrap_metrics,
    point_metrics,
    with_intervals,
    youden_threshold,
)

__all__ = [
    "CrossValidationResult",
    "TunedFit",
    "cross_validate",
    "fit_tuned",
    "univariate_auc",
]

logger = logging.getLogger(__name__)

#: Metrics reported with a bootstrap confidence interval, in display order.
METRICS = METRIC_NAMES


@dataclass
class CrossValidationResult:
    """Out-of-fold predictions and scores of a nested, repeated cross-validation.

    Attributes
    ----------
    metrics : dict
        Summary numbers, each the mean over repeats of the metric of the pooled out-of-fold
        predictions, with a bootstrap interval (``<metric>_ci_low``/``<metric>_ci_high``):
        ``roc_auc``, ``pr_auc``, ``balanced_accuracy``, ``sensitivity``, ``specificity`` (at the
        threshold chosen inside each training fold), ``brier``, ``calibration_intercept``,
        ``calibration_slope``; with permutations, ``null_roc_auc`` (mean AUC of the same
        evaluation on permuted labels), ``null_roc_auc_sd`` and ``permutation_p``.
    fold_scores : pandas.DataFrame
        One row per (repeat, fold): the metrics on that test fold, ``threshold``, ``n_train``,
        ``n_test``, ``inner_roc_auc`` (score of the chosen hyperparameters in the inner folds)
        and ``params`` (the chosen hyperparameters, as JSON).
    null_scores : pandas.DataFrame
        One row per permutation: ``roc_auc``, ``pr_auc`` and ``balanced_accuracy`` of the whole
        nested cross-validation on those permuted labels.
    oof_proba : ndarray of shape (n_repeats, n_samples)
        Out-of-fold probability of the positive class, one row per repeat.
    oof_pred : ndarray of shape (n_repeats, n_samples)
        Out-of-fold predicted class (0/1) at the in-fold threshold.
    folds : ndarray of shape (n_repeats, n_samples)
        Outer fold in which each sample was tested.
    y : ndarray of shape (n_samples,)
        The 0/1 labels.
    selection : pandas.DataFrame
        One row per (repeat, fold), one boolean column per feature: whether the model fitted on
        that training fold used the feature (see :func:`oligomet.models.selected_features`).
        Empty when not recorded.
    class_names : tuple of str
        Names of class 0 and class 1.
    params : dict
        The evaluation's settings.
    """

    metrics: dict[str, float]
    fold_scores: pd.DataFrame
    null_scores: pd.DataFrame
    oof_proba: np.ndarray
    oof_pred: np.ndarray
    folds: np.ndarray
    y: np.ndarray
    selection: pd.DataFrame = field(default_factory=pd.DataFrame)
    class_names: tuple[str, str] = ("negative", "positive")
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def selection_frequency(self) -> pd.Series:
        """Fraction of outer training folds whose model used each feature, most frequent first.

        Features never selected are left out.
        """
        return selection_frequency(self.selection)

    @property
    def summary(self) -> pd.DataFrame:
        """One row per metric: estimate and confidence interval."""
        rows = [
            {
                "metric": metric,
                "estimate": self.metrics[metric],
                "ci_low": self.metrics[f"{metric}_ci_low"],
                "ci_high": self.metrics[f"{metric}_ci_high"],
            }
            for metric in METRICS
        ]
        if "null_roc_auc" in self.metrics:
            rows.append(
                {
                    "metric": "null_roc_auc",
                    "estimate": self.metrics["null_roc_auc"],
                    "ci_low": np.nan,
                    "ci_high": np.nan,
                }
            )
        for extra in ("permutation_p", "auc_p_value"):
            if extra in self.metrics:
                rows.append(
                    {
                        "metric": extra,
                        "estimate": self.metrics[extra],
                        "ci_low": np.nan,
                        "ci_high": np.nan,
                    }
                )
        return pd.DataFrame(rows).set_index("metric")

    def to_dict(self) -> dict[str, Any]:
        """Aggregate results only (no sample-level values), JSON-safe."""
        frequency = self.selection_frequency
        return {
            "metrics": {k: float(v) for k, v in self.metrics.items()},
            "params": dict(self.params),
            "class_names": list(self.class_names),
            "fold_scores": self.fold_scores.to_dict(orient="records"),
            "null_scores": self.null_scores.to_dict(orient="records"),
            "selection_frequency": {str(k): float(v) for k, v in frequency.items()},
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


def _permute(y: np.ndarray, groups, rng) -> np.ndarray:
    """Permute labels between patients: with ``groups``, a patient's samples move together."""
    if groups is None:
        return rng.permutation(y)
    groups = np.asarray(groups)
    patients, first, position = np.unique(groups, return_index=True, return_inverse=True)
    if any(np.unique(y[groups == g]).size > 1 for g in patients):
        raise InputError("a patient's samples carry different labels; labels must be per patient")
    return rng.permutation(y[first])[position]


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


def _splits(y: np.ndarray, n_splits: int, seed: int, groups) -> list[tuple[np.ndarray, np.ndarray]]:
    """Shuffled folds stratified by ``y`` (class, or event indicator), patients kept together
    with ``groups``."""
    if groups is None:
        splitter = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    else:
        splitter = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    with warnings.catch_warnings():
        # A stratum smaller than the number of folds (few censored patients, when most died) is
        # spread as evenly as its size allows, which is all stratification is for.
        warnings.filterwarnings("ignore", message="The least populated class in y has only")
        return list(splitter.split(np.zeros(y.size), np.asarray(y).astype(int), groups))


@dataclass
class TunedFit:
    """A model fitted with its hyperparameters and decision threshold chosen in inner folds.

    Attributes
    ----------
    model : estimator
        Fitted on all the samples it was given, with ``params``.
    params : dict
        The chosen hyperparameters (empty without a search space).
    threshold : float
        Probability cut-off for the positive class.
    inner_roc_auc : float
        Mean inner-fold AUC of the chosen hyperparameters (NaN without inner folds).
    search : pandas.DataFrame
        One row per candidate: its parameters (JSON) and mean inner-fold AUC.
    """

    model: Any
    params: dict[str, Any]
    threshold: float
    inner_roc_auc: float
    search: pd.DataFrame


def _params_text(params: dict[str, Any]) -> str:
    return json.dumps(params, sort_keys=True, default=str)


def selection_table(used: list[tuple[tuple[int, int], list[str] | None]], columns) -> pd.DataFrame:
    """One row per (repeat, fold), one boolean column per feature: used by that fold's model.

    ``used`` pairs each fold's ``(repeat, fold)`` with the names its model used, or None when the
    model does not say (those folds are left out; no fold saying gives an empty table).
    """
    used = [(key, names) for key, names in used if names is not None]
    if not used:
        return pd.DataFrame()
    columns = pd.Index(columns)
    names = columns.astype(str)
    masks = np.vstack([names.isin(list(chosen)) for _, chosen in used])
    index = pd.MultiIndex.from_tuples([key for key, _ in used], names=["repeat", "fold"])
    return pd.DataFrame(masks, index=index, columns=columns)


def selection_frequency(selection: pd.DataFrame) -> pd.Series:
    """Fraction of folds (rows of :func:`selection_table`) using each feature, most frequent
    first, ties in column order; features never used are left out."""
    if selection.empty:
        return pd.Series(dtype=float, name="selection_frequency")
    frequency = selection.mean(axis=0)
    frequency = frequency[frequency > 0]
    order = np.lexsort((np.arange(frequency.size), -frequency.to_numpy()))
    return frequency.iloc[order].rename("selection_frequency")


def fit_tuned(
    estimator,
    X: pd.DataFrame,
    y,
    *,
    param_grid: dict[str, list] | None = None,
    n_inner_splits: int = 3,
    threshold: str | float = "youden",
    groups=None,
    random_state=None,
) -> TunedFit:
    """Choose hyperparameters and a decision threshold by inner cross-validation, then refit.

    This is what happens inside every outer training fold of :func:`cross_validate`, and on all
    samples for the final model. Each candidate of ``param_grid`` is fitted on the inner
    training folds and scored by the AUC on the inner test folds (mean over folds, like
    ``GridSearchCV``; ties go to the first candidate). The chosen candidate's inner out-of-fold
    probabilities fix the threshold (Youden's J: sensitivity + specificity - 1 maximal), so the
    threshold is never tuned on samples the model was fitted to. The model is then refitted on all
    given samples.

    Parameters
    ----------
    estimator : classifier
        Unfitted classifier (usually a whole pipeline) with ``predict_proba``.
    X : pandas.DataFrame of shape (n_samples, n_features)
    y : array-like of 0/1
    param_grid : dict or None, default=None
        Candidate values per parameter (``sklearn.model_selection.ParameterGrid``).
    n_inner_splits : int, default=3
        Inner stratified folds (reduced to the size of the smaller class if needed).
    threshold : "youden" or float, default="youden"
        How the decision threshold is set: Youden's J on inner out-of-fold probabilities, or a
        fixed probability.
    groups : array-like or None, default=None
        Patient of each sample; inner folds keep a patient's samples together.
    random_state : int, RandomState or None, default=None
        Seeds the inner folds.

    Returns
    -------
    TunedFit
    """
    y = np.asarray(y).astype(int)
    candidates = list(ParameterGrid(param_grid)) if param_grid else [{}]
    needs_inner = len(candidates) > 1 or threshold == "youden"
    if not isinstance(threshold, str):
        threshold = float(threshold)
        if not 0 < threshold < 1:
            raise InputError(f"threshold must lie strictly between 0 and 1, got {threshold}")
    elif threshold != "youden":
        raise InputError(f"threshold must be 'youden' or a probability, got {threshold!r}")
    rows = []
    best, best_score, best_proba = candidates[0], np.nan, None
    if needs_inner:
        smallest = int(np.bincount(y, minlength=2).min())
        n_inner = min(n_inner_splits, smallest)
        if n_inner < 2:
            raise InputError(
                f"a training fold has only {smallest} sample(s) of one class: too few for inner "
                "folds; use fewer outer folds"
            )
        seed = int(check_random_state(random_state).randint(2**31 - 1))
        if groups is not None and len(np.unique(groups)) < n_inner:
            raise InputError(f"fewer patients ({len(np.unique(groups))}) than inner folds")
        inner = _splits(y, n_inner, seed, groups)
        failure = None
        for params in candidates:
            proba = np.full(y.size, np.nan)
            scores = []
            try:
                for train, test in inner:
                    model = clone(estimator).set_params(**params).fit(X.iloc[train], y[train])
                    proba[test] = model.predict_proba(X.iloc[test])[:, 1]
                    if np.unique(y[test]).size == 2:
                        scores.append(float(_auc_by_rank(y[test], proba[test])))
            except ValueError as error:
                # Like GridSearchCV's error_score=nan: a candidate impossible on these samples
                # (e.g. more neighbours than inner training samples) is skipped, and said so.
                logger.info("search candidate %s failed in the inner folds: %s", params, error)
                failure = error
                rows.append({"params": _params_text(params), "inner_roc_auc": np.nan})
                continue
            score = float(np.mean(scores)) if scores else np.nan
            rows.append({"params": _params_text(params), "inner_roc_auc": score})
            if best_proba is None or not np.isfinite(best_score) or score > best_score:
                best, best_score, best_proba = params, score, proba
        if best_proba is None:
            raise failure  # every candidate failed: report the error itself
    cut = youden_threshold(y, best_proba) if threshold == "youden" else threshold
    model = clone(estimator).set_params(**best).fit(X, y)
    return TunedFit(
        model=model,
        params=dict(best),
        threshold=float(cut),
        inner_roc_auc=best_score,
        search=pd.DataFrame(rows, columns=["params", "inner_roc_auc"]),
    )


def _fit_fold(estimator, X, y, train, test, *, options, seed, groups, record):
    from ..models import selected_features

    tuned = fit_tuned(
        estimator,
        X.iloc[train],
        y[train],
        groups=None if groups is None else groups[train],
        random_state=seed,
        **options,
    )
    proba = tuned.model.predict_proba(X.iloc[test])[:, 1]
    pred = (proba >= tuned.threshold).astype(int)
    selected = selected_features(tuned.model, X.columns) if record else None
    return proba, pred, tuned, selected


def _nested_oof(estimator, X, y, *, n_splits, seeds, groups, options, parallel, record):
    n_repeats = len(seeds)
    jobs = []
    for repeat, seed in enumerate(seeds):
        inner_seeds = check_random_state(seed).randint(0, 2**31 - 1, size=n_splits)
        for fold, (train, test) in enumerate(_splits(y, n_splits, seed, groups)):
            jobs.append((repeat, fold, train, test, int(inner_seeds[fold])))
    outputs = parallel(
        delayed(_fit_fold)(
            estimator, X, y, tr, te, options=options, seed=s, groups=groups, record=record
        )
        for _, _, tr, te, s in jobs
    )
    oof_proba = np.full((n_repeats, y.size), np.nan)
    oof_pred = np.full((n_repeats, y.size), -1, dtype=int)
    folds = np.full((n_repeats, y.size), -1, dtype=int)
    rows, selection = [], []
    for (repeat, fold, train, test, _), (proba, pred, tuned, selected) in zip(
        jobs, outputs, strict=True
    ):
        oof_proba[repeat, test] = proba
        oof_pred[repeat, test] = pred
        folds[repeat, test] = fold
        scores = binary_metrics(y[test], proba, pred)
        rows.append(
            {
                "repeat": repeat,
                "fold": fold,
                **scores,
                "threshold": tuned.threshold,
                "inner_roc_auc": tuned.inner_roc_auc,
                "params": _params_text(tuned.params),
                "n_train": int(train.size),
                "n_test": int(test.size),
            }
        )
        if record:
            selection.append(selected)
    frame = pd.DataFrame()
    if record:
        keys = [(repeat, fold) for repeat, fold, *_ in jobs]
        frame = selection_table(list(zip(keys, selection, strict=True)), X.columns)
    return oof_proba, oof_pred, folds, pd.DataFrame(rows), frame


def cross_validate(
    estimator,
    X: pd.DataFrame,
    y,
    *,
    param_grid: dict[str, list] | None = None,
    n_inner_splits: int = 3,
    threshold: str | float = "youden",
    n_splits: int = 5,
    n_repeats: int = 5,
    n_permutations: int = 5,
    n_bootstrap: int = 1000,
    confidence: float = 0.95,
    groups=None,
    class_names: tuple[str, str] = ("negative", "positive"),
    n_jobs: int | None = None,
    random_state=None,
) -> CrossValidationResult:
    """Nested, repeated stratified cross-validation of a classifier, with its permuted-label null.

    Outer folds estimate performance; inside each outer training fold, :func:`fit_tuned` chooses
    the hyperparameters (``param_grid``) and the decision threshold by inner folds and refits
    the whole estimator (normally a pipeline: normalisation, filtering, feature selection,
    classifier). Nothing is learned from the outer test fold. The same nested evaluation is then
    repeated on permuted labels, refitting everything: a pipeline that leaks no information
    scores ``null_roc_auc`` close to 0.5.

    Parameters
    ----------
    estimator : classifier
        Unfitted scikit-learn classifier with ``predict_proba``.
    X : pandas.DataFrame of shape (n_samples, n_features)
        Features, samples in rows.
    y : array-like of shape (n_samples,)
        0/1 labels; 1 is the positive class.
    param_grid : dict or None, default=None
        Search space for the inner folds (e.g. :func:`oligomet.models.param_grid`).
    n_inner_splits : int, default=3
        Inner folds per outer training fold.
    threshold : "youden" or float, default="youden"
        Decision threshold: chosen in the inner folds, or fixed.
    n_splits : int, default=5
        Outer folds per repeat.
    n_repeats : int, default=5
        Repeats of the outer K-fold split, each with a different shuffle.
    n_permutations : int, default=5
        Label permutations for the null distribution (0 to skip). Each runs the whole nested
        cross-validation again.
    n_bootstrap : int, default=1000
        Resamples for the confidence intervals (stratified percentile bootstrap of patients on the
        out-of-fold predictions).
    confidence : float, default=0.95
        Coverage of the confidence intervals.
    groups : array-like of shape (n_samples,) or None, default=None
        Patient of each sample when a patient has several; outer and inner folds then keep a
        patient's samples together (``StratifiedGroupKFold``) and permutations move them together.
    class_names : (str, str), default=("negative", "positive")
        Names of class 0 and 1, for reports and plots.
    n_jobs : int or None, default=None
        Outer folds fitted in parallel (joblib).
    random_state : int, RandomState or None, default=None
        Seeds the splits, the permutations and the bootstrap: one value fixes every number.

    Returns
    -------
    CrossValidationResult

    Raises
    ------
    InputError
        With a single class, or fewer samples of a class than folds.

    Notes
    -----
    The bootstrap interval reflects which patients happened to be sampled, given the fitted
    models; it does not include the variability of refitting on other training sets, so it is
    somewhat narrow for small cohorts.
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
    groups = None if groups is None else np.asarray(groups)
    _check_design(y, n_splits, groups)
    rng = check_random_state(random_state)
    seeds = rng.randint(0, 2**31 - 1, size=n_repeats).tolist()
    parallel = Parallel(n_jobs=n_jobs)
    options = {"param_grid": param_grid, "n_inner_splits": n_inner_splits, "threshold": threshold}
    evaluate = dict(
        n_splits=n_splits, seeds=seeds, groups=groups, options=options, parallel=parallel
    )
    oof_proba, oof_pred, folds, fold_scores, selection = _nested_oof(
        estimator, X, y, record=True, **evaluate
    )
    point = point_metrics(y, oof_proba, oof_pred)
    intervals = bootstrap_metrics(
        y,
        oof_proba,
        oof_pred,
        n_bootstrap=n_bootstrap,
        confidence=confidence,
        groups=groups,
        random_state=rng,
    )
    metrics = with_intervals(point, intervals)
    metrics["n_samples"] = float(y.size)
    metrics["n_positive"] = float(y.sum())
    null_rows = []
    for permutation in range(n_permutations):
        y_null = _permute(y, groups, rng)
        # The same shuffle seeds as the real evaluation; the folds still differ a little because
        # stratification follows the permuted labels.
        null_proba, null_pred, *_ = _nested_oof(estimator, X, y_null, record=False, **evaluate)
        null_point = point_metrics(y_null, null_proba, null_pred)
        null_rows.append(
            {
                "permutation": permutation,
                "roc_auc": float(null_point["roc_auc"]),
                "pr_auc": float(null_point["pr_auc"]),
                "balanced_accuracy": float(null_point["balanced_accuracy"]),
            }
        )
        logger.debug("permutation %d: AUC %.3f", permutation, null_rows[-1]["roc_auc"])
    null_scores = pd.DataFrame(
        null_rows, columns=["permutation", "roc_auc", "pr_auc", "balanced_accuracy"]
    )
    if n_permutations:
        null_auc = null_scores["roc_auc"].to_numpy()
        auc = metrics["roc_auc"]
        metrics["null_roc_auc"] = float(null_auc.mean())
        metrics["null_roc_auc_sd"] = float(null_auc.std(ddof=1)) if null_auc.size > 1 else 0.0
        # Phipson & Smyth (2010): (b + 1) / (m + 1), never zero, and never below 1 / (m + 1).
        metrics["permutation_p"] = float((np.sum(null_auc >= auc) + 1) / (null_auc.size + 1))
    params = {
        "n_splits": n_splits,
        "n_repeats": n_repeats,
        "n_inner_splits": n_inner_splits,
        "threshold": threshold,
        "param_grid": param_grid or {},
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
        folds=folds,
        y=y,
        selection=selection,
        class_names=tuple(class_names),
        params=params,
    )
