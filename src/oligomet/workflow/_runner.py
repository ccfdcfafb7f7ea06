"""``oligomet run PIPELINE``: every point of a declared pipeline, as one parent run with a child
per point, unchanged stages reused from the stage cache.

First every point is computed (nothing is recorded yet, so bad input leaves no run behind); then
the parent run and its children are logged. A pipeline rerun with nothing changed recomputes no
stage, and, when the tracking store already holds its finished run, records nothing new: it says
which run holds the result.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .._errors import InputError
from .._render import Display, Rendered
from ._cache import StageCache, Stages, default_cache_dir, source_digest
from ._compare import Comparison, compare_results
from ._pipeline import Pipeline, SweepPoint, load_pipeline

__all__ = ["PipelineResult", "run_pipeline"]

logger = logging.getLogger(__name__)


@dataclass
class PointResult:
    """One point of a pipeline run: its definition, result and what its stages did."""

    point: SweepPoint
    result: Any  # TrainResult or ClusterResult
    stages: list[Any]

    @property
    def run_id(self) -> str | None:
        return self.result.run_id

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.point.name,
            "cohort": self.point.cohort,
            "values": self.point.values,
            "config": self.point.config.model_dump(mode="json"),
            "run_id": self.result.run_id,
            "stages": [record.to_dict() for record in self.stages],
            "result": self.result.to_dict(),
        }


@dataclass
class PipelineResult(Rendered):
    """What ``run_pipeline`` produced: every point's result, their comparison, the parent run."""

    pipeline: Pipeline
    points: list[PointResult]
    comparison: Comparison | None = None
    parent_run_id: str | None = None
    tracking_uri: str | None = None
    reused_run: bool = False
    study_key: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def stage_records(self) -> list[Any]:
        return [record for point in self.points for record in point.stages]

    @property
    def summary(self) -> pd.DataFrame:
        if self.comparison is not None:
            return self.comparison.summary
        return pd.DataFrame([_cluster_row(p) for p in self.points])

    def to_dict(self) -> dict[str, Any]:
        return {
            "pipeline": self.pipeline.name,
            "path": str(self.pipeline.path),
            "study_key": self.study_key,
            "parent_run_id": self.parent_run_id,
            "tracking_uri": self.tracking_uri,
            "reused_run": self.reused_run,
            "points": [point.to_dict() for point in self.points],
            "comparison": None if self.comparison is None else self.comparison.to_dict(),
            "notes": list(self.notes),
        }

    def _display(self) -> Display:
        if self.comparison is not None:
            display = self.comparison._display()
            display.title = f"{self.pipeline.name}: {display.title}"
        else:
            table = pd.DataFrame([_cluster_row(p) for p in self.points])
            table["run_id"] = table["run_id"].map(lambda run: str(run or "")[:8])
            table = table.map(lambda v: f"{v:.3g}" if isinstance(v, float) else str(v))
            display = Display(f"{self.pipeline.name}: {len(self.points)} clusterings", table)
        reused = " (unchanged: recorded by an earlier run)" if self.reused_run else ""
        display.notes += [*self.notes, f"parent run: {self.parent_run_id}{reused}"]
        return display


def _cluster_row(point: PointResult) -> dict[str, Any]:
    result = point.result
    info = result.to_dict()
    row = {
        "name": point.point.name,
        "run_id": result.run_id,
        "n_clusters": info["n_clusters"],
        "sizes": ", ".join(map(str, info["subtype_sizes"].values())),
        "logrank_p": info["logrank_p"],
    }
    for column, scores in info["comparisons"].items():
        row[f"{column}_nmi"], row[f"{column}_ari"] = scores["nmi"], scores["ari"]
    if info["association"]:
        row["association_p"] = info["association"]["p_value"]
    return row


def _compute(
    pipeline: Pipeline,
    cache: StageCache | None,
    *,
    refresh: bool,
    say,
    fold_progress=None,
    point_progress=None,
    fusion_progress=None,
) -> list[PointResult]:
    from ._cluster import cluster
    from ._train import executor_for, train

    def every_point(run, options) -> list[PointResult]:
        total = len(pipeline.points)
        if point_progress is not None:
            point_progress(0, total)
        results = []
        for number, point in enumerate(pipeline.points, start=1):
            results.append(_point(run, pipeline, number, point, cache, refresh, say, options))
            if point_progress is not None:
                point_progress(number, total)
        return results

    if pipeline.spec.workflow != "train":
        return every_point(cluster, {"fusion_progress": fusion_progress})
    # One executor for every point: a Dask cluster starts once (and only if a fold is computed).
    with executor_for(pipeline.points[0].config, say) as executor:
        return every_point(train, {"executor": executor, "fold_progress": fold_progress})


def _point(run, pipeline, number, point, cache, refresh, say, options) -> PointResult:
    say(f"[{number}/{len(pipeline.points)}] {point.name}")
    stages = Stages(cache=cache, say=say, refresh=refresh)
    result = run(point.config, track=False, progress=say, stages=stages, **options)
    return PointResult(point, result, list(stages.records))


def _study_key(pipeline: Pipeline, points: list[PointResult]) -> str:
    """What the study's recorded run depends on: every point's stage keys and where it is
    recorded."""
    tracking = pipeline.points[0].config.tracking
    content = {
        "pipeline": pipeline.name,
        "workflow": pipeline.spec.workflow,
        "experiment": tracking.experiment,
        "registry": [tracking.registered_name, tracking.alias, tracking.log_model],
        "points": [[p.point.name, [r.key for r in p.stages]] for p in points],
        "source": source_digest(),
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def _recorded_run(tracking, key: str) -> tuple[str, dict] | None:
    """A finished parent run of the same study in the store, and its sweep record."""
    from ..tracking import load_run_json, run_table

    try:
        runs = run_table(experiment=tracking.experiment, tracking_uri=tracking.tracking_uri)
    except InputError:  # no such experiment yet
        return None
    if runs.empty or "tags.oligomet.study_key" not in runs:
        return None
    found = runs[(runs["tags.oligomet.study_key"] == key) & (runs["status"] == "FINISHED")]
    for run_id in found["run_id"]:
        sweep = load_run_json(run_id, "sweep.json", tracking_uri=tracking.tracking_uri)
        if sweep is not None:
            return run_id, sweep
    return None


def _tags(pipeline: Pipeline, point: SweepPoint, result) -> dict[str, str]:
    return {
        "oligomet.study": pipeline.name,
        "oligomet.cohort": point.cohort or result.tags().get("oligomet.cohort", ""),
        "oligomet.sweep_point": point.name,
    }


def _log(
    pipeline: Pipeline, points: list[PointResult], comparison, key: str, say
) -> tuple[str, str]:
    from ..tracking import start_run
    from ._train import record

    tracking = pipeline.points[0].config.tracking
    with start_run(
        experiment=tracking.experiment,
        run_name=pipeline.name,
        tracking_uri=tracking.tracking_uri,
        tags={
            "oligomet.command": "run",
            "oligomet.study": pipeline.name,
            "oligomet.study_key": key,
            "oligomet.pipeline": str(pipeline.path),
        },
    ) as parent:
        for point in points:
            record(
                point.result,
                point.point.config.tracking,
                parent_run_id=parent.run_id,
                tags=_tags(pipeline, point.point, point.result),
            )
            say(f"{point.point.name}: run {point.result.run_id}")
        if comparison is not None:
            comparison.parent_run_id = parent.run_id
            for name, run_id in ((p.point.name, p.result.run_id) for p in points):
                comparison.runs.loc[comparison.runs["name"] == name, "run_id"] = run_id
            parent.log_dict(comparison.to_dict(), "comparison.json")
            for name, figure in comparison.figures().items():
                parent.log_figure(figure, f"{name}.png")
            best = comparison.runs.iloc[0]
            parent.log_metrics({f"best_{comparison.metric}": best["estimate"]})
        parent.log_params(
            {
                "pipeline": pipeline.name,
                "workflow": pipeline.spec.workflow,
                "n_points": len(points),
                "sweep": sorted(pipeline.spec.sweep.grid) or "none",
                "set": pipeline.sets or "none",
            }
        )
        parent.log_dict(pipeline.spec.model_dump(mode="json"), "pipeline.yaml")
        parent.log_dict({"points": [p.to_dict() for p in points]}, "sweep.json")
    return parent.run_id, parent.tracking_uri


def _check_models(pipeline: Pipeline) -> None:
    """Every point's model exists, before the first point's work (a sweep's last point may
    name a model that does not)."""
    from ..models import param_grid

    for point in pipeline.points:
        model = getattr(point.config, "model", None)
        if model is None:
            continue
        try:
            param_grid(model.name)
        except InputError as error:
            where = f"point {point.name!r} of {pipeline.path}" if point.name else str(pipeline.path)
            raise InputError(f"{where}: {error}") from None


def run_pipeline(
    pipeline: Pipeline | str | os.PathLike[str],
    *,
    sets: Sequence[str] = (),
    cache_dir: str | os.PathLike[str] | None = None,
    use_cache: bool = True,
    force: bool = False,
    track: bool = True,
    progress: Callable[[str], None] | None = None,
    fold_progress: Callable[[int, int], None] | None = None,
    point_progress: Callable[[int, int], None] | None = None,
    fusion_progress: Callable[[int, int], None] | None = None,
) -> PipelineResult:
    """Run every point of a declared pipeline; record a parent run with a child per point.

    Parameters
    ----------
    pipeline : Pipeline or path
        A pipeline file (``pipelines/NAME.yaml``) or one loaded with :func:`load_pipeline`.
    sets : sequence of str
        ``STAGE.PARAM=VALUE`` overrides of every point (with a path).
    cache_dir : path or None
        The stage cache (default ``OLIGOMET_CACHE``, else ``.oligomet-cache``).
    use_cache : bool, default=True
        False computes every stage, keeps nothing and records a new run.
    force : bool, default=False
        Recompute every stage (refreshing the cache) and record a new run even when an
        identical one exists.
    track : bool, default=True
    progress : callable or None
        Called with short status messages (which stage was reused or computed, ...).
    fold_progress : callable or None
        ``fold_progress(done, total)`` as a point's outer-fold fits finish.
    point_progress : callable or None
        ``point_progress(done, n_points)`` before the first point and as each point is computed
        (reused from the cache or not).
    fusion_progress : callable or None
        ``fusion_progress(done, t)`` as an SNF fusion iterates (clustering pipelines).
    """
    say = progress or (lambda message: logger.info(message))
    if not isinstance(pipeline, Pipeline):
        pipeline = load_pipeline(pipeline, sets=sets)
    _check_models(pipeline)
    cache = StageCache(cache_dir or default_cache_dir()) if use_cache else None
    points = _compute(
        pipeline,
        cache,
        refresh=force,
        say=say,
        fold_progress=fold_progress,
        point_progress=point_progress,
        fusion_progress=fusion_progress,
    )
    comparison = None
    if pipeline.spec.workflow == "train" and points:
        entries = [(p.point.name, None, p.point.cohort, p.result) for p in points]
        comparison = compare_results(entries)
    key = _study_key(pipeline, points)
    result = PipelineResult(pipeline, points, comparison, study_key=key)
    if not track:
        return result
    tracking = pipeline.points[0].config.tracking
    # Without the cache the stages have no keys, so nothing proves an earlier run is the same.
    recorded = None if force or cache is None else _recorded_run(tracking, key)
    if recorded is not None:
        run_id, sweep = recorded
        run_ids = {p["name"]: p["run_id"] for p in sweep["points"]}
        for point in points:
            point.result.run_id = run_ids.get(point.point.name)
        if comparison is not None:
            comparison.parent_run_id = run_id
            comparison.runs["run_id"] = comparison.runs["name"].map(run_ids)
        result.parent_run_id, result.reused_run = run_id, True
        say(f"tracking: unchanged; run {run_id} already records this pipeline")
        return result
    result.parent_run_id, result.tracking_uri = _log(pipeline, points, comparison, key, say)
    say(f"parent run {result.parent_run_id} logged to {result.tracking_uri}")
    return result
