"""What a run records, and where: one layout per kind of result.

The results come from the layers above (they are not imported here); each offers, besides its
numbers, ``kind``, ``run_name``, ``tags()``, ``params()`` (nested), ``resolved_config()`` and
``notices``; training and evaluation results a ``cohort`` and an evaluation with ``to_dict()``
and ``figures(title)``; a clustering result its ``metrics()``, ``records()`` and ``figures()``.

Privacy: nothing patient-level is logged unless asked (``log_predictions``, ``log_sample_ids``):
datasets by digest, schema and size only; the model's input example is no patient's values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from .._errors import InputError
from .._names import alias_problem
from ._client import client_for, resolve_tracking_uri, start_run
from ._models import LoggedModel

__all__ = ["LoggedRun", "attach_to_run", "log_result"]


@dataclass(frozen=True)
class LoggedRun:
    """Where a result was recorded."""

    run_id: str
    tracking_uri: str
    model: LoggedModel | None = None


def _log_cohort(run, result, *, context: str, log_sample_ids: bool) -> None:
    """What every training and evaluation run records about its labelled cohort: notices, the
    dataset record (digest and schema, never values), exclusion and matching counts, labels,
    sources; sample IDs only when asked."""
    cohort = result.cohort
    if result.notices:
        run.set_tags({"oligomet.notices": " | ".join(result.notices)})
    run.log_dataset(
        cohort.frame_for_record(),
        name=cohort.name,
        source=cohort.source,
        targets="label",
        context=context,
    )
    run.log_metrics({"n_excluded": cohort.labels.n_excluded, **cohort.match_counts})
    run.log_dict(cohort.labels.to_dict(include_samples=log_sample_ids), "evaluation/labels.json")
    run.log_dict({"sources": cohort.sources}, "data/sources.json")
    if log_sample_ids:
        run.log_text(cohort.match_report, "data/sample_match.txt")
    _log_coverage(run, getattr(cohort, "coverage", None), log_sample_ids=log_sample_ids)


def _log_coverage(run, coverage, *, log_sample_ids: bool) -> None:
    """After an outer join of the views: how many samples lack each view (metrics and
    ``data/view_coverage.json``); which ones only when asked."""
    if coverage is None:
        return
    run.log_metrics(coverage.metrics())
    run.log_dict(coverage.to_dict(include_ids=log_sample_ids), "data/view_coverage.json")


def _log_figures(run, figures: dict[str, Any], folder: str) -> None:
    for name, figure in figures.items():
        run.log_figure(figure, f"{folder}/{name}.png")


def _log_training(run, result, options: dict[str, Any]) -> LoggedModel | None:
    cohort, cv = result.cohort, result.cv
    _log_cohort(run, result, context="training", log_sample_ids=options["log_sample_ids"])
    run.log_metrics(cv.metrics)
    score, n_splits = cv.score, int(cv.params.get("n_splits", 1))
    for row in cv.fold_scores.itertuples():
        run.log_metrics(
            {f"fold_{score}": getattr(row, score), "fold_threshold": row.threshold},
            step=row.repeat * n_splits + row.fold,
        )
    for row in cv.null_scores.itertuples():
        run.log_metrics({f"permuted_{score}": getattr(row, score)}, step=row.permutation)
    run.log_dict(cv.to_dict(), "evaluation/cross_validation.json")
    # Feature names and fold-level counts: no patient-level values.
    frequency = cv.selection_frequency.rename_axis("feature").reset_index()
    run.log_table(frequency, "evaluation/selection_frequency.csv")
    if options["log_predictions"]:
        values = cv.oof_scores
        oof = pd.DataFrame(
            values.T, index=cohort.X.index, columns=[f"repeat_{i}" for i in range(len(values))]
        )
        kind = "risk_scores" if score == "c_index" else "probabilities"
        run.log_table(oof.assign(label=cohort.y), f"evaluation/out_of_fold_{kind}.csv")
    _log_figures(run, cv.figures(result.title), "evaluation")
    run.log_dict({"stages": [r.to_dict() for r in result.stage_records]}, "stages.json")
    # What a model report needs beyond the metrics (software, pipeline steps, candidate and
    # final feature counts, missing values, input files and their dates): aggregate facts only.
    if hasattr(result, "design"):
        run.log_dict(result.design(), "design.json")
    if not options["log_model"]:
        return None
    result.classifier.metadata["run_id"] = run.run_id
    return run.log_model(
        result.classifier,
        input_example=cohort.input_example(),
        registered_name=options["registered_name"] or result.default_registered_name,
        alias=options["alias"],
        card=result.model_card(),
    )


def _log_evaluation(run, result, options: dict[str, Any]) -> None:
    cohort, validation = result.cohort, result.result
    _log_cohort(run, result, context="evaluation", log_sample_ids=options["log_sample_ids"])
    run.log_metrics(validation.metrics)
    run.log_metrics({"feature_overlap": result.overlap.fraction})
    run.log_dict(result.overlap.to_dict(), "evaluation/feature_overlap.json")
    run.log_dict(validation.to_dict(), "evaluation/external_validation.json")
    if options["log_predictions"]:
        table = pd.DataFrame(
            {"probability": validation.oof_proba[0], "prediction": validation.oof_pred[0]},
            index=cohort.X.index,
        )
        run.log_table(table.assign(label=cohort.y), "evaluation/predictions.csv")
    _log_figures(run, validation.figures(result.title), "evaluation")


def _log_clustering(run, result, options: dict[str, Any]) -> LoggedModel | None:
    run.log_dataset(result.X, name="SNF input", source=result.source)
    run.log_metrics(result.metrics())
    for name, by_step in result.step_metrics().items():
        for step, value in by_step.items():
            run.log_metrics({name: value}, step=int(step))
    for name, record in result.records().items():
        run.log_dict(record, f"snf/{name}.json")
    _log_coverage(run, result.coverage, log_sample_ids=options["log_sample_ids"])
    _log_figures(run, result.figures(), "snf")
    if options["log_sample_ids"]:
        run.log_table(result.labels.to_frame(), "snf/subtypes_by_sample.csv")
    if not options["log_model"]:
        return None
    return run.log_model(
        result.model,
        input_example=result.input_example(),
        registered_name=options["registered_name"] or result.default_registered_name,
        alias=options["alias"],
        card=result.model_card(),
    )


_LAYOUTS = {"training": _log_training, "evaluation": _log_evaluation, "clustering": _log_clustering}


def log_result(
    result,
    *,
    tracking_uri: str | None = None,
    experiment: str = "oligomet",
    parent_run_id: str | None = None,
    tags: dict[str, str] | None = None,
    registered_name: str | None = None,
    alias: str | None = None,
    log_model: bool = True,
    log_predictions: bool = False,
    log_sample_ids: bool = False,
) -> LoggedRun:
    """Record a training, evaluation or clustering result as one run (its layout by kind).

    The run ends FINISHED, or FAILED if logging fails (never RUNNING). Parameters, the resolved
    config (``config.yaml``), metrics (per fold and per permutation as steps), the evaluation's
    JSON, plots and, for training and clustering, the model (registered, with ``alias``).

    Parameters
    ----------
    result : TrainResult, EvaluationResult or ClusterResult
        Its ``started_at`` (milliseconds since the epoch), if set, dates the run's start.
    tracking_uri, experiment : str
        Where to record it.
    parent_run_id : str or None
        Record the run as a child of this one.
    tags : dict or None
        Extra tags (the result's own come first: ``oligomet.command``, ``oligomet.dataset_digest``).
    registered_name, alias : str or None
        Registry name (default: the result's) and alias of the model version.
    log_model, log_predictions, log_sample_ids : bool
        Save the model; log per-sample predictions or sample IDs (patient-level data).
    """
    problem = alias_problem(alias) if alias is not None else None
    if problem:  # before the run opens: MLflow would refuse it only after the model is logged
        raise InputError(problem)
    layout = _LAYOUTS[result.kind]
    options = {
        "registered_name": registered_name,
        "alias": alias,
        "log_model": log_model,
        "log_predictions": log_predictions,
        "log_sample_ids": log_sample_ids,
    }
    with start_run(
        experiment=experiment,
        run_name=result.run_name,
        tracking_uri=tracking_uri,
        tags={**result.tags(), **(tags or {})},
        parent_run_id=parent_run_id,
        start_time=getattr(result, "started_at", None),
    ) as run:
        run.log_params(result.params())
        run.log_dict(result.resolved_config(), "config.yaml")
        layout(run, result, options)
    # The model is registered once the run has ended FINISHED (tracking._commit).
    return LoggedRun(run.run_id, run.tracking_uri, run.models[0] if run.models else None)


def attach_to_run(
    run_id: str,
    texts: dict[str, str],
    *,
    tags: dict[str, str] | None = None,
    tracking_uri: str | None = None,
) -> None:
    """Add text artifacts (and tags) to an existing run, whatever its status.

    For what is derived from a run once it has ended (a model report read back from the store):
    the run's status and end time stay as they were.

    Parameters
    ----------
    run_id : str
    texts : dict
        Artifact path -> text, e.g. ``{"report/model_report.md": "..."}``.
    tags : dict or None
        Tags to set on the run.
    tracking_uri : str or None
        The store; default :func:`~oligomet.tracking.resolve_tracking_uri`.
    """
    client = client_for(resolve_tracking_uri(tracking_uri))
    for path, text in texts.items():
        client.log_text(run_id, text, path)
    for key, value in (tags or {}).items():
        client.set_tag(run_id, key, str(value))
