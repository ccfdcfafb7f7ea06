"""PenalisedCox, the univariate Cox screen and the survival pipeline."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sksurv.linear_model import CoxnetSurvivalAnalysis
from sksurv.metrics import concordance_index_censored
from sksurv.util import Surv

from oligomet._errors import InputError
from oligomet.models import (
    COX_PARAM_GRID,
    PenalisedCox,
    UnivariateCoxFilter,
    cox_score_test,
    make_cox_model,
    selected_features,
)


def simulate(n=150, p=50, *, beta=1.0, seed=0):
    """Exponential survival, hazard exp(beta * (x0 - x1)), independent exponential censoring."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    hazard = np.exp(beta * (X[:, 0] - X[:, 1]))
    event_time = rng.exponential(1 / hazard)
    censor_time = rng.exponential(2.0, size=n)
    y = Surv.from_arrays(event_time <= censor_time, np.minimum(event_time, censor_time))
    return pd.DataFrame(X, columns=[f"g{i}" for i in range(p)]), y


def harrell(model, X, y) -> float:
    return concordance_index_censored(y["event"], y["time"], model.predict(X))[0]


# ------------------------------------------------------------------------- hand-worked cases
def test_score_test_by_hand():
    # Times 1, 2, 3, all events, x = (1, 0, -1). Risk sets {1,2,3}, {2,3}, {3}:
    # U = (1 - 0) + (0 - (-0.5)) + (-1 - (-1)) = 1.5; I = 2/3 + 1/4 + 0 = 11/12.
    X = np.array([[1.0], [0.0], [-1.0]])
    y = Surv.from_arrays([True, True, True], [1.0, 2.0, 3.0])
    score, z = cox_score_test(X, y)
    assert score[0] == pytest.approx(1.5)
    assert z[0] == pytest.approx(1.5 / np.sqrt(11 / 12))


def test_alpha_max_by_hand_and_all_zero_above_it():
    # Standardised x = (1, 0, -1) / sqrt(2/3), so U = 1.5 / sqrt(2/3) and, with n = 3 and
    # l1_ratio = 0.5, alpha_max = U / (3 * 0.5) = sqrt(1.5) = 1.2247.
    X = np.array([[1.0], [0.0], [-1.0]])
    y = Surv.from_arrays([True, True, True], [1.0, 2.0, 3.0])
    above = PenalisedCox(alpha=1.3, l1_ratio=0.5).fit(X, y)
    assert above.alpha_max_ == pytest.approx(np.sqrt(1.5))
    assert above.coef_.tolist() == [0.0]
    assert above.selected_features_.size == 0
    below = PenalisedCox(alpha=1.0, l1_ratio=0.5).fit(X, y)
    # Higher x, earlier event: a positive log hazard ratio.
    assert below.coef_[0] > 0


def test_same_optimum_as_scikit_survival_cold_start():
    X, y = simulate(n=120, p=8, seed=3)
    model = PenalisedCox(alpha=0.05, l1_ratio=0.7, tol=1e-10).fit(X, y)
    scaled = StandardScaler().fit_transform(X)
    reference = CoxnetSurvivalAnalysis(alphas=[0.05], l1_ratio=0.7, tol=1e-10).fit(scaled, y)
    expected = reference.coef_[:, 0] / X.std(axis=0, ddof=0).to_numpy()
    np.testing.assert_allclose(model.coef_, expected, rtol=1e-4, atol=1e-6)


def test_shift_and_scale_invariance():
    X, y = simulate(n=100, p=5, seed=4)
    model = PenalisedCox(alpha=0.05).fit(X, y)
    shifted = PenalisedCox(alpha=0.05).fit(X + 7.0, y)
    np.testing.assert_allclose(shifted.coef_, model.coef_, rtol=1e-6, atol=1e-9)
    scaled = PenalisedCox(alpha=0.05).fit(X * 10.0, y)
    np.testing.assert_allclose(scaled.coef_ * 10.0, model.coef_, rtol=1e-6, atol=1e-9)
    # The risk score is the uncentred linear predictor.
    np.testing.assert_allclose(model.predict(X), X.to_numpy() @ model.coef_)


# ------------------------------------------------------------------------------- recovery
def test_recovers_the_informative_features():
    X, y = simulate(seed=0)
    model = PenalisedCox(alpha=0.1, l1_ratio=0.9).fit(X, y)
    assert model.coef_[0] > 0.3
    assert model.coef_[1] < -0.3
    assert {"g0", "g1"} <= set(model.selected_features_)
    # The informative ones dominate: every noise coefficient is smaller than both.
    assert np.abs(model.coef_[2:]).max() < min(abs(model.coef_[0]), abs(model.coef_[1]))
    X_test, y_test = simulate(seed=1)
    assert model.score(X_test, y_test) > 0.7
    assert model.score(X_test, y_test) == pytest.approx(harrell(model, X_test, y_test))


def test_feature_names_from_arrays():
    X, y = simulate(n=100, p=5, seed=2)
    model = PenalisedCox(alpha=0.1, l1_ratio=0.9).fit(X.to_numpy(), y)
    assert model.selected_features_.tolist()[:2] == ["x0", "x1"]
    assert not hasattr(model, "feature_names_in_")


def test_univariate_filter_keeps_the_strongest():
    X, y = simulate(seed=5)
    screen = UnivariateCoxFilter(k=2).fit(X, y)
    assert screen.get_feature_names_out().tolist() == ["g0", "g1"]
    assert screen.z_[0] > 3 and screen.z_[1] < -3
    assert screen.transform(X).shape == (150, 2)


# ------------------------------------------------------------------------ pipeline, search
def test_pipeline_by_name_and_selected_features():
    X, y = simulate(seed=0)
    pipeline = make_cox_model(list(X.columns), n_select=10)
    assert [name for name, _ in pipeline.steps] == [
        "align",
        "log",
        "variance",
        "scale",
        "select",
        "cox",
    ]
    pipeline.set_params(cox__l1_ratio=0.9).fit(X, y)
    used = selected_features(pipeline)
    assert {"g0", "g1"} <= set(used)
    # Columns matched by name: a reordered table gives the same risks.
    reordered = X[X.columns[::-1]]
    np.testing.assert_allclose(pipeline.predict(reordered), pipeline.predict(X))
    X_test, y_test = simulate(seed=1)
    assert pipeline.score(X_test, y_test) > 0.7


def test_pipeline_risk_is_not_shifted_by_training_means():
    # Pooling out-of-fold scores needs folds whose scores are not offset by their own means.
    X, y = simulate(n=100, p=5, seed=6)
    pipeline = make_cox_model(list(X.columns)).fit(X, y)
    coef = pipeline.named_steps["cox"].coef_ / pipeline.named_steps["scale"].scale_
    np.testing.assert_allclose(pipeline.predict(X), X.to_numpy() @ coef)


def test_grid_search_scores_by_c_index():
    X, y = simulate(seed=0)
    search = GridSearchCV(
        make_cox_model(list(X.columns)),
        COX_PARAM_GRID,
        cv=KFold(3, shuffle=True, random_state=0),
    ).fit(X, y)
    assert search.best_params_["cox__alpha"] in COX_PARAM_GRID["cox__alpha"]
    assert search.best_params_["cox__l1_ratio"] in COX_PARAM_GRID["cox__l1_ratio"]
    assert 0.7 < search.best_score_ < 1.0
    X_test, y_test = simulate(seed=1)
    assert search.score(X_test, y_test) > 0.7


def test_bare_estimator_in_a_pipeline_after_other_steps():
    X, y = simulate(n=100, p=10, seed=7)
    pipeline = Pipeline([("scale", StandardScaler()), ("cox", PenalisedCox(standardize=False))])
    fitted = clone(pipeline).fit(X, y)
    assert fitted.score(X, y) == pytest.approx(harrell(fitted, X, y))


# ---------------------------------------------------------------------------------- errors
def test_clear_errors():
    X, y = simulate(n=30, p=3, seed=8)
    with pytest.raises(InputError, match="structured array"):
        PenalisedCox().fit(X, y["time"])
    no_events = Surv.from_arrays(np.zeros(30, dtype=bool), y["time"], "event", "time")
    with pytest.raises(InputError, match="none of the 30 samples has an event"):
        PenalisedCox().fit(X, no_events)
    # scikit-learn's parameter validation, as the InputError the command line prints.
    with pytest.raises(InputError, match=r"'alpha' parameter of PenalisedCox must be .* \(0.0, "):
        PenalisedCox(alpha=0).fit(X, y)
    with pytest.raises(InputError, match=r"'l1_ratio' parameter .* range \(0.0, 1.0\]. Got 1.5"):
        PenalisedCox(l1_ratio=1.5).fit(X, y)
    with pytest.raises(InputError, match="X has 30 samples but y has 29"):
        PenalisedCox().fit(X, y[:29])
    with pytest.raises(InputError, match="n_select must be a whole number"):
        make_cox_model(list(X.columns), n_select=0)
