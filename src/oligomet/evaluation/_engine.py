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
from sklearn.utils import check_random_state

from .._errors import InputError
from ..parallel import Executor, Progress, default_n_jobs, make_executor
from ._steps import apply_head, check_candidates, fit_quietly, split_head

__all__ = ["FoldOutput", "Task", "TunedFit", "default_n_jobs", "nested_cross_validate"]


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


def _fold_jobs(task, seeds, n_splits, *, record: bool) -> list[tuple]:
    """One job per (repeat, outer fold) of one (real or permuted) evaluation."""
    jobs = []
    for repeat, seed in enumerate(seeds):
        inner_seeds = check_random_state(seed).randint(0, 2**31 - 1, size=n_splits)
        for fold, (train, test) in enumerate(task.splits(n_splits, seed)):
            jobs.append((task, repeat, fold, train, test, int(inner_seeds[fold]), record))
    return jobs


def _fit_job(job, *, estimator, X, options, columns, finite) -> FoldOutput:
    """Tune, fit and predict one outer fold (runs in a worker)."""
    task, _, _, train, test, seed, record = job
    # Tasks that take arrays get the column names beside them; others get a DataFrame.
    named = {"columns": columns} if getattr(task, "takes_arrays", False) else {}
    return fit_quietly(
        task.fit_fold,
        estimator,
        X,
        train,
        test,
        seed=seed,
        options=options,
        record=record,
        finite=finite,
        **named,
    )


def _pooled(jobs: list[tuple], outputs: list[FoldOutput], n_repeats: int) -> OutOfFold:
    """The out-of-fold predictions of one evaluation, from its jobs' outputs."""
    shape = (n_repeats, jobs[0][0].n_samples)
    scores = np.full(shape, np.nan)
    calls = np.full(shape, -1, dtype=int)
    folds = np.full(shape, -1, dtype=int)
    rows, used = [], []
    for (_task, repeat, fold, _train, test, _seed, record), output in zip(
        jobs, outputs, strict=True
    ):
        scores[repeat, test] = output.scores
        calls[repeat, test] = output.calls
        folds[repeat, test] = fold
        rows.append({"repeat": repeat, "fold": fold, **output.row})
        if record:
            used.append(((repeat, fold), output.used))
    return OutOfFold(scores, calls, folds, pd.DataFrame(rows), used)


class _Tally:
    """Progress over the two maps of an evaluation (real outcome, then every permutation)."""

    def __init__(self, progress: Progress | None, total: int) -> None:
        self.progress, self.total, self.offset = progress, total, 0

    def part(self, size: int) -> Progress | None:
        if self.progress is None:
            return None
        offset, report, total = self.offset, self.progress, self.total
        self.offset += size
        return lambda done, _: report(offset + done, total)


def _null_rows(task, rng, n_permutations, seeds, n_splits, executor, shared, tally) -> list:
    """The task's null scores on each of ``n_permutations`` permuted outcomes.

    Every permutation's outcome is drawn first (the same draws as one at a time), then all their
    folds go out as one map. The same shuffle seeds as the real evaluation; the folds still
    differ a little because stratification follows the permuted outcome.
    """
    null_tasks = [task.permuted(rng) for _ in range(n_permutations)]
    null_jobs = [_fold_jobs(t, seeds, n_splits, record=False) for t in null_tasks]
    flat = [job for jobs_of_one in null_jobs for job in jobs_of_one]
    outputs = executor.map(_fit_job, flat, shared=shared, progress=tally.part(len(flat)))
    rows, start = [], 0
    for permutation, (null_task, jobs_of_one) in enumerate(zip(null_tasks, null_jobs, strict=True)):
        null = _pooled(jobs_of_one, outputs[start : start + len(jobs_of_one)], len(seeds))
        start += len(jobs_of_one)
        rows.append({"permutation": permutation, **null_task.null_scores(null.scores, null.calls)})
    return rows


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
    executor: Executor | None = None,
    progress: Progress | None = None,
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
        every core (:func:`~oligomet.parallel.default_n_jobs`). Ignored with ``executor``.
        Results do not depend on it.
    random_state : int, RandomState or None, default=None
        Seeds the splits, the inner folds, the permutations and the bootstrap.
    executor : Executor or None, default=None
        Where the folds run (:mod:`oligomet.parallel`: local processes or a Dask cluster); None:
        ``LocalExecutor(n_jobs)``. The real outcome's folds are one map; every permutation's
        folds together are a second one (permutation x repeat x fold). Results do not depend on
        it.
    progress : callable or None, default=None
        ``progress(done, total)`` as outer-fold fits finish (real and permuted).

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
    executor = executor if executor is not None else make_executor(n_jobs=n_jobs)
    shared = dict(
        estimator=estimator_in_folds,
        X=X,
        options={"param_grid": param_grid, "n_inner_splits": n_inner_splits},
        columns=fold_columns,
        finite=finite,
    )
    per_evaluation = n_repeats * n_splits
    tally = _Tally(progress, per_evaluation * (1 + n_permutations))
    jobs = _fold_jobs(task, seeds, n_splits, record=True)
    outputs = executor.map(_fit_job, jobs, shared=shared, progress=tally.part(len(jobs)))
    real = _pooled(jobs, outputs, n_repeats)
    metrics = task.summarise(
        real.scores,
        real.calls,
        real.fold_scores,
        n_bootstrap=n_bootstrap,
        confidence=confidence,
        rng=rng,
    )
    null_rows = _null_rows(task, rng, n_permutations, seeds, n_splits, executor, shared, tally)
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
