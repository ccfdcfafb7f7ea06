"""The ``oligomet`` command line: thin commands that parse options and call one function each.

Heavy libraries (mlflow, scikit-learn, anndata) are imported inside the commands, so
``oligomet --help`` answers instantly. A user error prints one line and exits with status 2.
Each command lives in its own module of this package; options of the commands that run a
workflow are built from the workflow's config fields (:mod:`oligomet.cli._options`).
"""

from __future__ import annotations

import contextlib
import functools
import os
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer
from typer.core import TyperGroup

__all__ = ["USER_ERROR", "app", "fail", "main", "user_errors"]


try:  # typer >= 0.22 carries its own copy of click
    from typer._click.exceptions import UsageError as _UsageError
except ImportError:  # pragma: no cover - older typer, on click itself
    from click.exceptions import UsageError as _UsageError


class _OneLineUsageErrors(TyperGroup):
    """A mistake in the command line itself (an unknown command or option, a value that is not a
    number) answered like every other user error: ``error: ...`` on one line, exit 2. Click would
    print the usage, a hint and the message in a box."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except _UsageError as error:
            if type(error).__name__ == "NoArgsIsHelpError":  # the help text, as asked
                raise
            if error.ctx is not None:
                command = error.ctx.command_path
            else:  # an option of the subcommand that lacks its value
                command = " ".join(filter(None, (ctx.command_path, ctx.invoked_subcommand)))
            fail(f"{' '.join(error.format_message().split())} (see '{command} --help')")


app = typer.Typer(
    cls=_OneLineUsageErrors,
    name="oligomet",
    help="Learn and evaluate molecular signatures of oligo- versus polymetastatic disease.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

USER_ERROR = 2


def fail(message: str) -> None:
    """Print ``error: MESSAGE`` on stderr and exit with status 2."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(USER_ERROR)


def user_errors(command):
    """Turn an InputError (anything the user can fix) into one line on stderr and exit 2."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        from .._errors import InputError

        try:
            return command(*args, **kwargs)
        except InputError as error:
            fail(str(error))
        except KeyboardInterrupt as interruption:
            fail(f"interrupted{f' ({interruption})' if str(interruption) else ''}")

    return wrapper


@contextlib.contextmanager
def signals_as_interrupts() -> Iterator[None]:
    """SIGTERM and SIGHUP (a job scheduler stopping the job, a closed terminal) handled like
    Ctrl-C for the duration of a command: an open run is marked FAILED, worker processes are
    stopped, and the command says "error: interrupted (SIGTERM)" and exits 2. The previous
    handlers come back afterwards; outside the main thread nothing is changed."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, frame):
        raise KeyboardInterrupt(signal.Signals(signum).name)

    wanted = [signal.SIGTERM, *([signal.SIGHUP] if hasattr(signal, "SIGHUP") else [])]
    previous = {signum: signal.signal(signum, interrupt) for signum in wanted}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


@app.callback()
def _configure(
    ctx: typer.Context,
    verbose: Annotated[
        int,
        typer.Option(
            "--verbose",
            "-v",
            count=True,
            help="More messages: -v for information and other libraries' messages and "
            "warnings, -vv for debugging.",
        ),
    ] = 0,
    quiet: Annotated[
        bool,
        typer.Option(
            "--quiet", "-q", help="No progress bars or status messages: results, warnings, errors."
        ),
    ] = False,
    log_file: Annotated[
        Path | None, typer.Option(help="Also write log messages to this file.")
    ] = None,
) -> None:
    """Configure logging, warnings and progress display for the whole command (the library
    itself never does; see :mod:`oligomet.cli._logging`)."""
    from ._logging import routed_output

    # MLflow 3 reports usage to its developers unless told not to; patient studies run offline.
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    # Downloading a model from a tracking server draws MLflow's own bar per file: too much noise.
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    # Entered now, left when the command ends (its summary of hidden warnings printed last).
    ctx.with_resource(routed_output(verbose, quiet, log_file))
    ctx.with_resource(signals_as_interrupts())


def main() -> None:
    """Console-script entry point."""
    app()
