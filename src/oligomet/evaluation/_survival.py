"""Repeated, nested cross-validation of survival models: C-index with a bootstrap interval, a
permuted-outcome null, and Kaplan–Meier curves of out-of-fold risk groups."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from sklearn.utils import check_random_state

from .._errors import InputError
from ._cv import _params_text, _splits, selection_frequency, selection_table

__all__ = ["SurvivalCVResult", "cross_validate_survival", "plot_km"]

logger = logging.getLogger(__name__)

# Harrell's C counts two risks within this distance as tied (as scikit-survival does).
_TIED_TOL = 1e-8


# ----------------------------------------------------------------------------- concordance
def _pair_matrices(time: np.ndarray, event: np.ndarray, risk: np.ndarray):
    """Comparable pairs and their concordance, as n x n matrices (row = the earlier event).

    Pair ``(i, j)`` is comparable when ``i`` had an event and ``j`` was still at risk after it:
    ``t_i < t_j``, or ``t_i == t_j`` with ``j`` censored (a censoring at an event time is taken
    to follow the event). It is concordant (1) when ``risk_i > risk_j``, tied (0.5) when the risks
    are within 1e-8, discordant (0) otherwise. The same convention as scikit-survival's
    ``concordance_index_censored``.
    """
    t_i, t_j = time[:, None], time[None, :]
    comparable = event[:, None] & ((t_i < t_j) | ((t_i == t_j) & ~event[None, :]))
    difference = risk[:, None] - risk[None, :]
    concordance = np.where(np.abs(difference) <= _TIED_TOL, 0.5, (difference > 0).astype(float))
    comparable = comparable.astype(np.float64)
    return comparable, comparable * concordance


def _harrell_c(time: np.ndarray, event: np.ndarray, risk: np.ndarray) -> float:
    """Harrell's C-index of risk scores; NaN when no pair is comparable."""
    comparable, concordant = _pair_matrices(time, event, risk)
    total = comparable.sum()
    return float(concordant.sum() / total) if total > 0 else np.nan


def _bootstrap_c(time, event, risks, weights: np.ndarray, chunk: int = 200) -> np.ndarray:
    """Harrell's C of each weighted resample, averaged over the rows of ``risks``.

    A bootstrap resample that draws patient ``i`` ``w_i`` times counts pair ``(i, j)``
    ``w_i w_j`` times; copies of one patient are never comparable with each other (same time,
    same status), so ``C = w' K w / w' P w`` with ``P`` the comparable and ``K`` the concordant
    pair matrices.
    """
    out = np.zeros(weights.shape[0])
    for risk in risks:
        comparable, concordant = _pair_matrices(time, event, risk)
        for start in range(0, weights.shape[0], chunk):
            w = weights[start : start + chunk]
            numerator = np.einsum("bi,bi->b", w @ concordant, w)
            denominator = np.einsum("bi,bi->b", w @ comparable, w)
            with np.errstate(invalid="ignore", divide="ignore"):
                out[start : start + chunk] += numerator / denominator
    return out / len(risks)


# ---------------------------------------------------------------------------------- result
@dataclass
class SurvivalCVResult:
    """Out-of-fold risk scores, risk groups and C-indices of a repeated survival cross-validation.

    Attributes
    ----------
    metrics : dict
        ``c_index`` (mean over repeats of Harrell's C of the pooled out-of-fold risk scores),
        ``c_index_ci_low``/``c_index_ci_high`` (stratified percentile bootstrap),
        ``c_index_fold_mean`` (mean of the per-fold C-indices), with permutations
        ``null_c_index``, ``null_c_index_sd`` and ``permutation_p``; ``logrank_p`` and
        ``logrank_statistic`` (high vs low risk group, first repeat), ``n_high``, ``n_low``,
        ``n_samples``, ``n_events``.
    fold_scores : pandas.DataFrame
        One row per (repeat, fold): ``c_index`` on the test fold (NaN without comparable pairs),
        ``inner_c_index`` (inner-fold C of the chosen hyperparameters), ``params`` (JSON),
        ``threshold`` (median training risk), ``n_train``, ``n_test``, ``n_events_test``.
    null_scores : pandas.DataFrame
        One row per permutation: ``c_index`` of the whole evaluation on permuted outcomes.
    oof_risk : ndarray of shape (n_repeats, n_samples)
        Out-of-fold risk score (higher = earlier event), one row per repeat.
    oof_group : ndarray of shape (n_repeats, n_samples)
        Out-of-fold risk group: 1 high (risk above the median risk of the fold's training
        samples), 0 low.
    folds : ndarray of shape (n_repeats, n_samples)
        Outer fold in which each sample was tested.
    time : ndarray of shape (n_samples,)
    event : ndarray of bool, shape (n_samples,)
    selection : pandas.DataFrame
        One row per (repeat, fold), one boolean column per feature: whether the fold's model used
        it (empty when the model does not say).
    params : dict
        The evaluation's settings.
    """

    metrics: dict[str, float]
    fold_scores: pd.DataFrame
    null_scores: pd.DataFrame
    oof_risk: np.ndarray
    oof_group: np.ndarray
    folds: np.ndarray
    time: np.ndarray
    event: np.ndarray
    selection: pd.DataFrame = field(default_factory=pd.DataFrame)
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def selection_frequency(self) -> pd.Series:
        """Fraction of outer training folds whose model used each feature, most frequent first."""
        return selection_frequency(self.selection)

    @property
    def summary(self) -> pd.DataFrame:
        """One row per metric: ``estimate``, ``ci_low``, ``ci_high`` (NaN where not defined)."""
        m = self.metrics
        rows = [("c_index", m["c_index"], m["c_index_ci_low"], m["c_index_ci_high"])]
        for name in ("c_index_fold_mean", "null_c_index", "permutation_p", "logrank_p"):
            if name in m:
                rows.append((name, m[name], np.nan, np.nan))
        frame = pd.DataFrame(rows, columns=["metric", "estimate", "ci_low", "ci_high"])
        return frame.set_index("metric")

    def to_dict(self) -> dict[str, Any]:
        """Aggregate results only (no patient-level values), JSON-safe."""
        return {
            "metrics": {k: float(v) for k, v in self.metrics.items()},
            "params": dict(self.params),
            "fold_scores": self.fold_scores.to_dict(orient="records"),
            "null_scores": self.null_scores.to_dict(orient="records"),
            "selection_frequency": {str(k): float(v) for k, v in self.selection_frequency.items()},
        }


# ---------------------------------------------------------------------------------- helpers
def _survival_target(y, X) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """Time, event and X (one float block) from a structured array or a SurvivalTarget."""
    if hasattr(y, "y") and hasattr(y, "event") and hasattr(y, "time"):  # SurvivalTarget
        patients = y.time.index
        if isinstance(X, pd.DataFrame) and not X.index.equals(patients):
            absent = patients.difference(X.index)
            if len(absent):
                raise InputError(
                    f"{len(absent)} patients of the survival target are absent from X (first: "
                    f"'{absent[0]}'); give X a row for every patient of the target"
                )
            left_out = len(X.index.difference(patients))
            if left_out:
                logger.info("%d samples of X have no survival target and are left out", left_out)
            X = X.loc[patients]
        time = y.time.to_numpy(dtype=np.float64)
        event = y.event.to_numpy(dtype=bool)
    else:
        if not isinstance(y, np.ndarray) or y.dtype.names is None or len(y.dtype.names) != 2:
            raise InputError(
                "y must be a survival target: make_survival(...) or a structured array with an "
                "event and a time field (sksurv.util.Surv.from_arrays)"
            )
        event_field, time_field = y.dtype.names
        event = np.asarray(y[event_field]).astype(bool)
        time = np.asarray(y[time_field], dtype=np.float64)
    if isinstance(X, pd.DataFrame):
        # One float block: fold row selection then copies one array, not thousands of blocks.
        X = pd.DataFrame(X.to_numpy(dtype=np.float64), index=X.index, columns=X.columns)
    else:
        X = pd.DataFrame(np.asarray(X, dtype=np.float64))
    if len(X) != time.size:
        raise InputError(f"X has {len(X)} samples but the survival target has {time.size}")
    if not np.isfinite(time).all() or (time < 0).any():
        raise InputError("survival times must be finite numbers >= 0")
    return time, event, X


def _structured(event: np.ndarray, time: np.ndarray) -> np.ndarray:
    from sksurv.util import Surv

    return Surv.from_arrays(event, time, "event", "time")


def _aligned_groups(groups, original_index, X: pd.DataFrame):
    """``groups`` as an array, reordered like X when X was put in the target's patient order."""
    if groups is None:
        return None
    groups = np.asarray(groups)
    if original_index is not None and not X.index.equals(original_index):
        if groups.size != len(original_index):
            raise InputError(
                f"groups has {groups.size} entries but X has {len(original_index)} rows"
            )
        groups = pd.Series(groups, index=original_index).loc[X.index].to_numpy()
    return groups


def _check_design(event: np.ndarray, n_splits: int, groups) -> None:
    n_events = int(event.sum())
    if n_splits < 2:
        raise InputError(f"n_splits must be at least 2, got {n_splits}")
    if n_events == 0 or n_events == event.size:
        which = "no" if n_events == 0 else "only"
        raise InputError(
            f"the {event.size} samples have {which} events; a survival evaluation needs events "
            "and censored samples"
        )
    if n_events < n_splits:
        raise InputError(
            f"fewer events ({n_events}) than cross-validation folds ({n_splits}); use fewer "
            f"folds (n_splits={max(2, n_events)}) or more patients"
        )
    if groups is not None and len(np.unique(groups)) < n_splits:
        raise InputError(f"fewer patients ({len(np.unique(groups))}) than folds ({n_splits})")


def _patient_units(event: np.ndarray, time: np.ndarray, groups):
    """Index of each sample's patient, and each patient's first sample; checks consistency."""
    if groups is None:
        index = np.arange(event.size)
        return index, index
    _, first, position = np.unique(groups, return_index=True, return_inverse=True)
    if (time != time[first][position]).any() or (event != event[first][position]).any():
        sample = int(
            np.flatnonzero((time != time[first][position]) | (event != event[first][position]))[0]
        )
        raise InputError(
            f"patient '{groups[sample]}' has samples with different survival times or events; "
            "the survival target must be per patient"
        )
    return position, first


def _permute(event, time, groups, rng):
    """Move (time, event) pairs jointly between patients; each patient keeps its features."""
    position, first = _patient_units(event, time, groups)
    order = rng.permutation(first.size)
    return event[first][order][position], time[first][order][position]


def _bootstrap_weights(event, groups, n_bootstrap: int, rng) -> np.ndarray:
    """Per-sample multiplicities of stratified (by event) bootstrap resamples of patients."""
    position, first = _patient_units(event, np.zeros(event.size), groups)
    patient_event = event[first]
    n_patients = first.size
    counts = np.zeros(n_bootstrap * n_patients)
    offsets = (np.arange(n_bootstrap) * n_patients)[:, None]
    for stratum in (np.flatnonzero(patient_event), np.flatnonzero(~patient_event)):
        draws = stratum[rng.randint(0, stratum.size, size=(n_bootstrap, stratum.size))]
        counts += np.bincount((draws + offsets).ravel(), minlength=counts.size)
    return counts.reshape(n_bootstrap, n_patients)[:, position]


def _used_features(model, columns: pd.Index) -> list[str] | None:
    """Input features the fitted model uses, where it says (oligomet pipelines, sparse Cox)."""
    if hasattr(model, "steps") and hasattr(model, "feature_names_in_"):
        from ..models import selected_features

        return selected_features(model)
    coef = getattr(model, "coef_", None)
    if coef is not None and np.ndim(coef) == 1 and len(coef) == len(columns):
        return [str(c) for c in columns[np.asarray(coef) != 0]]
    return None


def _fit_searched(estimator, X, event, time, *, param_grid, n_inner_splits, seed, groups):
    """Fit with the hyperparameters that the inner folds (Harrell's C) prefer, if searching."""
    y = _structured(event, time)
    if not param_grid:
        return clone(estimator).fit(X, y), {}, np.nan
    n_inner = min(n_inner_splits, int(event.sum()))
    if n_inner < 2:
        raise InputError(
            f"a training fold has {int(event.sum())} event(s): too few for inner folds; use "
            "fewer outer folds"
        )
    inner = _splits(event, n_inner, seed, groups)
    search = GridSearchCV(clone(estimator), param_grid, cv=inner, refit=True, n_jobs=1)
    search.fit(X, y)
    return search.best_estimator_, dict(search.best_params_), float(search.best_score_)


@dataclass
class TunedSurvivalFit:
    """A survival model fitted with hyperparameters chosen in inner folds.

    Attributes
    ----------
    model : estimator
        Fitted on all given samples; ``predict`` gives risk scores.
    params : dict
        The chosen hyperparameters (empty without a search space).
    threshold : float
        Median risk of the given samples: the high/low risk-group cut-off.
    inner_c_index : float
        Mean inner-fold C-index of the chosen hyperparameters (NaN without a search).
    """

    model: Any
    params: dict[str, Any]
    threshold: float
    inner_c_index: float


def fit_tuned_survival(
    estimator, X, y, *, param_grid=None, n_inner_splits: int = 3, groups=None, random_state=None
) -> TunedSurvivalFit:
    """Choose hyperparameters by inner cross-validation (Harrell's C), then refit on all samples.

    What happens inside every outer training fold of :func:`cross_validate_survival`, and on all
    samples for the final model.

    Parameters
    ----------
    estimator : survival estimator
        Unfitted; ``fit(X, y)`` with a structured survival array, ``predict`` a risk score.
    X : pandas.DataFrame of shape (n_samples, n_features)
    y : SurvivalTarget or structured array
        As for :func:`cross_validate_survival`.
    param_grid : dict or None, default=None
    n_inner_splits : int, default=3
    groups : array-like or None, default=None
    random_state : int, RandomState or None, default=None
        Seeds the inner folds.

    Returns
    -------
    TunedSurvivalFit
    """
    original_index = X.index if isinstance(X, pd.DataFrame) else None
    time, event, X = _survival_target(y, X)
    groups = _aligned_groups(groups, original_index, X)
    seed = int(check_random_state(random_state).randint(2**31 - 1))
    model, params, inner = _fit_searched(
        estimator,
        X,
        event,
        time,
        param_grid=param_grid,
        n_inner_splits=n_inner_splits,
        seed=seed,
        groups=groups,
    )
    threshold = float(np.median(model.predict(X)))
    return TunedSurvivalFit(model=model, params=params, threshold=threshold, inner_c_index=inner)


def _fit_fold(estimator, X, event, time, train, test, *, param_grid, n_inner_splits, seed, groups):
    model, params, inner_score = _fit_searched(
        estimator,
        X.iloc[train],
        event[train],
        time[train],
        param_grid=param_grid,
        n_inner_splits=n_inner_splits,
        seed=seed,
        groups=None if groups is None else groups[train],
    )
    # The risk-group cut-off is learned from the training samples only.
    threshold = float(np.median(model.predict(X.iloc[train])))
    risk = np.asarray(model.predict(X.iloc[test]), dtype=np.float64)
    return risk, threshold, params, inner_score, _used_features(model, X.columns)


def _oof(estimator, X, event, time, *, n_splits, seeds, groups, options, parallel, record):
    n_repeats = len(seeds)
    jobs = []
    for repeat, seed in enumerate(seeds):
        inner_seeds = check_random_state(seed).randint(0, 2**31 - 1, size=n_splits)
        for fold, (train, test) in enumerate(_splits(event, n_splits, seed, groups)):
            jobs.append((repeat, fold, train, test, int(inner_seeds[fold])))
    outputs = parallel(
        delayed(_fit_fold)(estimator, X, event, time, tr, te, seed=s, groups=groups, **options)
        for _, _, tr, te, s in jobs
    )
    oof_risk = np.full((n_repeats, event.size), np.nan)
    oof_group = np.full((n_repeats, event.size), -1, dtype=int)
    folds = np.full((n_repeats, event.size), -1, dtype=int)
    rows, selection = [], []
    for (repeat, fold, train, test, _), (risk, threshold, params, inner, used) in zip(
        jobs, outputs, strict=True
    ):
        oof_risk[repeat, test] = risk
        oof_group[repeat, test] = (risk > threshold).astype(int)
        folds[repeat, test] = fold
        rows.append(
            {
                "repeat": repeat,
                "fold": fold,
                "c_index": _harrell_c(time[test], event[test], risk),
                "inner_c_index": inner,
                "params": _params_text(params),
                "threshold": threshold,
                "n_train": int(train.size),
                "n_test": int(test.size),
                "n_events_test": int(event[test].sum()),
            }
        )
        if record:
            selection.append(((repeat, fold), used))
    frame = selection_table(selection, X.columns)
    return oof_risk, oof_group, folds, pd.DataFrame(rows), frame


def _pooled_c(time, event, oof_risk) -> float:
    return float(np.mean([_harrell_c(time, event, risk) for risk in oof_risk]))


def _logrank(time, event, group) -> tuple[float, float]:
    """Log-rank test of high (1) vs low (0) risk group: (statistic, p); NaN if a group is empty."""
    from lifelines.statistics import logrank_test

    high, low = group == 1, group == 0
    if not high.any() or not low.any():
        return np.nan, np.nan
    result = logrank_test(time[high], time[low], event[high], event[low])
    return float(result.test_statistic), float(result.p_value)


# ------------------------------------------------------------------------------------- main
def cross_validate_survival(
    estimator,
    X,
    y,
    *,
    param_grid: dict[str, list] | None = None,
    n_splits: int = 5,
    n_repeats: int = 5,
    n_inner_splits: int = 3,
    n_permutations: int = 5,
    n_bootstrap: int = 1000,
    confidence: float = 0.95,
    groups=None,
    n_jobs: int | None = None,
    random_state=None,
) -> SurvivalCVResult:
    """Repeated, nested cross-validation of a survival model, with a permuted-outcome null.

    Outer folds are stratified by the event indicator (so each has its share of events). In each
    outer training fold, an inner :class:`~sklearn.model_selection.GridSearchCV` scored by the
    estimator's ``score`` (Harrell's C for :class:`~oligomet.models.PenalisedCox` and
    scikit-survival models) chooses the hyperparameters in ``param_grid``, and the whole estimator
    (normally a pipeline from :func:`~oligomet.models.make_cox_model`) is refitted; nothing is
    learned from the test fold. Each test patient gets an out-of-fold risk score and a risk group:
    *high* when its risk exceeds the median risk of that fold's training patients, a cut-off
    learned in-fold like everything else.

    Parameters
    ----------
    estimator : estimator
        Unfitted survival model: ``fit(X, y)`` with a structured survival array, ``predict``
        returning risk scores (higher = earlier event) and ``score`` a C-index.
    X : pandas.DataFrame or array-like of shape (n_samples, n_features)
        Features, samples in rows.
    y : SurvivalTarget or structured array of shape (n_samples,)
        Event and time (:func:`~oligomet.labels.make_survival`, ``sksurv.util.Surv``). With a
        :class:`~oligomet.labels.SurvivalTarget` and a DataFrame ``X``, the rows of ``X`` are
        matched to the target's patients by index.
    param_grid : dict or None, default=None
        Search space for the inner folds, e.g. :data:`~oligomet.models.COX_PARAM_GRID`.
    n_splits : int, default=5
        Outer folds per repeat.
    n_repeats : int, default=5
        Repeats of the outer split, each with a different shuffle.
    n_inner_splits : int, default=3
        Inner folds (stratified by event) per outer training fold.
    n_permutations : int, default=5
        Permutations of the outcome for the null distribution (0 to skip). Each permutes the
        (time, event) pairs jointly across patients, keeping every patient's features, and runs
        the whole nested evaluation again.
    n_bootstrap : int, default=1000
        Resamples for the confidence interval of the C-index.
    confidence : float, default=0.95
        Coverage of the interval.
    groups : array-like of shape (n_samples,) or None, default=None
        Patient of each sample when a patient has several samples; folds, permutations and the
        bootstrap then keep a patient's samples together.
    n_jobs : int or None, default=None
        Outer folds fitted in parallel (joblib).
    random_state : int, RandomState or None, default=None
        Seeds the splits, the permutations and the bootstrap: one value fixes every number.

    Returns
    -------
    SurvivalCVResult

    Raises
    ------
    InputError
        Without events or without censored samples, or with fewer events than folds.

    Notes
    -----
    ``c_index`` is Harrell's C of the out-of-fold risk scores *pooled* over the folds of a
    repeat, averaged over repeats. Pooling compares patients scored by different fold models,
    which assumes the folds' risk scores are on comparable scales (true for linear predictors of
    similar models, not guaranteed with strong penalties that zero some folds' models); the mean
    of the per-fold C-indices (``c_index_fold_mean``) avoids that assumption at the cost of fewer
    pairs per estimate. Report both when they disagree.

    The interval is a percentile bootstrap of patients, stratified by event, on the fixed
    out-of-fold scores: it reflects which patients were sampled, not the variability of
    refitting on other training sets, so it is somewhat narrow. ``permutation_p`` is
    ``(b + 1) / (m + 1)`` with ``b`` of ``m`` permuted evaluations scoring at least the observed
    C (Phipson & Smyth 2010); with the default 5 permutations it cannot be below 1/6.

    The log-rank test compares the out-of-fold high and low risk groups of the first repeat. It
    is a descriptive companion to the C-index: the groups come from models fitted on other
    patients, but the test ignores that they came from several fold models.

    Concordance is computed from n x n pair matrices (memory grows as n²): comfortable up to a
    few thousand samples.

    References
    ----------
    Harrell FE, Lee KL, Mark DB. Multivariable prognostic models: issues in developing models,
    evaluating assumptions and adequacy, and measuring and reducing errors. Stat Med
    1996;15:361-387. :doi:`10.1002/(SICI)1097-0258(19960229)15:4<361::AID-SIM168>3.0.CO;2-4`

    Simon RM, Subramanian J, Li MC, Menezes S. Using cross-validation to evaluate predictive
    accuracy of survival risk classifiers based on high-dimensional data. Brief Bioinform
    2011;12:203-214. :doi:`10.1093/bib/bbr001`

    Phipson B, Smyth GK. Permutation p-values should never be zero: calculating exact p-values
    when permutations are randomly drawn. Stat Appl Genet Mol Biol 2010;9:39.
    :doi:`10.2202/1544-6115.1585`
    """
    original_index = X.index if isinstance(X, pd.DataFrame) else None
    time, event, X = _survival_target(y, X)
    groups = _aligned_groups(groups, original_index, X)
    if groups is not None and groups.size != time.size:
        raise InputError(f"groups has {groups.size} entries but there are {time.size} samples")
    _check_design(event, n_splits, groups)
    _patient_units(event, time, groups)
    if not 0 < confidence < 1:
        raise InputError(f"confidence must lie strictly between 0 and 1, got {confidence}")
    rng = check_random_state(random_state)
    seeds = rng.randint(0, 2**31 - 1, size=n_repeats).tolist()
    parallel = Parallel(n_jobs=n_jobs)
    options = {"param_grid": param_grid, "n_inner_splits": n_inner_splits}
    evaluate = dict(
        n_splits=n_splits, seeds=seeds, groups=groups, options=options, parallel=parallel
    )

    oof_risk, oof_group, folds, fold_scores, selection = _oof(
        estimator, X, event, time, record=True, **evaluate
    )
    metrics: dict[str, float] = {"c_index": _pooled_c(time, event, oof_risk)}
    weights = _bootstrap_weights(event, groups, n_bootstrap, rng)
    boot = _bootstrap_c(time, event, oof_risk, weights)
    tail = (1 - confidence) / 2
    low, high = np.nanquantile(boot, [tail, 1 - tail]) if np.isfinite(boot).any() else (np.nan,) * 2
    metrics["c_index_ci_low"], metrics["c_index_ci_high"] = float(low), float(high)
    metrics["c_index_fold_mean"] = float(np.nanmean(fold_scores["c_index"]))

    null_rows = []
    for permutation in range(n_permutations):
        event_null, time_null = _permute(event, time, groups, rng)
        null_risk, *_ = _oof(estimator, X, event_null, time_null, record=False, **evaluate)
        null_rows.append(
            {"permutation": permutation, "c_index": _pooled_c(time_null, event_null, null_risk)}
        )
        logger.debug("permutation %d: C-index %.3f", permutation, null_rows[-1]["c_index"])
    null_scores = pd.DataFrame(null_rows, columns=["permutation", "c_index"])
    if n_permutations:
        null_c = null_scores["c_index"].to_numpy()
        metrics["null_c_index"] = float(null_c.mean())
        metrics["null_c_index_sd"] = float(null_c.std(ddof=1)) if null_c.size > 1 else 0.0
        # Phipson & Smyth (2010): (b + 1) / (m + 1), never zero.
        metrics["permutation_p"] = float(
            (np.sum(null_c >= metrics["c_index"]) + 1) / (null_c.size + 1)
        )

    statistic, p_value = _logrank(time, event, oof_group[0])
    metrics["logrank_statistic"], metrics["logrank_p"] = statistic, p_value
    metrics["n_high"] = float((oof_group[0] == 1).sum())
    metrics["n_low"] = float((oof_group[0] == 0).sum())
    metrics["n_samples"] = float(time.size)
    metrics["n_events"] = float(event.sum())
    logger.info(
        "survival CV: C-index %.3f [%.3f, %.3f]",
        metrics["c_index"],
        metrics["c_index_ci_low"],
        metrics["c_index_ci_high"],
    )
    params = {
        "n_splits": n_splits,
        "n_repeats": n_repeats,
        "n_inner_splits": n_inner_splits,
        "param_grid": param_grid or {},
        "n_permutations": n_permutations,
        "n_bootstrap": n_bootstrap,
        "confidence": confidence,
        "grouped": groups is not None,
    }
    return SurvivalCVResult(
        metrics=metrics,
        fold_scores=fold_scores,
        null_scores=null_scores,
        oof_risk=oof_risk,
        oof_group=oof_group,
        folds=folds,
        time=time,
        event=event,
        selection=selection,
        params=params,
    )


# ------------------------------------------------------------------------------------- plot
def _at_risk(time: np.ndarray, ticks: np.ndarray) -> list[int]:
    return [int((time >= tick).sum()) for tick in ticks]


def plot_km(result: SurvivalCVResult, *, repeat: int = 0, title: str | None = None):
    """Kaplan–Meier curves of the out-of-fold high- and low-risk groups, with numbers at risk.

    Parameters
    ----------
    result : SurvivalCVResult
        Output of :func:`cross_validate_survival`.
    repeat : int, default=0
        Which repeat's groups to draw (the log-rank p in ``result.metrics`` is for repeat 0;
        the one shown is computed for the repeat drawn).
    title : str or None, default=None
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
        Survival curves (with 95% pointwise bands and censoring ticks) above a table of the
        numbers at risk.
    """
    from lifelines import KaplanMeierFitter
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    group = result.oof_group[repeat]
    time, event = result.time, result.event
    figure = Figure(figsize=(6, 5), layout="constrained")
    ax, table = figure.subplots(2, 1, sharex=True, height_ratios=[4, 1])
    ticks = MaxNLocator(nbins=6, min_n_ticks=3).tick_values(0, float(time.max()))
    ticks = ticks[(ticks >= 0) & (ticks <= time.max())]
    groups = [(1, "high risk", "tab:red"), (0, "low risk", "tab:blue")]
    for row, (code, name, colour) in enumerate(groups):
        members = group == code
        if not members.any():
            continue
        fitter = KaplanMeierFitter().fit(time[members], event[members])
        curve = fitter.survival_function_.iloc[:, 0]
        band = fitter.confidence_interval_survival_function_
        label = f"{name} (n={int(members.sum())}, {int(event[members].sum())} events)"
        ax.step(curve.index, curve.to_numpy(), where="post", color=colour, lw=1.8, label=label)
        ax.fill_between(
            band.index,
            band.iloc[:, 0].to_numpy(),
            band.iloc[:, 1].to_numpy(),
            step="post",
            color=colour,
            alpha=0.15,
            lw=0,
        )
        censored = time[members & ~event]
        ax.plot(
            censored,
            fitter.survival_function_at_times(censored).to_numpy(),
            ls="none",
            marker="|",
            color=colour,
            ms=7,
        )
        for tick, count in zip(ticks, _at_risk(time[members], ticks), strict=True):
            table.text(tick, row, str(count), ha="center", va="center", color=colour)
    _, p_value = _logrank(time, event, group)
    heading = f"out-of-fold risk groups (C = {result.metrics['c_index']:.3f})"
    if np.isfinite(p_value):
        heading += f"\nlog-rank p = {p_value:.2g}"
    span = float(time.max())
    ax.set(ylabel="survival probability", ylim=(0, 1.02), xlim=(-0.04 * span, 1.02 * span))
    ax.legend(loc="best", fontsize="small", title=heading, title_fontsize="small")
    table.set(ylim=(1.6, -0.6), yticks=[0, 1], yticklabels=["high", "low"], xticks=ticks)
    table.set_xlabel("time")
    table.set_title("number at risk", fontsize="small", loc="left")
    for side in ("top", "right", "left"):
        table.spines[side].set_visible(False)
    table.tick_params(axis="y", length=0)
    if title:
        ax.set_title(title, fontsize="medium")
    return figure
