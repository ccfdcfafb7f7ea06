"""``oligomet train`` killed with SIGKILL at each point of its work leaves nothing a rerun or a
reader would trust: no READY model version belongs to an unfinished run, the next command marks
the killed run FAILED ("killed") and undoes what it began to register, and a rerun completes with
its alias on a version of a FINISHED run.

The process kills itself (``os.kill(os.getpid(), SIGKILL)``) at the exact point, reached through
a patched call: a real SIGKILL, so nothing of the process runs afterwards (no ``finally``, no
handler), without timing guesses.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from oligomet.datasets import make_cohort

NAME, ALIAS = "killed-model", "prod"

# Each point: the call that kills the process, as (module, attribute, when).
DRIVER = textwrap.dedent(
    """
    import os, shutil, signal, sys, tempfile
    from pathlib import Path

    point, argv = sys.argv[1], ["--quiet", *sys.argv[2:]]

    def die():
        os.kill(os.getpid(), signal.SIGKILL)

    def after(times, original):
        calls = []
        def patched(*args, **kwargs):
            calls.append(1)
            if len(calls) == times:
                die()
            return original(*args, **kwargs)
        return patched

    from mlflow import MlflowClient
    from oligomet.evaluation._cv import BinaryTask
    from oligomet.tracking import TrackedRun

    if point == "during_cv":  # the second fold of cross-validation
        BinaryTask.fit_fold = after(2, BinaryTask.fit_fold)
    elif point == "after_run_opens":  # the run exists, nothing logged yet
        TrackedRun.log_params = after(1, TrackedRun.log_params)
    elif point == "during_artifact_logging":  # half the model's files copied
        original = MlflowClient.log_model_artifacts
        def half(self, model_id, local_dir, artifact_path=None):
            files = sorted(p for p in Path(local_dir).iterdir() if p.is_file())
            part = Path(tempfile.mkdtemp())
            for path in files[: len(files) // 2]:
                shutil.copy(path, part)
            original(self, model_id, str(part), artifact_path)
            die()
        MlflowClient.log_model_artifacts = half
    elif point == "during_registration":  # the version created, its alias not yet moved
        MlflowClient.set_registered_model_alias = after(1, MlflowClient.set_registered_model_alias)
    elif point == "after_registration":  # the alias moved, the registration not yet complete
        original_tag = MlflowClient.set_tag
        def tag(self, run_id, key, value, *args, **kwargs):
            if key == "oligomet.registration" and value == "complete":
                die()
            return original_tag(self, run_id, key, value, *args, **kwargs)
        MlflowClient.set_tag = tag
    else:
        raise SystemExit(f"unknown point {point}")

    from oligomet.cli._app import app
    app(argv)
    """
)

POINTS = [
    "during_cv",
    "after_run_opens",
    "during_artifact_logging",
    "during_registration",
    "after_registration",
]


@pytest.fixture(scope="module")
def tables(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cohort")
    expression, clinical = make_cohort(
        n_samples=40, n_features=30, n_informative=4, kind="counts",
        feature_prefix="hsa-miR-", random_state=3,
    )  # fmt: skip
    expression.T.to_csv(folder / "mirna.csv")
    clinical.to_csv(folder / "clinical.csv")
    return folder / "mirna.csv", folder / "clinical.csv"


def _train_argv(tables, tracking_uri: str, seed: int) -> list[str]:
    expression, clinical = tables
    return [
        "train", "-e", str(expression), "-c", str(clinical), "--label", "label",
        "--n-splits", "3", "--n-repeats", "1", "--n-permutations", "0", "--n-jobs", "1",
        "--seed", str(seed), "--name", NAME, "--alias", ALIAS,
        "--tracking-uri", tracking_uri,
    ]  # fmt: skip


def _run(args: list[str], cwd) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )


def _store(tracking_uri: str) -> dict:
    """The store as MLflow itself reads it (no oligomet client: opening one would reap)."""
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
    experiments = [e.experiment_id for e in client.search_experiments()]
    runs = client.search_runs(experiments) if experiments else []
    versions = client.search_model_versions(f"name = '{NAME}'")
    try:
        alias = str(client.get_model_version_by_alias(NAME, ALIAS).version)
    except Exception:
        alias = None
    logged = client.search_logged_models(experiments) if experiments else []
    return {
        "runs": {r.info.run_id: r for r in runs},
        "versions": {str(v.version): v for v in versions},
        "alias": alias,
        "logged": {m.model_id: m for m in logged},
    }


def _assert_nothing_untrusted(store: dict) -> None:
    """Every READY version (and READY logged model) belongs to a FINISHED run, whose
    registration is complete; the alias names such a version."""
    runs = store["runs"]
    for version in store["versions"].values():
        if version.status == "READY":
            run = runs[version.run_id]
            assert run.info.status == "FINISHED", (version.version, run.info.status)
    for model in store["logged"].values():
        if str(model.status) in ("READY", "LoggedModelStatus.READY"):
            assert runs[model.source_run_id].info.status == "FINISHED"
    if store["alias"] is not None:
        version = store["versions"][store["alias"]]
        tags = runs[version.run_id].data.tags
        assert runs[version.run_id].info.status == "FINISHED"
        if tags.get("oligomet.registration") != "complete":
            # Only a process still registering (or killed while registering) leaves it so.
            assert tags.get("oligomet.registration") == "pending"


@pytest.mark.slow
@pytest.mark.parametrize("point", POINTS)
def test_train_killed_at_any_point_leaves_nothing_a_rerun_would_trust(
    point, tables, tracking_uri, tmp_path
):
    # A version already holds the alias: a killed run must not take it away for good.
    first = _run(["-m", "oligomet.cli", "-q", *_train_argv(tables, tracking_uri, 0)], tmp_path)
    assert first.returncode == 0, first.stderr
    before = _store(tracking_uri)
    assert before["alias"] == "1" and before["versions"]["1"].status == "READY"

    killed = _run(["-c", DRIVER, point, *_train_argv(tables, tracking_uri, 1)], tmp_path)
    assert killed.returncode == -9, (point, killed.stderr)
    after_kill = _store(tracking_uri)
    _assert_nothing_untrusted(after_kill)
    new_runs = set(after_kill["runs"]) - set(before["runs"])
    if point == "during_cv":
        assert not new_runs  # the run opens only once the work has succeeded
    else:
        assert len(new_runs) == 1

    # The next command (any command that opens the store) marks the killed run FAILED.
    listed = _run(
        ["-m", "oligomet.cli", "runs", "--json", "--tracking-uri", tracking_uri], tmp_path
    )
    assert listed.returncode == 0, listed.stderr
    rows = {row["run_id"]: row for row in json.loads(listed.stdout)}
    reaped = _store(tracking_uri)
    _assert_nothing_untrusted(reaped)
    for run_id in new_runs:
        assert rows[run_id]["status"] == "FAILED"
        assert rows[run_id]["failure"].startswith("killed: ")
        assert reaped["runs"][run_id].info.status == "FAILED"
        assert not [v for v in reaped["versions"].values() if v.run_id == run_id]
        assert all(
            str(m.status).endswith("FAILED")
            for m in reaped["logged"].values()
            if m.source_run_id == run_id
        )
    # What held the alias before holds it again; nothing else was registered.
    assert reaped["alias"] == "1" and set(reaped["versions"]) == {"1"}

    rerun = _run(["-m", "oligomet.cli", "-q", *_train_argv(tables, tracking_uri, 1)], tmp_path)
    assert rerun.returncode == 0, rerun.stderr
    final = _store(tracking_uri)
    _assert_nothing_untrusted(final)
    version = final["versions"][final["alias"]]
    run = final["runs"][version.run_id]
    assert final["alias"] != "1" and version.status == "READY"
    assert run.info.status == "FINISHED"
    assert run.data.tags["oligomet.registration"] == "complete"


def test_a_registration_that_fails_is_undone_and_the_run_failed(
    oligomet, tables, tracking_uri, monkeypatch, user_error
):
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    def refuse(*args, **kwargs):
        raise MlflowException("the registry is read-only")

    monkeypatch.setattr(MlflowClient, "set_registered_model_alias", refuse)
    result = oligomet(*_train_argv(tables, tracking_uri, 0))
    user_error(result, "the store refused to register the model", "the registry is read-only")
    store = _store(tracking_uri)
    (run,) = store["runs"].values()
    assert run.info.status == "FAILED"
    assert run.data.tags["oligomet.failure"].startswith("registration failed: MlflowException")
    assert run.data.tags["oligomet.registration"] == "rolled back"
    assert store["versions"] == {} and store["alias"] is None
    # The registered model this run created is gone with its only version.
    assert not MlflowClient(tracking_uri).search_registered_models()
    assert all(str(m.status).endswith("FAILED") for m in store["logged"].values())
