"""YAML files in, with errors that name the file and the line: configs and pipelines.

:func:`read_yaml` keeps the position of every key, so that a validation error (an unknown key, a
value of the wrong type) points at the line of the file that holds it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .._errors import InputError
from .._yaml import load_strict, yaml_problem

__all__ = ["YamlFile", "expand_variables", "problem_text", "read_yaml", "validation_message"]

_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


@dataclass
class YamlFile:
    """A parsed YAML mapping and the line of each of its keys (by path of keys)."""

    path: Path
    data: dict[str, Any]
    lines: dict[tuple[Any, ...], int] = field(default_factory=dict)

    def line_of(self, location: Sequence[Any]) -> int | None:
        """Line (1-based) of the deepest key of ``location`` found in the file.

        A key that is not at the expected place (a flat config's key that validation moved into
        a section) is looked for at the top level.
        """
        location = tuple(location)
        for end in range(len(location), 0, -1):
            if location[:end] in self.lines:
                return self.lines[location[:end]]
        for key in reversed(location):
            if (key,) in self.lines:
                return self.lines[(key,)]
        return None


def _positions(node, prefix: tuple[Any, ...], lines: dict[tuple[Any, ...], int]) -> None:
    import yaml

    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            path = (*prefix, key.value)
            lines[path] = key.start_mark.line + 1
            _positions(value, path, lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines[(*prefix, index)] = item.start_mark.line + 1
            _positions(item, (*prefix, index), lines)


def read_yaml(path: str | os.PathLike[str], *, what: str = "config file") -> YamlFile:
    """Parse a YAML mapping, keeping each key's line.

    Raises
    ------
    InputError
        The file is missing, not UTF-8, not YAML (a key given twice, an alias that contains
        itself), or not a mapping.
    """
    import yaml

    path = Path(path)
    if not path.is_file():
        raise InputError(f"{what} {path} does not exist or is not a file")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise InputError(
            f"{what} {path} is not UTF-8 text (byte {error.start}); save it as UTF-8"
        ) from None
    except OSError as error:
        raise InputError(f"cannot read {what} {path}: {error.strerror}") from None
    try:
        data, node = load_strict(text)
    except yaml.YAMLError as error:
        raise InputError(f"cannot read {what} {path}: {yaml_problem(error)}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InputError(f"{what} {path} must hold a mapping of settings")
    lines: dict[tuple[Any, ...], int] = {}
    if node is not None:
        _positions(node, (), lines)
    return YamlFile(path, data, lines)


def problem_text(first: dict[str, Any]) -> str:
    """What is wrong with a setting, from one of pydantic's error records: our own validators'
    message without pydantic's "Value error, " prefix."""
    if first["type"] == "extra_forbidden":
        return "unknown setting (a typo?)"
    if first["type"] == "value_error" and "error" in first.get("ctx", {}):
        return str(first["ctx"]["error"])
    return first["msg"]


def validation_message(
    error: ValidationError, *, source: YamlFile | None = None, prefix: Sequence[Any] = ()
) -> str:
    """One line for the first problem of a pydantic error: the setting, the file and line."""
    first = error.errors()[0]
    location = [*prefix, *first["loc"]]
    where = ".".join(str(p) for p in location)
    problem = problem_text(first)
    place = ""
    if source is not None:
        line = source.line_of(location)
        place = f" in {source.path}" + (f", line {line}" if line else "")
    return f"invalid setting {where!r}{place}: {problem}"


def expand_variables(text: str) -> str:
    """``${NAME}`` and ``${NAME:-default}`` replaced from the environment (paths in files that
    must work on several machines). An unset variable without a default is an error."""

    def replace(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        value = os.environ.get(name)
        if value is None:
            if default is None:
                raise InputError(
                    f"environment variable {name} is not set (used as ${{{name}}}); set it, or "
                    f"write ${{{name}:-default}}"
                )
            return default
        return value

    return _VARIABLE.sub(replace, text)
