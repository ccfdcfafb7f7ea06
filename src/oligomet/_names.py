"""Rules for names the model registry accepts, checked before any work starts.

MLflow checks a registry alias only when it is set, after the model has been trained and
registered; a bad alias then fails the run at its very end. The rules here are MLflow 3's
(``mlflow.utils.validation``), restated so that they can be checked without importing MLflow.
"""

from __future__ import annotations

import re

__all__ = ["alias_problem"]

_ALIAS = re.compile(r"^[\w\-]+$")
_VERSION_ALIAS = re.compile(r"^[vV]\d+$")
_MAX_ALIAS_LENGTH = 255


def alias_problem(alias: str) -> str | None:
    """Why the model registry would refuse ``alias``, in one sentence; None when it accepts it.

    Examples
    --------
    >>> alias_problem("candidate") is None
    True
    >>> print(alias_problem("v1"))  # doctest: +NORMALIZE_WHITESPACE
    alias 'v1' is reserved: MLflow reads v<number> as a version number; use e.g. 'candidate' or
    'release-1'

    """
    if not alias:
        return "an alias cannot be empty"
    if alias.lower() == "latest":
        return "alias 'latest' is reserved by MLflow (models:/NAME/latest is the newest version)"
    if _VERSION_ALIAS.match(alias):
        return (
            f"alias {alias!r} is reserved: MLflow reads v<number> as a version number; use e.g. "
            "'candidate' or 'release-1'"
        )
    if not _ALIAS.match(alias):
        return f"alias {alias!r} may only contain letters, digits, underscores (_) and dashes (-)"
    if len(alias) > _MAX_ALIAS_LENGTH:
        return f"an alias is at most {_MAX_ALIAS_LENGTH} characters long ({len(alias)} given)"
    return None
