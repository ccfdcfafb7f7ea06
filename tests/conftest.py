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
