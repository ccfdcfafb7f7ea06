"""Fixtures of the tracking tests: a PostgreSQL server of their own, for the team's store."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def free_port():
    """A function that returns a TCP port free on 127.0.0.1 now."""
    return _free_port


def _postgres_bin() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(versions[-1]).parent if versions else None


def _as_postgres(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run it as the ``postgres`` user then."""
    if os.geteuid() != 0:
        return command
    return ["su", "postgres", "-s", "/bin/sh", "-c", " ".join(command)]


@pytest.fixture(scope="module")
def postgres():
    """A PostgreSQL server of its own: ``postgresql://postgres@127.0.0.1:PORT/postgres``."""
    pytest.importorskip("psycopg", reason='the PostgreSQL store needs "oligomet[team]"')
    bindir = _postgres_bin()
    if bindir is None:
        pytest.skip("no PostgreSQL server binaries (initdb, pg_ctl); .ci/run installs them")
    # Not under pytest's (private) temporary folder: the postgres user must reach it.
    folder = Path(tempfile.mkdtemp(prefix="oligomet-pg-"))
    folder.chmod(0o777)
    data, port = folder / "data", _free_port()
    subprocess.run(
        _as_postgres([str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust"]),
        check=True,
        capture_output=True,
    )
    options = f"'-p {port} -k {folder} -c listen_addresses=127.0.0.1'"
    start = [str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-w", "-l"]
    subprocess.run(
        _as_postgres([*start, str(folder / "log"), "start"]), check=True, capture_output=True
    )
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        stop = [str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]
        subprocess.run(_as_postgres(stop), capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)
