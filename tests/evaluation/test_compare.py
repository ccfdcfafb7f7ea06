import json

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import minimize
from scipy.special import expit
from scipy.stats import chi2
from sklearn.linear_model import LogisticRegression

from oligomet import InputError
from oligomet.evaluation import ModelComparison, compare_models, compare_survival_models


def _cohort(n, seed, *, molecular_effect):
    """Fong-like clinical points, a second clinical covariate and a molecular score."""
    rng = np.random.default_rng(seed)
    clinical = pd.DataFrame(
        {"fong_score": rng.integers(0, 6, n), "cea_high": rng.integers(0, 2, n)},
        index=[f"P{i:03d}" for i in range(n)],
    )
    molecular = pd.Series(rng.normal(size=n), index=clinical.index, name="oof_logit")
    risk = -1.5 + 0.45 * clinical["fong_score"] + 0.4 * clinical["cea_high"]
    risk = risk + molecular_effect * molecular
    return clinical, molecular, risk.to_numpy(), rng


def _binary(n, seed, molecular_effect):
    clinical, molecular, risk, rng = _cohort(n, seed, molecular_effect=molecular_effect)
    y = pd.Series((rng.random(n) < expit(risk)).astype(int), index=clinical.index)
    return y, clinical, molecular


def _loglik(model, X, y):
    eta = model.intercept_[0] + X @ model.coef_[0]
    return float(np.sum(y * eta - np.logaddexp(0, eta)))


# --- logistic -----------------------------------------------------------------------------------


def test_informative_molecular_score_adds_to_clinical():
    y, clinical, molecular = _binary(300, 0, molecular_effect=1.5)
    comparison = compare_models(
        y, clinical=clinical, molecular=molecular, n_splits=5, n_repeats=3, random_state=0
    )
    assert isinstance(comparison, ModelComparison)
    summary = comparison.summary
    assert summary.index.tolist() == ["clinical", "molecular", "combined"]
    assert summary.loc["combined", "roc_auc"] > summary.loc["clinical", "roc_auc"] + 0.05
    assert comparison.tests.loc["combined vs clinical", "p_value"] < 1e-6
    assert summary["df"].tolist() == [3, 2, 4]  # intercept included
    assert summary["n"].tolist() == [300] * 3
    assert summary["converged"].all()
    assert comparison.repeat_scores.shape == (3, 3)
    assert (summary["roc_auc_sd"] > 0).all()


def test_noise_molecular_score_adds_nothing():
    y, clinical, molecular = _binary(300, 1, molecular_effect=0.0)
    comparison = compare_models(
        y, clinical=clinical, molecular=molecular, n_splits=5, n_repeats=3, random_state=0
    )
    assert comparison.tests.loc["combined vs clinical", "p_value"] > 0.01
    assert comparison.tests.loc["combined vs molecular", "p_value"] < 1e-3
    auc = comparison.summary["roc_auc"]
    assert auc["combined"] < auc["clinical"] + 0.02
    assert auc["molecular"] < 0.6


def test_likelihood_ratio_matches_a_manual_computation():
    y, clinical, molecular = _binary(200, 2, molecular_effect=0.6)
    comparison = compare_models(
        y, clinical=clinical, molecular=molecular, n_splits=3, n_repeats=1, random_state=0
    )
    X_clinical = clinical.to_numpy(float)
    X_combined = np.column_stack([X_clinical, molecular.to_numpy()])
    fit = dict(C=np.inf, tol=1e-12, max_iter=10_000)
    ll_clinical = _loglik(LogisticRegression(**fit).fit(X_clinical, y), X_clinical, y)
    ll_combined = _loglik(LogisticRegression(**fit).fit(X_combined, y), X_combined, y)
    statistic = 2 * (ll_combined - ll_clinical)
    test = comparison.tests.loc["combined vs clinical"]
    assert test["statistic"] == pytest.approx(statistic, abs=1e-5)
    assert test["df"] == 1
    assert test["p_value"] == pytest.approx(chi2.sf(statistic, 1), rel=1e-4)
    assert comparison.summary.loc["clinical", "log_likelihood"] == pytest.approx(ll_clinical)
    assert comparison.tests.loc["combined vs molecular", "df"] == 2


def test_probability_scores_enter_as_logits_and_rows_align_by_index():
    y, clinical, molecular = _binary(150, 3, molecular_effect=1.0)
    as_logit = compare_models(
        y, clinical=clinical, molecular=molecular, n_splits=3, n_repeats=2, random_state=1
    )
    shuffled = expit(molecular).sample(frac=1, random_state=0)  # probabilities, other order
    as_probability = compare_models(
        y.sample(frac=1, random_state=1),
        clinical=clinical,
        molecular=shuffled,
        n_splits=3,
        n_repeats=2,
        random_state=1,
    )
    pd.testing.assert_frame_equal(as_logit.tests, as_probability.tests, rtol=1e-6)
    pd.testing.assert_frame_equal(as_logit.summary, as_probability.summary, rtol=1e-6)
    assert as_probability.params["molecular_scale"] == "auto"


def test_patients_with_missing_clinical_values_are_excluded():
    y, clinical, molecular = _binary(120, 4, molecular_effect=1.0)
    clinical = clinical.astype(float)
    clinical.iloc[[3, 10, 50], 0] = np.nan
    clinical.iloc[10, 1] = np.nan  # the same patient twice: still one exclusion
    comparison = compare_models(
        y, clinical=clinical, molecular=molecular, n_splits=3, n_repeats=1, random_state=0
    )
    assert comparison.n_excluded == 3
    assert (comparison.summary["n"] == 117).all()
    assert comparison.to_dict()["n_excluded"] == 3


def test_to_dict_is_json_and_aggregate_only():
    y, clinical, molecular = _binary(90, 5, molecular_effect=1.0)
    comparison = compare_models(
        y, clinical=clinical, molecular=molecular, n_splits=3, n_repeats=2, random_state=0
    )
    payload = json.loads(json.dumps(comparison.to_dict()))
    assert payload["metric"] == "roc_auc"
    assert [row["model"] for row in payload["summary"]] == ["clinical", "molecular", "combined"]
    assert {row["comparison"] for row in payload["tests"]} == {
        "combined vs clinical",
        "combined vs molecular",
    }
    assert all(len(scores) == 2 for scores in payload["repeat_scores"].values())
    assert "P000" not in json.dumps(payload)


def test_input_errors_name_the_problem():
    y, clinical, molecular = _binary(60, 6, molecular_effect=1.0)
    with pytest.raises(InputError, match=r"'stage'.*not numeric"):
        compare_models(y, clinical=clinical.assign(stage="IV"), molecular=molecular)
    with pytest.raises(InputError, match=r"no molecular score.*P059"):
        compare_models(y, clinical=clinical, molecular=molecular.iloc[:-1])
    with pytest.raises(InputError, match=r"'site'.*constant"):
        compare_models(y, clinical=clinical.assign(site=1), molecular=molecular)
    with pytest.raises(InputError, match="0/1"):
        compare_models(y * 2, clinical=clinical, molecular=molecular)
    few = y.copy()
    few[:] = 0
    few.iloc[:2] = 1
    with pytest.raises(InputError, match="fewer than the 5"):
        compare_models(few, clinical=clinical, molecular=molecular)
    with pytest.raises(InputError, match="molecular_scale"):
        compare_models(y, clinical=clinical, molecular=molecular, molecular_scale="logit")


def test_separation_is_reported_not_hidden():
    y, clinical, _ = _binary(60, 7, molecular_effect=1.0)
    perfect = pd.Series(np.where(y == 1, 2.0, -2.0) + np.linspace(0, 0.1, 60), index=y.index)
    comparison = compare_models(
        y, clinical=clinical, molecular=perfect, n_splits=3, n_repeats=1, random_state=0
    )
    assert not comparison.summary.loc["molecular", "converged"]
    assert np.isnan(comparison.tests.loc["combined vs clinical", "p_value"])
    assert comparison.summary.loc["molecular", "roc_auc"] == 1.0


# --- Cox ----------------------------------------------------------------------------------------


def _survival(n, seed, molecular_effect):
    clinical, molecular, risk, rng = _cohort(n, seed, molecular_effect=molecular_effect)
    event_time = rng.exponential(1 / np.exp(risk))
    censor_time = rng.uniform(0, 3 * np.median(event_time), n)
    time = pd.Series(np.minimum(event_time, censor_time), index=clinical.index)
    event = pd.Series((event_time <= censor_time).astype(int), index=clinical.index)
    return time, event, clinical, molecular


def _partial_loglik(X, time, event):
    """Maximised Cox partial log-likelihood, Breslow = Efron without tied times."""
    order = np.argsort(-time)  # longest first: cumulative sums run over each risk set
    X, event = X[order], event[order]

    def negative(beta):
        eta = X @ beta
        log_risk_set = np.logaddexp.accumulate(eta)
        return -np.sum((eta - log_risk_set)[event == 1])

    return -minimize(negative, np.zeros(X.shape[1]), method="BFGS", tol=1e-10).fun


def test_survival_comparison_with_an_informative_score():
    time, event, clinical, molecular = _survival(150, 0, molecular_effect=1.0)
    comparison = compare_survival_models(
        time,
        event,
        clinical=clinical,
        molecular=molecular,
        n_splits=3,
        n_repeats=2,
        random_state=0,
    )
    summary = comparison.summary
    assert comparison.metric == "c_index"
    # Higher predicted hazard = earlier event: a strong score must be well above 0.5.
    assert summary.loc["molecular", "c_index"] > 0.65
    assert summary.loc["combined", "c_index"] > summary.loc["clinical", "c_index"] + 0.03
    assert comparison.tests.loc["combined vs clinical", "p_value"] < 1e-6
    assert summary["df"].tolist() == [2, 1, 3]  # no intercept in a Cox model
    assert summary["n_events"].iloc[0] == event.sum()
    # Partial log-likelihoods agree with an independent maximisation.
    X_clinical = clinical.to_numpy(float)
    X_combined = np.column_stack([X_clinical, molecular.to_numpy()])
    ll_clinical = _partial_loglik(X_clinical, time.to_numpy(), event.to_numpy())
    ll_combined = _partial_loglik(X_combined, time.to_numpy(), event.to_numpy())
    assert summary.loc["clinical", "log_likelihood"] == pytest.approx(ll_clinical, abs=1e-4)
    assert comparison.tests.loc["combined vs clinical", "statistic"] == pytest.approx(
        2 * (ll_combined - ll_clinical), abs=1e-3
    )


def test_survival_comparison_with_a_noise_score():
    time, event, clinical, molecular = _survival(150, 1, molecular_effect=0.0)
    comparison = compare_survival_models(
        time,
        event,
        clinical=clinical,
        molecular=molecular,
        n_splits=3,
        n_repeats=2,
        random_state=0,
    )
    assert comparison.tests.loc["combined vs clinical", "p_value"] > 0.01
    c_index = comparison.summary["c_index"]
    assert c_index["combined"] < c_index["clinical"] + 0.02
    assert json.loads(json.dumps(comparison.to_dict()))["metric"] == "c_index"


def test_survival_input_errors():
    time, event, clinical, molecular = _survival(60, 2, molecular_effect=1.0)
    with pytest.raises(InputError, match="non-negative"):
        compare_survival_models(-time, event, clinical=clinical, molecular=molecular)
    few = event * 0
    few.iloc[:2] = 1
    with pytest.raises(InputError, match="only 2 events"):
        compare_survival_models(time, few, clinical=clinical, molecular=molecular)
