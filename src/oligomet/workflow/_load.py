"""Resolving a config: YAML file, then values from options, then dotted overrides."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from .._errors import InputError, check_file
from ._config import ClusterConfig, EvaluateConfig, TrainConfig, sectioned
from ._yaml import YamlFile, expand_variables, read_yaml, validation_message

__all__ = [
    "check_input_files",
    "load_cluster_config",
    "load_config",
    "parse_value",
    "rebase_paths",
    "set_dotted",
]

_KINDS = {TrainConfig: "train", EvaluateConfig: "evaluate", ClusterConfig: "cluster"}


def set_dotted(target: dict[str, Any], dotted: str, value: Any) -> None:
    """``set_dotted(d, "cv.n_splits", 3)`` sets ``d["cv"]["n_splits"] = 3``."""
    keys = dotted.split(".")
    node = target
    for key in keys[:-1]:
        child = node.get(key)
        if child is None:
            child = node[key] = {}
        elif not isinstance(child, dict):
            raise InputError(f"cannot set {dotted!r}: {key!r} is not a section")
        else:
            child = node[key] = dict(child)
        node = child
    node[keys[-1]] = value


def parse_value(text: Any) -> Any:
    """A command-line override's value as a YAML scalar (``3`` -> int, ``true`` -> bool)."""
    import yaml

    if not isinstance(text, str):
        return text
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text


def _rebase(value: Any, base: Path) -> Any:
    if value is None:
        return None
    path = Path(expand_variables(str(value)))
    return str(path if path.is_absolute() else base / path)


def rebase_paths(raw: dict[str, Any], base: Path) -> dict[str, Any]:
    """Data paths of a (sectioned) config made relative to ``base`` (the file's folder), with
    ``${VARIABLE}`` expanded."""
    read = raw.get("read")
    if not isinstance(read, dict):
        return raw
    read = raw["read"] = dict(read)
    views = read.get("expression")
    if isinstance(views, list):
        read["expression"] = [
            {**view, "path": _rebase(view["path"], base)}
            if isinstance(view, dict) and isinstance(view.get("path"), str)
            else view
            for view in views
        ]
    clinical = read.get("clinical")
    if isinstance(clinical, str):
        clinical = [clinical]
    if isinstance(clinical, list):
        read["clinical"] = [_rebase(p, base) if isinstance(p, str) else p for p in clinical]
    if isinstance(read.get("sample_map"), str):
        read["sample_map"] = _rebase(read["sample_map"], base)
    return raw


def load_config(
    path: str | os.PathLike[str] | None = None,
    *,
    values: Mapping[str, Any] | None = None,
    overrides: Mapping[str, Any] | None = None,
    model: type[BaseModel] | None = None,
) -> Any:
    """Resolve a config: YAML file, then explicit values, then dotted overrides.

    Parameters
    ----------
    path : path or None
        YAML file with the fields of the config (:class:`TrainConfig` by default); relative data
        paths in it are relative to the file.
    values : mapping or None
        Dotted keys set from command-line options (``{"label.column": "event"}``).
    overrides : mapping or None
        Dotted overrides given as ``--cv.n_splits 3``; applied last. Values are parsed as YAML
        scalars (``3`` -> int, ``true`` -> bool).
    model : pydantic model class, default TrainConfig
        :class:`TrainConfig`, :class:`EvaluateConfig` or :class:`ClusterConfig`.

    Raises
    ------
    InputError
        Unreadable or invalid file, unknown key, or a value of the wrong type (with the file and
        line where the value came from a file).
    """
    model = model or TrainConfig
    kind = _KINDS.get(model, "train")
    source: YamlFile | None = None
    raw: dict[str, Any] = {}
    if path is not None:
        source = read_yaml(path)
        raw = rebase_paths(sectioned(source.data, kind), source.path.parent)
    for key, value in (values or {}).items():
        set_dotted(raw, key, value)
    for key, value in (overrides or {}).items():
        set_dotted(raw, key, parse_value(value))
    try:
        return model.model_validate(sectioned(raw, kind))
    except ValidationError as error:
        raise InputError(validation_message(error, source=source)) from None


def check_input_files(config: Any) -> None:
    """Every file a config reads exists: checked before anything heavy is imported or computed,
    so that a mistyped path is answered at once.

    Raises
    ------
    InputError
        Naming the first missing file (as :mod:`oligomet.io` would, after seconds of imports).
    """
    read = getattr(config, "read", None)
    if read is None:
        return
    paths = [view.path for view in read.expression] + list(read.clinical)
    paths += [read.sample_map] if read.sample_map else []
    for path in paths:
        check_file(path)


def load_cluster_config(
    path: str | os.PathLike[str] | None = None,
    *,
    values: Mapping[str, Any] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> ClusterConfig:
    """Like :func:`load_config`, for ``oligomet cluster``."""
    return load_config(path, values=values, overrides=overrides, model=ClusterConfig)
