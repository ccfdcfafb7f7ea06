"""The same numbers wherever the folds run: in-process, local worker processes, a Dask
LocalCluster of one or two workers; and the same saved model from the command line."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from oligomet.datasets import make_cohort
from oligomet.evaluation import BinaryTask, nested_cross_validate
from oligomet.models import make_model, param_grid
from oligomet.parallel import DaskExecutor, LocalExecutor

pytest.importorskip("dask.distributed", reason='the Dask backend is an extra: "oligomet[dask]"')

pytestmark = pytest.mark.slow

SETTINGS = dict(n_splits=3, n_repeats=2, n_permutations=3, n_bootstrap=100, random_state=7)


@pytest.fixture(scope="module")
def cohort():
    X, clinical = make_cohort(n_samples=60, n_features=40, n_informative=5, random_state=3)
    return X, clinical["label"].to_numpy()


@pytest.fixture(scope="module")
def clusters():
    """LocalClusters of 1 and 2 worker processes (started once: ~10 s each)."""
    with DaskExecutor(n_workers=1) as one, DaskExecutor(n_workers=2) as two:
        yield {1: one, 2: two}


def _evaluate(cohort, executor, progress=None):
    X, y = cohort
    model = make_model("logistic_enet", X.columns, random_state=0)
    return nested_cross_validate(
        model,
        X,
        BinaryTask(y),
        param_grid=param_grid("logistic_enet"),
        executor=executor,
        progress=progress,
        **SETTINGS,
    )


def _same(a, b) -> None:
    assert a.metrics == b.metrics
    pd.testing.assert_frame_equal(a.null_scores, b.null_scores)
    pd.testing.assert_frame_equal(a.fold_scores, b.fold_scores)
    np.testing.assert_array_equal(a.oof_scores, b.oof_scores)


def test_dask_and_local_give_identical_results_for_any_number_of_workers(cohort, clusters):
    seen = []
    reference = _evaluate(cohort, LocalExecutor(1))
    two_local = _evaluate(cohort, LocalExecutor(2))
    one_worker = _evaluate(cohort, clusters[1])
    two_workers = _evaluate(cohort, clusters[2], progress=lambda d, t: seen.append((d, t)))
    for other in (two_local, one_worker, two_workers):
        _same(reference, other)
    # One progress scale over the real folds and every permutation's folds (2 x 3 x (1 + 3)).
    assert seen[-1] == (24, 24)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert clusters[2].n_workers == 2 and clusters[1].n_workers == 1


def test_the_command_line_on_dask_saves_the_same_model_and_numbers(oligomet, fast):
    """``oligomet train --backend dask``: the metrics, the null and the saved model's
    predictions equal the local run's for the same seed."""
    from oligomet.datasets import load_gse7390
    from oligomet.tracking import load_model

    X, _ = load_gse7390(as_frame=True)
    common = ["train", *fast, "--seed", "3", "--n-jobs", "2"]
    local = oligomet(*common, "--name", "local")
    assert local.exit_code == 0, local.output
    dask = oligomet(*common, "--backend", "dask", "--name", "on_dask")
    assert dask.exit_code == 0, dask.output
    assert "local Dask cluster: 2 workers" in dask.stderr
    first, second = sorted(oligomet.runs(), key=lambda r: r.info.start_time)
    assert first.data.metrics == second.data.metrics
    predictions = []
    for name in ("local", "on_dask"):
        model = load_model(f"models:/{name}/1", tracking_uri=oligomet.tracking_uri)
        predictions.append(model.predict_proba(X))
    np.testing.assert_array_equal(*predictions)
