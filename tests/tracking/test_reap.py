"""A run whose process was killed is marked FAILED ("killed") the next time a store is opened."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

KILLED = textwrap.dedent(
    """
    import os, signal, sys
    from oligomet.tracking import start_run

    with start_run(experiment="oligomet", tracking_uri=sys.argv[1]) as run:
        print(run.run_id, flush=True)
        os.kill(os.getpid(), signal.SIGKILL)  # nothing runs after this: the run stays RUNNING
    """
)


def _runs_json(tracking_uri: str, cwd) -> list[dict]:
    done = subprocess.run(
        [sys.executable, "-m", "oligomet.cli", "runs", "--json", "--tracking-uri", tracking_uri],
        cwd=cwd, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_a_killed_run_is_marked_failed_by_the_next_command(tracking_uri, tmp_path):
    from mlflow import MlflowClient

    killed = subprocess.run(
        [sys.executable, "-c", KILLED, tracking_uri], capture_output=True, text=True, timeout=120
    )
    assert killed.returncode == -9
    run_id = killed.stdout.strip()
    assert MlflowClient(tracking_uri).get_run(run_id).info.status == "RUNNING"
    (row,) = _runs_json(tracking_uri, tmp_path)
    assert row["run_id"] == run_id and row["status"] == "FAILED"
    assert row["failure"].startswith("killed: process ")
    run = MlflowClient(tracking_uri).get_run(run_id)
    assert run.info.status == "FAILED" and run.info.end_time is not None
    shown = subprocess.run(
        [sys.executable, "-m", "oligomet.cli", "runs", "--tracking-uri", tracking_uri],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert "FAILED (killed)" in shown.stdout


def test_a_live_run_is_left_alone(tracking_uri):
    from oligomet.tracking import client_for, start_run
    from oligomet.tracking._reap import reap_killed_runs

    with start_run(tracking_uri=tracking_uri) as run:
        assert reap_killed_runs(client_for(tracking_uri)) == []
        assert client_for(tracking_uri).get_run(run.run_id).info.status == "RUNNING"
        tags = client_for(tracking_uri).get_run(run.run_id).data.tags
        assert {"oligomet.host", "oligomet.pid", "oligomet.process_start"} <= set(tags)
