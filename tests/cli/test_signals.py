"""SIGTERM and SIGHUP end a command like Ctrl-C: run FAILED, exit 2, one line, no traceback."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

QUICK = ["--n-splits", "3", "--n-repeats", "1", "--n-permutations", "1", "--no-search"]


@pytest.mark.parametrize("name", ["SIGTERM", "SIGHUP"])
def test_a_signal_while_the_run_is_open_marks_it_failed(oligomet, user_error, monkeypatch, name):
    from oligomet.tracking._client import TrackedRun

    log_dict = TrackedRun.log_dict

    def signalled(self, obj, artifact_file):
        if artifact_file == "config.yaml":  # the run is open: stop the command now
            os.kill(os.getpid(), getattr(signal, name))
        return log_dict(self, obj, artifact_file)

    monkeypatch.setattr(TrackedRun, "log_dict", signalled)
    before = signal.getsignal(signal.SIGTERM)
    user_error(oligomet("train", *QUICK), f"interrupted ({name})")
    (run,) = oligomet.runs()
    assert run.info.status == "FAILED"
    assert signal.getsignal(signal.SIGTERM) is before  # the command's handlers are gone


def test_sigterm_during_cross_validation_stops_workers_and_leaves_nothing_running(
    tracking_uri, tmp_path
):
    """A real process on every core (worker processes), terminated while it fits folds."""
    env = {**os.environ, "MLFLOW_TRACKING_URI": tracking_uri, "OLIGOMET_N_JOBS": "2"}
    process = subprocess.Popen(
        [sys.executable, "-m", "oligomet.cli", "train", "--n-permutations", "20"],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        time.sleep(12)  # imports, the cohort, then the folds
        assert process.poll() is None, process.stderr.read()
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 2, stderr
    assert stderr.strip().splitlines()[-1] == "error: interrupted (SIGTERM)"
    assert "Traceback" not in stderr
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri)
    experiments = [e.experiment_id for e in client.search_experiments()]
    runs = client.search_runs(experiments) if experiments else []
    assert all(run.info.status != "RUNNING" for run in runs)
