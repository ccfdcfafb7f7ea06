"""Stages ``model`` -> ``cross_validate`` -> ``fit_final``: one path for every task.

The cohort says which task it is (a 0/1 label or a time-to-event endpoint); the task object
(:class:`~oligomet.evaluation.BinaryTask`, :class:`~oligomet.evaluation.SurvivalTask`) carries
the target, and the same nested cross-validation and final fit serve both.
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .._errors import InputError
from ._cohort import Cohort
from ._config import CVConfig, ModelConfig
from ._provenance import sample_fingerprints

__all__ = ["ModelPlan", "build_model", "cross_validate_model", "fit_final", "select_inputs"]


@dataclass
class ModelPlan:
    """Output of ``model``: the unfitted estimator and its search space."""

    name: str
    estimator: Any
    param_grid: dict[str, list] | None


def select_inputs(cohort: Cohort, model: str) -> tuple[Cohort, str | None]:
    """The cohort cut down to the columns the model needs (a single marker, a signature), with a
    message saying so; the cohort itself when it needs them all."""
    from ..models import model_inputs

    inputs, views = model_inputs(model, cohort.X.columns, cohort.views)
    if len(inputs) == cohort.X.shape[1]:
        return cohort, None
    trimmed = dataclasses.replace(cohort, X=cohort.X[inputs], views=views)
    return trimmed, f"{model} uses {len(inputs)} of the features"


def search_space(model: ModelConfig, estimator) -> dict[str, list] | None:
    """The inner-fold search space: the config's own, else the model's default (if searching)."""
    from ..models import param_grid

    if not model.search:
        return None
    grid = model.param_grid if model.param_grid is not None else param_grid(model.name)
    if not grid:
        return None
    known = estimator.get_params()
    unknown = [key for key in grid if key not in known]
    if unknown:
        tunable = ", ".join(k for k in known if k.startswith(("classifier__", "cox__")))
        raise InputError(
            f"param_grid names {', '.join(map(repr, unknown))}, not parameters of "
            f"{model.name}; parameters of its classifier: {tunable}"
        )
    empty = [key for key, values in grid.items() if not values]
    if empty:
        raise InputError(f"param_grid gives no values for {', '.join(map(repr, empty))}")
    return grid


def grid_size(grid: Mapping[str, list] | None) -> int:
    return int(np.prod([len(values) for values in grid.values()])) if grid else 1


def build_model(cohort: Cohort, model: ModelConfig, *, seed: int) -> ModelPlan:
    """Stage ``model``: the named pipeline for the cohort's features, and its search space."""
    from ..models import make_model

    estimator = make_model(
        model.name,
        cohort.X.columns,
        views=cohort.views,
        random_state=seed,
        selection=model.selection,
        n_select=model.n_select,
        # Samples lacking a view (an outer join): imputed inside the training folds.
        impute=bool(cohort.X.isna().to_numpy().any()),
    )
    return ModelPlan(model.name, estimator, search_space(model, estimator))


@contextlib.contextmanager
def model_settings_checked(model: str):
    """Turn scikit-learn's rejection of a hyperparameter value into a user error."""
    from sklearn.utils._param_validation import InvalidParameterError

    try:
        yield
    except InvalidParameterError as error:
        raise InputError(
            f"invalid setting for model {model!r}: {str(error).splitlines()[0]}"
        ) from None


def task_of(cohort: Cohort, cv: CVConfig):
    """The evaluation task of a cohort, and X in the task's sample order."""
    from ..evaluation import BinaryTask, SurvivalTask

    groups = None if cohort.groups is None else cohort.groups.to_numpy()
    if cohort.time is not None:
        return SurvivalTask.from_target(cohort.labels, cohort.X, groups=groups)
    labels = cohort.labels
    task = BinaryTask(
        cohort.y.to_numpy(),
        groups=groups,
        class_names=(labels.negative_name, labels.positive_name),
        threshold=cv.threshold,
    )
    return cohort.X, task


def cross_validate_model(
    plan: ModelPlan,
    cohort: Cohort,
    cv: CVConfig,
    *,
    seed: int,
    n_jobs: int | None = None,
    executor=None,
    progress=None,
):
    """Stage ``cross_validate``: nested, repeated cross-validation with its permuted null
    (on ``executor``, else ``n_jobs`` local processes; ``progress(done, total)`` per fold)."""
    from ..evaluation import nested_cross_validate

    X, task = task_of(cohort, cv)
    with model_settings_checked(plan.name):
        return nested_cross_validate(
            plan.estimator,
            X,
            task,
            param_grid=plan.param_grid,
            n_inner_splits=cv.n_inner_splits,
            n_splits=cv.n_splits,
            n_repeats=cv.n_repeats,
            n_permutations=cv.n_permutations,
            n_bootstrap=cv.n_bootstrap,
            confidence=cv.confidence,
            n_jobs=n_jobs,
            random_state=seed,
            executor=executor,
            progress=progress,
        )


def view_metadata(views) -> list[dict[str, Any]]:
    """Each view's name, per-sample transform and width, as saved with a model."""
    return [{"name": n, "transform": m, "n_features": b - a} for n, m, a, b in views]


def fit_final(plan: ModelPlan, cohort: Cohort, cv: CVConfig, *, seed: int):
    """Stage ``fit_final``: the model chosen the same way (inner search and threshold) on all
    labelled samples, as the saved-model object a user reloads."""
    from ..models import RiskModel, TrainedClassifier

    X, task = task_of(cohort, cv)
    with model_settings_checked(plan.name):
        final = task.fit_tuned(
            plan.estimator,
            X,
            param_grid=plan.param_grid,
            n_inner_splits=cv.n_inner_splits,
            random_state=seed,
        )
    metadata: dict[str, Any] = {"model": plan.name, "params": final.params}
    labels = cohort.labels
    if cohort.time is not None:
        metadata |= {"endpoint": labels.rule, "views": view_metadata(cohort.views)}
        metadata["dataset_digest"] = cohort.digest
        return RiskModel(final.model, metadata=metadata, threshold=final.threshold)
    metadata |= {"label_rule": labels.rule, "views": view_metadata(cohort.views)}
    metadata["dataset_digest"] = cohort.digest
    classifier = TrainedClassifier(
        final.model,
        positive_name=labels.positive_name,
        negative_name=labels.negative_name,
        metadata=metadata,
        threshold=final.threshold,
    )
    # So that `evaluate` recognises the training samples (values hashed, never stored).
    classifier.metadata["training_fingerprints"] = sample_fingerprints(
        cohort.X[classifier.feature_names]
    )
    return classifier


def registered_name(model: str) -> str:
    """Default registry name: ``oligomet-<model>``, with a signature file named by its stem
    (registry names cannot hold ``/`` or ``:``)."""
    kind, _, rest = model.partition(":")
    if rest and ("/" in rest or "." in rest):
        rest = Path(rest).name.split(".")[0]
    return "oligomet-" + re.sub(r"[^\w.-]+", "-", f"{kind}-{rest}" if rest else kind)


def constant_prediction_notice(cv) -> list[str]:
    """A warning when the model gave every sample the same probability in every fold."""
    proba = getattr(cv, "oof_proba", None)
    if proba is not None and np.ptp(proba) == 0:
        return [
            "warning: the model gave every sample the same probability in every fold (AUC 0.5 "
            "by construction); the cohort is probably too small or too weak for this model"
        ]
    return []
