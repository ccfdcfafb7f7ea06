"""The fast paths of the nested cross-validation give the numbers of the plain computation.

Per-sample steps applied once per cohort, the steps before the classifier fitted once per inner
fold, scikit-learn's per-fit checks skipped after one check at entry, several worker processes:
each must leave every out-of-fold prediction and every fold score exactly as fitting every step
every time would. The elastic-net solver that replaced SAGA must give SAGA's model at the
optimum, and out-of-fold AUCs within 0.005 of the SAGA pipeline's.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.preprocessing import StandardScaler

from oligomet.datasets import load_gse7390, make_cohort
from oligomet.evaluation import BinaryTask, SurvivalTask, nested_cross_validate
from oligomet.evaluation._steps import plain_fits
from oligomet.labels import make_survival
from oligomet.models import ElasticNetLogistic, make_model, param_grid

SETTINGS = dict(n_splits=3, n_repeats=2, n_permutations=1, n_bootstrap=50, random_state=4)
MIR200 = ["hsa-miR-200c-3p", "hsa-miR-200a-3p", "hsa-miR-200b-3p", "hsa-miR-141-3p"]


@pytest.fixture(scope="module")
def two_views():
    """A raw-count miRNA view (log2 CPM in the head) beside a log-scale view."""
    counts, clinical = make_cohort(
        n_samples=70, n_features=30, n_informative=6, kind="counts", feature_prefix="mir",
        informative_names=MIR200, random_state=1,
    )  # fmt: skip
    logs, _ = make_cohort(
        n_samples=70, n_features=25, n_informative=4, feature_prefix="gene", random_state=2
    )
    X = pd.concat([counts, logs], axis=1)
    views = [("mirna", "log2cpm", 0, 30), ("mrna", "none", 30, 55)]
    return X, clinical, views


def _evaluate(name, X, y, views, **settings):
    model = make_model(name, X.columns, views=views, random_state=0)
    task = BinaryTask(y)
    return nested_cross_validate(model, X, task, param_grid=param_grid(name), **settings)


FAMILIES = [
    "logistic_enet",
    "linear_svm",
    "shrunken_centroid",
    "knn",
    "mir200c",
    "signature:mir200_family",
    "recipe:wuttig11",
    "xgboost",
]


@pytest.mark.parametrize("name", FAMILIES)
def test_the_shortcuts_change_no_number(two_views, name, monkeypatch):
    X, clinical, views = two_views
    y = clinical["label"].to_numpy()
    # Warm starts along C change the inner fits by the solver's tolerance, not exactly: the
    # solver is compared with SAGA below; here every other shortcut, to the last bit.
    monkeypatch.setattr(ElasticNetLogistic, "_path_parameter", None)
    fast = _evaluate(name, X, y, views, **SETTINGS)
    with plain_fits():
        plain = _evaluate(name, X, y, views, **SETTINGS)
    np.testing.assert_array_equal(fast.oof_proba, plain.oof_proba)
    pd.testing.assert_frame_equal(fast.fold_scores, plain.fold_scores)
    pd.testing.assert_frame_equal(fast.null_scores, plain.null_scores)
    assert fast.metrics == plain.metrics
    pd.testing.assert_frame_equal(fast.selection, plain.selection)


@pytest.mark.slow
def test_random_forest_too(two_views):
    X, clinical, views = two_views
    y = clinical["label"].to_numpy()
    settings = {**SETTINGS, "n_permutations": 0, "n_repeats": 1}
    fast = _evaluate("random_forest", X, y, views, **settings)
    with plain_fits():
        plain = _evaluate("random_forest", X, y, views, **settings)
    np.testing.assert_array_equal(fast.oof_proba, plain.oof_proba)


def test_survival_models_too(two_views):
    X, clinical, views = two_views
    target = make_survival(clinical, time="time", event="event")
    model = make_model("cox_enet", X.columns, views=views)
    X_task, task = SurvivalTask.from_target(target, X)
    fast = nested_cross_validate(model, X_task, task, param_grid=param_grid("cox_enet"), **SETTINGS)
    with plain_fits():
        plain = nested_cross_validate(
            model, X_task, task, param_grid=param_grid("cox_enet"), **SETTINGS
        )
    np.testing.assert_array_equal(fast.oof_risk, plain.oof_risk)
    assert fast.metrics == plain.metrics
    pd.testing.assert_frame_equal(fast.selection, plain.selection)


def test_warm_starts_along_c_stay_within_the_solver_tolerance(two_views):
    X, clinical, views = two_views
    y = clinical["label"].to_numpy()
    warm = _evaluate("logistic_enet", X, y, views, **SETTINGS)
    with plain_fits():  # cold starts
        cold = _evaluate("logistic_enet", X, y, views, **SETTINGS)
    np.testing.assert_allclose(warm.oof_proba, cold.oof_proba, atol=1e-6)


def test_more_worker_processes_change_nothing(two_views):
    X, clinical, views = two_views
    y = clinical["label"].to_numpy()
    one = _evaluate("logistic_enet", X, y, views, n_jobs=1, **SETTINGS)
    two = _evaluate("logistic_enet", X, y, views, n_jobs=2, **SETTINGS)
    np.testing.assert_array_equal(one.oof_proba, two.oof_proba)
    pd.testing.assert_frame_equal(one.null_scores, two.null_scores)
    assert one.metrics == two.metrics


def _gse7390_labelled():
    from oligomet.labels import make_labels

    expression, clinical = load_gse7390(as_frame=True)
    labels = make_labels(
        clinical,
        column="distant_metastasis",
        time="time_to_distant_metastasis_years",
        horizon=5,
    )
    return expression.loc[labels.y.index], labels.y.to_numpy()


@pytest.fixture(scope="module")
def gse7390():
    X, y = _gse7390_labelled()
    return StandardScaler().fit_transform(X.to_numpy()), y


@pytest.mark.parametrize("C", [0.01, 0.1, 1.0])
@pytest.mark.parametrize("l1_ratio", [0.2, 0.8])
def test_the_solver_reaches_saga_s_optimum(gse7390, C, l1_ratio):
    X, y = gse7390
    saga = LogisticRegression(
        C=C, l1_ratio=l1_ratio, solver="saga", tol=1e-12, max_iter=1_000_000,
        class_weight="balanced", random_state=0,
    ).fit(X, y)  # fmt: skip
    ours = ElasticNetLogistic(C=C, l1_ratio=l1_ratio).fit(X, y)
    if not np.any(saga.coef_):  # nothing selected: SAGA's intercept stops short of 0, the optimum
        assert not np.any(ours.coef_) and ours.intercept_[0] == 0.0
        return
    np.testing.assert_allclose(ours.coef_, saga.coef_, atol=1e-6)
    np.testing.assert_allclose(ours.intercept_, saga.intercept_, atol=1e-6)
    assert ((ours.coef_ == 0) == (saga.coef_ == 0)).all()


def _saga_pipeline(name, columns):
    model = make_model(name, columns, random_state=0)
    classifier = LogisticRegression(
        C=0.1, l1_ratio=0.5, solver="saga", max_iter=10_000, class_weight="balanced",
        random_state=0,
    )  # fmt: skip
    model.steps[-1] = ("classifier", classifier)
    return model


@pytest.mark.slow
@pytest.mark.parametrize("cohort", ["gse7390", "van_t_veer"])
def test_every_out_of_fold_auc_stays_within_0005_of_the_saga_pipeline(cohort, request):
    if cohort == "gse7390":
        X, y = _gse7390_labelled()
    else:
        from oligomet.labels import make_labels

        table = pd.read_csv(
            request.getfixturevalue("shared_data") / "van_t_veer_78" / "vdv.csv.gz", index_col=0
        )
        labels = make_labels(table, column="event", time="time", horizon=5)
        X, y = table.drop(columns=["time", "event"]).loc[labels.y.index], labels.y.to_numpy()
    settings = dict(n_splits=5, n_repeats=5, n_permutations=0, n_bootstrap=10, random_state=0)
    grid = param_grid("logistic_enet")
    ours = nested_cross_validate(
        make_model("logistic_enet", X.columns, random_state=0), X, BinaryTask(y),
        param_grid=grid, **settings,
    )  # fmt: skip
    saga = nested_cross_validate(
        _saga_pipeline("logistic_enet", X.columns), X, BinaryTask(y), param_grid=grid, **settings
    )
    for repeat in range(5):
        ours_auc = roc_auc_score(y, ours.oof_proba[repeat])
        saga_auc = roc_auc_score(y, saga.oof_proba[repeat])
        assert abs(ours_auc - saga_auc) <= 0.005, (repeat, ours_auc, saga_auc)
    assert abs(ours.metrics["roc_auc"] - saga.metrics["roc_auc"]) <= 0.005
