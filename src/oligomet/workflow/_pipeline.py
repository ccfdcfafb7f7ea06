"""Declared pipelines (``pipelines/*.yaml``): the stages' parameters, named cohorts and a sweep.

A pipeline file holds no code. It names a workflow (``train`` or ``cluster``), gives the
parameters of its stages as the sections of that workflow's config (``read``, ``label``,
``model``, ``cv``, ``snf``, ``characterise``, ``tracking``), may name cohorts (each a ``read``
and a ``label`` or ``characterise`` section), and may declare a sweep: a grid over any setting
(``model.name``, ``label``, ``snf.n_clusters``, ``seed``, ``cohort``) plus extra points. Every
point of the sweep is a complete, validated config; unknown keys are errors that name the line.

.. code-block:: yaml

    pipeline: vdv-zoo
    workflow: train
    cohorts:
      vdv:
        read: {expression: [{path: data/vdv.csv.gz}], clinical: [data/vdv.csv.gz]}
        label: {column: event, time: time, horizon: 5}
    stages:
      cv: {n_splits: 5, n_repeats: 3, n_permutations: 19}
    sweep:
      grid:
        model.name: [logistic_enet, random_forest]
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .._errors import InputError
from ._config import ClusterConfig, TrainConfig
from ._config import _Strict as _ConfigStrict
from ._load import parse_value, rebase_paths, set_dotted
from ._yaml import YamlFile, problem_text, read_yaml, validation_message

__all__ = ["Pipeline", "SweepPoint", "load_pipeline"]

WORKFLOWS: dict[str, type[BaseModel]] = {"train": TrainConfig, "cluster": ClusterConfig}
#: The sections a named cohort may hold, by workflow.
COHORT_SECTIONS = {"train": ("read", "label"), "cluster": ("read", "characterise")}


class _Strict(_ConfigStrict):
    model_config = ConfigDict(extra="forbid")  # built at once: a pipeline is read as a whole


class SweepSpec(_Strict):
    """A grid over settings (every combination), and extra points."""

    grid: dict[str, list[Any]] = Field(
        default_factory=dict,
        description="Dotted setting (or 'cohort') -> the values to try; every combination runs.",
    )
    include: list[dict[str, Any]] = Field(
        default_factory=list,
        description="Extra points, each a mapping of dotted settings (and an optional 'name').",
    )

    @field_validator("grid")
    @classmethod
    def _axes_have_values(cls, grid: dict[str, list[Any]]) -> dict[str, list[Any]]:
        for axis, values in grid.items():
            if not values:
                raise ValueError(
                    f"'sweep.grid.{axis}' has no values: give at least one, or remove the axis"
                )
        return grid


class PipelineSpec(_Strict):
    """The file's own keys (the stage sections are validated by the workflow's config)."""

    pipeline: str = Field(description="Name of the pipeline: the study, as tagged on its runs.")
    description: str = Field("", description="What question the pipeline answers.")
    workflow: Literal["train", "cluster"] = Field("train", description="Which stages run.")
    experiment: str | None = Field(None, description="MLflow experiment (default: the name).")
    cohorts: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="Named cohorts: each a read and a label section."
    )
    cohort: str | None = Field(None, description="The cohort used when it is not swept.")
    stages: dict[str, Any] = Field(
        default_factory=dict, description="Parameters of the stages, by config section."
    )
    seed: int = Field(0, description="Seed that fixes every result.")
    sweep: SweepSpec = Field(default_factory=SweepSpec, description="Points to run.")


@dataclass
class SweepPoint:
    """One run of a pipeline: its name, cohort, the values that make it, its full config."""

    name: str
    cohort: str
    values: dict[str, Any]
    config: Any  # TrainConfig or ClusterConfig


@dataclass
class Pipeline:
    """A validated pipeline: the spec, where it came from, and its points."""

    spec: PipelineSpec
    path: Path
    points: list[SweepPoint]
    sets: dict[str, Any]

    @property
    def name(self) -> str:
        return self.spec.pipeline

    @property
    def experiment(self) -> str:
        return self.spec.experiment or self.spec.pipeline


def _label(value: Any, axis: str, index: int) -> str:
    """How a swept value names its point: a string itself (a model, a cohort), a number with its
    setting (``n_clusters=3``), a section by its ``name`` or its place (``label2``)."""
    setting = axis.split(".")[-1]
    if isinstance(value, Mapping):
        return str(value.get("name", f"{setting}{index + 1}"))
    if isinstance(value, list):
        return f"{setting}{index + 1}"
    if isinstance(value, str):
        return value
    return f"{setting}={value}"


def _grid_points(sweep: SweepSpec) -> list[tuple[str, dict[str, Any]]]:
    axes = list(sweep.grid.items())
    points = []
    if axes:
        for combination in itertools.product(*(list(enumerate(v)) for _, v in axes)):
            values = {axis: value for (axis, _), (_, value) in zip(axes, combination, strict=True)}
            name = "-".join(
                _label(v, a, i) for (a, _), (i, v) in zip(axes, combination, strict=True)
            )
            points.append((name, values))
    for index, extra in enumerate(sweep.include):
        extra = dict(extra)
        name = str(extra.pop("name", "")) or "-".join(_label(v, a, index) for a, v in extra.items())
        points.append((name, extra))
    return points or [("", {})]


def _without_names(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: v for k, v in value.items() if k != "name"}
    return value


def _check_cohorts(spec: PipelineSpec, source: YamlFile) -> None:
    allowed = COHORT_SECTIONS[spec.workflow]
    for name, sections in spec.cohorts.items():
        for key in sections:
            if key not in allowed:
                line = source.line_of(("cohorts", name, key))
                raise InputError(
                    f"invalid setting 'cohorts.{name}.{key}' in {source.path}"
                    + (f", line {line}" if line else "")
                    + f": a cohort holds {' and '.join(allowed)} sections"
                )
    named = [spec.cohort, *spec.sweep.grid.get("cohort", [])]
    named += [p.get("cohort") for p in spec.sweep.include if "cohort" in p]
    for name in named:
        if name is not None and name not in spec.cohorts:
            known = ", ".join(spec.cohorts) or "none are defined"
            raise InputError(f"{source.path}: unknown cohort {name!r} (cohorts: {known})")


def _line(spec: PipelineSpec, source: YamlFile, location: tuple, cohort: str | None) -> int | None:
    """The line a point's setting came from: a swept value, the cohort, or the stages."""
    dotted = ".".join(map(str, location))
    for key in spec.sweep.grid:
        if dotted == key or dotted.startswith(key + "."):
            return source.line_of(("sweep", "grid", key))
    for index, point in enumerate(spec.sweep.include):
        for key in point:
            if dotted == key or dotted.startswith(key + "."):
                return source.line_of(("sweep", "include", index, key))
    candidates = [("cohorts", cohort, *location)] if cohort else []
    candidates.append(("stages", *location))
    for path in candidates:
        for end in range(len(path), 1 if path[0] == "stages" else 2, -1):
            if path[:end] in source.lines:
                return source.lines[path[:end]]
    return source.line_of(location)


def _point_config(
    spec: PipelineSpec, source: YamlFile, values: dict[str, Any], sets: dict[str, Any]
):
    """The resolved config of one point: stages, then its cohort, its values, the --set's."""
    model = WORKFLOWS[spec.workflow]
    base = Path(source.path).parent
    raw: dict[str, Any] = dict(spec.stages)
    raw.setdefault("seed", spec.seed)
    cohort = values.get("cohort", sets.get("cohort", spec.cohort))
    if cohort is not None:
        raw |= dict(spec.cohorts[cohort])
    for key, value in values.items():
        if key != "cohort":
            set_dotted(raw, key, _without_names(value))
    raw = rebase_paths(raw, base)  # data paths in the file are relative to the file
    tracking = raw["tracking"] = dict(raw.get("tracking") or {})
    tracking.setdefault("experiment", spec.experiment or spec.pipeline)
    for key, value in sets.items():
        if key != "cohort":
            set_dotted(raw, key, value)
    try:
        return cohort, model.model_validate(raw)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        problem = problem_text(first)
        line = _line(spec, source, tuple(first["loc"]), cohort)
        place = f"{source.path}" + (f", line {line}" if line else "")
        raise InputError(f"invalid setting {where!r} in {place}: {problem}") from None


def parse_sets(sets: Sequence[str]) -> dict[str, Any]:
    """``["model.name=xgboost", "cv.n_repeats=3"]`` -> dotted settings (values as YAML)."""
    parsed = {}
    for item in sets:
        key, equals, value = item.partition("=")
        if not equals or not key.strip():
            raise InputError(
                f"--set takes STAGE.PARAM=VALUE (e.g. model.name=xgboost), got {item!r}"
            )
        parsed[key.strip()] = parse_value(value)
    return parsed


def load_pipeline(path: str | os.PathLike[str], *, sets: Sequence[str] = ()) -> Pipeline:
    """Read and validate a pipeline file, and expand its sweep into complete configs.

    Parameters
    ----------
    path : path
        The YAML file; data paths in it are relative to it, ``${VARIABLE:-default}`` expanded.
    sets : sequence of str
        ``STAGE.PARAM=VALUE`` overrides applied to every point (``model.name=xgboost``,
        ``cv.n_repeats=3``, ``cohort=acc``); a setting the sweep varies cannot be set.

    Raises
    ------
    InputError
        An unknown key or a bad value (with the file and line), an unknown cohort, a --set of a
        swept setting.
    """
    source = read_yaml(path, what="pipeline file")
    try:
        spec = PipelineSpec.model_validate(source.data)
    except ValidationError as error:
        raise InputError(validation_message(error, source=source)) from None
    _check_cohorts(spec, source)
    overrides = parse_sets(sets)
    swept = set(spec.sweep.grid) | {k for p in spec.sweep.include for k in p if k != "name"}
    clash = sorted(swept & set(overrides))
    if clash:
        raise InputError(
            f"--set {clash[0]}: the pipeline sweeps this setting; change the sweep in "
            f"{source.path} instead"
        )
    if "cohort" in overrides and overrides["cohort"] not in spec.cohorts:
        raise InputError(f"--set cohort={overrides['cohort']}: no such cohort in {source.path}")
    points = []
    for name, values in _grid_points(spec.sweep):
        cohort, config = _point_config(spec, source, values, overrides)
        points.append(SweepPoint(name or spec.pipeline, cohort or "", values, config))
    names = [p.name for p in points]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise InputError(
            f"{source.path}: two sweep points are both named {duplicates[0]!r}; name them"
        )
    return Pipeline(spec, Path(source.path), points, overrides)
