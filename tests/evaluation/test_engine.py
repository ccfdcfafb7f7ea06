"""One nested cross-validation engine for every task; the paired test of two models."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from oligomet import InputError
from oligomet.datasets import make_cohort
from oligomet.evaluation import (
    BinaryTask,
    CrossValidationResult,
    SurvivalTask,
    cross_validate,
    cross_validate_survival,
    nested_cross_validate,
    paired_comparison,
)
from oligomet.evaluation._engine import FoldOutput
from oligomet.labels import make_survival
from oligomet.models import PenalisedCox

FAST = dict(n_splits=3, n_repeats=2, n_bootstrap=200)


def logistic(C=1.0):
    return make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=5000))


@pytest.fixture(scope="module")
def cohort():
    expression, clinical = make_cohort(
        n_samples=90, n_features=30, n_informative=5, effect_size=1.2, random_state=5
    )
    return expression, clinical


def test_the_classification_wrapper_is_the_engine_with_a_binary_task(cohort):
    X, clinical = cohort
    y = clinical["label"].to_numpy()
    model = logistic(C=0.5)
    wrapped = cross_validate(model, X, y, n_permutations=2, random_state=3, **FAST)
    task = BinaryTask(y, class_names=("negative", "positive"))
    direct = nested_cross_validate(model, X, task, n_permutations=2, random_state=3, **FAST)
    assert isinstance(direct, CrossValidationResult)
    assert wrapped.metrics == direct.metrics
    pd.testing.assert_frame_equal(wrapped.fold_scores, direct.fold_scores)
    pd.testing.assert_frame_equal(wrapped.null_scores, direct.null_scores)


def test_the_survival_wrapper_is_the_same_engine_with_a_survival_task():
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(80, 6)), columns=[f"g{i}" for i in range(6)])
    time = np.exp(-X["g0"].to_numpy() + rng.normal(scale=0.5, size=80)) * 10
    event = rng.random(80) < 0.7
    clinical = pd.DataFrame({"time": time, "event": event.astype(int)}, index=X.index)
    target = make_survival(clinical, time="time", event="event")
    model = PenalisedCox(alpha=0.1)
    wrapped = cross_validate_survival(model, X, target, n_permutations=1, random_state=1, **FAST)
    X_task, task = SurvivalTask.from_target(target, X)
    direct = nested_cross_validate(model, X_task, task, n_permutations=1, random_state=1, **FAST)
    assert wrapped.metrics == direct.metrics and wrapped.metrics["c_index"] > 0.6
    np.testing.assert_array_equal(wrapped.oof_risk, direct.oof_risk)


class RankTask:
    """A continuous target scored by Spearman's rho: a task the engine was not written for."""

    score = "spearman"
    null_columns = ("spearman",)

    def __init__(self, y):
        self.y = np.asarray(y, dtype=float)

    @property
    def n_samples(self):
        return self.y.size

    def align(self, X):
        return pd.DataFrame(np.asarray(X, dtype=float)), self

    def check(self, n_splits):
        if self.y.size < n_splits:
            raise InputError("too few samples")

    def splits(self, n_splits, seed):
        order = np.random.default_rng(seed).permutation(self.y.size)
        folds = np.array_split(order, n_splits)
        return [(np.setdiff1d(order, test), np.sort(test)) for test in folds]

    def fit_fold(self, estimator, X, train, test, *, seed, options, record):
        model = estimator.fit(X.iloc[train], self.y[train])
        scores = model.predict(X.iloc[test])
        row = {"spearman": spearmanr(self.y[test], scores).statistic}
        return FoldOutput(scores, np.zeros(test.size, int), row, None)

    def summarise(self, scores, calls, fold_scores, *, n_bootstrap, confidence, rng):
        return {"spearman": float(np.mean([spearmanr(self.y, s).statistic for s in scores]))}

    def permuted(self, rng):
        return RankTask(rng.permutation(self.y))

    def null_scores(self, scores, calls):
        return self.summarise(scores, calls, None, n_bootstrap=0, confidence=0, rng=None)

    def describe(self, scores, calls):
        return {}

    def settings(self):
        return {}

    def result(self, **fields):
        return fields


def test_a_new_task_needs_no_change_to_the_engine():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(60, 4))
    y = X[:, 0] * 2 + rng.normal(size=60)
    result = nested_cross_validate(
        Ridge(), X, RankTask(y), n_permutations=4, random_state=0, **FAST
    )
    metrics = result["metrics"]
    assert metrics["spearman"] > 0.7 and abs(metrics["null_spearman"]) < 0.3
    assert metrics["permutation_p"] == pytest.approx(1 / 5)
    assert result["scores"].shape == (2, 60) and len(result["fold_scores"]) == 6


def _two_models(cohort, strong_C=1.0, seed=0):
    X, clinical = cohort
    y = clinical["label"].to_numpy()
    informative = cross_validate(
        logistic(strong_C), X, y, n_permutations=0, random_state=seed, **FAST
    )
    noise = pd.DataFrame(np.random.default_rng(9).normal(size=X.shape), index=X.index)
    uninformative = cross_validate(
        logistic(), noise, y, n_permutations=0, random_state=seed, **FAST
    )
    return informative, uninformative


def test_the_paired_test_finds_a_real_difference_and_no_difference_in_a_model_with_itself(cohort):
    informative, uninformative = _two_models(cohort)
    test = paired_comparison(informative, uninformative, names=("signal", "noise"))
    assert test.metric == "roc_auc" and (test.first, test.second) == ("signal", "noise")
    assert test.difference == pytest.approx(test.estimate_first - test.estimate_second)
    assert test.difference > 0.25 and test.ci_low > 0 and test.p_value < 0.01
    itself = paired_comparison(informative, informative)
    assert itself.difference == 0 and itself.ci_low == itself.ci_high == 0
    assert itself.p_value == 1.0


def test_the_paired_test_refuses_results_on_other_folds(cohort):
    informative, _ = _two_models(cohort)
    other_seed, _ = _two_models(cohort, seed=1)
    with pytest.raises(InputError, match="not evaluated on the same samples and folds"):
        paired_comparison(informative, other_seed)
