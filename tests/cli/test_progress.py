"""Progress bars as a researcher sees them: drawn and moving on a terminal, never in a file or
with --quiet, never over a message; and the callbacks that drive them (sweep points)."""

from __future__ import annotations

import io
import json
import os
import re
import select
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from oligomet.cli import _console
from oligomet.cli._console import ProgressBars

CLI = [sys.executable, "-m", "oligomet.cli"]
BAR_GLYPHS = ("━", "╸", "╺")
# A fold-fit bar as rich draws it: "fold fits ━━━━╺━━━━  33% 4/12 0:00:03 elapsed, 0:00:06 left"
FOLD_BAR = re.compile(r"fold fits\s+[━╸╺ ]+\s+(\d+)%\s+(\d+)/(\d+)\s+\d+:\d\d:\d\d elapsed")
STYLES = re.compile(r"\x1b\[[0-9;]*m")  # colours, not cursor movements


def _train(shared_data: Path, *extra: str) -> list[str]:
    """``oligomet train`` on van 't Veer's 78 tumours, small enough for a test (18 fold fits in
    one process, a few seconds) yet long enough for the bar to be drawn."""
    table = shared_data / "van_t_veer_78" / "vdv.csv.gz"
    return [
        *extra,
        "train",
        "-e",
        str(table),
        "-c",
        str(table),
        "--label",
        "event",
        "--time",
        "time",
        "--horizon",
        "5",
        "--n-splits",
        "3",
        "--n-repeats",
        "3",
        "--n-permutations",
        "1",
        "--n-bootstrap",
        "200",
        "--no-log-model",
        "--json",
    ]


def _environment(tracking_uri: str) -> dict[str, str]:
    env = {**os.environ, "MLFLOW_TRACKING_URI": tracking_uri, "OLIGOMET_N_JOBS": "1"}
    env["TERM"] = "xterm-256color"
    for name in ("NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "COLUMNS"):
        env.pop(name, None)
    return env


def _on_terminal(args: list[str], env: dict[str, str], cwd: Path, timeout: float = 180):
    """Run a command with a pseudo-terminal (100 columns) as stdin, stdout and stderr; return
    everything it wrote and its exit status."""
    import fcntl
    import pty
    import struct
    import termios

    main, child = pty.openpty()
    fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 100, 0, 0))
    process = subprocess.Popen(
        args, stdin=child, stdout=child, stderr=child, env=env, cwd=cwd, start_new_session=True
    )
    os.close(child)
    output = bytearray()
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([main], [], [], 1.0)
            if not ready:
                if process.poll() is not None:
                    break
                continue
            try:
                data = os.read(main, 65536)
            except OSError:  # EIO: every copy of the terminal's other end is closed
                break
            if not data:
                break
            output += data
    finally:
        os.close(main)
        if process.poll() is None:
            process.kill()
    return output.decode("utf-8", errors="replace"), process.wait(timeout=30)


def _fresh_store(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'fresh' / 'mlflow.db'}"


@pytest.fixture
def store(_mlflow_template, tmp_path) -> str:
    """A migrated store of the test's own (a fresh one would spend ~5 s on migrations)."""
    path = tmp_path / "mlflow.db"
    shutil.copy(_mlflow_template, path)
    return f"sqlite:///{path}"


@pytest.mark.realdata
def test_train_on_a_terminal_draws_a_moving_bar_that_never_covers_a_message(
    shared_data, store, tmp_path
):
    drawn, status = _on_terminal(CLI + _train(shared_data), _environment(store), tmp_path)
    assert status == 0, drawn
    text = STYLES.sub("", drawn)
    states = {(int(done), int(total)) for _, done, total in FOLD_BAR.findall(text)}
    totals = {total for _, total in states}
    assert totals == {18}, text  # 3 x 3 folds, real outcome and one permutation
    assert len(states) >= 3 and any(0 < done < 18 for done, _ in states), states
    assert "left" in text
    # Every message is a line of its own: no screen line holds both a message and a bar.
    for line in re.split(r"[\r\n]", text):
        if "cross-validating" in line or "view vdv" in line or "logged to" in line:
            assert not any(glyph in line for glyph in BAR_GLYPHS), repr(line)
    # The bar is erased when the fits are done: the run's JSON comes out clean.
    assert json.loads(text[text.index("{") :].replace("\r\n", "\n"))["labels"]["n_positive"] == 34


@pytest.mark.realdata
def test_train_into_files_draws_no_bar_and_shows_no_library_chatter(shared_data, tmp_path):
    done = subprocess.run(
        CLI + _train(shared_data),
        env=_environment(_fresh_store(tmp_path)),  # MLflow creates its tables: it says so
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    assert "cross-validating logistic_enet" in done.stderr  # the status messages are there
    for output in (done.stdout, done.stderr):
        assert "\r" not in output and "\x1b[" not in output
    assert "fold fits" not in done.stderr
    assert not any(glyph in done.stderr for glyph in BAR_GLYPHS)
    assert "Creating initial MLflow database tables" not in done.stderr
    assert "INFO" not in done.stderr and "alembic" not in done.stderr
    assert not re.search(r"oligomet\.\w+", done.stderr)  # no logger names
    json.loads(done.stdout)


@pytest.mark.realdata
def test_quiet_draws_no_bar_and_says_nothing_but_the_result(shared_data, store, tmp_path):
    text, status = _on_terminal(CLI + _train(shared_data, "--quiet"), _environment(store), tmp_path)
    assert status == 0, text
    assert "fold fits" not in text and "%" not in text
    assert not any(glyph in text for glyph in BAR_GLYPHS)
    assert "cross-validating" not in text and "view vdv" not in text and "logged to" not in text
    assert text.lstrip().startswith("{"), text[:300]


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _as_terminal(monkeypatch) -> _Terminal:
    """stderr as a terminal (what rich and ProgressBars see), its text kept. Called in the test
    itself: pytest's own capture puts its stderr back between a fixture and the test."""
    screen = _Terminal()
    monkeypatch.setattr(sys, "stderr", screen)
    monkeypatch.setenv("TERM", "xterm")
    monkeypatch.setattr(_console.SETTINGS, "quiet", False)
    return screen


def test_bars_show_count_percentage_and_times_and_stop_when_all_are_complete(monkeypatch):
    terminal = _as_terminal(monkeypatch)
    bars = ProgressBars(enabled=True, delay=0)
    points, folds = bars.callback("sweep points"), bars.callback("fold fits")
    points(0, 4)
    folds(0, 10)
    folds(3, 10)
    bars._progress.refresh()
    _console.write_err("a message while the bars are drawn")
    drawn = STYLES.sub("", terminal.getvalue())
    assert re.search(r"sweep points\s+[━╸╺ ]+\s+0%\s+0/4", drawn), drawn
    assert re.search(r"fold fits\s+[━╸╺ ]+\s+30%\s+3/10 \d:\d\d:\d\d elapsed", drawn), drawn
    assert "a message while the bars are drawn\n" in drawn
    folds(10, 10)  # a complete bar is hidden, the display goes on while a bar is incomplete
    assert bars._progress is not None and not bars._progress.tasks[1].visible
    folds(0, 8)  # the next point's folds: the bar starts again
    assert bars._progress.tasks[1].visible and bars._progress.tasks[1].total == 8
    folds(8, 8)
    points(4, 4)
    assert bars._progress is None  # all complete: stopped and erased
    bars.close()


def test_bars_stay_off_when_quiet_or_not_a_terminal(monkeypatch):
    _as_terminal(monkeypatch)
    with _console.progress_bars() as bars:
        assert bars.callback("fold fits") is not None
    monkeypatch.setattr(_console.SETTINGS, "quiet", True)
    with _console.progress_bars() as bars:
        assert bars.callback("fold fits") is None
    monkeypatch.setattr(_console.SETTINGS, "quiet", False)
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    with _console.progress_bars() as bars:
        assert bars.callback("fold fits") is None


def test_quick_work_draws_nothing(monkeypatch):
    terminal = _as_terminal(monkeypatch)
    bars = ProgressBars(enabled=True, delay=60)
    report = bars.callback("SNF iterations")
    for done in range(1, 21):
        report(done, 20)
    assert not any(glyph in terminal.getvalue() for glyph in BAR_GLYPHS)


def test_sweep_points_and_fusion_iterations_are_reported(tmp_path):
    """``run_pipeline`` reports each point of the sweep, and each point's SNF iterations."""
    from oligomet.workflow import run_pipeline

    rng = np.random.default_rng(0)
    groups = np.repeat([0, 1], 20)
    samples = [f"S{i:02d}" for i in range(40)]
    for view in ("a", "b"):
        values = rng.normal(size=(40, 8)) + 3 * groups[:, None]
        pd.DataFrame(values, index=samples, columns=[f"{view}{j}" for j in range(8)]).to_csv(
            tmp_path / f"{view}.csv"
        )
    pipeline = tmp_path / "two-subtype-counts.yaml"
    pipeline.write_text(
        textwrap.dedent(
            """
            pipeline: two-subtype-counts
            workflow: cluster
            stages:
              read:
                expression:
                  - {path: a.csv, orientation: samples_x_features}
                  - {path: b.csv, orientation: samples_x_features}
              snf: {n_neighbors: 8, n_iter: 6}
            sweep:
              grid:
                snf.n_clusters: [2, 3, 4]
            """
        ).lstrip()
    )
    points, iterations = [], []
    result = run_pipeline(
        pipeline,
        track=False,
        cache_dir=tmp_path / "cache",
        progress=lambda message: None,
        point_progress=lambda done, total: points.append((done, total)),
        fusion_progress=lambda done, total: iterations.append((done, total)),
    )
    assert len(result.points) == 3
    assert points == [(0, 3), (1, 3), (2, 3), (3, 3)]
    assert iterations == [(i, 6) for i in range(1, 7)] * 3
