"""Rules for the names and store URIs MLflow accepts, checked before any work starts.

MLflow checks a registry alias only when it is set, after the model has been trained and
registered, and a store's URI or an experiment's name only when the run opens: a bad one then
fails the run at its very end. The rules here are MLflow 3's
(``mlflow.utils.validation``), restated so that they can be checked without importing MLflow.
"""

from __future__ import annotations

import re

__all__ = [
    "alias_problem",
    "experiment_name_problem",
    "registered_name_problem",
    "tracking_uri_problem",
]

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


_MAX_EXPERIMENT_NAME_LENGTH = 500  # MLflow 3's limit (mlflow.utils.validation)
#: URI schemes of the stores MLflow keeps runs and registered models in (its tracking and model
#: registry store registries; ``postgresql+psycopg2`` and such name a database driver).
_STORE_SCHEMES = frozenset(
    {"", "file", "sqlite", "postgresql", "mysql", "mssql", "http", "https", "databricks"}
    | {"databricks-uc", "uc"}
)


def tracking_uri_problem(uri: str) -> str | None:
    """Why MLflow could not open a store at ``uri``, in one sentence; None when it can.

    Checked before any work: MLflow itself refuses an unknown scheme only when the run opens
    (after the cross-validation) or when a model is looked up.

    Examples
    --------
    >>> tracking_uri_problem("sqlite:///mlflow.db") is None
    True
    >>> print(tracking_uri_problem("ftp://host/store"))  # doctest: +NORMALIZE_WHITESPACE
    tracking URI 'ftp://host/store': MLflow keeps no runs at 'ftp:' addresses; give
    sqlite:///PATH.db, a server's http(s):// address or a database URL (postgresql://,
    mysql://, mssql://)
    """
    from urllib.parse import urlsplit

    try:
        scheme = urlsplit(uri).scheme.lower()
    except ValueError as error:  # e.g. an unbalanced '[' in the host part
        return f"tracking URI {uri!r} is not a valid URI ({error})"
    if len(scheme) <= 1:  # a local path, or a Windows drive letter (C:\\...)
        return None
    if scheme.split("+", 1)[0] in _STORE_SCHEMES or scheme in _store_plugins():
        return None
    return (
        f"tracking URI {uri!r}: MLflow keeps no runs at '{scheme}:' addresses; give "
        "sqlite:///PATH.db, a server's http(s):// address or a database URL (postgresql://, "
        "mysql://, mssql://)"
    )


def _store_plugins() -> set[str]:
    """Schemes that installed MLflow plugins add (their entry points; nothing is imported)."""
    from importlib.metadata import entry_points

    return {point.name for point in entry_points(group="mlflow.tracking_store")}


def experiment_name_problem(name: str) -> str | None:
    """Why MLflow would refuse an experiment ``name``; None when it accepts it."""
    if not name.strip():
        return "an experiment name cannot be empty"
    if len(name) > _MAX_EXPERIMENT_NAME_LENGTH:
        return (
            f"an experiment name is at most {_MAX_EXPERIMENT_NAME_LENGTH} characters long "
            f"({len(name)} given)"
        )
    return None


def registered_name_problem(name: str) -> str | None:
    """Why the model registry would refuse a registered model ``name``; None when it accepts it.

    Examples
    --------
    >>> registered_name_problem("acc-stage") is None
    True
    >>> print(registered_name_problem("acc/stage"))  # doctest: +NORMALIZE_WHITESPACE
    registered model name 'acc/stage' contains '/' or ':', which MLflow refuses (they separate
    the parts of models:/NAME@ALIAS); use e.g. 'acc-stage'
    """
    if not name.strip():
        return "a registered model name cannot be blank"
    if "/" in name or ":" in name:
        return (
            f"registered model name {name!r} contains '/' or ':', which MLflow refuses "
            "(they separate the parts of models:/NAME@ALIAS); use e.g. 'acc-stage'"
        )
    if name == "." or name.startswith(".."):
        return f"registered model name {name!r} reads as a folder; rename it"
    return None
