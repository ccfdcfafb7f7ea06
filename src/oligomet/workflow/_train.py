"""``train``: read -> assemble -> label -> model -> cross_validate -> fit_final -> track."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from ._cache import Stages, file_digest
from ._cohort import (
    Cohort,
    assemble_views,
    effective_label,
    is_survival,
    label_cohort,
    label_columns,
    leakage_notices,
    read_views,
    recipe_label,
    with_dataset,
)
from ._config import ReadConfig, TrainConfig
from ._modelling import (
    build_model,
    constant_prediction_notice,
    cross_validate_model,
    fit_final,
    grid_size,
    select_inputs,
)
from ._results import TrainResult

__all__ = ["cohort_stages", "record", "train"]

logger = logging.getLogger(__name__)


def read_inputs(read: ReadConfig) -> dict[str, Any]:
    """What the ``read`` stage depends on: its settings and every file's content digest."""
    files = [view.path for view in read.expression] + list(read.clinical)
    files += [read.sample_map] if read.sample_map else []
    # The join is the ``assemble`` stage's (:func:`assemble_inputs`).
    settings = read.model_dump(mode="json", exclude={"groups", "join"})
    if not read.expression:
        from importlib.metadata import version

        # The loader's own version too: it named the probe sets R's way ("X200726_at") before.
        settings["embedded"] = (
            f"GSE7390, scikit-survival {version('scikit-survival')}, GEO probe set IDs"
        )
    return {"settings": settings, "files": {str(p): _digest_or_none(p) for p in files}}


def assemble_inputs(read: ReadConfig, read_key: str) -> dict[str, Any]:
    """What the ``assemble`` stage depends on: the read stage, and an outer join (an inner join
    adds nothing, so that caches made before joins were offered still serve)."""
    return {"read": read_key, **({"join": read.join} if read.join != "inner" else {})}


def _digest_or_none(path) -> str | None:
    """A file's digest; None when it cannot be read (the read stage then says why)."""
    try:
        return file_digest(path)
    except OSError:
        return None


def cohort_stages(config, stages: Stages, *, model: str = "", groups: str | None = None):
    """The cohort stages of any config with ``read`` and ``label`` sections: the labelled cohort
    and its key."""
    read, label = with_dataset(config.read, config.label)
    label = effective_label(read, label, model)
    keep = [*label_columns(label), *([groups] if groups else [])]
    viewset, read_key = stages(
        "read",
        lambda: {**read_inputs(read), "keep": keep},
        lambda: read_views(read, keep=keep),
    )
    assembled, assemble_key = stages(
        "assemble",
        assemble_inputs(read, read_key),
        lambda: assemble_views(viewset, sample_map=read.sample_map, join=read.join),
    )
    # The label depends on the model only through a recipe's default rule and the task: both are
    # resolved here, so that another model with the same target reuses the labelled cohort.
    if viewset.clinical is not None:
        label = recipe_label(model, label, viewset.clinical)
    survival = is_survival(model)
    inputs = {
        "assemble": assemble_key,
        "label": label.model_dump(mode="json"),
        "survival": survival,
        "groups": groups,
    }
    return stages(
        "label", inputs, lambda: label_cohort(assembled, label, survival=survival, groups=groups)
    )


def _say_cohort(cohort: Cohort, notices: list[str], say) -> None:
    say(cohort.labels.report())
    if cohort.coverage is not None:
        say(f"{cohort.coverage.report()} (among the labelled samples)")
        if cohort.coverage.n_complete < len(cohort.X):
            say(
                "the features of a view a sample lacks are filled with each feature's median "
                "over the training samples that have it, inside each training fold"
            )
    for notice in notices:
        say(notice)
    for view_name, method, start, stop in cohort.views:
        say(f"view {view_name}: {stop - start} features, per-sample transform {method}")


def _say_plan(config: TrainConfig, cohort: Cohort, plan, say) -> None:
    cv, n, p = config.cv, len(cohort.X), cohort.X.shape[1]
    if cohort.time is not None:
        say(
            f"cross-validating {plan.name}: {cv.n_repeats} x {cv.n_splits}-fold (C-index), "
            f"{cv.n_permutations} permutations, on {n} samples x {p} features"
        )
        return
    search = (
        f"; inner {cv.n_inner_splits}-fold search over {grid_size(plan.param_grid)} settings"
        if plan.param_grid
        else ""
    )
    say(
        f"cross-validating {plan.name}: {cv.n_repeats} x {cv.n_splits}-fold{search}, "
        f"{cv.n_permutations} label permutations, on {n} samples x {p} features"
    )


def train(
    config: TrainConfig,
    *,
    track: bool = True,
    progress: Callable[[str], None] | None = None,
    stages: Stages | None = None,
    parent_run_id: str | None = None,
    tags: dict[str, str] | None = None,
    executor=None,
    fold_progress: Callable[[int, int], None] | None = None,
) -> TrainResult:
    """Train and honestly evaluate a model, then record everything in MLflow.

    Cross-validation (with the permuted-label null) and the final fit on all labelled samples
    run before any tracking run is opened, so bad input never leaves a run behind; a failure
    while logging marks the run FAILED.

    Parameters
    ----------
    config : TrainConfig
        Resolved settings (see :func:`load_config`).
    track : bool, default=True
        Record the run, the model and its registration in MLflow.
    progress : callable or None
        Called with short status messages.
    stages : Stages or None
        Runs the stages through a stage cache (``oligomet run``); None computes every stage.
    parent_run_id : str or None
        Record the run as a child of this one (a sweep point of a pipeline run).
    tags : dict or None
        Extra tags of the run (``oligomet.study``, ``oligomet.cohort``, ...).
    executor : oligomet.parallel.Executor or None
        Where the folds run (a sweep passes one for all its points); None: the one the config
        asks for (``backend``, ``n_jobs``, ``scheduler``), started only if the folds are
        computed and closed at the end.
    fold_progress : callable or None
        ``fold_progress(done, total)`` as outer-fold fits finish (real and permuted outcomes).
    """
    say = progress or (lambda message: logger.info(message))
    if executor is None:
        with executor_for(config, say) as own:
            return train(
                config,
                track=track,
                progress=progress,
                stages=stages,
                parent_run_id=parent_run_id,
                tags=tags,
                executor=own,
                fold_progress=fold_progress,
            )
    started_at = int(time.time() * 1000)
    stages = stages or Stages(say=say)
    model, seed = config.model.name, config.seed
    full, label_key = cohort_stages(config, stages, model=model, groups=config.read.groups)
    notices = [*full.notices, *leakage_notices(full.X, full.y)]
    _say_cohort(full, notices, say)
    cohort, message = select_inputs(full, model)
    if message:
        say(message)
    plan = build_model(cohort, config.model, seed=seed)
    _say_plan(config, cohort, plan, say)
    inputs = {"label": label_key, "model": config.model.model_dump(mode="json"), "seed": seed}
    cv_inputs = {**inputs, "cv": config.cv.model_dump(mode="json")}
    cv, _ = stages(
        "cross_validate",
        cv_inputs,
        lambda: cross_validate_model(
            plan, cohort, config.cv, seed=seed, executor=executor, progress=fold_progress
        ),
    )
    for notice in constant_prediction_notice(cv):
        say(notice)
        notices.append(notice)
    final_inputs = {
        **inputs,
        "inner": config.cv.model_dump(mode="json", include={"n_inner_splits", "threshold"}),
    }
    say(f"final model: the same inner search and threshold on all {len(cohort.X)} samples")
    classifier, _ = stages(
        "fit_final", final_inputs, lambda: fit_final(plan, cohort, config.cv, seed=seed)
    )
    result = TrainResult(
        config=config,
        cohort=cohort,
        cv=cv,
        classifier=classifier,
        notices=notices,
        stage_records=stages.records,
        started_at=started_at,
    )
    if track:
        say("recording the run, the model and its report in MLflow")
        record(result, config.tracking, parent_run_id=parent_run_id, tags=tags)
        say(f"run {result.run_id} logged to {result.tracking_uri}; model {result.registry_uri}")
    return result


def executor_for(config: TrainConfig, say=None):
    """The executor a config asks for, made on first use (:class:`~oligomet.parallel.LazyExecutor`;
    a context manager that closes it)."""
    from ..parallel import LazyExecutor, make_executor

    return LazyExecutor(
        lambda: make_executor(
            config.backend, n_jobs=config.n_jobs, scheduler=config.scheduler, on_start=say
        )
    )


def record(result, tracking, *, parent_run_id: str | None = None, tags=None) -> None:
    """Log a result with a config's tracking settings; its run and model go back on it."""
    from ..tracking import log_result

    logged = log_result(
        result,
        tracking_uri=tracking.tracking_uri,
        experiment=tracking.experiment,
        parent_run_id=parent_run_id,
        tags=tags,
        registered_name=tracking.registered_name,
        alias=tracking.alias,
        log_model=tracking.log_model,
        log_predictions=tracking.log_predictions,
        log_sample_ids=tracking.log_sample_ids,
    )
    result.run_id, result.tracking_uri = logged.run_id, logged.tracking_uri
    if logged.model is not None:
        if hasattr(result, "model_uri"):
            result.model_uri = logged.model.model_uri
        result.registry_uri = logged.model.registry_uri
    if result.kind == "training":
        # The model report is built from the run as the store holds it once the run has ended
        # (its end time included: what `oligomet report RUN_ID` gives) and attached to it. A
        # failure leaves the run FINISHED with all it recorded: the model is sound, and its
        # report can be made again with `oligomet report`.
        from ..report import log_report

        try:
            log_report(logged.run_id, tracking_uri=logged.tracking_uri)
        except Exception as error:
            logger.warning(
                "run %s: no model report (%s: %s); make it with `oligomet report %s`",
                logged.run_id,
                type(error).__name__,
                error,
                logged.run_id,
            )
