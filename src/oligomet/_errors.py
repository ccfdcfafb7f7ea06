"""Exceptions raised for problems with the user's input.

Everything a user can fix (a malformed table, an unknown column, too few samples) raises
:class:`InputError`. Its message is one line that names the file, column or sample and says what to
do; the command-line interface prints that line and exits non-zero without a traceback. Any other
exception is a bug in oligomet and is allowed to surface with its traceback.
"""

from __future__ import annotations

__all__ = ["InputError", "MissingFeaturesError"]


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
