"""What a new user hit on first use (issue 11): a reserved alias found at the end of a run, a
load that created an empty store, an evaluation on the training cohort reported as external,
R-prefixed probe IDs, unnamed pyfunc columns, slow answers to a missing file, time-to-event
labels from a coded event column, ``--json`` on predict and ui, what the registry and the UI
show. Each test failed on the code before the fix (checked against commit e5f05ba), except two
guards that the fixes keep what worked: a valid alias still registers, and a model URI still
resolves through ``MLFLOW_TRACKING_URI`` from another folder."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from oligomet.datasets import load_gse7390, make_cohort

QUICK = ["--n-splits", "3", "--n-repeats", "1", "--n-permutations", "1", "--no-search"]


@pytest.fixture
def cohort_files(tmp_path):
    """60 synthetic samples split into a training (40) and an unseen (20) cohort, as files."""
    expression, clinical = make_cohort(
        n_samples=60, n_features=20, n_informative=5, effect_size=1.5, random_state=4
    )
    clinical = clinical.assign(stage=np.where(clinical["label"] == 1, "stage iv", "stage i"))
    files = {}
    for name, rows in {"train": slice(0, 40), "unseen": slice(40, 60)}.items():
        files[name] = tmp_path / f"{name}.csv"
        expression.iloc[rows].to_csv(files[name])
    mixed = pd.concat([expression.iloc[30:40], expression.iloc[40:50]])
    files["mixed"] = tmp_path / "mixed.csv"
    mixed.to_csv(files["mixed"])
    files["clinical"] = tmp_path / "clinical.csv"
    clinical.to_csv(files["clinical"])
    return files


# --- aliases


@pytest.mark.parametrize("alias", ["v1", "V12", "latest", "two words"])
@pytest.mark.parametrize("command", ["train", "cluster"])
def test_an_alias_the_registry_refuses_stops_the_command_before_any_work(
    oligomet, user_error, monkeypatch, alias, command, cohort_files
):
    import oligomet.workflow._cluster as cluster_stage
    import oligomet.workflow._train as train_stage

    def no_reading(*args, **kwargs):
        raise AssertionError("tables were read before the alias was checked")

    monkeypatch.setattr(train_stage, "read_views", no_reading)
    monkeypatch.setattr(cluster_stage, "read_views", no_reading)
    views = ["-e", cohort_files["train"]] * (2 if command == "cluster" else 1)
    result = oligomet(command, *views, "--alias", alias)
    user_error(result, "tracking.alias", repr(alias))
    assert oligomet.runs() == []


def test_a_pipeline_with_a_reserved_alias_stops_before_any_work(oligomet, user_error):
    pipeline = Path(__file__).resolve().parents[2] / "pipelines" / "gse7390.yaml"
    result = oligomet("run", pipeline, "--set", "tracking.alias=v1")
    user_error(result, "tracking.alias", "alias 'v1' is reserved")
    assert "Value error" not in result.stderr
    assert oligomet.runs() == []


def test_log_result_refuses_a_reserved_alias_before_opening_a_run(oligomet):
    from oligomet import InputError
    from oligomet.tracking import log_result

    class Result:  # never reached: the alias is checked first
        kind = "training"

    with pytest.raises(InputError, match="reserved"):
        log_result(Result(), tracking_uri=oligomet.tracking_uri, alias="v2")
    assert oligomet.runs() == []


def test_a_good_alias_still_registers(oligomet, fast):
    from mlflow import MlflowClient

    assert oligomet("train", *QUICK, "--alias", "release-1").exit_code == 0
    model = MlflowClient(oligomet.tracking_uri).get_registered_model("oligomet-logistic_enet")
    assert {k: str(v) for k, v in model.aliases.items()} == {"release-1": "1"}


# --- loading without a store


def test_a_load_that_finds_no_store_says_where_it_looked_and_creates_nothing(tmp_path, monkeypatch):
    from oligomet import InputError
    from oligomet.tracking import load_model

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    with pytest.raises(InputError) as error:
        load_model("models:/oligomet-logistic_enet@candidate")
    message = str(error.value)
    assert str(tmp_path / "mlflow.db") in message and "MLFLOW_TRACKING_URI" in message
    assert list(tmp_path.iterdir()) == []


def test_runs_without_a_store_exits_2_and_creates_nothing(tmp_path, user_error, monkeypatch):
    from typer.testing import CliRunner

    from oligomet.cli import app

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    user_error(CliRunner().invoke(app, ["runs"]), "no MLflow store at", "mlflow.db")
    assert list(tmp_path.iterdir()) == []


def test_a_model_uri_resolves_through_mlflow_tracking_uri_from_another_folder(
    oligomet, tmp_path, monkeypatch
):
    from oligomet.tracking import load_model

    assert oligomet("train", *QUICK, "--alias", "candidate").exit_code == 0
    elsewhere = tmp_path / "notebooks"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", oligomet.tracking_uri)
    model = load_model("models:/oligomet-logistic_enet@candidate")
    assert len(model.feature_names) == 76
    assert list(elsewhere.iterdir()) == []


# --- evaluating on the training cohort


def _evaluate(oligomet, files, table):
    return oligomet(
        "evaluate", "models:/oligomet-logistic_enet@candidate", "-e", files[table],
        "-c", files["clinical"], "--n-bootstrap", "50", "--json",
    )  # fmt: skip


def test_evaluate_tells_the_training_cohort_and_shared_samples_from_an_external_one(
    oligomet, cohort_files
):
    files = cohort_files
    trained = oligomet(
        "train", "-e", files["train"], "-c", files["clinical"], "--label", "label", *QUICK,
        "--alias", "candidate",
    )  # fmt: skip
    assert trained.exit_code == 0, trained.stderr
    seen = {}
    for table in ("train", "unseen", "mixed"):
        result = _evaluate(oligomet, files, table)
        assert result.exit_code == 0, result.stderr
        seen[table] = (json.loads(result.stdout), result.stderr)
    report, stderr = seen["train"]
    assert report["validation"] == "training cohort"
    assert "this is the training cohort: not an external validation" in stderr
    assert seen["unseen"][0]["validation"] == "external"
    assert "training cohort" not in seen["unseen"][1]
    mixed, stderr = seen["mixed"]
    assert mixed["validation"] == "overlapping" and mixed["n_training_samples_shared"] == 10
    assert "10 of 20 samples" in stderr
    recorded = {
        run.data.tags.get("oligomet.validation")
        for run in oligomet.runs()
        if run.data.tags["oligomet.command"] == "evaluate"
    }
    assert recorded == {"training cohort", "external", "overlapping"}


def test_the_model_report_counts_only_external_evaluations(oligomet, cohort_files):
    from oligomet.report import report_for_run

    files = cohort_files
    oligomet(
        "train", "-e", files["train"], "-c", files["clinical"], "--label", "label", *QUICK,
        "--alias", "candidate",
    )  # fmt: skip
    assert _evaluate(oligomet, files, "train").exit_code == 0
    uri = "models:/oligomet-logistic_enet@candidate"
    section = report_for_run(uri, tracking_uri=oligomet.tracking_uri).section("external_validation")
    assert section.values["n_evaluations"] == 0
    assert _evaluate(oligomet, files, "unseen").exit_code == 0
    report = report_for_run(uri, tracking_uri=oligomet.tracking_uri)
    assert report.section("external_validation").values["n_evaluations"] == 1
    markdown = report.to_markdown()
    assert "| training cohort |" in markdown and "| external |" in markdown
    assert "not validated externally" not in markdown


def test_renamed_training_samples_are_still_recognised(oligomet, cohort_files, tmp_path):
    files = cohort_files
    oligomet(
        "train", "-e", files["train"], "-c", files["clinical"], "--label", "label", *QUICK,
        "--alias", "candidate",
    )  # fmt: skip
    renamed = pd.read_csv(files["train"], index_col=0).rename(index=lambda s: f"P-{s}")
    clinical = pd.read_csv(files["clinical"], index_col=0).rename(index=lambda s: f"P-{s}")
    renamed.to_csv(tmp_path / "renamed.csv")
    clinical.to_csv(tmp_path / "renamed_clinical.csv")
    files = {"renamed": tmp_path / "renamed.csv", "clinical": tmp_path / "renamed_clinical.csv"}
    result = _evaluate(oligomet, files, "renamed")
    assert json.loads(result.stdout)["validation"] == "training cohort"


# --- the embedded cohort's probe IDs


def test_the_default_model_scores_a_table_with_geo_probe_ids(oligomet, tmp_path):
    assert oligomet("train", *QUICK, "--alias", "candidate").exit_code == 0
    expression, _ = load_gse7390(as_frame=True)
    assert expression.columns[0] == "200726_at"
    expression.T.to_csv(tmp_path / "probes_x_samples.csv")  # as GEO gives it: probes as rows
    result = oligomet(
        "predict", "models:/oligomet-logistic_enet@candidate", tmp_path / "probes_x_samples.csv",
        "-o", tmp_path / "scores.csv",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert len(pd.read_csv(tmp_path / "scores.csv")) == 198


# --- pyfunc columns and class names with spaces


def test_pyfunc_predictions_say_which_column_is_which_class(oligomet, cohort_files, tmp_path):
    import mlflow.pyfunc

    files = cohort_files
    result = oligomet(
        "train", "-e", files["train"], "-c", files["clinical"], "--label", "stage",
        "--positive", "stage iv", "--negative", "stage i", *QUICK, "--alias", "candidate",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    model = mlflow.pyfunc.load_model("models:/oligomet-logistic_enet@candidate")
    frame = pd.read_csv(files["unseen"], index_col=0)
    predictions = model.predict(frame)
    assert isinstance(predictions, pd.DataFrame)
    assert list(predictions.columns) == [
        "probability_stage_i", "probability_stage_iv", "prediction"
    ]  # fmt: skip
    assert np.allclose(predictions.iloc[:, :2].sum(axis=1), 1)
    assert set(predictions["prediction"]) <= {"stage i", "stage iv"}
    assert list(predictions.index) == list(frame.index)
    written = oligomet(
        "predict", "models:/oligomet-logistic_enet@candidate", files["unseen"],
        "-o", tmp_path / "scores.csv",
    )  # fmt: skip
    assert written.exit_code == 0, written.stderr
    columns = pd.read_csv(tmp_path / "scores.csv", nrows=1).columns
    assert not any(" " in column for column in columns), list(columns)


def test_predictions_are_written_to_an_anndata_obs(oligomet, cohort_files):
    from anndata import AnnData

    from oligomet.tracking import load_model

    files = cohort_files
    oligomet(
        "train", "-e", files["train"], "-c", files["clinical"], "--label", "label", *QUICK,
        "--alias", "candidate",
    )  # fmt: skip
    model = load_model("models:/oligomet-logistic_enet@candidate")
    frame = pd.read_csv(files["unseen"], index_col=0)
    adata = AnnData(frame)
    assert model.annotate(adata) is None
    assert adata.obs_names.name is None  # the input's index is left as it was
    assert list(adata.obs["oligomet_prediction"].cat.categories) == [
        model.negative_name, model.positive_name
    ]  # fmt: skip
    expected = model.predict_proba(frame)[model.positive_name]
    assert np.allclose(adata.obs["oligomet_probability"], expected)
    assert adata.uns["oligomet"]["params"]["threshold"] == model.threshold


# --- a missing file is answered before the heavy imports


@pytest.mark.parametrize("command", ["train", "evaluate", "cluster"])
def test_a_missing_file_is_reported_before_any_heavy_library_is_imported(tmp_path, command):
    arguments = {
        "train": ["train", "-e", "missing.csv", "--label", "x"],
        "evaluate": ["evaluate", "models:/m/1", "-e", "missing.csv"],
        "cluster": ["cluster", "-e", "missing.csv", "-e", "other.csv"],
    }[command]
    probe = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from oligomet.cli import app\n"
        f"result = CliRunner().invoke(app, {arguments!r})\n"
        "heavy = [m for m in ('anndata', 'sklearn', 'mlflow', 'scanpy', 'xgboost') "
        "if m in sys.modules]\n"
        "print(result.exit_code, heavy, result.stderr.strip())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert done.stdout.startswith("2 [] error: missing.csv: file not found"), done.stdout


# --- time-to-event labels from a coded event column


def test_a_coded_event_column_is_named_with_positive_and_negative(oligomet, tmp_path):
    expression, clinical = make_cohort(
        n_samples=60, n_features=20, n_informative=5, effect_size=1.5, random_state=2
    )
    clinical["relapse"] = np.where(clinical["event"] == 1, "relapse", "no relapse")
    clinical.to_csv(tmp_path / "clinical.csv")
    expression.to_csv(tmp_path / "expression.csv")
    label = ["--label", "relapse", "--time", "time", "--horizon", "5"]
    common = ["-e", tmp_path / "expression.csv", "-c", tmp_path / "clinical.csv", *label]
    refused = oligomet("train", *common, *QUICK)
    assert refused.exit_code == 2 and "--positive" in refused.stderr
    result = oligomet("train", *common, "--positive", "relapse", *QUICK, "--json")
    assert result.exit_code == 0, result.stderr
    coded = json.loads(result.stdout)["labels"]
    numeric = oligomet(
        "train", "-e", tmp_path / "expression.csv", "-c", tmp_path / "clinical.csv",
        "--label", "event", "--time", "time", "--horizon", "5", *QUICK, "--json",
    )  # fmt: skip
    expected = json.loads(numeric.stdout)["labels"]
    assert (coded["n_positive"], coded["n_negative"], coded["n_excluded"]) == (
        expected["n_positive"], expected["n_negative"], expected["n_excluded"]
    )  # fmt: skip
    assert coded["rule"]["event_values"] == ["relapse"]


def test_a_label_rule_with_event_values_is_reproduced_by_evaluate():
    from oligomet.workflow._evaluate import label_from_rule

    rule = {"kind": "time", "event": "rel", "time": "t", "horizon": 5.0, "event_values": ["r"]}
    config = label_from_rule(rule)
    assert (config.column, config.time, config.horizon, config.positive) == ("rel", "t", 5.0, ["r"])


# --- --json on predict and ui; evaluate's help


def test_predict_json_summarises_without_sample_level_values(oligomet, cohort_files, tmp_path):
    files = cohort_files
    oligomet(
        "train", "-e", files["train"], "-c", files["clinical"], "--label", "label", *QUICK,
        "--alias", "candidate",
    )  # fmt: skip
    result = oligomet(
        "predict", "models:/oligomet-logistic_enet@candidate", files["unseen"],
        "-o", tmp_path / "scores.csv", "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["n_samples"] == 20 and sum(summary["counts"].values()) == 20
    assert summary["output"] == str(tmp_path / "scores.csv")
    assert "S041" not in result.stdout  # sample IDs stay in the file


def test_ui_json_prints_where_the_server_answers(tmp_path, _mlflow_template):
    import shutil
    import socket
    import urllib.request

    shutil.copy(_mlflow_template, tmp_path / "mlflow.db")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "oligomet.cli", "ui", "--port", str(port), "--json",
         "--backend-store-uri", f"sqlite:///{tmp_path / 'mlflow.db'}"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        start_new_session=True,
    )  # fmt: skip
    try:
        record = json.loads(server.stdout.readline())
        assert record["url"] == f"http://127.0.0.1:{port}"
        assert record["backend_store_uri"].endswith("mlflow.db")
        with urllib.request.urlopen(f"{record['url']}/health", timeout=10) as answer:
            assert answer.status == 200  # printed only once the server answers
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)
        server.stdout.close()


def test_evaluate_help_says_what_omitting_the_tables_does():
    from typer.testing import CliRunner

    from oligomet.cli import app

    text = re.sub(r"[\s│]+", " ", CliRunner().invoke(app, ["evaluate", "--help"]).output)
    assert "Omit to train" not in text
    assert "Omit to score the embedded GSE7390 cohort" in text


# --- what the MLflow UI shows


def test_runs_span_the_training_and_models_carry_a_description_tags_and_alias(
    oligomet, monkeypatch
):
    from mlflow import MlflowClient

    import oligomet.workflow._train as train_stage

    finished = {}
    cross_validate = train_stage.cross_validate_model

    def timed(*args, **kwargs):
        result = cross_validate(*args, **kwargs)
        finished["cv"] = time.time() * 1000
        return result

    monkeypatch.setattr(train_stage, "cross_validate_model", timed)
    assert oligomet("train", *QUICK, "--alias", "candidate").exit_code == 0
    client = MlflowClient(oligomet.tracking_uri)
    experiment = client.get_experiment_by_name("oligomet")
    assert experiment.tags["mlflow.experimentKind"] == "custom_model_development"
    (run,) = oligomet.runs()
    assert run.info.start_time < finished["cv"] < run.info.end_time
    model = client.get_registered_model("oligomet-logistic_enet")
    assert {k: str(v) for k, v in model.aliases.items()} == {"candidate": "1"}
    assert model.tags["oligomet.task"] == "classification"
    version = client.get_model_version("oligomet-logistic_enet", "1")
    auc = run.data.metrics["roc_auc"]
    for text in (model.description, version.description):
        assert "GSE7390" in text and f"ROC AUC {auc:.3f} (95% CI" in text
        assert "distant_metastasis within 5" in text  # the label rule, in words
    assert version.tags["oligomet.cv_roc_auc"] == f"{auc:.3f}"
    assert version.tags["oligomet.dataset_digest"] == run.data.tags["oligomet.dataset_digest"]


def test_an_experiment_made_elsewhere_is_tagged_to_open_on_its_runs(oligomet):
    from oligomet.tracking import client_for

    client = client_for(oligomet.tracking_uri)
    client.create_experiment("made-by-mlflow")
    assert oligomet("train", *QUICK, "--experiment", "made-by-mlflow").exit_code == 0
    tags = client.get_experiment_by_name("made-by-mlflow").tags
    assert tags["mlflow.experimentKind"] == "custom_model_development"


def test_a_subtype_model_records_how_often_it_reassigns_its_own_samples(oligomet, cohort_files):
    from mlflow import MlflowClient

    table = pd.read_csv(cohort_files["train"], index_col=0)
    folder = Path(cohort_files["train"]).parent
    table.iloc[:, :10].to_csv(folder / "view_a.csv")
    table.iloc[:, 10:].to_csv(folder / "view_b.csv")
    views = ["-e", folder / "view_a.csv", "-e", folder / "view_b.csv"]
    result = oligomet("cluster", *views, "--orientation", "samples_x_features")
    assert result.exit_code == 0, result.stderr
    (run,) = oligomet.runs()
    agreement = run.data.metrics["resubstitution_agreement"]
    assert 0 < agreement <= 1
    version = MlflowClient(oligomet.tracking_uri).get_model_version("oligomet-snf", "1")
    assert f"{agreement:.0%}" in version.description
