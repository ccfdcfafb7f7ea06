"""Binary classification as a task of the nested cross-validation engine: 0/1 labels, inner
search by AUC, Youden threshold, metrics with intervals, a permuted-label null."""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import rankdata
from sklearn.base import clone
from sklearn.model_selection import ParameterGrid, StratifiedGroupKFold, StratifiedKFold
from sklearn.utils import check_random_state

from .._errors import InputError
from .._render import Display, Rendered, interval_text
from ._engine import FoldOutput, TunedFit, nested_cross_validate, params_text
from ._metrics import (
    METRIC_NAMES,
    binary_metrics,
    bootstrap_metrics,
    point_metrics,
    with_intervals,
    youden_threshold,
)
from ._steps import SharedPrefix, apply_head, rows, split_head

__all__ = [
    "BinaryTask",
    "CrossValidationResult",
    "TunedFit",
    "cross_validate",
    "fit_tuned",
    "univariate_auc",
]

logger = logging.getLogger(__name__)

#: Metrics reported with a bootstrap confidence interval, in display order.
METRICS = METRIC_NAMES

#: How each metric is called in tables.
METRIC_LABELS = {
    "roc_auc": "ROC AUC",
    "pr_auc": "PR AUC (average precision)",
    "balanced_accuracy": "balanced accuracy",
    "sensitivity": "sensitivity",
    "specificity": "specificity",
    "brier": "Brier score",
    "calibration_intercept": "calibration intercept",
    "calibration_slope": "calibration slope",
}


def metrics_display(metrics: dict, confidence: float) -> pd.DataFrame:
    """The metric / estimate / interval table of a classification result."""
    rows = [
        (
            label,
            f"{metrics[key]:.3f}",
            interval_text(metrics[f"{key}_ci_low"], metrics[f"{key}_ci_high"]),
        )
        for key, label in METRIC_LABELS.items()
    ]
    return pd.DataFrame(rows, columns=["metric", "estimate", f"{confidence:.0%} CI"])


@dataclass
class CrossValidationResult(Rendered):
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

    #: The headline score, for rankings and comparisons.
    score = "roc_auc"

    @property
    def oof_scores(self) -> np.ndarray:
        """The out-of-fold scores that rank patients (here: probabilities)."""
        return self.oof_proba

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
        for extra in ("null_roc_auc", "permutation_p", "auc_p_value"):
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

    def _display(self, title: str | None = None) -> Display:
        m, p = self.metrics, self.params
        negative, positive = self.class_names
        if p.get("external"):
            design = p.get("design", "external validation")
        else:
            design = f"nested {p.get('n_repeats')} x {p.get('n_splits')}-fold CV"
        heading = title or "cross-validation"
        table = metrics_display(m, p.get("confidence", 0.95))
        if "null_roc_auc" in m:
            n_permutations = int(p.get("n_permutations", len(self.null_scores)))
            table.loc[len(table)] = [
                "ROC AUC, permuted labels",
                f"{m['null_roc_auc']:.3f}",
                f"sd {m['null_roc_auc_sd']:.3f}; permutation p {m['permutation_p']:.3f} "
                f"(>= {1 / (n_permutations + 1):.3f} with {n_permutations} permutations)",
            ]
        if "auc_p_value" in m:
            table.loc[len(table)] = ["AUC > 0.5, Mann-Whitney p", f"{m['auc_p_value']:.3g}", ""]
        notes = []
        frequency = self.selection_frequency
        if not frequency.empty and len(frequency) < self.selection.shape[1]:
            shown = ", ".join(f"{name} {value:.0%}" for name, value in frequency.head(11).items())
            n_folds = len(self.fold_scores)
            notes.append(f"most often selected across the {n_folds} outer folds: {shown}")
        return Display(
            f"{heading}: {positive} vs {negative} ({self.y.size} samples; {design})", table, notes
        )

    def figures(self, title: str) -> dict[str, Any]:
        """The standard plots, by file stem: ROC, calibration, confusion, selection frequency."""
        from ._plots import plot_calibration, plot_confusion, plot_roc, plot_selection_frequency

        figures = {
            "roc": plot_roc(self, title=title),
            "calibration": plot_calibration(self, title=title),
            "confusion": plot_confusion(self, title=title),
        }
        if not self.selection.empty:
            figures["selection_frequency"] = plot_selection_frequency(self, title=title)
        return figures


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


def as_float_frame(X) -> pd.DataFrame:
    """X as one float64 block (fold row selection then copies one array, not many blocks)."""
    if isinstance(X, pd.DataFrame):
        return pd.DataFrame(X.to_numpy(dtype=np.float64), index=X.index, columns=X.columns)
    return pd.DataFrame(np.asarray(X, dtype=np.float64))


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


def _check_threshold(threshold: str | float) -> str | float:
    if not isinstance(threshold, str):
        threshold = float(threshold)
        if not 0 < threshold < 1:
            raise InputError(f"threshold must lie strictly between 0 and 1, got {threshold}")
    elif threshold != "youden":
        raise InputError(f"threshold must be 'youden' or a probability, got {threshold!r}")
    return threshold


def _inner_fits(estimator, X, y, candidates, inner):
    """For each candidate, the inner folds' test probabilities, or the error that stopped it.

    The steps before the classifier are fitted once per inner fold when no candidate changes
    them (:class:`SharedPrefix`): the same fits as refitting the whole pipeline per candidate.
    """
    shared = SharedPrefix.of(estimator, candidates)
    folds = []
    for train, test in inner:
        if shared is None:
            folds.append((rows(X, train), rows(X, test), train, test))
        else:
            folds.append((*shared.fold(rows(X, train), y[train], rows(X, test)), train, test))
    for params in candidates:
        proba = np.full(y.size, np.nan)
        try:
            for fold, (X_train, X_test, train, test) in enumerate(folds):
                if shared is None:
                    model = clone(estimator).set_params(**params)
                else:
                    model = shared.classifier(params, fold)
                proba[test] = model.fit(X_train, y[train]).predict_proba(X_test)[:, 1]
        except ValueError as error:
            yield params, error
            continue
        yield params, proba


def _search(estimator, X, y, candidates, inner) -> tuple[dict, float, np.ndarray | None, list]:
    """Each candidate scored by its mean inner-fold AUC; the best (first on ties) kept."""
    rows_, failure = [], None
    best, best_score, best_proba = candidates[0], np.nan, None
    for params, proba in _inner_fits(estimator, X, y, candidates, inner):
        if isinstance(proba, ValueError):
            # Like GridSearchCV's error_score=nan: a candidate impossible on these samples
            # (e.g. more neighbours than inner training samples) is skipped, and said so.
            logger.info("search candidate %s failed in the inner folds: %s", params, proba)
            failure = proba
            rows_.append({"params": params_text(params), "inner_roc_auc": np.nan})
            continue
        scores = [
            float(_auc_by_rank(y[test], proba[test]))
            for _, test in inner
            if np.unique(y[test]).size == 2
        ]
        score = float(np.mean(scores)) if scores else np.nan
        rows_.append({"params": params_text(params), "inner_roc_auc": score})
        if best_proba is None or not np.isfinite(best_score) or score > best_score:
            best, best_score, best_proba = params, score, proba
    if best_proba is None:
        raise failure  # every candidate failed: report the error itself
    return best, best_score, best_proba, rows_


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
    threshold = _check_threshold(threshold)
    needs_inner = len(candidates) > 1 or threshold == "youden"
    search, best, best_score, best_proba = [], candidates[0], np.nan, None
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
        # The per-sample head (if any) once for all inner folds; the final fit keeps it.
        head, tail = split_head(estimator, param_grid)
        values = apply_head(head, X)[0] if head is not None else X
        best, best_score, best_proba, search = _search(tail, values, y, candidates, inner)
    cut = youden_threshold(y, best_proba) if threshold == "youden" else threshold
    model = clone(estimator).set_params(**best).fit(X, y)
    return TunedFit(
        model=model,
        params=dict(best),
        threshold=float(cut),
        inner_score=best_score,
        search=pd.DataFrame(search, columns=["params", "inner_roc_auc"]),
    )


class BinaryTask:
    """Binary classification (0/1 labels) as a task of :func:`nested_cross_validate`.

    Splitter: stratified K-fold by class (``StratifiedGroupKFold`` with ``groups``). Inside a
    training fold: :func:`fit_tuned` (inner search by AUC, threshold by Youden's J). Scorers:
    :func:`~oligomet.evaluation.binary_metrics` per fold, pooled out-of-fold metrics with a
    stratified bootstrap over patients. Permutation unit: a patient's label.

    Parameters
    ----------
    y : array-like of 0/1
        Labels; 1 is the positive class.
    groups : array-like or None, default=None
        Patient of each sample, when a patient has several.
    class_names : (str, str), default=("negative", "positive")
        Names of class 0 and class 1.
    threshold : "youden" or float, default="youden"
        How the decision threshold is set in each training fold.
    """

    score = "roc_auc"
    null_columns = ("roc_auc", "pr_auc", "balanced_accuracy")
    #: The engine hands the folds an array and the column names (no DataFrame per fit).
    takes_arrays = True

    def __init__(self, y, *, groups=None, class_names=("negative", "positive"), threshold="youden"):
        self.y = np.asarray(y).astype(int)
        self.groups = None if groups is None else np.asarray(groups)
        self.class_names = tuple(class_names)
        self.threshold = threshold

    @property
    def n_samples(self) -> int:
        return int(self.y.size)

    def align(self, X) -> tuple[pd.DataFrame, BinaryTask]:
        X = as_float_frame(X)
        if len(X) != self.y.size:
            raise ValueError(f"X has {len(X)} samples but y has {self.y.size}")
        return X, self

    def check(self, n_splits: int) -> None:
        _check_design(self.y, n_splits, self.groups)
        _check_threshold(self.threshold)

    def splits(self, n_splits: int, seed: int):
        return _splits(self.y, n_splits, seed, self.groups)

    def fit_tuned(self, estimator, X, *, param_grid=None, n_inner_splits=3, random_state=None):
        return fit_tuned(
            estimator,
            X,
            self.y,
            param_grid=param_grid,
            n_inner_splits=n_inner_splits,
            threshold=self.threshold,
            groups=self.groups,
            random_state=random_state,
        )

    def _subset(self, index) -> BinaryTask:
        groups = None if self.groups is None else self.groups[index]
        return BinaryTask(
            self.y[index], groups=groups, class_names=self.class_names, threshold=self.threshold
        )

    def fit_fold(self, estimator, X, train, test, *, seed, options, record, columns) -> FoldOutput:
        from ..models import selected_features

        tuned = self._subset(train).fit_tuned(
            estimator, rows(X, train), random_state=seed, **options
        )
        proba = tuned.model.predict_proba(rows(X, test))[:, 1]
        pred = (proba >= tuned.threshold).astype(int)
        row = {
            **binary_metrics(self.y[test], proba, pred),
            "threshold": tuned.threshold,
            "inner_roc_auc": tuned.inner_score,
            "params": params_text(tuned.params),
            "n_train": int(train.size),
            "n_test": int(test.size),
        }
        used = selected_features(tuned.model, columns) if record else None
        return FoldOutput(proba, pred, row, used)

    def summarise(self, scores, calls, fold_scores, *, n_bootstrap, confidence, rng) -> dict:
        point = point_metrics(self.y, scores, calls)
        intervals = bootstrap_metrics(
            self.y,
            scores,
            calls,
            n_bootstrap=n_bootstrap,
            confidence=confidence,
            groups=self.groups,
            random_state=rng,
        )
        metrics = with_intervals(point, intervals)
        metrics["n_samples"] = float(self.y.size)
        metrics["n_positive"] = float(self.y.sum())
        return metrics

    def permuted(self, rng) -> BinaryTask:
        return BinaryTask(
            _permute(self.y, self.groups, rng),
            groups=self.groups,
            class_names=self.class_names,
            threshold=self.threshold,
        )

    def null_scores(self, scores, calls) -> dict[str, float]:
        point = point_metrics(self.y, scores, calls)
        return {name: float(point[name]) for name in self.null_columns}

    def describe(self, scores, calls) -> dict[str, float]:
        return {}

    def settings(self) -> dict[str, Any]:
        return {"threshold": self.threshold}

    def result(self, *, scores, calls, used, columns, **fields) -> CrossValidationResult:
        return CrossValidationResult(
            oof_proba=scores,
            oof_pred=calls,
            y=self.y,
            selection=selection_table(used, columns),
            class_names=self.class_names,
            **fields,
        )


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
    executor=None,
    progress=None,
) -> CrossValidationResult:
    """Nested, repeated stratified cross-validation of a classifier, with its permuted-label null.

    :func:`nested_cross_validate` with a :class:`BinaryTask`. Outer folds estimate performance;
    inside each outer training fold, :func:`fit_tuned` chooses the hyperparameters
    (``param_grid``) and the decision threshold by inner folds and refits the whole estimator
    (normally a pipeline: normalisation, filtering, feature selection, classifier). Nothing is
    learned from the outer test fold. The same nested evaluation is then repeated on permuted
    labels, refitting everything: a pipeline that leaks no information scores ``null_roc_auc``
    close to 0.5.

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
        Outer folds fitted in parallel processes; None: ``OLIGOMET_N_JOBS`` or every core.
        Results do not depend on it.
    random_state : int, RandomState or None, default=None
        Seeds the splits, the permutations and the bootstrap: one value fixes every number.
    executor, progress
        Where the folds run and a ``progress(done, total)`` callback: see
        :func:`~oligomet.evaluation.nested_cross_validate`.

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
    task = BinaryTask(y, groups=groups, class_names=class_names, threshold=threshold)
    return nested_cross_validate(
        estimator,
        X,
        task,
        param_grid=param_grid,
        n_inner_splits=n_inner_splits,
        n_splits=n_splits,
        n_repeats=n_repeats,
        n_permutations=n_permutations,
        n_bootstrap=n_bootstrap,
        confidence=confidence,
        n_jobs=n_jobs,
        random_state=random_state,
        executor=executor,
        progress=progress,
    )
