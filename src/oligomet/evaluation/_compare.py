"""Does a molecular score add to clinical covariates? Nested model comparison.

Three models of the same patients: clinical covariates alone, the molecular score alone, and
both. Each is scored by repeated cross-validation (discrimination on held-out patients) and the
combined model is tested against each single one by a likelihood-ratio test on all patients.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import chi2, rankdata
from sklearn.model_selection import StratifiedKFold
from sklearn.utils import check_random_state

from .._errors import InputError
from .._logistic import logistic_newton
from ._metrics import _EPS

__all__ = ["ModelComparison", "compare_models", "compare_survival_models"]

logger = logging.getLogger(__name__)

MODELS = ("clinical", "molecular", "combined")


@dataclass
class ModelComparison:
    """Clinical, molecular and combined models compared on the same patients.

    Attributes
    ----------
    summary : pandas.DataFrame
        One row per model (``clinical``, ``molecular``, ``combined``): ``n`` patients,
        ``n_events`` (patients with class 1, or with the event), ``df`` (estimated coefficients,
        the intercept included for the logistic models), ``log_likelihood`` of the fit on all
        patients (the partial log-likelihood for Cox models), ``converged``, and the
        cross-validated discrimination with its standard deviation over repeats (``roc_auc`` and
        ``roc_auc_sd``, or ``c_index`` and ``c_index_sd``).
    tests : pandas.DataFrame
        One row per likelihood-ratio test (``combined vs clinical``: does the molecular score add
        to the clinical covariates; ``combined vs molecular``: do the clinical covariates add to
        the molecular score): ``statistic``, ``df``, ``p_value``.
    repeat_scores : pandas.DataFrame
        The cross-validated discrimination of each repeat (rows) and model (columns); the repeats
        share their folds across models, so differences between columns are paired.
    metric : str
        ``"roc_auc"`` or ``"c_index"``.
    n_excluded : int
        Patients left out because a clinical covariate was missing.
    params : dict
        Settings of the comparison.
    """

    summary: pd.DataFrame
    tests: pd.DataFrame
    repeat_scores: pd.DataFrame
    metric: str
    n_excluded: int = 0
    params: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Aggregate results only (no patient-level values), JSON-safe."""

        def records(frame: pd.DataFrame, key: str) -> list[dict[str, Any]]:
            return [
                {key: str(index), **{k: _plain(v) for k, v in row.items()}}
                for index, row in frame.iterrows()
            ]

        return {
            "metric": self.metric,
            "n_excluded": int(self.n_excluded),
            "summary": records(self.summary, "model"),
            "tests": records(self.tests, "comparison"),
            "repeat_scores": {
                str(model): [float(v) for v in self.repeat_scores[model]]
                for model in self.repeat_scores.columns
            },
            "params": dict(self.params),
        }


def _plain(value):
    """A numpy scalar as the matching Python scalar (for JSON)."""
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


# --------------------------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------------------------


def _check_clinical(clinical) -> None:
    if not isinstance(clinical, pd.DataFrame):
        raise InputError("clinical must be a pandas DataFrame of numeric covariates")
    if clinical.shape[1] == 0:
        raise InputError("clinical has no columns; give at least one clinical covariate")
    if clinical.index.has_duplicates:
        duplicated = clinical.index[clinical.index.duplicated()].unique()[:5].tolist()
        raise InputError(f"clinical has duplicated patient IDs, e.g. {duplicated}")
    for column in clinical.columns:
        values = clinical[column]
        if not (pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values)):
            raise InputError(
                f"clinical column {column!r} is not numeric (dtype {values.dtype}); encode it as "
                "numbers (e.g. points of a risk score, 0/1 indicators) before comparing models"
            )


def _molecular_covariate(clinical: pd.DataFrame, molecular, molecular_scale: str) -> np.ndarray:
    """The molecular score of every clinical patient, on the logit scale if a probability."""
    n = len(clinical)
    if isinstance(molecular, pd.Series):
        missing = clinical.index.difference(molecular.index)
        if len(missing):
            raise InputError(
                f"{len(missing)} patients of clinical have no molecular score, e.g. "
                f"{missing[:5].tolist()}; give a score for every patient (index = patient ID)"
            )
        score = molecular.reindex(clinical.index).to_numpy(dtype=np.float64)
    else:
        score = np.asarray(molecular, dtype=np.float64)
        if score.shape != (n,):
            raise InputError(
                f"molecular has shape {score.shape}; expected one score per clinical row ({n})"
            )
    if not np.isfinite(score).all():
        bad = clinical.index[~np.isfinite(score)][:5].tolist()
        raise InputError(
            f"the molecular score is missing or infinite for {int((~np.isfinite(score)).sum())} "
            f"patients, e.g. {bad}; it should be an out-of-fold score for every patient"
        )
    if molecular_scale not in ("auto", "probability", "linear"):
        raise InputError(
            f"molecular_scale must be 'auto', 'probability' or 'linear', got {molecular_scale!r}"
        )
    is_probability = bool(((score >= 0) & (score <= 1)).all())
    if molecular_scale == "probability" and not is_probability:
        raise InputError("molecular_scale='probability' but the molecular score leaves [0, 1]")
    if molecular_scale == "probability" or (molecular_scale == "auto" and is_probability):
        clipped = np.clip(score, _EPS, 1 - _EPS)
        score = np.log(clipped) - np.log1p(-clipped)
    return score


def _aligned_outcomes(clinical: pd.DataFrame, outcomes: dict[str, Any]) -> dict[str, np.ndarray]:
    n = len(clinical)
    aligned = {}
    for name, values in outcomes.items():
        if isinstance(values, pd.Series):
            absent = clinical.index.difference(values.index)
            if len(absent):
                raise InputError(
                    f"{len(absent)} patients of clinical have no {name}, e.g. {absent[:5].tolist()}"
                )
            values = values.reindex(clinical.index)
        values = np.asarray(values)
        if values.shape != (n,):
            raise InputError(
                f"{name} has shape {values.shape}; expected one value per patient ({n})"
            )
        aligned[name] = values
    return aligned


def _align(
    clinical: pd.DataFrame, molecular, outcomes: dict[str, Any], molecular_scale: str
) -> tuple[pd.DataFrame, np.ndarray, dict[str, np.ndarray], int]:
    """Numeric clinical matrix, molecular covariate and outcomes of the complete patients."""
    _check_clinical(clinical)
    score = _molecular_covariate(clinical, molecular, molecular_scale)
    aligned = _aligned_outcomes(clinical, outcomes)
    n = len(clinical)
    covariates = clinical.astype(np.float64)
    complete = covariates.notna().all(axis=1).to_numpy()
    n_excluded = int((~complete).sum())
    if n_excluded:
        logger.info("%d of %d patients excluded: a clinical covariate is missing", n_excluded, n)
    covariates = covariates.loc[complete]
    for column in covariates.columns:
        if covariates[column].nunique() < 2:
            raise InputError(
                f"clinical column {column!r} is constant over the {complete.sum()} complete "
                "patients; drop it (a constant has no effect to estimate)"
            )
    return (
        covariates,
        score[complete],
        {name: values[complete] for name, values in aligned.items()},
        n_excluded,
    )


def _check_binary(values: np.ndarray, name: str) -> np.ndarray:
    """0/1 (or boolean) values as integers."""
    numeric = pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(dtype=np.float64)
    if np.isnan(numeric).any():
        raise InputError(
            f"{name} has {int(np.isnan(numeric).sum())} missing or non-numeric values; "
            "drop those patients or encode it as 0/1"
        )
    if not np.isin(numeric, [0, 1]).all():
        raise InputError(f"{name} must be 0/1, got values {np.unique(numeric)[:5].tolist()}")
    return numeric.astype(np.int64)


def _check_class_sizes(y: np.ndarray, n_splits: int, name: str) -> None:
    counts = np.bincount(y, minlength=2)
    if counts.min() < n_splits:
        which = int(np.argmin(counts))
        raise InputError(
            f"{name}={which} for {counts.min()} complete patients, fewer than the {n_splits} "
            f"cross-validation folds; use fewer folds (n_splits={max(2, int(counts.min()))})"
        )


def _check_cv(n_splits: int, n_repeats: int) -> None:
    if int(n_splits) != n_splits or n_splits < 2:
        raise InputError(f"n_splits must be an integer of at least 2, got {n_splits}")
    if int(n_repeats) != n_repeats or n_repeats < 1:
        raise InputError(f"n_repeats must be a positive integer, got {n_repeats}")


def _designs(covariates: pd.DataFrame, score: np.ndarray) -> dict[str, np.ndarray]:
    clinical = covariates.to_numpy(dtype=np.float64)
    return {
        "clinical": clinical,
        "molecular": score[:, None],
        "combined": np.column_stack([clinical, score]),
    }


def _lr_tests(loglik: dict[str, float], df: dict[str, int]) -> pd.DataFrame:
    rows = []
    for reduced in ("clinical", "molecular"):
        statistic = 2 * (loglik["combined"] - loglik[reduced])
        extra = df["combined"] - df[reduced]
        rows.append(
            {
                "comparison": f"combined vs {reduced}",
                # A nested fit cannot be worse; a tiny negative value is rounding.
                "statistic": max(statistic, 0.0) if np.isfinite(statistic) else np.nan,
                "df": extra,
                "p_value": float(chi2.sf(max(statistic, 0.0), extra))
                if np.isfinite(statistic)
                else np.nan,
            }
        )
    return pd.DataFrame(rows).set_index("comparison")


# --------------------------------------------------------------------------------------------
# Logistic regression
# --------------------------------------------------------------------------------------------


def _auc(y: np.ndarray, score: np.ndarray) -> float:
    """ROC AUC by the Mann-Whitney statistic (ties count half)."""
    positive = y == 1
    n_pos, n_neg = int(positive.sum()), int((~positive).sum())
    rank_sum = rankdata(score)[positive].sum()
    return float((rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def _repeat_splits(strata: np.ndarray, n_splits: int, n_repeats: int, random_state):
    rng = check_random_state(random_state)
    seeds = rng.randint(0, 2**31 - 1, size=n_repeats)
    for seed in seeds:
        splitter = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=int(seed))
        yield list(splitter.split(np.zeros(strata.size), strata))


def compare_models(
    y,
    *,
    clinical: pd.DataFrame,
    molecular,
    n_splits: int = 5,
    n_repeats: int = 5,
    molecular_scale: str = "auto",
    random_state=None,
) -> ModelComparison:
    """Compare clinical-only, molecular-only and combined logistic models of a binary outcome.

    Three unpenalised logistic regressions (maximum likelihood by Newton-Raphson) are fitted:
    (a) on the clinical covariates, (b) on the molecular score, (c) on both. Each is scored by
    repeated stratified cross-validation: refitted in every training fold, its linear predictor
    on the test fold is pooled over the folds of a repeat, the AUC of the pooled predictions is
    taken, and the mean (and standard deviation) over repeats is reported. All three models use
    the same folds. On all patients, likelihood-ratio tests compare the combined model with each
    single one (chi-squared with as many degrees of freedom as added coefficients).

    Parameters
    ----------
    y : array-like or pandas.Series of 0/1, shape (n_patients,)
        Outcome, e.g. 1 = polymetastatic. A Series is aligned to ``clinical`` by index; an array
        must follow the rows of ``clinical``.
    clinical : pandas.DataFrame of shape (n_patients, n_covariates)
        Numeric clinical covariates (e.g. the five Fong criteria as 0/1, or the Fong score), one
        row per patient (index = patient ID). Patients with a missing value are excluded.
    molecular : pandas.Series or array-like of shape (n_patients,)
        The molecular score of each patient. It must be **out-of-fold** (e.g. the mean over
        repeats of ``CrossValidationResult.oof_proba``): a score from a model fitted to the same
        patients would make the molecular model look far better than it is. A Series is aligned
        to ``clinical`` by index.
    n_splits : int, default=5
        Folds per repeat.
    n_repeats : int, default=5
        Repeats of the K-fold split, each shuffled differently.
    molecular_scale : {"auto", "probability", "linear"}, default="auto"
        How the score enters the models: ``"probability"`` as its logit (probabilities clipped to
        [1e-6, 1 - 1e-6]), ``"linear"`` as given (a logit or any continuous score). ``"auto"``
        takes a score entirely within [0, 1] as a probability.
    random_state : int, RandomState or None, default=None
        Seeds the folds.

    Returns
    -------
    ModelComparison
        ``summary`` with ``roc_auc``/``roc_auc_sd`` per model, ``tests`` with the
        likelihood-ratio tests.

    Raises
    ------
    InputError
        For non-numeric or constant clinical columns, molecular scores missing for some patients,
        labels other than 0/1, or fewer patients of a class than folds.

    Notes
    -----
    Using an out-of-fold molecular score next to clinical covariates is *pre-validation*
    (Tibshirani & Efron 2002). The one-degree-of-freedom likelihood-ratio test of a pre-validated
    score can be biased (Höfling & Tibshirani 2008), so treat its p-value as approximate; the
    cross-validated AUCs are the primary comparison. A model whose fit does not converge
    (complete separation) has ``converged=False`` and its tests are NaN.

    References
    ----------
    Tibshirani RJ, Efron B. Pre-validation and inference in microarrays. Stat Appl Genet Mol
    Biol. 2002;1(1):Article 1. :doi:`10.2202/1544-6115.1000`

    Höfling H, Tibshirani R. A study of pre-validation. Ann Appl Stat. 2008;2(2):643-664.
    :doi:`10.1214/07-AOAS152`

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> clinical = pd.DataFrame({"fong_score": rng.integers(0, 6, 120)})
    >>> molecular = pd.Series(rng.normal(size=120), index=clinical.index)
    >>> risk = 0.5 * clinical["fong_score"] - 1.2 + 1.5 * molecular
    >>> y = (rng.random(120) < 1 / (1 + np.exp(-risk))).astype(int)
    >>> comparison = compare_models(y, clinical=clinical, molecular=molecular, random_state=0)
    >>> comparison.summary.index.tolist()
    ['clinical', 'molecular', 'combined']
    >>> bool(comparison.tests.loc["combined vs clinical", "p_value"] < 0.001)
    True
    """
    _check_cv(n_splits, n_repeats)
    covariates, score, outcomes, n_excluded = _align(clinical, molecular, {"y": y}, molecular_scale)
    y = _check_binary(outcomes["y"], "y")
    _check_class_sizes(y, n_splits, "y")
    designs = _designs(covariates, score)
    loglik, df, converged = {}, {}, {}
    for name, X in designs.items():
        _, loglik[name], converged[name] = logistic_newton(X, y)
        df[name] = X.shape[1] + 1
        if not converged[name]:
            logger.warning("the %s logistic model did not converge (separation?)", name)
            loglik[name] = np.nan
    scores = {name: [] for name in MODELS}
    for splits in _repeat_splits(y, n_splits, n_repeats, random_state):
        linear = {name: np.empty(y.size) for name in MODELS}
        for train, test in splits:
            for name, X in designs.items():
                beta, _, _ = logistic_newton(X[train], y[train])
                linear[name][test] = beta[0] + X[test] @ beta[1:]
        for name in MODELS:
            scores[name].append(_auc(y, linear[name]))
    return _comparison(
        "roc_auc",
        n=y.size,
        n_events=int(y.sum()),
        loglik=loglik,
        df=df,
        converged=converged,
        scores=scores,
        n_excluded=n_excluded,
        params={
            "outcome": "binary",
            "n_splits": int(n_splits),
            "n_repeats": int(n_repeats),
            "molecular_scale": molecular_scale,
            "clinical_covariates": [str(c) for c in covariates.columns],
        },
    )


def _comparison(metric, *, n, n_events, loglik, df, converged, scores, n_excluded, params):
    repeat_scores = pd.DataFrame(scores, columns=list(MODELS)).rename_axis("repeat")
    summary = pd.DataFrame(
        {
            "n": n,
            "n_events": n_events,
            "df": [df[name] for name in MODELS],
            "log_likelihood": [loglik[name] for name in MODELS],
            "converged": [converged[name] for name in MODELS],
            metric: repeat_scores.mean(axis=0).to_numpy(),
            f"{metric}_sd": (
                repeat_scores.std(axis=0, ddof=1).to_numpy()
                if len(repeat_scores) > 1
                else np.full(len(MODELS), np.nan)
            ),
        },
        index=pd.Index(MODELS, name="model"),
    )
    return ModelComparison(
        summary=summary,
        tests=_lr_tests(loglik, df),
        repeat_scores=repeat_scores,
        metric=metric,
        n_excluded=n_excluded,
        params=params,
    )


# --------------------------------------------------------------------------------------------
# Cox regression
# --------------------------------------------------------------------------------------------


def _cox_fit(X: np.ndarray, time: np.ndarray, event: np.ndarray):
    """Unpenalised Cox model (lifelines, Efron ties): coefficients, log partial likelihood, ok."""
    import warnings

    from lifelines import CoxPHFitter
    from lifelines.exceptions import ConvergenceError, ConvergenceWarning

    columns = [f"x{j}" for j in range(X.shape[1])]
    frame = pd.DataFrame(X, columns=columns)
    frame["time"] = time
    frame["event"] = event
    try:
        with warnings.catch_warnings(record=True) as caught:
            # lifelines reports convergence trouble as a warning; it becomes ``converged=False``
            # here (and a log message) instead of an exception or a stray warning.
            warnings.simplefilter("always", ConvergenceWarning)
            fitter = CoxPHFitter(penalizer=0.0).fit(frame, "time", "event")
    except ConvergenceError:
        return np.full(X.shape[1], np.nan), np.nan, False
    converged = True
    for caught_warning in caught:
        if not issubclass(caught_warning.category, ConvergenceWarning):
            warnings.warn_explicit(
                caught_warning.message,
                caught_warning.category,
                caught_warning.filename,
                caught_warning.lineno,
                source=caught_warning.source,
            )
            continue
        message = str(caught_warning.message).strip()
        # Only these mean the maximum was not reached; the others (low variance of a column)
        # are advice about the data.
        failed = "Newton-Raphson" in message or "suspiciously close to 0" in message
        converged &= not failed
        logger.log(logging.WARNING if failed else logging.DEBUG, "Cox fit: %s", message)
    return fitter.params_.to_numpy(), float(fitter.log_likelihood_), converged


def _c_index(time: np.ndarray, risk: np.ndarray, event: np.ndarray) -> float:
    """Harrell's C of a risk score (higher = earlier event)."""
    from lifelines.utils import concordance_index

    # lifelines expects a score that is higher for longer survival: pass minus the risk.
    return float(concordance_index(time, -risk, event))


def compare_survival_models(
    time,
    event,
    *,
    clinical: pd.DataFrame,
    molecular,
    n_splits: int = 5,
    n_repeats: int = 5,
    molecular_scale: str = "auto",
    random_state=None,
) -> ModelComparison:
    """Compare clinical-only, molecular-only and combined Cox models of a time to event.

    Three unpenalised Cox proportional-hazards models (lifelines, Efron's method for ties) are
    fitted: (a) on the clinical covariates, (b) on the molecular score, (c) on both. Each is
    scored by repeated cross-validation, folds stratified by event status: refitted in every
    training fold, its linear predictor (log hazard ratio) on the test fold is pooled over the
    folds of a repeat, and Harrell's C-index of the pooled predictions is taken (a higher
    predicted hazard should mean an earlier event); the mean and standard deviation over repeats
    are reported. On all patients, likelihood-ratio tests on the partial likelihood compare the
    combined model with each single one.

    Parameters
    ----------
    time : array-like or pandas.Series of shape (n_patients,)
        Follow-up time (non-negative), aligned to ``clinical`` by index when a Series.
    event : array-like or pandas.Series of shape (n_patients,)
        1 (or True) if the event (e.g. progression to polymetastatic disease) was observed, 0 if
        censored.
    clinical : pandas.DataFrame of shape (n_patients, n_covariates)
        Numeric clinical covariates, one row per patient; patients with a missing value are
        excluded.
    molecular : pandas.Series or array-like of shape (n_patients,)
        Out-of-fold molecular score of each patient (see :func:`compare_models`).
    n_splits : int, default=5
        Folds per repeat.
    n_repeats : int, default=5
        Repeats of the K-fold split.
    molecular_scale : {"auto", "probability", "linear"}, default="auto"
        How the score enters the models (see :func:`compare_models`).
    random_state : int, RandomState or None, default=None
        Seeds the folds.

    Returns
    -------
    ModelComparison
        ``summary`` with ``c_index``/``c_index_sd`` per model and the partial log-likelihood,
        ``tests`` with the likelihood-ratio tests.

    Raises
    ------
    InputError
        For invalid times or events, fewer events (or censored patients) than folds, and the
        clinical/molecular problems listed in :func:`compare_models`.

    Notes
    -----
    The C-index of pooled out-of-fold predictions compares patients across folds, whose models
    differ slightly; with a handful of covariates these models are close and the pooling costs
    little, and it uses every pair of patients rather than the few inside one fold. The caveat
    of :func:`compare_models` on pre-validated scores applies to the tests.

    References
    ----------
    Harrell FE Jr, Lee KL, Mark DB. Multivariable prognostic models: issues in developing models,
    evaluating assumptions and adequacy, and measuring and reducing errors. Stat Med.
    1996;15(4):361-387. :doi:`10.1002/(SICI)1097-0258(19960229)15:4<361::AID-SIM168>3.0.CO;2-4`

    Höfling H, Tibshirani R. A study of pre-validation. Ann Appl Stat. 2008;2(2):643-664.
    :doi:`10.1214/07-AOAS152`
    """
    _check_cv(n_splits, n_repeats)
    covariates, score, outcomes, n_excluded = _align(
        clinical, molecular, {"time": time, "event": event}, molecular_scale
    )
    time = pd.to_numeric(pd.Series(outcomes["time"]), errors="coerce").to_numpy(np.float64)
    if not np.isfinite(time).all() or (time < 0).any():
        raise InputError(
            f"time must be a finite, non-negative number for every patient; "
            f"{int((~np.isfinite(time) | (time < 0)).sum())} are not"
        )
    event = _check_binary(outcomes["event"], "event")
    if event.sum() < n_splits:
        raise InputError(
            f"only {int(event.sum())} events among {event.size} complete patients, fewer than "
            f"the {n_splits} cross-validation folds; use fewer folds"
        )
    # Stratify the folds by event status when the censored patients can fill every fold.
    strata = event if (event == 0).sum() >= n_splits else np.zeros_like(event)
    designs = _designs(covariates, score)
    loglik, df, converged = {}, {}, {}
    for name, X in designs.items():
        _, loglik[name], converged[name] = _cox_fit(X, time, event)
        df[name] = X.shape[1]
        if not converged[name]:
            loglik[name] = np.nan
    scores = {name: [] for name in MODELS}
    for splits in _repeat_splits(strata, n_splits, n_repeats, random_state):
        linear = {name: np.empty(time.size) for name in MODELS}
        for train, test in splits:
            for name, X in designs.items():
                beta, _, _ = _cox_fit(X[train], time[train], event[train])
                # Uncentred linear predictor: lifelines centres on each training fold's means,
                # which would shift the folds against each other before pooling.
                linear[name][test] = X[test] @ beta
        for name in MODELS:
            # A fold whose fit failed outright leaves NaN predictions: no C-index this repeat.
            defined = np.isfinite(linear[name]).all()
            scores[name].append(_c_index(time, linear[name], event) if defined else np.nan)
    return _comparison(
        "c_index",
        n=time.size,
        n_events=int(event.sum()),
        loglik=loglik,
        df=df,
        converged=converged,
        scores=scores,
        n_excluded=n_excluded,
        params={
            "outcome": "survival",
            "n_splits": int(n_splits),
            "n_repeats": int(n_repeats),
            "molecular_scale": molecular_scale,
            "clinical_covariates": [str(c) for c in covariates.columns],
        },
    )
