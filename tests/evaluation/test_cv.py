import numpy as np
import pandas as pd
import pytest
from sklearn.feature_selection import SelectKBest, f_classif
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from oligomet import InputError
from oligomet.datasets import make_cohort
from oligomet.evaluation import cross_validate, plot_roc
from oligomet.evaluation._cv import METRICS, _auc_by_rank
from oligomet.models import make_model


@pytest.fixture(scope="module")
def informative():
    expression, clinical = make_cohort(
        n_samples=80, n_features=60, n_informative=8, effect_size=1.5, random_state=3
    )
    return expression, clinical["label"].to_numpy()


def test_rank_auc_matches_sklearn_with_ties():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 50)
    scores = np.round(rng.normal(size=50), 1)  # many ties
    assert _auc_by_rank(y, scores) == pytest.approx(roc_auc_score(y, scores))


def test_signal_is_found_and_permuted_labels_score_chance(informative):
    X, y = informative
    model = make_model("logistic_enet", X.columns, random_state=0)
    result = cross_validate(
        model, X, y, n_splits=5, n_repeats=2, n_permutations=4, n_bootstrap=200, random_state=0
    )
    m = result.metrics
    assert m["roc_auc"] > 0.85
    assert m["roc_auc_ci_low"] < m["roc_auc"] < m["roc_auc_ci_high"]
    assert abs(m["null_roc_auc"] - 0.5) < 0.12
    assert m["permutation_p"] == pytest.approx(1 / 5)
    assert len(result.fold_scores) == 10
    assert {"threshold", "params", "inner_roc_auc", *METRICS} <= set(result.fold_scores.columns)
    assert result.oof_proba.shape == (2, 80) and not np.isnan(result.oof_proba).any()
    assert list(result.summary.index) == [*METRICS, "null_roc_auc", "permutation_p"]
    assert plot_roc(result).axes  # draws without error


def test_one_seed_fixes_every_number(informative):
    X, y = informative
    model = make_model("logistic_enet", X.columns, random_state=0)
    first, second, other = (
        cross_validate(model, X, y, n_repeats=2, n_permutations=1, n_bootstrap=100, random_state=s)
        for s in (7, 7, 8)
    )
    assert first.metrics == second.metrics
    np.testing.assert_array_equal(first.oof_proba, second.oof_proba)
    assert first.metrics != other.metrics


def test_single_class_is_refused(informative):
    X, _ = informative
    with pytest.raises(InputError, match="one class"):
        cross_validate(LogisticRegression(), X, np.zeros(len(X), int))


def test_fewer_samples_than_folds_is_refused(informative):
    X, _ = informative
    y = np.zeros(len(X), int)
    y[:3] = 1
    with pytest.raises(InputError, match=r"fewer samples than folds.*positive class has 3"):
        cross_validate(LogisticRegression(), X, y, n_splits=5)


def test_groups_keep_a_patients_samples_in_one_fold(informative):
    X, y = informative
    groups = np.repeat(np.arange(40), 2)
    y = y[::2].repeat(2)
    result = cross_validate(
        make_model("logistic_enet", X.columns),
        X,
        y,
        groups=groups,
        n_repeats=1,
        n_permutations=0,
        n_bootstrap=50,
        random_state=0,
    )
    assert result.params["grouped"] and "null_roc_auc" not in result.metrics


@pytest.fixture(scope="module")
def van_t_veer(shared_data):
    table = pd.read_csv(shared_data / "van_t_veer_78" / "vdv.csv.gz", index_col=0)
    y = table.pop("event").to_numpy()
    table.pop("time")
    return table, y


@pytest.mark.realdata
@pytest.mark.slow
def test_van_t_veer_permuted_labels_average_chance(van_t_veer):
    """Done-when: the null AUC averages 0.5 +/- 0.06 over 5 seeds (everything refitted in-fold)."""
    X, y = van_t_veer
    model = make_model("logistic_enet", X.columns, random_state=0)
    null = [
        cross_validate(
            model, X, y, n_repeats=2, n_permutations=4, n_bootstrap=50, random_state=seed, n_jobs=2
        ).metrics["null_roc_auc"]
        for seed in range(5)
    ]
    assert abs(np.mean(null) - 0.5) <= 0.06, null


@pytest.mark.realdata
@pytest.mark.slow
def test_selecting_genes_before_the_split_inflates_permuted_labels(van_t_veer):
    """The guard can fail: choosing genes on all samples scores far above chance on noise."""
    X, y = van_t_veer
    y_null = np.random.default_rng(0).permutation(y)
    honest = make_pipeline(StandardScaler(), SelectKBest(f_classif, k=70), LogisticRegression())
    leaky_genes = SelectKBest(f_classif, k=70).fit(X, y_null).get_support()
    leaky = make_pipeline(StandardScaler(), LogisticRegression())
    settings = dict(n_repeats=2, n_permutations=0, n_bootstrap=50, random_state=0)
    honest_auc = cross_validate(honest, X, y_null, **settings).metrics["roc_auc"]
    leaky_auc = cross_validate(leaky, X.loc[:, leaky_genes], y_null, **settings).metrics["roc_auc"]
    assert abs(honest_auc - 0.5) < 0.15
    assert leaky_auc > 0.85
    assert leaky_auc - honest_auc > 0.3


def test_group_permutation_moves_a_patients_samples_together():
    from oligomet.evaluation._cv import _permute

    rng = np.random.default_rng(0)
    groups = np.repeat(np.arange(10), 3)
    y = np.repeat(np.r_[np.ones(4, int), np.zeros(6, int)], 3)
    permuted = _permute(y, groups, rng)
    assert permuted.sum() == y.sum()
    assert all(np.unique(permuted[groups == g]).size == 1 for g in range(10))
    with pytest.raises(InputError, match="per patient"):
        _permute(np.r_[1, 0, np.zeros(28, int)], groups, rng)
