"""cross_validate_survival: C-index, bootstrap interval, permuted null, in-fold risk groups."""

from __future__ import annotations

import json
from typing import ClassVar

import numpy as np
import pandas as pd
import pytest
from lifelines.statistics import logrank_test
from sklearn.base import BaseEstimator
from sksurv.metrics import concordance_index_censored
from sksurv.util import Surv

from oligomet._errors import InputError
from oligomet.evaluation import SurvivalCVResult, cross_validate_survival, plot_km
from oligomet.evaluation._survival import _bootstrap_c, _harrell_c
from oligomet.labels import make_survival
from oligomet.models import PenalisedCox, make_cox_model

FAST = {"n_splits": 3, "n_repeats": 2, "n_bootstrap": 200}


def simulate(n=150, p=30, *, beta=1.0, seed=0):
    """Exponential survival with hazard exp(beta * (x0 - x1)); beta=0 is pure noise."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    hazard = np.exp(beta * (X[:, 0] - X[:, 1]))
    event_time = rng.exponential(1 / hazard)
    censor_time = rng.exponential(2.0, size=n)
    y = Surv.from_arrays(event_time <= censor_time, np.minimum(event_time, censor_time))
    return pd.DataFrame(X, columns=[f"g{i}" for i in range(p)]), y


class FirstColumnRisk(BaseEstimator):
    """Deterministic risk = first feature; records the outcomes it is fitted to."""

    fitted_times: ClassVar[list[np.ndarray]] = []

    def fit(self, X, y):
        FirstColumnRisk.fitted_times.append(np.array(y["time"]))
        self.n_features_in_ = np.shape(X)[1]
        return self

    def predict(self, X):
        return np.asarray(X, dtype=float)[:, 0]

    def score(self, X, y):
        return concordance_index_censored(y["event"], y["time"], self.predict(X))[0]


@pytest.fixture
def fit_log():
    FirstColumnRisk.fitted_times = []
    return FirstColumnRisk.fitted_times


# ------------------------------------------------------------------------------ concordance
def test_harrell_c_by_hand():
    # Pairs (row had the event first): (0,1) tied time, 1 censored -> comparable, risks 1 < 2:
    # discordant; (0,2) 2 < 5 -> comparable, 1 > 0: concordant. Patient 1 is censored and
    # patient 2 has no later patient. C = 1/2.
    time = np.array([2.0, 2.0, 5.0])
    event = np.array([True, False, True])
    assert _harrell_c(time, event, np.array([1.0, 2.0, 0.0])) == 0.5
    # Tied risks count one half: (0,1) tied -> 0.5, (0,2) concordant -> 1. C = 1.5/2.
    assert _harrell_c(time, event, np.array([1.0, 1.0, 0.0])) == 0.75


def test_harrell_c_agrees_with_scikit_survival_on_ties():
    rng = np.random.default_rng(0)
    time = rng.integers(1, 10, 80).astype(float)
    event = rng.random(80) < 0.6
    risk = rng.integers(0, 4, 80).astype(float)
    expected = concordance_index_censored(event, time, risk)[0]
    assert _harrell_c(time, event, risk) == pytest.approx(expected)


def test_weighted_bootstrap_equals_c_of_the_resample():
    rng = np.random.default_rng(1)
    time = rng.integers(1, 8, 40).astype(float)
    event = rng.random(40) < 0.7
    risks = rng.normal(size=(2, 40))
    draws = rng.integers(0, 40, size=(3, 40))
    weights = np.array([np.bincount(d, minlength=40) for d in draws], dtype=float)
    expected = [np.mean([_harrell_c(time[d], event[d], risk[d]) for risk in risks]) for d in draws]
    np.testing.assert_allclose(_bootstrap_c(time, event, risks, weights), expected)


# -------------------------------------------------------------------------------- estimates
def test_high_c_index_on_signal():
    X, y = simulate(seed=0)
    result = cross_validate_survival(
        make_cox_model(list(X.columns)), X, y, n_permutations=3, random_state=0, **FAST
    )
    m = result.metrics
    assert isinstance(result, SurvivalCVResult)
    assert m["c_index"] > 0.7
    assert m["c_index_ci_low"] <= m["c_index"] <= m["c_index_ci_high"]
    assert m["c_index_ci_high"] - m["c_index_ci_low"] < 0.2
    assert m["c_index_fold_mean"] > 0.7
    assert abs(m["null_c_index"] - 0.5) < 0.1
    # No permuted evaluation reaches the real one: p = (0 + 1) / (3 + 1).
    assert m["permutation_p"] == 0.25
    assert m["logrank_p"] < 1e-4
    assert (m["n_samples"], m["n_events"]) == (150, y["event"].sum())
    assert m["n_high"] + m["n_low"] == 150
    assert result.oof_risk.shape == (2, 150)
    assert np.isfinite(result.oof_risk).all()
    assert set(result.selection_frequency.index[:2]) == {"g0", "g1"}
    assert result.selection_frequency.iloc[:2].tolist() == [1.0, 1.0]


def test_c_index_near_one_half_on_noise():
    X, y = simulate(n=120, p=20, beta=0.0, seed=2)
    result = cross_validate_survival(
        make_cox_model(list(X.columns)).set_params(cox__alpha=0.05),
        X,
        y,
        n_permutations=0,
        random_state=0,
        **FAST,
    )
    assert abs(result.metrics["c_index"] - 0.5) < 0.1
    assert "permutation_p" not in result.metrics
    assert result.null_scores.empty


def test_reproducible_with_a_seed():
    X, y = simulate(n=90, p=10, seed=3)
    model = make_cox_model(list(X.columns))
    first = cross_validate_survival(model, X, y, n_permutations=1, random_state=7, **FAST)
    second = cross_validate_survival(model, X, y, n_permutations=1, random_state=7, **FAST)
    assert first.metrics == second.metrics
    np.testing.assert_array_equal(first.oof_risk, second.oof_risk)
    np.testing.assert_array_equal(first.folds, second.folds)
    other = cross_validate_survival(model, X, y, n_permutations=0, random_state=8, **FAST)
    assert not np.array_equal(first.folds, other.folds)


def test_pooled_and_per_fold_c_index(fit_log):
    X, y = simulate(n=60, p=3, seed=4)
    result = cross_validate_survival(
        FirstColumnRisk(), X, y, n_permutations=0, random_state=0, **FAST
    )
    # Risk = x0 in every fold: the pooled out-of-fold C is the C of x0 itself.
    expected = concordance_index_censored(y["event"], y["time"], X["g0"].to_numpy())[0]
    assert result.metrics["c_index"] == pytest.approx(expected)
    per_fold = []
    for repeat in range(2):
        for fold in range(3):
            test = result.folds[repeat] == fold
            per_fold.append(
                concordance_index_censored(
                    y["event"][test], y["time"][test], X["g0"].to_numpy()[test]
                )[0]
            )
    assert result.metrics["c_index_fold_mean"] == pytest.approx(np.mean(per_fold))


# ------------------------------------------------------------------------------ procedures
def test_folds_are_stratified_by_event(fit_log):
    X, y = simulate(n=90, p=3, seed=5)
    result = cross_validate_survival(
        FirstColumnRisk(), X, y, n_permutations=0, random_state=0, **FAST
    )
    n_events = int(y["event"].sum())
    counts = result.fold_scores["n_events_test"]
    assert counts.sum() == 2 * n_events
    assert counts.max() - counts.min() <= 1


def test_risk_groups_use_the_training_fold_median(fit_log):
    X, y = simulate(n=61, p=3, seed=6)
    result = cross_validate_survival(
        FirstColumnRisk(), X, y, n_permutations=0, random_state=0, **FAST
    )
    x0 = X["g0"].to_numpy()
    for repeat in range(2):
        for fold in range(3):
            test = result.folds[repeat] == fold
            cut = np.median(x0[~test])
            np.testing.assert_array_equal(result.oof_group[repeat, test], x0[test] > cut)
            row = result.fold_scores.query("repeat == @repeat and fold == @fold").iloc[0]
            assert row["threshold"] == cut
    high = result.oof_group[0] == 1
    expected = logrank_test(
        y["time"][high], y["time"][~high], y["event"][high], y["event"][~high]
    ).p_value
    assert result.metrics["logrank_p"] == pytest.approx(expected)
    assert result.metrics["n_high"] == high.sum()


def test_permuted_null_refits_on_permuted_outcomes(fit_log):
    X, y = simulate(n=60, p=3, seed=7)
    result = cross_validate_survival(
        FirstColumnRisk(), X, y, n_permutations=2, random_state=0, **FAST
    )
    # 2 repeats x 3 folds for the real evaluation and again for each permutation.
    assert len(fit_log) == 6 * 3
    real = {tuple(np.sort(t)) for t in fit_log[:6]}
    null = {tuple(np.sort(t)) for t in fit_log[6:]}
    # Permuted outcomes: the training folds hold other patients' times.
    assert not null <= real
    assert len(result.null_scores) == 2
    assert result.metrics["permutation_p"] in (1 / 3, 2 / 3, 1.0)


def test_inner_search_records_chosen_parameters():
    X, y = simulate(n=90, p=10, seed=8)
    grid = {"cox__alpha": [0.05, 5.0]}
    result = cross_validate_survival(
        make_cox_model(list(X.columns)),
        X,
        y,
        param_grid=grid,
        n_permutations=0,
        random_state=0,
        **FAST,
    )
    chosen = [json.loads(text)["cox__alpha"] for text in result.fold_scores["params"]]
    # alpha = 5 zeroes every coefficient (inner C 0.5); the signal makes 0.05 win every time.
    assert chosen == [0.05] * 6
    assert (result.fold_scores["inner_c_index"] > 0.6).all()


def test_patients_with_several_samples_stay_together():
    X, y = simulate(n=40, p=3, seed=9)
    # Two samples per patient (a second, noisy measurement), same outcome.
    X2 = pd.concat([X, X + 0.1])
    y2 = np.concatenate([y, y])
    patients = np.tile(np.arange(40), 2)
    result = cross_validate_survival(
        PenalisedCox(alpha=0.1), X2, y2, groups=patients, n_permutations=1, random_state=0, **FAST
    )
    for repeat in range(2):
        assert (result.folds[repeat, :40] == result.folds[repeat, 40:]).all()
    broken = y2.copy()
    broken["time"][40] += 1.0
    with pytest.raises(InputError, match="patient '0' has samples with different survival"):
        cross_validate_survival(PenalisedCox(), X2, broken, groups=patients, **FAST)


def test_survival_target_input_is_matched_by_patient(fit_log):
    X, y = simulate(n=30, p=3, seed=10)
    X.index = [f"p{i}" for i in range(30)]
    clinical = pd.DataFrame({"t": y["time"], "e": y["event"].astype(int)}, index=X.index)
    target = make_survival(clinical.iloc[::-1], time="t", event="e")
    shuffled = X.sample(frac=1.0, random_state=0)
    result = cross_validate_survival(
        FirstColumnRisk(), shuffled, target, n_permutations=0, random_state=0, **FAST
    )
    np.testing.assert_array_equal(result.time, y["time"][::-1])
    expected = concordance_index_censored(y["event"], y["time"], X["g0"].to_numpy())[0]
    assert result.metrics["c_index"] == pytest.approx(expected)
    with pytest.raises(InputError, match="patients of the survival target are absent from X"):
        cross_validate_survival(FirstColumnRisk(), X.iloc[1:], target, **FAST)


def test_design_errors():
    X, y = simulate(n=20, p=3, seed=11)
    few = y.copy()
    few["event"][:] = False
    few["event"][:2] = True
    with pytest.raises(InputError, match=r"fewer events \(2\) than cross-validation folds \(3\)"):
        cross_validate_survival(PenalisedCox(), X, few, **FAST)
    with pytest.raises(InputError, match="structured array"):
        cross_validate_survival(PenalisedCox(), X, y["time"], **FAST)


# ------------------------------------------------------------------------- reports, plots
def test_summary_to_dict_and_plot(fit_log):
    from matplotlib.figure import Figure

    X, y = simulate(n=60, p=3, seed=12)
    result = cross_validate_survival(
        FirstColumnRisk(), X, y, n_permutations=1, random_state=0, **FAST
    )
    summary = result.summary
    assert summary.loc["c_index", "estimate"] == result.metrics["c_index"]
    assert {"c_index_fold_mean", "null_c_index", "permutation_p", "logrank_p"} <= set(summary.index)
    aggregate = json.loads(json.dumps(result.to_dict()))
    assert aggregate["params"]["n_splits"] == 3
    assert len(aggregate["fold_scores"]) == 6
    assert "oof_risk" not in aggregate and "time" not in aggregate

    figure = plot_km(result, title="x0 risk groups")
    assert isinstance(figure, Figure)
    curves = [line for line in figure.axes[0].get_lines() if "risk (n=" in line.get_label()]
    n_high = int(result.metrics["n_high"])
    assert [line.get_label().split(",")[0] for line in curves] == [
        f"high risk (n={n_high}",
        f"low risk (n={60 - n_high}",
    ]


# ------------------------------------------------------------------------------- real data
@pytest.mark.realdata
def test_glioblastoma_overall_survival(shared_data):
    folder = shared_data / "tcga_gbm_mrna_mirna"
    X = pd.read_csv(folder / "GeneExp_1500x100.csv", index_col=0).T
    clinical = pd.read_csv(folder / "survival.csv", index_col=0)
    target = make_survival(clinical, time="time_days", event="status", event_name="death")
    result = cross_validate_survival(
        make_cox_model(list(X.columns)),
        X,
        target,
        n_splits=3,
        n_repeats=2,
        n_permutations=1,
        n_bootstrap=200,
        random_state=0,
    )
    assert np.isfinite(result.metrics["c_index"])
    assert 0.3 < result.metrics["c_index"] < 0.9
    assert (result.metrics["n_samples"], result.metrics["n_events"]) == (100, 96)
