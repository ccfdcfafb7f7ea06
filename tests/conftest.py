"""Shared fixtures: paths to the real cohorts in ../shared/data and small generated tables."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"


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
