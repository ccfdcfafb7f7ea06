"""Other libraries' warnings and log messages go through the command line's own logging: hidden
and summarised by default, in full with -v, never with logger names unless -vv."""

from __future__ import annotations

import logging
import subprocess
import sys
import textwrap
import warnings

import pytest

# A command whose library call behaves like a long run does: scikit-learn warns about
# convergence in every fit, oligomet's loader logs a warning, MLflow and alembic create a store.
NOISY_COMMAND = textwrap.dedent(
    """
    import logging
    import sys
    import warnings

    import oligomet.models
    from sklearn.exceptions import ConvergenceWarning


    def noisy_models():
        for _ in range(12):
            warnings.warn(
                "Liblinear failed to converge, increase the number of iterations.",
                ConvergenceWarning,
            )
        logging.getLogger("oligomet.io._multiview").warning(
            "samples dropped while assembling views"
        )
        logging.getLogger("mlflow.store.db.utils").info(
            "Creating initial MLflow database tables..."
        )
        logging.getLogger("alembic.runtime.migration").info("Context impl SQLiteImpl.")
        return {}


    oligomet.models.available_models = noisy_models
    from oligomet.cli import main

    sys.argv = ["oligomet", *sys.argv[1:]]
    main()
    """
)
SUMMARY = "12 ConvergenceWarnings from scikit-learn were hidden; -v shows them"
IN_FULL = (
    "warning: ConvergenceWarning from scikit-learn: Liblinear failed to converge, increase the "
    "number of iterations."
)


@pytest.fixture
def noisy(tmp_path):
    """Run ``oligomet [OPTIONS] models`` with the noisy library call; return its stderr lines."""
    script = tmp_path / "noisy_command.py"
    script.write_text(NOISY_COMMAND)

    def run(*options: str) -> list[str]:
        done = subprocess.run(
            [sys.executable, str(script), *options, "models"],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=tmp_path,
        )
        assert done.returncode == 0, done.stderr
        return done.stderr.splitlines()

    return run


def test_by_default_other_libraries_are_summarised_and_ours_speak_plainly(noisy):
    lines = noisy()
    assert lines == ["warning: samples dropped while assembling views", SUMMARY]


def test_verbose_shows_them_in_full_by_package(noisy):
    lines = noisy("-v")
    assert sum(line.startswith(IN_FULL) for line in lines) == 1  # each distinct warning once
    assert "warning: samples dropped while assembling views" in lines
    assert "mlflow: Creating initial MLflow database tables..." in lines
    assert not any("hidden" in line for line in lines)
    assert not any("alembic" in line for line in lines)  # its migrations only with -vv
    assert not any("oligomet.io" in line for line in lines)


def test_very_verbose_shows_every_warning_with_logger_names(noisy):
    lines = noisy("-vv")
    assert sum(line.startswith(IN_FULL) for line in lines) == 12
    assert "warning: oligomet.io._multiview: samples dropped while assembling views" in lines
    assert "mlflow.store.db.utils: Creating initial MLflow database tables..." in lines
    assert "alembic.runtime.migration: Context impl SQLiteImpl." in lines


def test_quiet_keeps_our_warnings_and_drops_the_summary(noisy):
    assert noisy("--quiet") == ["warning: samples dropped while assembling views"]


def test_the_log_file_keeps_what_the_terminal_hid(noisy, tmp_path):
    log = tmp_path / "oligomet.log"
    assert noisy("--log-file", str(log)) == [
        "warning: samples dropped while assembling views",
        SUMMARY,
    ]
    text = log.read_text()
    assert text.count("WARNING py.warnings: ConvergenceWarning: Liblinear failed to converge") == 12
    assert "WARNING oligomet.io._multiview: samples dropped" in text
    assert "Creating initial MLflow database tables" not in text  # INFO: only with -v


def test_a_command_leaves_logging_and_warnings_as_it_found_them(oligomet):
    root = logging.getLogger()
    handlers, level, show = list(root.handlers), root.level, warnings.showwarning
    result = oligomet("-v", "models")
    assert result.exit_code == 0, result.output
    assert root.handlers == handlers and root.level == level
    assert warnings.showwarning is show
    assert logging.getLogger("oligomet").propagate  # records reach the root (and caplog)


@pytest.mark.slow
def _answers(url: str) -> bool:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def test_the_mlflow_server_says_where_it_is_and_keeps_its_chatter(tmp_path):
    """``oligomet ui`` on a new store: no database-creation lines, no Starlette deprecation
    (the server is a process of its own: its Python warnings are off unless -v)."""
    import os
    import signal
    import socket
    import time

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        k: v for k, v in os.environ.items() if k not in ("PYTHONWARNINGS", "MLFLOW_TRACKING_URI")
    }
    log = tmp_path / "stderr.txt"
    # Ctrl-C as in a terminal: a test session started in the background (``nohup``, ``&``
    # without job control) ignores SIGINT, the command would inherit that and never hear it.
    inherited = signal.signal(signal.SIGINT, signal.default_int_handler)
    with log.open("w") as stderr:
        try:
            server = subprocess.Popen(
                [sys.executable, "-X", "faulthandler", "-m", "oligomet.cli", "ui",
                 "--port", str(port), "--tracking-uri", f"sqlite:///{tmp_path / 'mlflow.db'}"],
                stdout=subprocess.DEVNULL, stderr=stderr, env=env, cwd=tmp_path,
            )  # fmt: skip
        finally:
            signal.signal(signal.SIGINT, inherited)
        try:
            deadline = time.monotonic() + 120
            while "MLflow UI on" not in log.read_text() and time.monotonic() < deadline:
                assert server.poll() is None, log.read_text()
                time.sleep(0.5)
            # Up and answering (its store created, its app loaded): whatever it would print
            # while starting has been printed.
            while not _answers(f"http://127.0.0.1:{port}/health"):
                assert server.poll() is None and time.monotonic() < deadline, log.read_text()
                time.sleep(0.5)
            time.sleep(1)
        finally:
            server.send_signal(signal.SIGINT)  # the command stops its server and returns
            try:
                server.wait(timeout=60)
            except subprocess.TimeoutExpired:  # say where it hangs: faulthandler's stacks
                server.send_signal(signal.SIGABRT)
                server.wait(timeout=30)
                pytest.fail(f"oligomet ui still running 60 s after SIGINT:\n{log.read_text()}")
    text = log.read_text()
    assert f"MLflow UI on http://127.0.0.1:{port}" in text
    assert "Creating initial MLflow database tables" not in text
    assert "DeprecationWarning" not in text and "starlette" not in text
