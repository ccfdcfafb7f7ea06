"""The model zoo: every family builds, fits inside a pipeline, tunes and reports its features."""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.metrics import roc_auc_score

from oligomet import InputError
from oligomet.datasets import make_cohort
from oligomet.models import (
    MODELS,
    BalancedXGBClassifier,
    ColumnSelector,
    available_models,
    make_model,
    model_inputs,
    param_grid,
    selected_features,
)
from oligomet.pp import DifferentialExpressionFilter

FAMILIES = [
    "logistic_enet",
    "linear_svm",
    "random_forest",
    "xgboost",
    "shrunken_centroid",
    "knn",
    "recipe:wuttig11",
]


@pytest.fixture(scope="module")
def cohort():
    expression, clinical = make_cohort(
        n_samples=90, n_features=150, n_informative=6, effect_size=2.0, random_state=11
    )
    return expression, clinical["label"].to_numpy()


def test_the_zoo_lists_every_family_of_the_issue():
    names = set(available_models())
    assert set(FAMILIES) | {"mir200c"} <= names
    assert any(name.startswith("signature:") for name in names)


@pytest.mark.parametrize("name", FAMILIES)
def test_each_family_learns_a_strong_signal_on_held_out_samples(name, cohort):
    X, y = cohort
    model = make_model(name, X.columns, random_state=0)
    assert model.steps[-1][0] == "classifier"
    train, test = np.arange(60), np.arange(60, 90)
    model.fit(X.iloc[train], y[train])
    proba = model.predict_proba(X.iloc[test])[:, 1]
    assert roc_auc_score(y[test], proba) > 0.8
    # Columns are matched by name: shuffled columns give the same predictions.
    shuffled = X.iloc[test].sample(frac=1.0, axis=1, random_state=0)
    np.testing.assert_allclose(model.predict_proba(shuffled)[:, 1], proba)


@pytest.mark.parametrize("name", [*FAMILIES, "mir200c"])
def test_default_search_spaces_name_real_parameters(name):
    features = ["hsa-mir-200c", *(f"g{i}" for i in range(30))]
    model = make_model(name, features)
    grid = param_grid(name) or {}
    assert set(grid) <= set(model.get_params())
    assert all(len(values) >= 2 for values in grid.values())


@pytest.mark.parametrize("name", FAMILIES)
def test_the_same_seed_gives_the_same_model(name, cohort):
    X, y = cohort
    first = make_model(name, X.columns, random_state=3).fit(X, y).predict_proba(X)
    second = make_model(name, X.columns, random_state=3).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(first, second)


def test_selected_features_follow_selection_and_sparsity(cohort):
    X, y = cohort
    informative = [f"gene{i:03d}" for i in range(1, 7)]
    enet = make_model("logistic_enet", X.columns, n_select=20).fit(X, y)
    chosen = selected_features(enet)
    assert 0 < len(chosen) <= 20
    assert set(informative) <= set(chosen)
    # Coefficients zeroed by the L1 part are not "used".
    coef = enet.named_steps["classifier"].coef_.ravel()
    assert len(chosen) == int(np.count_nonzero(coef))
    wuttig = make_model("recipe:wuttig11", X.columns).fit(X, y)
    assert len(selected_features(wuttig)) == 11
    assert set(informative) <= set(selected_features(wuttig))
    knn = make_model("knn", X.columns).fit(X, y)
    assert len(selected_features(knn)) == 50  # k-NN uses every selected feature


def test_shrunken_centroid_threshold_selects_features(cohort):
    X, y = cohort
    small = make_model("shrunken_centroid", X.columns).set_params(classifier__shrink_threshold=0.5)
    large = clone(small).set_params(classifier__shrink_threshold=4.0)
    n_small = len(selected_features(small.fit(X, y)))
    n_large = len(selected_features(large.fit(X, y)))
    assert 0 < n_large < n_small <= X.shape[1]


def test_l1_and_no_selection(cohort):
    X, y = cohort
    l1 = make_model("linear_svm", X.columns, selection="l1", n_select=10).fit(X, y)
    assert len(selected_features(l1)) == 10
    full = make_model("linear_svm", X.columns, selection="none").fit(X, y)
    assert len(selected_features(full)) == X.shape[1]
    with pytest.raises(InputError, match="unknown feature selection 'lasso'"):
        make_model("knn", X.columns, selection="lasso")


def test_unknown_model_names_the_choices():
    with pytest.raises(InputError, match=r"unknown model 'svm'.*linear_svm.*signature:NAME"):
        make_model("svm", ["a", "b"])


def test_model_inputs_of_a_marker_keep_a_count_view_whole():
    names = ["hsa-mir-21", "hsa-mir-200c", "GENE1"]
    views = [("mirna", "log2cpm", 0, 2), ("rna", "none", 2, 3)]
    kept, new_views = model_inputs("mir200c", names, views)
    assert kept == ["hsa-mir-21", "hsa-mir-200c"]
    assert new_views == [("mirna", "log2cpm", 0, 2)]
    kept, _ = model_inputs("mir200c", names, [("mirna", "log2", 0, 2), ("rna", "none", 2, 3)])
    assert kept == ["hsa-mir-200c"]
    assert model_inputs("knn", names, views)[0] == names


def test_differential_expression_filter_by_hand():
    # Feature 0: clear shift; feature 1: constant; feature 2: small shift with noise.
    X = np.array(
        [
            [0.0, 1.0, 0.0],
            [0.2, 1.0, 1.0],
            [0.1, 1.0, 0.5],
            [2.0, 1.0, 0.9],
            [2.2, 1.0, 0.1],
            [2.1, 1.0, 1.2],
        ]
    )
    y = np.array([0, 0, 0, 1, 1, 1])
    screen = DifferentialExpressionFilter(k=1).fit(X, y)
    np.testing.assert_array_equal(screen.get_support(), [True, False, False])
    # Welch t of feature 0: means 0.1 vs 2.1, both sd 0.1 -> t = 2 / sqrt(0.01/3 * 2) = 24.49
    assert screen.statistics_[0] == pytest.approx(2.0 / np.sqrt(2 * 0.01 / 3))
    assert np.isnan(screen.pvalues_[1])
    # A constant feature is never selected, even when k asks for all.
    assert DifferentialExpressionFilter(k=3).fit(X, y).get_support().tolist() == [True, False, True]
    with pytest.raises(InputError, match="at least 2 classes"):
        DifferentialExpressionFilter().fit(X, np.zeros(6))


def test_balanced_xgboost_weights_the_minority_class():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 3))
    y = (np.arange(100) < 20).astype(int)
    model = BalancedXGBClassifier(n_estimators=5, random_state=0).fit(X, y)
    assert model.booster_.get_params()["scale_pos_weight"] == pytest.approx(80 / 20)
    plain = BalancedXGBClassifier(n_estimators=5, balance=False, random_state=0).fit(X, y)
    assert plain.booster_.get_params()["scale_pos_weight"] == 1.0


def test_column_selector_keeps_order_and_names():
    X = pd.DataFrame(np.arange(12.0).reshape(3, 4), columns=list("abcd"))
    selector = ColumnSelector(indices=[2, 0], names=["c", "a"]).fit(X)
    np.testing.assert_array_equal(selector.transform(X), X[["c", "a"]].to_numpy())
    assert selector.get_feature_names_out().tolist() == ["c", "a"]


def test_model_descriptions_are_informative():
    for name, spec in MODELS.items():
        assert spec.name == name
        assert len(spec.description) > 40
