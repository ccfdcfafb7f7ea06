"""What a trained model is made of and what went into it, for its report (``design.json``).

Aggregate facts only, never patient-level values: software versions, the model's description and
the steps of its fitted pipeline, how many candidate features entered it and how many the final
model uses, how many expression values were missing, and the input files with their modification
dates (and a GEO series' accession and dates when the data came from a series matrix).
"""

from __future__ import annotations

import logging
import platform
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["training_design"]

logger = logging.getLogger(__name__)

_SOFTWARE = ("oligomet", "scikit-learn", "numpy", "scipy", "pandas", "mlflow")
_SCALARS = (str, int, float, bool)


def software_versions() -> dict[str, str | None]:
    """Versions of Python and of the packages whose code decides the numbers."""
    versions: dict[str, str | None] = {"python": platform.python_version()}
    for package in _SOFTWARE:
        try:
            versions[package] = version(package)
        except PackageNotFoundError:
            versions[package] = None
    return versions


def _param_value(value: Any) -> Any:
    """A step parameter as JSON: scalars as they are, estimators and functions by name; None
    for anything else (feature lists, view layouts), which the report does not need."""
    if value is None or isinstance(value, _SCALARS):
        return value
    if hasattr(value, "get_params"):
        return type(value).__name__
    if callable(value):
        return getattr(value, "__name__", type(value).__name__)
    return None


def describe_step(name: str, step: Any) -> dict[str, Any]:
    """One pipeline step: its name, its class and its scalar parameters."""
    params = {}
    if hasattr(step, "get_params"):
        for key, value in step.get_params(deep=False).items():
            shown = _param_value(value)
            if shown is not None or value is None:
                params[key] = shown
    return {"step": name, "estimator": type(step).__name__, "params": params}


def _model_facts(name: str) -> dict[str, Any]:
    from ..models import available_models

    spec = available_models().get(name)
    if spec is None:  # a signature file, or a model this version no longer lists
        return {"name": name, "description": None, "task": None}
    return {"name": name, "description": spec.description, "task": spec.task}


def _final_features(pipeline) -> dict[str, Any]:
    from ..models import selected_features

    try:
        names = [str(n) for n in selected_features(pipeline)]
    except (AttributeError, TypeError, ValueError) as error:  # a model that does not say
        logger.debug("features of the final model unknown: %s", error)
        return {"n": None, "names": []}
    return {"n": len(names), "names": names}


def _modified(path: Path) -> str | None:
    try:
        stamp = path.stat().st_mtime
    except OSError:
        return None
    return datetime.fromtimestamp(stamp, tz=UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _sha256(path: Path, known: dict[str, str]) -> str | None:
    """The digest taken when the file was read, else the file's digest now."""
    from ._cache import file_digest

    if known.get(str(path)):
        return known[str(path)]
    try:
        return file_digest(path)
    except OSError:
        return None


def _input_files(read, sources: list[dict[str, Any]]) -> list[dict[str, Any]]:
    known = {str(s.get("path")): s.get("sha256") for s in sources if s.get("path")}
    files = [("expression", view.path) for view in read.expression]
    files += [("clinical", path) for path in read.clinical]
    files += [("sample map", read.sample_map)] if read.sample_map else []
    return [
        {
            "role": role,
            "path": str(path),
            "modified": _modified(Path(path)),
            "sha256": _sha256(Path(path), known),
        }
        for role, path in files
    ]


def training_design(result) -> dict[str, Any]:
    """The facts of a :class:`~oligomet.workflow.TrainResult` that its report needs.

    Returns
    -------
    dict
        ``software`` (versions), ``model`` (name, description, task), ``pipeline`` (each step
        of the final model: name, estimator class, scalar parameters), ``candidate_features``
        (``n`` and ``by_view``: the features the model could choose from), ``final_features``
        (``n`` and ``names`` of those the final model uses; None when it does not say),
        ``missing_values`` (missing or non-finite cells of the labelled matrix),
        ``sample_match`` (samples per input table and in all of them), ``view_coverage``
        (after an outer join of the views: samples lacking each view; else None), ``input_files``
        (role, path, modification date in UTC, SHA-256), ``embedded`` (the packaged cohort, if
        used) and ``groups`` (the patient column, if any).
    """
    cohort, config = result.cohort, result.config
    values = cohort.X.to_numpy(dtype=np.float64)
    missing = int((~np.isfinite(values)).sum())
    return {
        "software": software_versions(),
        "model": _model_facts(config.model.name),
        "pipeline": [describe_step(n, s) for n, s in result.classifier.pipeline.steps],
        "candidate_features": {
            "n": int(cohort.X.shape[1]),
            "by_view": {name: stop - start for name, _method, start, stop in cohort.views},
        },
        "final_features": _final_features(result.classifier.pipeline),
        "missing_values": {
            "expression_cells": missing,
            "samples_with_missing": int((~np.isfinite(values)).any(axis=1).sum()),
        },
        "sample_match": {str(k): int(v) for k, v in cohort.match_counts.items()},
        "view_coverage": None if cohort.coverage is None else cohort.coverage.to_dict(),
        "input_files": _input_files(config.read, cohort.sources),
        "embedded": None if config.read.expression else cohort.source,
        "groups": config.read.groups,
    }
