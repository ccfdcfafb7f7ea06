"""Shared fixtures: paths to the real cohorts in ../shared/data and small generated tables."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from oligomet.cli import app

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session", autouse=True)
def _folds_in_process():
    """pytest-xdist already runs the tests in one process per core: folds stay in-process
    (tests/evaluation/test_speed_paths.py checks that more workers change nothing)."""
    import os

    before = os.environ.get("OLIGOMET_N_JOBS")
    os.environ["OLIGOMET_N_JOBS"] = "1"
    yield
    if before is None:
        os.environ.pop("OLIGOMET_N_JOBS", None)
    else:
        os.environ["OLIGOMET_N_JOBS"] = before


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The read-only folder of real public cohorts; tests that need it skip without it."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real cohorts not available at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture(scope="session")
def _mlflow_template(tmp_path_factory) -> Path:
    """An already-migrated MLflow sqlite store (a fresh one costs ~5 s of migrations)."""
    from mlflow import MlflowClient

    folder = tmp_path_factory.mktemp("mlflow_template")
    MlflowClient(tracking_uri=f"sqlite:///{folder / 'mlflow.db'}").search_experiments()
    return folder / "mlflow.db"


@pytest.fixture
def tracking_uri(_mlflow_template, tmp_path, monkeypatch) -> str:
    """A private MLflow store for one test; the working directory (artifacts) is tmp_path."""
    import shutil

    store = tmp_path / "mlflow.db"
    shutil.copy(_mlflow_template, store)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    return f"sqlite:///{store}"


# In-process CLI runs (typer's CliRunner) against the private MLflow store above.
# Small, fast cross-validation for tests that exercise the plumbing, not the estimate.
FAST = ["--n-splits", "3", "--n-repeats", "1", "--n-permutations", "1"]


class Invocation:
    """Run ``oligomet ...`` in-process and inspect the result and the MLflow store."""

    def __init__(self, tracking_uri: str) -> None:
        self.tracking_uri = tracking_uri
        self.runner = CliRunner()

    def __call__(self, *args: str | Path):
        return self.runner.invoke(
            app, [str(a) for a in args], env={"MLFLOW_TRACKING_URI": self.tracking_uri}
        )

    def runs(self):
        from mlflow import MlflowClient

        client = MlflowClient(tracking_uri=self.tracking_uri)
        experiments = [e.experiment_id for e in client.search_experiments()]
        return client.search_runs(experiments) if experiments else []


@pytest.fixture
def oligomet(tracking_uri) -> Invocation:
    return Invocation(tracking_uri)


@pytest.fixture
def fast() -> list[str]:
    return list(FAST)


@pytest.fixture
def user_error():
    return assert_user_error


def assert_user_error(result, *needles: str) -> None:
    """Non-zero exit, one line on stderr naming what is wrong, and no traceback."""
    assert result.exit_code == 2, (result.exit_code, result.output, result.stderr)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error: ")]
    assert len(errors) == 1, result.stderr
    assert "Traceback" not in result.output + result.stderr
    for needle in needles:
        assert needle in errors[0], (needle, errors[0])
