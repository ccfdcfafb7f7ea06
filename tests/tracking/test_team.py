"""MLflow for a team: a tracking server on PostgreSQL that serves the artifacts, and trainings
started at once (into one sqlite store, and into the server) that all get recorded.

The PostgreSQL server (fixture ``postgres``, in ``conftest.py``) is started in a temporary folder
on a free port; ``.ci/run`` installs Debian's postgresql where it is missing. Everything is checked
through MLflow's REST API, as another team member's tools would see it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

# Small cross-validation: these tests are about what gets recorded, not the estimate.
QUICK = ["--n-splits", "3", "--n-repeats", "1", "--n-permutations", "0", "--n-bootstrap", "50"]


def _get(url: str, path: str, **query) -> dict:
    address = f"{url}{path}" + (f"?{urllib.parse.urlencode(query)}" if query else "")
    with urllib.request.urlopen(address, timeout=30) as response:
        return json.loads(response.read() or b"{}")


def _post(url: str, path: str, body: dict) -> dict:
    request = urllib.request.Request(
        f"{url}{path}",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"{}")


@pytest.fixture(scope="module")
def team_server(postgres, free_port, tmp_path_factory):
    """``oligomet ui --backend-store-uri postgresql://... --artifacts-destination DIR``."""
    artifacts = tmp_path_factory.mktemp("team_artifacts")
    port = free_port()
    command = [
        sys.executable, "-m", "oligomet.cli", "ui", "--port", str(port),
        "--backend-store-uri", postgres, "--artifacts-destination", str(artifacts),
    ]  # fmt: skip
    log = tmp_path_factory.mktemp("team_server") / "server.log"
    with open(log, "w") as out:
        server = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=5):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"no tracking server:\n{log.read_text()}") from None
                time.sleep(1)
        yield url, artifacts
    finally:
        server.terminate()  # oligomet ui stops the server's whole process group
        server.wait(timeout=60)


def _train(tracking_uri: str | None, cwd: Path, *args: str) -> subprocess.Popen:
    """``oligomet train`` into a store; None: MLflow's default, ``./mlflow.db`` in ``cwd``."""
    command = [sys.executable, "-m", "oligomet.cli", "train", *QUICK]
    command += ["--tracking-uri", tracking_uri] if tracking_uri else []
    env = {k: v for k, v in os.environ.items() if k != "MLFLOW_TRACKING_URI"}
    return subprocess.Popen(
        [*command, *args], cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip


def _runs(url: str, experiment: str = "oligomet") -> list[dict]:
    found = _get(url, "/api/2.0/mlflow/experiments/get-by-name", experiment_name=experiment)
    body = {"experiment_ids": [found["experiment"]["experiment_id"]], "max_results": 1000}
    return _post(url, "/api/2.0/mlflow/runs/search", body).get("runs", [])


def _versions(url: str, name: str) -> list[dict]:
    found = _get(url, "/api/2.0/mlflow/model-versions/search", filter=f"name='{name}'")
    return found.get("model_versions", [])


def test_a_training_records_runs_metrics_artifacts_and_models_on_the_team_server(
    team_server, tmp_path
):
    url, artifacts = team_server
    process = _train(url, tmp_path, "--name", "team-model", "--experiment", "team")
    output, _ = process.communicate(timeout=600)
    assert process.returncode == 0, output
    (run,) = _runs(url, "team")
    assert run["info"]["status"] == "FINISHED"
    metrics = {m["key"]: m["value"] for m in run["data"]["metrics"]}
    assert 0.0 <= metrics["roc_auc"] <= 1.0 and metrics["n_samples"] == 189
    listed = _get(url, "/api/2.0/mlflow/artifacts/list", run_id=run["info"]["run_id"])
    assert any(f["path"].endswith(".json") for f in listed.get("files", []))
    (version,) = _versions(url, "team-model")
    assert version["run_id"] == run["info"]["run_id"]
    # The artifacts went to the server's destination, nothing was written beside the client.
    assert any(artifacts.rglob("MLmodel")) and any(artifacts.rglob("*.json"))
    assert not (tmp_path / "mlruns").exists() and not (tmp_path / "mlflow.db").exists()


def _eight_at_once(tracking_uri: str, cwd: Path, name: str) -> None:
    processes = [_train(tracking_uri, cwd, "--name", name, "--seed", str(i)) for i in range(8)]
    outputs = [p.communicate(timeout=900)[0] for p in processes]
    failed = [out for p, out in zip(processes, outputs, strict=True) if p.returncode != 0]
    assert not failed, failed[0]


@pytest.mark.parametrize("given", [True, False], ids=["tracking-uri", "fresh-directory"])
def test_eight_trainings_at_once_into_one_fresh_sqlite_store(tmp_path, given):
    """Into a fresh file named by --tracking-uri, or into a fresh directory's default store: all
    eight race to create it; every run FINISHED, every version READY."""
    store = f"sqlite:///{tmp_path / ('fresh.db' if given else 'mlflow.db')}"
    _eight_at_once(store if given else None, tmp_path, "together")
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=store, registry_uri=store)
    (experiment,) = [e for e in client.search_experiments() if e.name == "oligomet"]
    runs = client.search_runs([experiment.experiment_id])
    assert len(runs) == 8 and {r.info.status for r in runs} == {"FINISHED"}
    assert {r.data.params["seed"] for r in runs} == {str(i) for i in range(8)}
    assert all("roc_auc" in r.data.metrics for r in runs)
    versions = client.search_model_versions("name='together'")
    assert sorted(int(v.version) for v in versions) == list(range(1, 9))
    assert {v.status for v in versions} == {"READY"}
    assert {v.run_id for v in versions} == {r.info.run_id for r in runs}


def test_eight_trainings_at_once_into_the_team_server(team_server, tmp_path):
    url, _ = team_server
    _eight_at_once(url, tmp_path, "together")
    runs = [r for r in _runs(url) if r["info"]["status"] == "FINISHED"]
    assert len(runs) == 8
    versions = _versions(url, "together")
    assert sorted(int(v["version"]) for v in versions) == list(range(1, 9))
    assert {v["run_id"] for v in versions} == {r["info"]["run_id"] for r in runs}


def _cli(url: str, cwd: Path, *args: str) -> str:
    command = [sys.executable, "-m", "oligomet.cli", *args, "--tracking-uri", url]
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_evaluate_cluster_runs_and_compare_against_the_team_server(team_server, tmp_path):
    """Every command that records or reads runs works by address, artifacts through the server."""
    from oligomet.datasets import load_gse7390

    url, artifacts = team_server
    X, clinical = load_gse7390(as_frame=True)
    X.to_csv(tmp_path / "expression.csv")
    X.iloc[:, :38].to_csv(tmp_path / "view_a.csv")
    X.iloc[:, 38:].to_csv(tmp_path / "view_b.csv")
    clinical.to_csv(tmp_path / "clinical.csv")
    experiment = ["--experiment", "commands"]
    _cli(url, tmp_path, "train", *QUICK, *experiment, "--name", "commands-model")
    _cli(
        url, tmp_path, "evaluate", "models:/commands-model/1", "-e", "expression.csv",
        "-c", "clinical.csv", "--n-bootstrap", "50", *experiment,
    )  # fmt: skip
    _cli(url, tmp_path, "cluster", "-e", "view_a.csv", "-e", "view_b.csv", *experiment)
    runs = _runs(url, "commands")
    assert len(runs) == 3 and {r["info"]["status"] for r in runs} == {"FINISHED"}
    for run in runs:
        listed = _get(url, "/api/2.0/mlflow/artifacts/list", run_id=run["info"]["run_id"])
        assert listed.get("files"), run["info"]["run_name"]
    table = json.loads(_cli(url, tmp_path, "runs", *experiment, "--json"))
    assert len(table) == 3
    compared = json.loads(_cli(url, tmp_path, "compare", *experiment, "--json"))
    assert compared["runs"], compared
    assert not (tmp_path / "mlruns").exists() and not (tmp_path / "mlflow.db").exists()
    assert len(list(artifacts.rglob("MLmodel"))) >= 2  # the classifier and the subtype model
