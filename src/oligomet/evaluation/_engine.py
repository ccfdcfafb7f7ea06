"""One nested cross-validation engine for every task (binary classification, survival, ...).

A *task* carries the target and everything that depends on what the target is: how folds are
stratified and how a patient's samples stay together (splitter), how a model is tuned and scored
inside a training fold (scorers), how the outcome is permuted for the null distribution
(permutation unit: the patient) and how intervals are bootstrapped (bootstrap unit: the patient,
stratified by class or event). :func:`nested_cross_validate` only orchestrates: outer repeated
folds, a tuned fit inside each training fold, the pooled out-of-fold predictions, the metrics
with intervals, and the same evaluation rerun on permuted outcomes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.utils import check_random_state

from .._errors import InputError
from ._steps import apply_head, check_candidates, fit_quietly, split_head

__all__ = ["FoldOutput", "Task", "TunedFit", "default_n_jobs", "nested_cross_validate"]


def default_n_jobs(n_jobs: int | None = None) -> int:
    """Worker processes for the folds: ``n_jobs`` if given, else the ``OLIGOMET_N_JOBS``
    environment variable, else every core this process may use. Results never depend on it."""
    import os

    if n_jobs is None:
        from_env = os.environ.get("OLIGOMET_N_JOBS", "").strip()
        if from_env:
            try:
                n_jobs = int(from_env)
            except ValueError:
                raise InputError(
                    f"OLIGOMET_N_JOBS must be a whole number of processes, got {from_env!r}"
                ) from None
        else:
            affinity = getattr(os, "sched_getaffinity", None)
            n_jobs = len(affinity(0)) if affinity else (os.cpu_count() or 1)
    if n_jobs == 0 or n_jobs < -1:
        raise InputError(f"n_jobs must be a positive number of processes (or -1), got {n_jobs}")
    return int(n_jobs)


@dataclass
class TunedFit:
    """A model fitted with its hyperparameters (and decision threshold) chosen in inner folds.

    Attributes
    ----------
    model : estimator
        Fitted on all the samples it was given, with ``params``.
    params : dict
        The chosen hyperparameters (empty without a search space).
    threshold : float
        Decision cut-off: the probability of the positive class (classifiers), or the median
        training risk that separates high from low risk (survival models).
    inner_score : float
        Mean inner-fold score (AUC, C-index) of the chosen hyperparameters (NaN without inner
        folds).
    search : pandas.DataFrame
        One row per candidate: its parameters (JSON) and mean inner-fold score, where recorded.
    """

    model: Any
    params: dict[str, Any]
    threshold: float
    inner_score: float
    search: pd.DataFrame | None = None

    @property
    def inner_roc_auc(self) -> float:
        """The inner score of a classifier (mean inner-fold ROC AUC)."""
        return self.inner_score

    @property
    def inner_c_index(self) -> float:
        """The inner score of a survival model (mean inner-fold Harrell's C)."""
        return self.inner_score


@dataclass
class FoldOutput:
    """What one outer training fold produced for its test samples."""

    scores: np.ndarray  # probability of the positive class, or risk score
    calls: np.ndarray  # predicted class (0/1), or risk group (1 high, 0 low)
    row: dict[str, Any]  # the fold's line of ``fold_scores`` (after repeat and fold)
    used: list[str] | None  # features the fold's model used (None: the model does not say)


class Task(Protocol):
    """What :func:`nested_cross_validate` needs to know about a target."""

    #: Name of the headline score (``"roc_auc"``, ``"c_index"``).
    score: str
    #: Columns of ``null_scores`` after ``permutation``.
    null_columns: tuple[str, ...]

    @property
    def n_samples(self) -> int: ...

    def align(self, X) -> tuple[pd.DataFrame, Task]: ...

    def check(self, n_splits: int) -> None: ...

    def splits(self, n_splits: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]: ...

    def fit_fold(self, estimator, X, train, test, *, seed: int, options, record) -> FoldOutput:
        """Tune and fit on ``train``, predict ``test``. ``X`` is a DataFrame, or, for a task
        with ``takes_arrays = True``, an array with the names in a ``columns`` keyword."""
        ...

    def summarise(self, scores, calls, fold_scores, *, n_bootstrap, confidence, rng) -> dict: ...

    def permuted(self, rng) -> Task: ...

    def null_scores(self, scores, calls) -> dict[str, float]: ...

    def describe(self, scores, calls) -> dict[str, float]: ...

    def settings(self) -> dict[str, Any]: ...

    def result(self, **fields): ...


@dataclass
class OutOfFold:
    """Pooled out-of-fold predictions of one (real or permuted) nested cross-validation."""

    scores: np.ndarray  # (n_repeats, n_samples)
    calls: np.ndarray  # (n_repeats, n_samples)
    folds: np.ndarray  # (n_repeats, n_samples): outer fold that tested each sample
    fold_scores: pd.DataFrame
    used: list[tuple[tuple[int, int], list[str] | None]]


def params_text(params: dict[str, Any]) -> str:
    """Hyperparameters as sorted JSON (one cell of ``fold_scores``)."""
    return json.dumps(params, sort_keys=True, default=str)


def _out_of_fold(
    estimator, X, task, *, seeds, n_splits, options, parallel, record, columns, finite
) -> OutOfFold:
    jobs = []
    for repeat, seed in enumerate(seeds):
        inner_seeds = check_random_state(seed).randint(0, 2**31 - 1, size=n_splits)
        for fold, (train, test) in enumerate(task.splits(n_splits, seed)):
            jobs.append((repeat, fold, train, test, int(inner_seeds[fold])))
    fit = delayed(fit_quietly)
    # Tasks that take arrays get the column names beside them; others get a DataFrame.
    named = {"columns": columns} if getattr(task, "takes_arrays", False) else {}
    outputs = parallel(
        fit(
            task.fit_fold,
            estimator,
            X,
            tr,
            te,
            seed=s,
            options=options,
            record=record,
            finite=finite,
            **named,
        )
        for _, _, tr, te, s in jobs
    )
    shape = (len(seeds), task.n_samples)
    scores = np.full(shape, np.nan)
    calls = np.full(shape, -1, dtype=int)
    folds = np.full(shape, -1, dtype=int)
    rows, used = [], []
    for (repeat, fold, _train, test, _seed), output in zip(jobs, outputs, strict=True):
        scores[repeat, test] = output.scores
        calls[repeat, test] = output.calls
        folds[repeat, test] = fold
        rows.append({"repeat": repeat, "fold": fold, **output.row})
        if record:
            used.append(((repeat, fold), output.used))
    return OutOfFold(scores, calls, folds, pd.DataFrame(rows), used)


def _permutation_summary(score: str, observed: float, null: np.ndarray) -> dict[str, float]:
    """Mean and sd of the null scores and the permutation p-value (Phipson & Smyth 2010)."""
    return {
        f"null_{score}": float(null.mean()),
        f"null_{score}_sd": float(null.std(ddof=1)) if null.size > 1 else 0.0,
        # (b + 1) / (m + 1): never zero, and never below 1 / (m + 1).
        "permutation_p": float((np.sum(null >= observed) + 1) / (null.size + 1)),
    }


def _for_the_folds(estimator, X: pd.DataFrame, task, param_grid):
    """What the folds fit and on what: the estimator without its per-sample head, the cohort
    with the head applied once (columns matched by name, log transforms, a marker's columns),
    the names of its columns, and whether it is finite (checked here once, not per fit)."""
    fold_columns = X.columns
    head, estimator_in_folds = split_head(estimator, param_grid)
    if head is not None:
        index = X.index
        X, fold_columns = apply_head(head, X)
        if not getattr(task, "takes_arrays", False):
            X = pd.DataFrame(X, index=index, columns=fold_columns)
    check_candidates(estimator_in_folds, param_grid)
    values = X.to_numpy() if isinstance(X, pd.DataFrame) else X
    return estimator_in_folds, X, fold_columns, bool(np.isfinite(values).all())


def nested_cross_validate(
    estimator,
    X,
    task: Task,
    *,
    param_grid: dict[str, list] | None = None,
    n_inner_splits: int = 3,
    n_splits: int = 5,
    n_repeats: int = 5,
    n_permutations: int = 5,
    n_bootstrap: int = 1000,
    confidence: float = 0.95,
    n_jobs: int | None = None,
    random_state=None,
):
    """Nested, repeated cross-validation of any task, with its permuted-outcome null.

    Outer folds (``task.splits``: stratified by class or event, a patient's samples kept
    together) estimate performance. Inside each outer training fold the task tunes the whole
    estimator (``param_grid`` searched by inner folds, a decision threshold chosen on inner
    out-of-fold predictions) and refits it, so nothing is learned from the outer test fold. The
    pooled out-of-fold predictions give every metric with a bootstrap interval over patients.
    The same nested evaluation is then rerun on ``n_permutations`` permuted outcomes, refitting
    everything, which gives the null distribution of the headline score and the permutation
    p-value.

    Parameters
    ----------
    estimator : estimator
        Unfitted scikit-learn estimator (normally a whole pipeline).
    X : pandas.DataFrame or array-like of shape (n_samples, n_features)
    task : Task
        :class:`~oligomet.evaluation.BinaryTask` or :class:`~oligomet.evaluation.SurvivalTask`,
        holding the target (and the patient of each sample).
    param_grid : dict or None, default=None
        Search space for the inner folds.
    n_inner_splits : int, default=3
    n_splits : int, default=5
        Outer folds per repeat.
    n_repeats : int, default=5
        Repeats of the outer split, each with a different shuffle.
    n_permutations : int, default=5
        Permuted outcomes for the null distribution (0 to skip).
    n_bootstrap : int, default=1000
    confidence : float, default=0.95
    n_jobs : int or None, default=None
        Outer folds fitted in parallel worker processes (joblib); None: ``OLIGOMET_N_JOBS`` or
        every core (:func:`default_n_jobs`). Results do not depend on it.
    random_state : int, RandomState or None, default=None
        Seeds the splits, the inner folds, the permutations and the bootstrap.

    Returns
    -------
    CrossValidationResult or SurvivalCVResult
        Whatever the task's ``result`` builds.
    """
    X, task = task.align(X)
    task.check(n_splits)
    columns = X.columns
    estimator_in_folds, X, fold_columns, finite = _for_the_folds(estimator, X, task, param_grid)
    if not 0 < confidence < 1:
        raise InputError(f"confidence must lie strictly between 0 and 1, got {confidence}")
    rng = check_random_state(random_state)
    seeds = rng.randint(0, 2**31 - 1, size=n_repeats).tolist()
    evaluate = dict(
        columns=fold_columns,
        finite=finite,
        seeds=seeds,
        n_splits=n_splits,
        options={"param_grid": param_grid, "n_inner_splits": n_inner_splits},
        parallel=Parallel(n_jobs=default_n_jobs(n_jobs)),
    )
    real = _out_of_fold(estimator_in_folds, X, task, record=True, **evaluate)
    metrics = task.summarise(
        real.scores,
        real.calls,
        real.fold_scores,
        n_bootstrap=n_bootstrap,
        confidence=confidence,
        rng=rng,
    )
    null_rows = []
    for permutation in range(n_permutations):
        null_task = task.permuted(rng)
        # The same shuffle seeds as the real evaluation; the folds still differ a little because
        # stratification follows the permuted outcome.
        null = _out_of_fold(estimator_in_folds, X, null_task, record=False, **evaluate)
        null_rows.append(
            {"permutation": permutation, **null_task.null_scores(null.scores, null.calls)}
        )
    null_scores = pd.DataFrame(null_rows, columns=["permutation", *task.null_columns])
    if n_permutations:
        null = null_scores[task.score].to_numpy()
        metrics.update(_permutation_summary(task.score, metrics[task.score], null))
    metrics.update(task.describe(real.scores, real.calls))
    params = {
        "n_splits": n_splits,
        "n_repeats": n_repeats,
        "n_inner_splits": n_inner_splits,
        **task.settings(),
        "param_grid": param_grid or {},
        "n_permutations": n_permutations,
        "n_bootstrap": n_bootstrap,
        "confidence": confidence,
        "grouped": getattr(task, "groups", None) is not None,
    }
    return task.result(
        metrics=metrics,
        fold_scores=real.fold_scores,
        null_scores=null_scores,
        scores=real.scores,
        calls=real.calls,
        folds=real.folds,
        used=real.used,
        columns=columns,
        params=params,
    )
