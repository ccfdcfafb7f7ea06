"""The command line's logging: one handler for oligomet's messages, other libraries' log records
and Python warnings, installed for the duration of one command (the library never configures
logging: it only logs).

What reaches the terminal:

- oligomet's messages at the chosen level, as ``warning: MESSAGE`` (``-v`` adds information,
  ``-vv`` debugging, with the logger's name);
- other libraries' (MLflow, alembic, SQLAlchemy, urllib3, ...) messages only with ``-v``, named
  by their package (``mlflow: Creating initial MLflow database tables...``; the chattiest ones
  only with ``-vv``, their debugging only in a log file); their errors always;
- Python warnings: oligomet's own as ``warning: MESSAGE``; other packages' (scikit-learn's
  ConvergenceWarning, ...) counted and summarised in one line at the end of the command
  (``12 ConvergenceWarnings from scikit-learn were hidden; -v shows them``), each distinct one
  shown once with ``-v`` and every one with ``-vv``.

``--log-file`` receives every record at the chosen level, other libraries' warnings included, in
full (time, level, logger name).
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import warnings
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from ._console import SETTINGS, write_err

__all__ = ["routed_output"]

#: The logger that Python warnings are logged to (the name ``logging.captureWarnings`` uses).
WARNINGS_LOGGER = "py.warnings"

#: Libraries that talk a lot below WARNING: their information only with -vv. SQLAlchemy's INFO
#: is every SQL statement and numba's DEBUG every compiler pass: never shown.
_CHATTY = (
    "alembic",
    "asyncio",
    "distributed",
    "filelock",
    "fsspec",
    "git",
    "h5py",
    "httpcore",
    "httpx",
    "huey",
    "matplotlib",
    "numexpr",
    "PIL",
    "urllib3",
)
_NEVER_BELOW_WARNING = ("numba", "sqlalchemy")

_PREFIX = {
    logging.DEBUG: "debug: ",
    logging.INFO: "",
    logging.WARNING: "warning: ",
    logging.ERROR: "error: ",
    logging.CRITICAL: "error: ",
}


def _ours(name: str) -> bool:
    return name == "oligomet" or name.startswith("oligomet.")


class _Terminal(logging.Handler):
    """Writes records through :func:`~oligomet.cli._console.write_err` (above any progress
    bar), keeping other packages' warnings back unless asked: they are counted instead."""

    def __init__(self, verbose: int) -> None:
        super().__init__(logging.DEBUG)
        self.verbose = verbose
        self.hidden: Counter[tuple[str, str]] = Counter()
        self._seen: set[tuple[str, str]] = set()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self._line(record)
            if line is not None:
                write_err(line)
        except Exception:  # a handler never raises into the code that logged
            self.handleError(record)

    def _line(self, record: logging.LogRecord) -> str | None:
        origin = getattr(record, "origin", None) or record.name.split(".")[0]
        if record.name == WARNINGS_LOGGER:
            return self._warning(record, origin)
        if _ours(record.name):
            name = f"{record.name}: " if self.verbose >= 2 else ""
            return f"{_PREFIX.get(record.levelno, '')}{name}{self._message(record)}"
        if record.levelno < logging.INFO:  # other libraries' debugging: in a --log-file only
            return None
        if record.levelno < logging.ERROR and self.verbose == 0:
            self.hidden[("warning message", origin)] += 1
            return None
        name = record.name if self.verbose >= 2 else origin
        return f"{_PREFIX.get(record.levelno, '')}{name}: {self._message(record)}"

    def _warning(self, record: logging.LogRecord, origin: str) -> str | None:
        category = getattr(record, "category", "Warning")
        text = getattr(record, "text", None) or record.getMessage()
        if origin == "oligomet":
            return f"warning: {text}"
        if self.verbose == 0:
            self.hidden[(category, origin)] += 1
            return None
        if self.verbose == 1:  # each distinct warning once, as Python itself would
            if (category, text) in self._seen:
                return None
            self._seen.add((category, text))
        return f"warning: {category} from {_distribution(origin)}: {text}"

    def _message(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        if record.exc_info:
            message += "\n" + logging.Formatter().formatException(record.exc_info)
        return message

    def summary(self) -> str | None:
        """``12 ConvergenceWarnings from scikit-learn were hidden; -v shows them``, or None."""
        if not self.hidden:
            return None
        parts = [
            f"{count} {category}{'s' if count != 1 else ''} from {_distribution(origin)}"
            for (category, origin), count in sorted(self.hidden.items())
        ]
        listed = parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"
        verb = "was" if len(parts) == 1 and sum(self.hidden.values()) == 1 else "were"
        return f"{listed} {verb} hidden; -v shows them"


def _distribution(package: str) -> str:
    """The installed distribution that provides a top-level package (sklearn: scikit-learn;
    mlflow, also provided in part by mlflow-skinny and mlflow-tracing: mlflow)."""
    from importlib.metadata import packages_distributions

    if package == "python":
        return "Python"
    try:
        names = packages_distributions().get(package) or []
    except Exception:  # a broken installation's metadata: the package name will do
        names = []
    same = [name for name in names if name.lower().replace("_", "-") == package.lower()]
    return (same or names or [package])[0]


def _origin(category: type[Warning], filename: str) -> str:
    """The top-level package a warning comes from: its category's, else its file's."""
    module = getattr(category, "__module__", "builtins") or "builtins"
    if module not in ("builtins", "warnings", "exceptions"):
        return module.split(".")[0]
    path = Path(filename)
    oligomet = Path(__file__).resolve().parents[1]
    with contextlib.suppress(ValueError, OSError):
        path.resolve().relative_to(oligomet)
        return "oligomet"
    for folder in ("site-packages", "dist-packages"):
        if folder in path.parts:
            index = path.parts.index(folder)
            if index + 1 < len(path.parts):
                return path.parts[index + 1].removesuffix(".py")
    return "python"


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """``warnings.showwarning`` of the command: the warning becomes a log record (message
    ``ConvergenceWarning: TEXT (FILE:LINE)`` for other packages' warnings, as a log file shows
    it; the terminal words it from the parts)."""
    origin = _origin(category, filename)
    if origin == "oligomet":
        text = str(message)
        logging.getLogger(WARNINGS_LOGGER).warning(text, extra={"origin": origin, "text": text})
        return
    text = f"{message} ({Path(filename).name}:{lineno})"
    logging.getLogger(WARNINGS_LOGGER).warning(
        "%s: %s",
        category.__name__,
        text,
        extra={"category": category.__name__, "origin": origin, "text": text},
    )


def _level(verbose: int) -> int:
    return logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG


@contextlib.contextmanager
def routed_output(verbose: int, quiet: bool, log_file: Path | None = None) -> Iterator[None]:
    """Route log records and warnings as the module notes say, and set the global options
    (:data:`~oligomet.cli._console.SETTINGS`), for the duration of a command; at its end, print
    the summary of what was hidden (not with ``--quiet``) and restore what was there before."""
    level = _level(verbose)
    root = logging.getLogger()
    terminal = _Terminal(verbose)
    handlers: list[logging.Handler] = [terminal]
    if log_file is not None:
        to_file = logging.FileHandler(log_file)
        to_file.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        handlers.append(to_file)
    for handler in handlers:
        handler.setLevel(level)
    saved_levels = {name: logging.getLogger(name).level for name in _quieted()}
    saved_root = root.level
    saved_settings = (SETTINGS.verbose, SETTINGS.quiet)
    SETTINGS.verbose, SETTINGS.quiet = verbose, quiet
    with _environment(verbose), warnings.catch_warnings():
        _take_over_mlflow_loggers()
        _own_logger_to_root()
        for name in _quieted():
            logging.getLogger(name).setLevel(_quiet_level(name, verbose))
        root.setLevel(level)
        for handler in handlers:
            root.addHandler(handler)
        # Every warning reaches the hook (so that repeats are counted), except the categories
        # Python hides by default (deprecations): they stay hidden, unless -W or PYTHONWARNINGS
        # says otherwise (those filters come first).
        warnings.simplefilter("always", append=True)
        warnings.showwarning = _show_warning
        try:
            yield
        finally:
            for handler in handlers:
                root.removeHandler(handler)
                handler.close()
            root.setLevel(saved_root)
            for name, saved in saved_levels.items():
                logging.getLogger(name).setLevel(saved)
            summary = terminal.summary()
            if summary and not quiet:
                write_err(summary)
            SETTINGS.verbose, SETTINGS.quiet = saved_settings


def _quieted() -> tuple[str, ...]:
    return (*_CHATTY, *_NEVER_BELOW_WARNING)


def _quiet_level(name: str, verbose: int) -> int:
    if name in _NEVER_BELOW_WARNING or verbose < 2:
        return logging.WARNING
    return logging.INFO


def _own_logger_to_root() -> None:
    """oligomet's logger hands its records to the root handler (an earlier set-up in the same
    process may have given it handlers of its own)."""
    own = logging.getLogger("oligomet")
    own.handlers.clear()
    own.setLevel(logging.NOTSET)
    own.propagate = True


def _take_over_mlflow_loggers() -> None:
    """MLflow gives its loggers a handler of its own when imported (printing e.g. ``2026/01/01
    12:00:00 INFO mlflow.store.db.utils: Creating initial MLflow database tables...``).
    ``MLFLOW_CONFIGURE_LOGGING=false`` (:func:`_environment`) stops that for an import to come;
    an MLflow imported earlier in this process has its handlers taken away here."""
    if "mlflow" not in sys.modules:
        return
    for name in ("mlflow", "alembic", "sqlalchemy.engine", "huey"):
        logger = logging.getLogger(name)
        own = [
            handler
            for handler in logger.handlers
            if type(getattr(handler, "stream", None)).__name__ == "MlflowLoggingStream"
        ]
        if own:
            for handler in own:
                logger.removeHandler(handler)
            logger.setLevel(logging.NOTSET)
            logger.propagate = True


@contextlib.contextmanager
def _environment(verbose: int) -> Iterator[None]:
    """Settings for this process's MLflow and for the processes a command starts (fold workers,
    the MLflow server), unless the user set them: MLflow leaves its logging to this module; and,
    without -v, Python warnings those processes would print themselves are not printed (they
    would write over the progress bars, and cannot be counted here). The warnings of the fold
    fits are not lost: the workers send them back with their results, to be counted here
    (:mod:`oligomet.parallel`). Restored when the command ends."""
    wanted = {"MLFLOW_CONFIGURE_LOGGING": "false"}
    if verbose == 0:
        wanted["PYTHONWARNINGS"] = "ignore"
    added = [name for name in wanted if name not in os.environ]
    for name in added:
        os.environ[name] = wanted[name]
    try:
        yield
    finally:
        for name in added:
            os.environ.pop(name, None)
