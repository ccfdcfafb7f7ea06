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


def _half_registered(tracking_uri: str) -> str:
    """A FINISHED run of a killed process whose version 1 of model 'reaped' (a registered model
    it created) holds alias 'prod': what the reaper undoes."""
    from mlflow.entities import LoggedModelStatus

    from oligomet.tracking import client_for, start_run
    from oligomet.tracking._commit import PENDING, PLAN_TAG, REGISTRATION_TAG

    with start_run(tracking_uri=tracking_uri) as run:
        client = run.client
        model = client.create_logged_model(run.experiment_id, source_run_id=run.run_id)
        client.finalize_logged_model(model.model_id, LoggedModelStatus.READY)
        client.create_registered_model("reaped")
        client.create_model_version("reaped", source=model.artifact_location, run_id=run.run_id)
        client.set_registered_model_alias("reaped", "prod", "1")
        plan = {"model_id": model.model_id, "name": "reaped", "alias": "prod",
                "created_model": True, "alias_before": None}  # fmt: skip
        client.set_tag(run.run_id, PLAN_TAG, json.dumps([plan]))
        client.set_tag(run.run_id, REGISTRATION_TAG, PENDING)
        client.set_tag(run.run_id, "oligomet.pid", "999999999")  # no such process
    assert client_for(tracking_uri).get_run(run.run_id).info.status == "FINISHED"
    return run.run_id


def test_two_processes_reaping_one_killed_run_at_once_both_go_on(tracking_uri, monkeypatch):
    """Several commands opening a store at once may undo one killed run's registration
    together: what the other one deleted first is done, not an error that stops this command."""
    from mlflow import MlflowClient

    from oligomet.tracking import client_for
    from oligomet.tracking._reap import reap_killed_runs

    run_id = _half_registered(tracking_uri)
    client = client_for(tracking_uri)
    real_delete, raced = MlflowClient.delete_model_version, []

    def delete_model_version(self, name, version):
        if not raced:  # the other process reaps the same run first
            raced.append("staging")
            other = MlflowClient(tracking_uri, registry_uri=tracking_uri)
            raced[0] = reap_killed_runs(other)
        return real_delete(self, name, version)

    monkeypatch.setattr(MlflowClient, "delete_model_version", delete_model_version)
    assert reap_killed_runs(client) == [run_id] and raced == [[run_id]]
    run = client.get_run(run_id)
    assert run.info.status == "FAILED" and run.data.tags["oligomet.registration"] == "rolled back"
    assert not client.search_registered_models(filter_string="name = 'reaped'")
