"""What a researcher sees on stderr: status lines, and progress bars while long work runs.

Every line the CLI writes to stderr (a command's status messages, log messages, the summary of
hidden warnings) goes through :func:`write_err`. While progress bars are drawn it prints above
them through the bars' own console, so a bar never garbles a message; rich's redirection of
``sys.stderr`` catches only writes through ``sys.stderr`` itself, not click's (which write to the
stream underneath).

Bars are drawn only on a terminal, never with ``--quiet``, and only once work has run for more
than a moment (:data:`DELAY`): quick steps leave the screen as they found it.
"""

from __future__ import annotations

import contextlib
import functools
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import typer

__all__ = ["SETTINGS", "ProgressBars", "echo_err", "progress_bars", "write_err"]

#: Seconds of work before a bar is drawn.
DELAY = 0.5


@dataclass
class Settings:
    """The global options of the running command (set by the app callback)."""

    verbose: int = 0
    quiet: bool = False


SETTINGS = Settings()
_drawn: list[Any] = []  # the rich Progress being drawn, if any (one at a time)


def write_err(line: str) -> None:
    """One line on stderr; above the progress bars while they are drawn."""
    progress = _drawn[0] if _drawn else None
    if progress is not None:
        progress.console.print(line, markup=False, highlight=False, emoji=False, soft_wrap=True)
    else:
        typer.echo(line, err=True)


def echo_err(message: str) -> None:
    """A command's status message (which stage ran, how many samples, ...); none with
    ``--quiet``."""
    if not SETTINGS.quiet:
        write_err(message)


def bars_wanted() -> bool:
    """Bars are for a person watching: stderr is a terminal (not a dumb one) and no --quiet."""
    import os
    import sys

    if SETTINGS.quiet or os.environ.get("TERM") == "dumb":
        return False
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):  # replaced or closed stderr
        return False


class ProgressBars:
    """Progress bars of one command, one per kind of work, drawn together on stderr.

    :meth:`callback` gives the ``progress(done, total)`` function that the executors (fold fits
    and permutations), the SNF fusion (iterations) and the pipeline runner (sweep points) call,
    or None when nothing is drawn. The display starts at the first report and stops, erasing
    itself, when every bar is complete; a complete bar is hidden, and starts again from zero
    when its count goes back (the next sweep point's folds). Each bar shows its count, its
    percentage, the time elapsed and the time remaining.

    Parameters
    ----------
    enabled : bool
        False: every callback is None and nothing is drawn.
    delay : float, default=DELAY
        Seconds after the display starts before anything is drawn.
    """

    def __init__(self, *, enabled: bool, delay: float = DELAY) -> None:
        self.enabled = enabled
        self.delay = delay
        self._progress = None
        self._tasks: dict[str, Any] = {}
        self._lock = threading.Lock()

    def callback(self, label: str) -> Callable[[int, int], None] | None:
        """``progress(done, total)`` for the bar named ``label`` (None when disabled)."""
        if not self.enabled:
            return None
        return functools.partial(self._report, label)

    def _report(self, label: str, done: int, total: int) -> None:
        with self._lock:
            progress = self._started()
            task = self._tasks.get(label)
            if task is None:
                task = self._tasks[label] = progress.add_task(label, total=total)
            else:
                drawn = next(t for t in progress.tasks if t.id == task)
                if done < drawn.completed or drawn.total != total:
                    progress.reset(task, total=total)  # the next evaluation: its clock restarts
            progress.update(task, completed=done, total=total, visible=done < total)
            if all(t.completed >= (t.total or 0) for t in progress.tasks):
                self._stop()

    def _started(self):
        if self._progress is None:
            self._progress = _progress_display(self.delay)
            self._progress.start()
            _drawn.append(self._progress)
        return self._progress

    def _stop(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            _drawn.remove(self._progress)
            self._progress, self._tasks = None, {}

    def close(self) -> None:
        with self._lock:
            self._stop()


def _progress_display(delay: float):
    """A rich Progress on stderr that draws nothing during its first ``delay`` seconds."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    class Delayed(Progress):
        shown_from = time.monotonic() + delay

        def get_renderables(self):
            if time.monotonic() >= self.shown_from:
                yield from super().get_renderables()

    return Delayed(
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("elapsed,"),
        TimeRemainingColumn(),
        TextColumn("left"),
        console=Console(stderr=True),
        transient=True,
    )


@contextlib.contextmanager
def progress_bars(*, delay: float = DELAY) -> Iterator[ProgressBars]:
    """The command's :class:`ProgressBars`, erased on leaving the block (also on an error)."""
    bars = ProgressBars(enabled=bars_wanted(), delay=delay)
    try:
        yield bars
    finally:
        bars.close()
