"""The fusion's progress callback: once per iteration, and nothing else changes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.pipeline import Pipeline

from oligomet.snf import SNF, MultiViewSNF, affinity_matrix, fuse, pairwise_distances


def _views(n_views: int, n_samples: int = 60, seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    groups = np.repeat([0, 1, 2], n_samples // 3)
    return [rng.normal(size=(n_samples, 6)) + 2.5 * groups[:, None] for _ in range(n_views)]


class Calls(list):
    def __call__(self, done: int, total: int) -> None:
        self.append((done, total))


@pytest.mark.parametrize("variant", ["snftool", "snfpy"])
@pytest.mark.parametrize("n_views", [2, 3])  # two code paths: buffers swapped, or a running total
def test_fuse_reports_every_iteration_and_gives_the_same_network(n_views, variant):
    affinities = [affinity_matrix(pairwise_distances(v), n_neighbors=10) for v in _views(n_views)]
    calls = Calls()
    with_progress = fuse(affinities, n_neighbors=10, n_iter=7, variant=variant, progress=calls)
    without = fuse(affinities, n_neighbors=10, n_iter=7, variant=variant)
    assert calls == [(i, 7) for i in range(1, 8)]
    np.testing.assert_array_equal(with_progress, without)


def test_estimator_fit_takes_progress_without_it_becoming_a_hyperparameter():
    views = _views(2)
    calls = Calls()
    followed = SNF(n_neighbors=10, n_iter=12, random_state=0).fit(views, progress=calls)
    plain = SNF(n_neighbors=10, n_iter=12, random_state=0).fit(views)
    assert calls == [(i, 12) for i in range(1, 13)]
    np.testing.assert_array_equal(followed.fused_network_, plain.fused_network_)
    np.testing.assert_array_equal(followed.labels_, plain.labels_)
    assert "progress" not in followed.get_params()
    assert list(SNF(n_neighbors=10, n_iter=3).fit_predict(views, progress=calls)) == list(
        SNF(n_neighbors=10, n_iter=3).fit_predict(views)
    )


def test_a_pipeline_passes_progress_to_the_fusion():
    """What ``oligomet cluster`` does: ``pipeline.fit(X, snf__progress=...)``."""
    views = _views(2)
    X = pd.DataFrame(np.hstack(views))
    calls = Calls()
    blocks = [("a", 0, 6), ("b", 6, 12)]
    params = {"n_neighbors": 10, "n_iter": 5, "random_state": 0}
    followed = Pipeline([("snf", MultiViewSNF(views=blocks, snf_params=params))])
    followed.fit(X, snf__progress=calls)
    plain = Pipeline([("snf", MultiViewSNF(views=blocks, snf_params=params))]).fit(X)
    assert calls == [(i, 5) for i in range(1, 6)]
    np.testing.assert_array_equal(followed[-1].labels_, plain[-1].labels_)
    np.testing.assert_array_equal(followed.predict(X), plain.predict(X))
