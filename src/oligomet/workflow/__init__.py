"""Stages wired together with configs: the only orchestration in oligomet that does I/O.

Stages are pure, typed functions (no tracking inside): ``read`` -> ``assemble`` -> ``label`` ->
``model`` -> ``cross_validate`` -> ``fit_final`` -> characterise (``snf`` subtypes, external
validation). :func:`train`, :func:`evaluate`, :func:`cluster` and :func:`predict` wire them and
record the result through :mod:`oligomet.tracking`; :func:`run_pipeline` runs a declared
pipeline (``pipelines/*.yaml``), reusing unchanged stages from the stage cache.
"""

from __future__ import annotations

import importlib
from typing import Any

# Public names and the private module each lives in; imported on first use, so importing
# a config class (the command line builds its options from them) stays cheap.
_NAMES = {
    "Assembled": "._cohort",
    "CVConfig": "._config",
    "CharacteriseConfig": "._config",
    "ClusterConfig": "._config",
    "ClusterResult": "._results",
    "Cohort": "._cohort",
    "Comparison": "._compare",
    "Pipeline": "._pipeline",
    "PipelineResult": "._runner",
    "compare_runs": "._compare",
    "config_reference": "._reference",
    "load_pipeline": "._pipeline",
    "run_pipeline": "._runner",
    "EvaluateConfig": "._config",
    "EvaluationResult": "._results",
    "LabelConfig": "._config",
    "ModelConfig": "._config",
    "ReadConfig": "._config",
    "SNFSettings": "._config",
    "StageCache": "._cache",
    "Stages": "._cache",
    "TrackingConfig": "._config",
    "TrainConfig": "._config",
    "TrainResult": "._results",
    "ViewConfig": "._config",
    "ViewSet": "._cohort",
    "assemble_views": "._cohort",
    "build_model": "._modelling",
    "characterise_subtypes": "._cluster",
    "cluster": "._cluster",
    "cross_validate_model": "._modelling",
    "evaluate": "._evaluate",
    "fit_final": "._modelling",
    "fuse_subtypes": "._cluster",
    "label_cohort": "._cohort",
    "load_cluster_config": "._load",
    "load_cohort": "._cohort",
    "load_config": "._load",
    "predict": "._predict",
    "read_views": "._cohort",
    "select_inputs": "._modelling",
    "train": "._train",
    "validate_external": "._evaluate",
}

__all__ = sorted(_NAMES)


def __getattr__(name: str) -> Any:
    if name in _NAMES:
        return getattr(importlib.import_module(_NAMES[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_NAMES])
