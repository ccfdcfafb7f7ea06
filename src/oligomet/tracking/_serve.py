"""Serving the MLflow UI for a store, and stopping it cleanly with all its worker processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable

from .._errors import InputError
from ._client import resolve_tracking_uri

__all__ = ["serve", "ui_command"]


def ui_command(
    *,
    tracking_uri: str | None = None,
    artifacts_destination: str | None = None,
    host: str = "127.0.0.1",
    port: int = 5000,
) -> list[str]:
    """The command line that serves the MLflow UI (and REST API) for a tracking store."""
    uri = resolve_tracking_uri(tracking_uri)
    if uri.startswith("postgresql"):
        import importlib.util

        # SQLAlchemy 2.1 reads postgresql:// with psycopg (3); postgresql+psycopg2:// with psycopg2.
        driver = "psycopg2" if uri.startswith("postgresql+psycopg2:") else "psycopg"
        if importlib.util.find_spec(driver) is None:
            advice = "pip install psycopg2"
            if driver == "psycopg":
                advice = 'pip install "oligomet[team]"'
            raise InputError(f"a PostgreSQL backend store needs {driver}: {advice}")
    if uri.startswith(("http://", "https://")):
        raise InputError(
            f"{uri} is a tracking server, not a store: give the store it serves "
            "(--backend-store-uri sqlite:///PATH or postgresql://...)"
        )
    command = [sys.executable, "-m", "mlflow", "ui", "--backend-store-uri", uri]
    if artifacts_destination:
        command += ["--artifacts-destination", artifacts_destination]
    return [*command, "--host", host, "--port", str(port), "--workers", "1"]


def serve(
    store_uri: str | None = None,
    artifacts_destination: str | None = None,
    host: str = "127.0.0.1",
    port: int = 5000,
    *,
    on_start: Callable[[str], None] | None = None,
) -> int:
    """Serve the MLflow UI until interrupted (Ctrl-C) or terminated; return the exit status.

    The server starts worker processes of its own; it gets a process group, so that stopping
    this function (Ctrl-C, SIGTERM) stops all of them and never leaves orphans behind.

    Parameters
    ----------
    store_uri : str or None
        Backend store (default :func:`resolve_tracking_uri`).
    artifacts_destination : str or None
        Where the server keeps artifacts it serves (default: MLflow's).
    host, port : str, int
        Address to listen on (127.0.0.1: this machine only).
    on_start : callable or None
        Called with the UI's address once the server process is started.

    Raises
    ------
    InputError
        When the server exits with an error of its own.
    """
    command = ui_command(
        tracking_uri=store_uri, artifacts_destination=artifacts_destination, host=host, port=port
    )
    # Browsing runs needs no background job workers (MLflow's GenAI features); they would add
    # several processes of ~250 MB each. Set the variable to true to have them.
    env = {**os.environ}
    env.setdefault("MLFLOW_SERVER_ENABLE_JOB_EXECUTION", "false")
    server = subprocess.Popen(command, env=env, start_new_session=True)
    if on_start is not None:
        on_start(f"http://{host}:{port}")

    def stop(signum=signal.SIGTERM, frame=None):
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        returncode = server.wait()
    except KeyboardInterrupt:
        stop()
        returncode = 0
    finally:
        stop()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        signal.signal(signal.SIGTERM, previous)
    if returncode not in (0, -signal.SIGTERM, -signal.SIGINT):
        raise InputError(f"the MLflow UI exited with status {returncode}")
    return returncode
