"""Every shipped pipeline runs end to end; a real-cohort baseline reproduces, to the last digit,
the numbers recorded before the house was rebuilt (the embedded cohort's baseline is checked by
tests/cli/test_train_default.py)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from oligomet.workflow import load_pipeline, run_pipeline, train

REPO = Path(__file__).resolve().parents[2]
PIPELINES = sorted((REPO / "pipelines").glob("*.yaml"))
# Fast settings: these tests check that the wiring works, not the estimates.
FAST = [
    "cv.n_splits=2",
    "cv.n_repeats=1",
    "cv.n_permutations=1",
    "cv.n_bootstrap=20",
    "model.search=false",
]


def _needs_data(path: Path) -> bool:
    return "OLIGOMET_DATA" in path.read_text()


@pytest.mark.slow
@pytest.mark.parametrize("path", PIPELINES, ids=lambda p: p.stem)
def test_every_shipped_pipeline_runs(path, tracking_uri, tmp_path, monkeypatch, request):
    if _needs_data(path):
        monkeypatch.setenv("OLIGOMET_DATA", str(request.getfixturevalue("shared_data")))
    workflow = load_pipeline(path).spec.workflow
    sets = FAST if workflow == "train" else ["snf.n_iter=5"]
    result = run_pipeline(
        path, sets=[*sets, f"tracking.tracking_uri={tracking_uri}"], cache_dir=tmp_path / "cache"
    )
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=tracking_uri)
    assert client.get_run(result.parent_run_id).info.status == "FINISHED"
    assert len(result.points) == len(load_pipeline(path).points)
    for point in result.points:
        child = client.get_run(point.run_id)
        assert child.info.status == "FINISHED"
        assert child.data.tags["mlflow.parentRunId"] == result.parent_run_id
    if workflow == "train":
        assert len(result.comparison.runs) == len(result.points)
    text = str(result)  # renders as the command line shows it
    assert result.pipeline.name in text and "parent run" in text


def _reference(point: str) -> dict:
    folder = REPO / "experiments" / "foundation-baselines"
    return json.loads((folder / "reference.json").read_text())[point]


def _assert_reproduces(result, reference: dict) -> None:
    today = result.to_dict()
    for key in ("metrics", "labels", "dataset_digest", "final_model", "n_outer_folds"):
        assert today[key] == reference[key], key
    top = list(today["selection_frequency"].items())[: len(reference["selection_frequency"])]
    assert dict(top) == reference["selection_frequency"]


@pytest.mark.slow
@pytest.mark.realdata
def test_a_real_cohort_baseline_reproduces_the_numbers_recorded_before_the_rebuild(
    shared_data, monkeypatch
):
    monkeypatch.setenv("OLIGOMET_DATA", str(shared_data))
    pipeline = load_pipeline(REPO / "pipelines" / "foundation-baselines.yaml")
    (point,) = [p for p in pipeline.points if p.name == "kirc-mir200c"]
    _assert_reproduces(train(point.config, track=False), _reference(point.name))


def test_the_pipelines_default_data_folder_is_the_shared_one():
    """Without OLIGOMET_DATA the pipelines read ../shared/data beside the repository."""
    if "OLIGOMET_DATA" in os.environ:
        pytest.skip("OLIGOMET_DATA is set")
    pipeline = load_pipeline(REPO / "pipelines" / "kirc-mirna.yaml")
    path = pipeline.points[0].config.read.expression[0].path
    assert (
        path.resolve()
        == (REPO.parent / "shared" / "data" / "tcga_kirc_mirna" / path.name).resolve()
    )
