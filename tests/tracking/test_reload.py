"""A registered model reloads in a fresh process and reproduces training-time predictions."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
import time
import urllib.request

import numpy as np
import pandas as pd
import pytest

from oligomet.datasets import make_cohort
from oligomet.workflow import load_config, train

RELOAD_SCRIPT = textwrap.dedent(
    """
    import json, sys
    import numpy as np, pandas as pd
    import mlflow
    import oligomet

    folder = sys.argv[1]
    columns = json.load(open(f"{folder}/columns.json"))
    frame = pd.DataFrame(np.load(f"{folder}/X.npy"), columns=columns)
    frame = frame[frame.columns[::-1]]  # any column order
    pyfunc = mlflow.pyfunc.load_model("models:/reload@champion")
    predicted = pyfunc.predict(frame)  # named columns: a probability per class, the class
    json.dump(list(predicted.columns), open(f"{folder}/pyfunc_columns.json", "w"))
    np.save(f"{folder}/pyfunc.npy", predicted[["probability_0", "probability_1"]].to_numpy())
    classifier = oligomet.load_model("models:/reload@champion")
    np.save(f"{folder}/oligomet.npy", classifier.predict_proba(frame).to_numpy())
    """
)


@pytest.fixture
def trained(tracking_uri, tmp_path):
    # Raw counts: the saved model must carry the log2 CPM transform with it.
    expression, clinical = make_cohort(
        n_samples=50, n_features=30, n_informative=5, kind="counts", random_state=2
    )
    expression.to_csv(tmp_path / "counts.csv")
    clinical.to_csv(tmp_path / "clinical.csv")
    config = load_config(
        values={
            "expression": [{"path": str(tmp_path / "counts.csv")}],
            "clinical": [str(tmp_path / "clinical.csv")],
            "label.column": "label",
            "cv.n_splits": 3,
            "cv.n_repeats": 1,
            "cv.n_permutations": 0,
            "tracking.tracking_uri": tracking_uri,
            "tracking.registered_name": "reload",
            "tracking.alias": "champion",
        }
    )
    return train(config)


def test_registered_model_reproduces_predictions_in_a_fresh_process(
    trained, tracking_uri, tmp_path
):
    assert trained.cohort.views[0][1] == "log2cpm"
    X = trained.cohort.X
    expected = trained.classifier.pipeline.predict_proba(X)
    np.save(tmp_path / "X.npy", X.to_numpy())
    (tmp_path / "columns.json").write_text(json.dumps(list(X.columns)))
    env = {**os.environ, "MLFLOW_TRACKING_URI": tracking_uri, "MLFLOW_DISABLE_TELEMETRY": "true"}
    completed = subprocess.run(
        [sys.executable, "-c", RELOAD_SCRIPT, str(tmp_path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    np.testing.assert_array_equal(np.load(tmp_path / "pyfunc.npy"), expected)
    columns = json.loads((tmp_path / "pyfunc_columns.json").read_text())
    assert columns == ["probability_0", "probability_1", "prediction"]
    np.testing.assert_array_equal(np.load(tmp_path / "oligomet.npy"), expected)


def test_loaded_classifier_predicts_on_anndata_with_class_names(trained, tracking_uri):
    import anndata as ad

    import oligomet

    classifier = oligomet.load_model("models:/reload@champion", tracking_uri=tracking_uri)
    X = trained.cohort.X
    adata = ad.AnnData(
        X.to_numpy(), obs=pd.DataFrame(index=X.index), var=pd.DataFrame(index=X.columns)
    )
    proba = classifier.predict_proba(adata)
    assert list(proba.columns) == ["0", "1"] and list(proba.index) == list(X.index)
    np.testing.assert_array_equal(proba.to_numpy(), trained.classifier.pipeline.predict_proba(X))
    assert classifier.metadata["run_id"] == trained.run_id
    assert classifier.metadata["views"][0]["transform"] == "log2cpm"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.slow
def test_ui_serves_the_store_on_localhost(trained, tracking_uri):
    port = _free_port()
    env = {**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true"}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "oligomet.cli",
            "ui",
            "--port",
            str(port),
            "--tracking-uri",
            tracking_uri,
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}/api/2.0/mlflow/experiments/search?max_results=10"
        deadline, answer = time.monotonic() + 90, None
        while time.monotonic() < deadline and answer is None:
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    answer = json.load(response)
            except OSError:
                time.sleep(0.5)
        assert answer is not None, "the MLflow UI did not answer within 90 s"
        assert "oligomet" in {e["name"] for e in answer["experiments"]}
    finally:
        server.terminate()
        server.wait(timeout=30)
    # Stopping `oligomet ui` stops the server's own worker processes too.
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and _processes_on(port):
        time.sleep(0.5)
    assert not _processes_on(port)


def _processes_on(port: int) -> bool:
    found = subprocess.run(["pgrep", "-f", f"--port {port}"], capture_output=True)
    return found.returncode == 0
