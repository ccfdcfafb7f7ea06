"""Exceptions raised for problems with the user's input.

Everything a user can fix (a malformed table, an unknown column, too few samples) raises
:class:`InputError`. Its message is one line that names the file, column or sample and says what to
do; the command-line interface prints that line and exits non-zero without a traceback. Any other
exception is a bug in oligomet and is allowed to surface with its traceback.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["InputError", "MissingFeaturesError", "check_file"]


class InputError(ValueError):
    """A problem with user-supplied data, files or options that the user can fix."""


class MissingFeaturesError(InputError, KeyError):
    """Features a fitted model needs are absent from the data given to it.

    Attributes
    ----------
    missing : list of str
        The absent feature names, in the model's order.
    """

    def __init__(self, message: str, missing: list[str] | None = None) -> None:
        super().__init__(message)
        self.missing = list(missing or [])

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return str(self.args[0]) if self.args else ""


def check_file(path: str | os.PathLike[str]) -> Path:
    """Return ``path`` as a :class:`~pathlib.Path` after checking that it is an existing file
    (here, with nothing heavy imported, so that the command line can check its inputs first).

    Raises
    ------
    InputError
        If the path does not exist or is a directory.
    """
    path = Path(path)
    if path.is_dir():
        raise InputError(f"{path} is a directory, not a file; give the path of a file inside it")
    if not path.exists():
        raise InputError(f"{path}: file not found; check the path and the working directory")
    return path
