"""`read.join: outer` on generated cohorts: samples lacking a view kept by cluster and train."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from oligomet.datasets import make_cohort
from oligomet.workflow import ClusterConfig, TrainConfig, cluster, train

FAST_CV = {"n_splits": 3, "n_repeats": 2, "n_permutations": 5, "n_bootstrap": 10}


def _tables(tmp_path, *, effect_size: float, seed: int = 0):
    """Two views of one generated cohort (90 samples), 20% of the samples removed from the
    second view and 5% from the first; the clinical table. Returns paths and who lacks what."""
    expression, clinical = make_cohort(
        90, 60, n_informative=10, effect_size=effect_size, random_state=seed
    )
    rng = np.random.default_rng(seed)
    order = rng.permutation(expression.index)
    lacks_b, lacks_a = list(order[:18]), list(order[18:22])
    first = expression.iloc[:, ::2].drop(index=lacks_a)
    second = expression.iloc[:, 1::2].rename(columns=lambda name: f"m{name}").drop(index=lacks_b)
    paths = {"a": tmp_path / "a.csv", "b": tmp_path / "b.csv", "c": tmp_path / "clinical.csv"}
    first.to_csv(paths["a"])
    second.to_csv(paths["b"])
    clinical.to_csv(paths["c"])
    return paths, {"a": lacks_a, "b": lacks_b}


def _read(paths, join: str) -> dict:
    views = [
        {"path": paths[name], "orientation": "samples_x_features", "transform": "none"}
        for name in ("a", "b")
    ]
    return {"expression": views, "clinical": [paths["c"]], "join": join}


def test_cluster_outer_fuses_every_sample_over_the_views_it_has(tmp_path):
    paths, lacking = _tables(tmp_path, effect_size=3.0)
    said: list[str] = []
    config = ClusterConfig(read=_read(paths, "outer"), snf={"n_neighbors": 10})
    result = cluster(config, track=False, progress=said.append)
    assert len(result.labels) == 90 and result.labels.notna().all()
    assert "join outer: 90 samples; 68 have both views, 4 lack a, 18 lack b" in said
    # Nothing filled the missing views before SNF: each is a row of NaN in the fused matrix
    # and after the per-view transforms.
    X = result.X
    missing_b = X.filter(like="mgene").isna().all(axis=1)
    assert sorted(X.index[missing_b]) == sorted(lacking["b"])
    transformed = result.model.pipeline[:-1].transform(X)
    assert np.isnan(transformed[missing_b.to_numpy()][:, 30:]).all()
    assert np.isfinite(transformed[~missing_b.to_numpy()][:, 30:]).all()
    assert result.to_dict()["view_coverage"]["n_lacking"] == {"a": 4, "b": 18}
    # The saved subtype model assigns the training samples again, missing views included.
    assert result.resubstitution_agreement > 0.9


def test_cluster_inner_is_unchanged_by_the_option(tmp_path):
    paths, _ = _tables(tmp_path, effect_size=3.0)
    read = _read(paths, "inner")
    explicit = cluster(ClusterConfig(read=read, snf={"n_neighbors": 10}), track=False)
    read.pop("join")
    default = cluster(ClusterConfig(read=read, snf={"n_neighbors": 10}), track=False)
    assert len(default.labels) == 68 and default.coverage is None
    pd.testing.assert_series_equal(explicit.labels, default.labels)
    assert explicit.digest == default.digest


def _train(paths, join: str, *, seed: int = 0):
    config = TrainConfig(
        read=_read(paths, join),
        label={"column": "label", "positive": ["1"], "negative": ["0"]},
        model={"search": False},
        cv=FAST_CV,
        seed=seed,
    )
    return train(config, track=False)


def test_train_outer_on_noise_scores_chance(tmp_path):
    """No signal: the imputer is fitted inside the folds, so neither the real labels nor the
    permuted ones score above chance (an imputer fitted on all samples would see the test
    folds)."""
    paths, _ = _tables(tmp_path, effect_size=0.0, seed=3)
    result = _train(paths, "outer", seed=3)
    assert len(result.cohort.X) == 90 and result.cohort.coverage.n_complete == 68
    auc = result.cv.metrics["roc_auc"]
    null = result.cv.null_scores["roc_auc"]
    assert abs(auc - 0.5) < 0.15, auc
    assert abs(null.mean() - 0.5) < 0.1, null.tolist()


def test_train_outer_learns_the_signal_and_reports_the_imputation(tmp_path):
    paths, _ = _tables(tmp_path, effect_size=1.5)
    outer = _train(paths, "outer")
    assert outer.cv.metrics["roc_auc"] > 0.75
    assert [name for name, _ in outer.classifier.pipeline.steps][2] == "impute"
    design = outer.design()
    assert design["view_coverage"]["n_lacking"] == {"a": 4, "b": 18}
    assert design["missing_values"]["samples_with_missing"] == 22
    inner = _train(paths, "inner")
    assert len(inner.cohort.X) == 68 and inner.cohort.coverage is None
    assert "impute" not in dict(inner.classifier.pipeline.steps)


def test_evaluate_keeps_the_inner_join():
    from pydantic import ValidationError

    from oligomet.workflow import EvaluateConfig

    with pytest.raises(ValidationError, match="join outer is for train and cluster"):
        EvaluateConfig(read={"join": "outer"})


def test_join_is_an_option_of_train_and_cluster_only():
    from oligomet.cli._options import config_options
    from oligomet.workflow import EvaluateConfig

    def flags(config_cls):
        return {flag for option in config_options(config_cls) for flag in option.flags}

    assert "--join" in flags(TrainConfig) and "--join" in flags(ClusterConfig)
    assert "--join" not in flags(EvaluateConfig)
    (train_join,) = [o for o in config_options(TrainConfig) if o.path == "read.join"]
    assert "median" in train_join.help and "inside each training fold" in train_join.help


def test_an_inner_join_keeps_the_stage_cache_keys():
    from oligomet.workflow._config import ReadConfig
    from oligomet.workflow._train import assemble_inputs, read_inputs

    inner, outer = ReadConfig(), ReadConfig(join="outer")
    assert assemble_inputs(inner, "key") == {"read": "key"}
    assert assemble_inputs(outer, "key") == {"read": "key", "join": "outer"}
    assert read_inputs(inner) == read_inputs(outer)  # the join belongs to `assemble`


def test_an_outer_join_survives_the_stage_cache(tmp_path):
    """The stage cache pickles the assembled MuData by its parts: the modalities keep their own
    samples and the outer join is still known."""
    import pickle

    from oligomet.workflow._cohort import assemble_views, outer_joined, read_views
    from oligomet.workflow._config import ReadConfig

    paths, lacking = _tables(tmp_path, effect_size=1.0)
    read = ReadConfig(**_read(paths, "outer"))
    assembled = assemble_views(read_views(read), join="outer")
    back = pickle.loads(pickle.dumps(assembled))
    assert outer_joined(back.mdata) and back.mdata.n_obs == 90
    assert list(back.mdata.obs_names) == list(assembled.mdata.obs_names)
    assert back.mdata["b"].n_obs == 90 - len(lacking["b"])
    pd.testing.assert_frame_equal(back.mdata.obs, assembled.mdata.obs)
