"""The README's main job, the tracking record of a run, and the other commands."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from oligomet.datasets import make_cohort

FOUNDATION = Path(__file__).resolve().parents[2] / "experiments" / "foundation-baselines"


@pytest.mark.slow
def test_train_without_arguments_uses_the_embedded_cohort(oligomet):
    """The README's main job, and its numbers: exactly those of today's results table
    (experiments/foundation-baselines/results.json, point gse7390-logistic_enet), and an AUC
    within 0.005 of the one recorded before the elastic-net solver changed (reference.json)."""
    result = oligomet("train")
    assert result.exit_code == 0, (result.output, result.stderr)
    assert "event within 5" in result.stdout and "ROC AUC" in result.stdout
    (run,) = oligomet.runs()
    assert run.info.status == "FINISHED"
    metrics, params = run.data.metrics, run.data.params
    assert 0.6 < metrics["roc_auc"] < 0.85
    assert abs(metrics["null_roc_auc"] - 0.5) < 0.12
    assert params["dataset.name"].startswith("GSE7390")
    assert params["cv.n_repeats"] == "5" and params["seed"] == "0"
    today = json.loads((FOUNDATION / "results.json").read_text())["points"]
    today = today["gse7390-logistic_enet"]
    for name, value in today["metrics"].items():
        assert metrics[name] == value, name
    assert json.loads(params["final.threshold"]) == today["final_model"]["threshold"]
    # The digest is today's: the probe sets were renamed to GEO's IDs in issue 11
    # (experiments/_report.py, RENAMED_DATASETS), which changed no number.
    assert run.data.tags["oligomet.dataset_digest"] == today["dataset_digest"]
    reference = json.loads((FOUNDATION / "reference.json").read_text())["gse7390-logistic_enet"]
    assert abs(metrics["roc_auc"] - reference["metrics"]["roc_auc"]) <= 0.005


@pytest.fixture
def cohort_files(tmp_path):
    expression, clinical = make_cohort(
        n_samples=60, n_features=40, n_informative=6, effect_size=1.5, random_state=0
    )
    expression.T.to_csv(tmp_path / "expression.csv")  # features x samples, like most files
    clinical.to_csv(tmp_path / "clinical.csv")
    return tmp_path / "expression.csv", tmp_path / "clinical.csv"


def test_run_records_config_digest_metrics_plot_and_model(oligomet, cohort_files, fast):
    from mlflow import MlflowClient

    expression, clinical = cohort_files
    result = oligomet(
        "train",
        "-e",
        expression,
        "-c",
        clinical,
        "--label",
        "label",
        *fast,
        "--name",
        "demo",
        "--alias",
        "candidate",
        "--seed",
        "3",
        "--json",
    )
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["registry_uri"] == "models:/demo@candidate"
    client = MlflowClient(tracking_uri=oligomet.tracking_uri)
    run = client.get_run(out["run_id"])
    assert run.data.params["seed"] == "3"
    assert run.data.tags["oligomet.dataset_digest"] == out["dataset_digest"]
    assert run.inputs.dataset_inputs[0].dataset.digest  # MLflow's own digest, no data
    artifacts = {a.path for a in client.list_artifacts(out["run_id"], "evaluation")}
    assert {"evaluation/roc.png", "evaluation/cross_validation.json"} <= artifacts
    assert client.get_model_version_by_alias("demo", "candidate").run_id == out["run_id"]
    history = client.get_metric_history(out["run_id"], "fold_roc_auc")
    assert [m.step for m in history] == [0, 1, 2]


def test_nothing_patient_level_is_logged_by_default(oligomet, cohort_files, tmp_path, fast):
    from mlflow import MlflowClient

    expression, clinical = cohort_files
    result = oligomet(
        "train", "-e", expression, "-c", clinical, "--label", "label", *fast, "--json"
    )
    run_id = json.loads(result.stdout)["run_id"]
    client = MlflowClient(tracking_uri=oligomet.tracking_uri)
    local = client.download_artifacts(run_id, "", str(tmp_path / "artifacts"))
    sample_ids = pd.read_csv(clinical, index_col=0).index
    text = ""
    for path in (tmp_path / "artifacts").rglob("*"):
        if path.is_file() and path.suffix in {".json", ".yaml", ".txt", ".csv", ".MLmodel", ""}:
            text += path.read_text(errors="ignore")
    assert local and text
    assert not [s for s in sample_ids if s in text]
    params = client.get_run(run_id).data.params
    assert not [s for s in sample_ids if any(s in v for v in params.values())]


def test_dotted_overrides_and_config_file(oligomet, cohort_files, tmp_path):
    expression, clinical = cohort_files
    config = tmp_path / "config.yaml"
    config.write_text(
        f"expression:\n  - path: {expression.name}\nclinical: [{clinical.name}]\n"
        "label:\n  column: label\nmodel: logistic_enet\ncv:\n  n_splits: 4\n"
    )
    result = oligomet(
        "train",
        "--config",
        config,
        "--n-repeats",
        "1",
        "--cv.n_permutations",
        "0",
        "--cv.n_splits",
        "3",
        "--json",
    )
    assert result.exit_code == 0, result.stderr
    (run,) = oligomet.runs()
    assert run.data.params["cv.n_splits"] == "3"  # the override wins over the file
    assert run.data.params["cv.n_permutations"] == "0"


def test_predict_writes_probabilities(oligomet, cohort_files, tmp_path, fast):
    expression, clinical = cohort_files
    oligomet(
        "train",
        "-e",
        expression,
        "-c",
        clinical,
        "--label",
        "label",
        *fast,
        "--name",
        "demo",
        "--alias",
        "prod",
    )
    output = tmp_path / "predictions.csv"
    result = oligomet("predict", "models:/demo@prod", expression, "--output", output)
    assert result.exit_code == 0, result.stderr
    table = pd.read_csv(output, index_col=0)
    assert list(table.columns) == ["probability_1", "prediction"]
    assert len(table) == 60 and table["probability_1"].between(0, 1).all()


def test_runs_lists_key_metrics(oligomet, cohort_files, fast):
    expression, clinical = cohort_files
    oligomet("train", "-e", expression, "-c", clinical, "--label", "label", *fast)
    result = oligomet("runs", "--json")
    assert result.exit_code == 0, result.stderr
    (row,) = json.loads(result.stdout)
    assert row["model"] == "logistic_enet" and 0 <= row["roc_auc"] <= 1
    table = oligomet("runs")
    assert "logistic_enet" in table.stdout


def test_models_lists_names(oligomet):
    result = oligomet("models")
    assert "logistic_enet" in result.stdout and "mir200c" in result.stdout


def test_help_lists_commands(oligomet):
    result = oligomet("--help")
    for command in ("train", "predict", "runs", "ui", "models"):
        assert command in result.stdout
