"""The configuration reference (``docs/configuration.md``), written from the config fields.

The same descriptions give the command-line help; ``tests/workflow/test_reference.py`` checks
that the committed reference is what this module writes today.
"""

from __future__ import annotations

import json
import types
import typing
from typing import Any

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from ._config import ClusterConfig, EvaluateConfig, TrainConfig
from ._pipeline import PipelineSpec, SweepSpec

__all__ = ["config_reference"]

_CONFIGS = (
    (
        "TrainConfig",
        "`oligomet train`, and the points of a `workflow: train` pipeline",
        TrainConfig,
    ),
    ("EvaluateConfig", "`oligomet evaluate MODEL_URI`", EvaluateConfig),
    (
        "ClusterConfig",
        "`oligomet cluster`, and the points of a `workflow: cluster` pipeline",
        ClusterConfig,
    ),
)


def _type_name(annotation: Any) -> str:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_type_name(a) for a in typing.get_args(annotation))
    if origin is typing.Literal:
        return " / ".join(json.dumps(a) for a in typing.get_args(annotation))
    if origin is not None:
        args = ", ".join(_type_name(a) for a in typing.get_args(annotation))
        return f"{origin.__name__}[{args}]"
    return "null" if annotation is type(None) else getattr(annotation, "__name__", str(annotation))


def _default(field) -> str:
    if field.default_factory is not None:
        value = field.default_factory()
        return "" if isinstance(value, BaseModel) else f"`{json.dumps(value)}`"
    if field.default is PydanticUndefined:
        return "required"
    return f"`{json.dumps(field.default, default=str)}`"


def _rows(model, prefix: str, help_for: dict[str, str]) -> list[str]:
    rows = []
    for name, field in model.model_fields.items():
        path = f"{prefix}{name}"
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            rows += _rows(annotation, f"{path}.", help_for)
            continue
        option = (field.json_schema_extra or {}).get("cli", "") if field.json_schema_extra else ""
        description = help_for.get(path, field.description or "").replace("|", "\\|")
        rows.append(
            f"| `{path}` | {_type_name(annotation).replace('|', '/')} | {_default(field)} | "
            f"{f'`{option}`' if option else ''} | {description} |"
        )
        item = typing.get_args(annotation)[0] if typing.get_origin(annotation) is list else None
        if isinstance(item, type) and issubclass(item, BaseModel):  # each view's own settings
            rows += [r for r in _rows(item, f"{path}[].", help_for) if "[].path`" not in r]
    return rows


def _table(model, help_for=None) -> str:
    header = "| setting | type | default | option | what it is |\n|---|---|---|---|---|"
    return header + "\n" + "\n".join(_rows(model, "", help_for or {}))


def config_reference() -> str:
    """The whole reference as Markdown."""
    parts = [
        "# Configuration reference",
        "",
        "Written by `oligomet.workflow.config_reference()` from the config fields, whose",
        "descriptions are also the command-line help; do not edit by hand. A YAML config (or a",
        "pipeline's `stages:`) gives these settings by section (`cv: {n_splits: 3}`); on the",
        "command line as options, or as dotted overrides (`--cv.n_splits 3`,",
        "`--set cv.n_splits=3`).",
    ]
    for name, used_by, model in _CONFIGS:
        parts += ["", f"## {name}", "", f"Used by {used_by}.", "", _table(model, model.cli_help)]
    parts += [
        "",
        "## Pipeline files",
        "",
        "The keys of a `pipelines/*.yaml` file; `stages:` holds sections of the workflow's config",
        "above, `cohorts:` named `read` + `label` (or `characterise`) sections.",
        "",
        _table(PipelineSpec),
        "",
        "`sweep:`",
        "",
        _table(SweepSpec),
        "",
    ]
    return "\n".join(parts)
