"""``oligomet run``: a parent run with a child per point; unchanged stages reused, changed ones and
everything downstream of them recomputed; ``oligomet compare`` ranks the children."""

from __future__ import annotations

import json
import textwrap

import pandas as pd
import pytest

from oligomet.workflow import run_pipeline

STUDY = """
pipeline: small-study
description: two fast models on the embedded cohort
workflow: train
stages:
  cv: {n_splits: 3, n_repeats: 1, n_permutations: 1, n_bootstrap: 200}
sweep:
  grid:
    model.name: [logistic_enet, knn]
"""
COMPUTE = ["read", "assemble", "label", "cross_validate", "fit_final"]


@pytest.fixture
def study(tmp_path):
    path = tmp_path / "study.yaml"
    path.write_text(textwrap.dedent(STUDY).lstrip())
    return path


def _statuses(result) -> dict[str, dict[str, str]]:
    return {p.point.name: {r.stage: r.status for r in p.stages} for p in result.points}


def _run(study, tracking_uri, tmp_path, *sets):
    return run_pipeline(
        study,
        sets=[f"tracking.tracking_uri={tracking_uri}", *sets],
        cache_dir=tmp_path / "cache",
    )


def _client(tracking_uri):
    from mlflow import MlflowClient

    return MlflowClient(tracking_uri=tracking_uri)


def _all_runs(tracking_uri):
    client = _client(tracking_uri)
    return client.search_runs([e.experiment_id for e in client.search_experiments()])


def test_a_rerun_recomputes_no_stage_and_records_nothing_new(study, tracking_uri, tmp_path):
    first = _run(study, tracking_uri, tmp_path)
    statuses = _statuses(first)
    assert list(statuses["logistic_enet"]) == COMPUTE
    assert set(statuses["logistic_enet"].values()) == {"computed"}
    # The second model reuses the cohort the first one read and labelled.
    assert [statuses["knn"][s] for s in COMPUTE] == ["reused"] * 3 + ["computed"] * 2
    n_runs = len(_all_runs(tracking_uri))
    assert n_runs == 3  # the parent and its two children
    second = _run(study, tracking_uri, tmp_path)
    assert all(s == "reused" for point in _statuses(second).values() for s in point.values())
    assert second.reused_run and second.parent_run_id == first.parent_run_id
    assert len(_all_runs(tracking_uri)) == n_runs
    assert second.comparison.to_dict()["runs"] == first.comparison.to_dict()["runs"]
    # The same numbers as without any cache; without it nothing proves a run is the same, so a
    # new one is recorded.
    fresh = run_pipeline(study, sets=[f"tracking.tracking_uri={tracking_uri}"], use_cache=False)
    assert not fresh.reused_run and fresh.parent_run_id != first.parent_run_id
    pd.testing.assert_frame_equal(
        fresh.comparison.runs.drop(columns="run_id"), first.comparison.runs.drop(columns="run_id")
    )


def test_a_changed_setting_recomputes_exactly_what_is_downstream(study, tracking_uri, tmp_path):
    _run(study, tracking_uri, tmp_path)
    model = _statuses(_run(study, tracking_uri, tmp_path, "model.selection=none"))
    for point in model.values():
        assert [point[s] for s in COMPUTE] == ["reused"] * 3 + ["computed"] * 2
    # The outer folds feed only the cross-validation; the final model is reused.
    outer = _statuses(_run(study, tracking_uri, tmp_path, "cv.n_repeats=2"))
    for point in outer.values():
        assert [point[s] for s in COMPUTE] == ["reused"] * 3 + ["computed", "reused"]
    # A new label rule: the cohort is relabelled (once, for both models), not read again.
    label = _statuses(_run(study, tracking_uri, tmp_path, "label.horizon=4"))
    assert [label["logistic_enet"][s] for s in COMPUTE] == ["reused"] * 2 + ["computed"] * 3
    assert [label["knn"][s] for s in COMPUTE] == ["reused"] * 3 + ["computed"] * 2


def test_runs_are_nested_tagged_and_the_comparison_is_logged(study, tracking_uri, tmp_path):
    result = _run(study, tracking_uri, tmp_path)
    client = _client(tracking_uri)
    parent = client.get_run(result.parent_run_id)
    assert parent.info.status == "FINISHED"
    assert parent.data.tags["oligomet.command"] == "run"
    assert parent.data.tags["oligomet.study"] == "small-study"
    artifacts = {a.path for a in client.list_artifacts(result.parent_run_id)}
    assert {"comparison.json", "comparison.png", "sweep.json", "pipeline.yaml"} <= artifacts
    children = [r for r in _all_runs(tracking_uri) if r.info.run_id != result.parent_run_id]
    assert {r.data.tags["oligomet.sweep_point"] for r in children} == {"logistic_enet", "knn"}
    for child in children:
        tags = child.data.tags
        assert tags["mlflow.parentRunId"] == result.parent_run_id
        assert tags["oligomet.study"] == "small-study"
        assert tags["oligomet.model"] == tags["oligomet.sweep_point"]
        assert tags["oligomet.cohort"] == "GSE7390 (embedded default)"
        assert child.data.metrics["roc_auc_ci_low"] < child.data.metrics["roc_auc"]
        assert "stages.json" in {a.path for a in client.list_artifacts(child.info.run_id)}
    assert parent.info.experiment_id == children[0].info.experiment_id
    assert client.get_experiment(parent.info.experiment_id).name == "small-study"


def test_compare_json_lists_the_children_with_intervals_and_the_paired_test(
    study, tracking_uri, tmp_path, oligomet
):
    result = _run(study, tracking_uri, tmp_path)
    output = tmp_path / "ranking.csv"
    shown = oligomet("compare", "--parent", result.parent_run_id, "--json", "--output", output)
    assert shown.exit_code == 0, shown.stderr
    ranking = json.loads(shown.stdout)
    assert ranking["parent_run_id"] == result.parent_run_id and ranking["metric"] == "roc_auc"
    runs = ranking["runs"]
    assert [r["rank"] for r in runs] == [1, 2]
    assert {r["name"] for r in runs} == {"logistic_enet", "knn"}
    assert runs[0]["estimate"] >= runs[1]["estimate"]
    for run in runs:
        assert run["ci_low"] <= run["estimate"] <= run["ci_high"]
        assert 0 < run["permutation_p"] <= 1 and run["null"] is not None
    assert runs[0]["overlaps_best"] is True
    (paired,) = ranking["pairwise"]
    assert paired["first"] == runs[0]["name"] and paired["second"] == runs[1]["name"]
    assert paired["difference"] == pytest.approx(runs[0]["estimate"] - runs[1]["estimate"])
    assert paired["ci_low"] <= paired["difference"] <= paired["ci_high"]
    assert 0 < paired["p_value"] <= 1
    table = pd.read_csv(output)
    assert list(table["name"]) == [r["name"] for r in runs] and "paired_p" in table
    # The table a person reads shows the same.
    text = oligomet("compare", "--parent", result.parent_run_id)
    assert text.exit_code == 0 and "paired" in text.stdout and "knn" in text.stdout
    by_experiment = json.loads(oligomet("compare", "--experiment", "small-study", "--json").stdout)
    assert len(by_experiment["runs"]) == 2 and by_experiment["pairwise"] == []


def test_no_global_tracking_state_is_touched(study, tracking_uri, tmp_path):
    import mlflow

    sentinel = f"sqlite:///{tmp_path / 'somewhere-else.db'}"
    mlflow.set_tracking_uri(sentinel)
    try:
        result = _run(study, tracking_uri, tmp_path)
        assert mlflow.get_tracking_uri() == sentinel
        assert mlflow.active_run() is None
        assert _client(tracking_uri).get_run(result.parent_run_id).info.status == "FINISHED"
        assert not (tmp_path / "somewhere-else.db").exists()
    finally:
        mlflow.set_tracking_uri(None)


def test_bad_pipelines_are_one_line_user_errors(tmp_path, oligomet, user_error):
    user_error(oligomet("run", tmp_path / "none.yaml"), "none.yaml does not exist")
    broken = tmp_path / "broken.yaml"
    broken.write_text("pipeline: x\nstages:\n  cv: {n_fold: 3}\n")
    user_error(oligomet("run", broken), "'cv.n_fold'", "line 3")
    assert oligomet.runs() == []
    user_error(oligomet("compare"), "--experiment NAME or --parent RUN_ID")
    user_error(oligomet("compare", "--parent", "0" * 32), "no run")


def test_paired_tests_stay_within_runs_on_the_same_samples_and_folds(tmp_path):
    """Two label rules give two groups of runs: each run is tested against its own group's best,
    never against a run on other patients or other labels."""
    path = tmp_path / "two-labels.yaml"
    path.write_text(
        textwrap.dedent(STUDY)
        .lstrip()
        .replace("    model.name:", "    label.horizon: [4, 5]\n    model.name:")
    )
    result = run_pipeline(path, track=False, use_cache=False)
    comparison = result.comparison
    assert len(comparison.runs) == 4 and len(comparison.pairwise) == 2
    for test in comparison.pairwise.itertuples():
        assert test.first.split("-")[0] == test.second.split("-")[0]  # same horizon
        assert test.first != test.second
    assert any("2 groups of runs" in note for note in comparison.notes)
