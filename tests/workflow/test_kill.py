"""A pipeline run killed with SIGKILL in the middle of a stage leaves nothing a rerun would trust;
the rerun completes, and its results equal those of a run never interrupted."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

STUDY = """
pipeline: killed-study
workflow: train
stages:
  # Enough permutations that cross-validation outlasts the second before the kill.
  cv: {n_splits: 3, n_repeats: 2, n_permutations: 40, n_bootstrap: 200}
sweep:
  grid:
    model.name: [logistic_enet, shrunken_centroid]
"""


def _command(study, cache, tracking_uri) -> list[str]:
    return [
        sys.executable,
        "-m",
        "oligomet.cli",
        "run",
        str(study),
        "--cache",
        str(cache),
        "--tracking-uri",
        tracking_uri,
        "--json",
    ]


def _numbers(output: str) -> dict:
    """Each point's aggregate results, without where they were recorded."""
    points = json.loads(output)["points"]
    drop = {"run_id", "model_uri", "registry_uri", "tracking_uri"}
    return {p["name"]: {k: v for k, v in p["result"].items() if k not in drop} for p in points}


@pytest.mark.slow
def test_killed_during_a_stage_then_rerun_equals_an_uninterrupted_run(tmp_path, tracking_uri):
    study = tmp_path / "study.yaml"
    study.write_text(textwrap.dedent(STUDY).lstrip())
    env = {**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true"}
    cache = tmp_path / "cache"
    with subprocess.Popen(
        _command(study, cache, tracking_uri),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    ) as killed:
        for line in killed.stderr:  # the first model's cross-validation has started
            if line.startswith("cross-validating logistic_enet"):
                break
        time.sleep(1.0)
        killed.send_signal(signal.SIGKILL)
        killed.wait()
    assert killed.returncode == -signal.SIGKILL
    rerun = subprocess.run(
        _command(study, cache, tracking_uri), capture_output=True, text=True, env=env, timeout=600
    )
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    # The cohort stages finished before the kill and are reused; the killed stage is not.
    assert "stage label: reused" in rerun.stderr
    assert "stage cross_validate: computed" in rerun.stderr
    assert "stage cross_validate: reused" not in rerun.stderr
    uninterrupted = subprocess.run(
        [*_command(study, tmp_path / "fresh-cache", tracking_uri), "--force"],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert uninterrupted.returncode == 0, uninterrupted.stderr[-2000:]
    assert _numbers(rerun.stdout) == _numbers(uninterrupted.stdout)
