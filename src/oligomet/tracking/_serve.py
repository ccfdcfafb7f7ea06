"""Serving the MLflow UI for a store, and stopping it cleanly with all its worker processes."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable

from .._errors import InputError
from ._client import resolve_tracking_uri

__all__ = ["experiment_pages", "serve", "ui_command"]


def ui_command(
    *,
    tracking_uri: str | None = None,
    artifacts_destination: str | None = None,
    host: str = "127.0.0.1",
    port: int = 5000,
    quiet: bool = True,
) -> list[str]:
    """The command line that serves the MLflow UI (and REST API) for a tracking store; with
    ``quiet``, the web server logs only its warnings (no line per request)."""
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
    command += ["--registry-store-uri", uri]  # the same store (MLflow says so otherwise)
    if artifacts_destination:
        command += ["--artifacts-destination", artifacts_destination]
    if quiet:
        command += ["--uvicorn-opts", "--log-level warning --no-access-log"]
    return [*command, "--host", host, "--port", str(port), "--workers", "1"]


def experiment_pages(store_uri: str | None, base_url: str) -> dict[str, str]:
    """Each experiment of a store (newest first, at most 10) and the UI page of its runs with
    the key metrics (:func:`~oligomet.tracking._client.runs_page_url`); empty when the store
    does not exist yet."""
    from ._client import client_for, runs_page_url

    try:
        client = client_for(store_uri, create=False)
    except InputError:
        return {}
    found = client.search_experiments(max_results=10, order_by=["last_update_time DESC"])
    return {e.name: runs_page_url(base_url, e.experiment_id) for e in found if e.name != "Default"}


def _stderr():
    """This process's standard error as a file descriptor for a child, if it has one."""
    try:
        return sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):  # replaced by an in-memory stream
        return subprocess.DEVNULL


def _answers(address: str, server: subprocess.Popen, timeout: float = 120.0) -> bool:
    """Wait until the server answers its health check (True), or its process ends (False)."""
    import urllib.error
    import urllib.request

    host = address.replace("://0.0.0.0", "://127.0.0.1")
    deadline = time.monotonic() + timeout
    while server.poll() is None and time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{host}/health", timeout=2) as response:
                if response.status == 200:
                    return True
        except (urllib.error.URLError, OSError):
            time.sleep(0.25)
    return server.poll() is None


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
        Called with the UI's address once the server answers.

    Raises
    ------
    InputError
        When the server exits with an error of its own.
    """
    command = ui_command(
        tracking_uri=store_uri,
        artifacts_destination=artifacts_destination,
        host=host,
        port=port,
        quiet=not logging.getLogger("oligomet").isEnabledFor(logging.INFO),
    )
    # Browsing runs needs no background job workers (MLflow's GenAI features); they would add
    # several processes of ~250 MB each. Set the variable to true to have them.
    env = {**os.environ}
    env.setdefault("MLFLOW_SERVER_ENABLE_JOB_EXECUTION", "false")
    # The server logs to stdout; ours is kept for what the caller prints (``ui --json``).
    server = subprocess.Popen(command, env=env, start_new_session=True, stdout=_stderr())
    address = f"http://{host}:{port}"

    def stop(signum=signal.SIGTERM, frame=None):
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        if _answers(address, server) and on_start is not None:
            on_start(address)
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
