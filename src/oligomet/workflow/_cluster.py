"""``cluster``: read -> assemble -> snf -> characterise -> track."""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._errors import InputError
from ._cache import Stages
from ._cohort import (
    Assembled,
    ViewSet,
    assemble_views,
    outer_joined,
    present_views,
    read_views,
    resolve_transforms,
    with_dataset,
)
from ._config import CharacteriseConfig, ClusterConfig, SNFSettings
from ._modelling import view_metadata
from ._results import ClusterResult
from ._train import assemble_inputs, read_inputs, record

__all__ = ["SubtypeFit", "characterise_subtypes", "cluster", "fuse_subtypes"]

logger = logging.getLogger(__name__)


@dataclass
class SubtypeFit:
    """Output of ``snf``: the fitted subtype model and the matrix it was fitted on."""

    model: Any  # oligomet.snf.SubtypeModel
    X: pd.DataFrame
    digest: str


def _check_columns(config: ClusterConfig, viewset: ViewSet) -> None:
    wanted = config.characterise
    if viewset.clinical is None or not config.read.clinical:
        if wanted.time or wanted.compare or wanted.label.column:
            raise InputError("--time, --compare and --label need a --clinical table")
        return
    for column in [wanted.time, wanted.event, *wanted.compare, wanted.label.column]:
        if column and column not in viewset.clinical.columns:
            raise InputError(
                f"column {column!r} is not in {', '.join(map(str, config.read.clinical))}"
            )


def fuse_subtypes(
    assembled: Assembled,
    snf: SNFSettings,
    *,
    seed: int,
    say,
    fusion_progress: Callable[[int, int], None] | None = None,
) -> SubtypeFit:
    """Stage ``snf``: per-view log transforms and SNF in one pipeline, fitted on the assembled
    samples (after an outer join, a view's missing samples are rows of NaN: each view is
    transformed on the samples it has, and SNF fuses every sample over the views it has);
    saved, it assigns new samples to the subtypes. ``fusion_progress(done, t)`` follows the
    fusion's iterations."""
    from sklearn.pipeline import Pipeline

    from ..models import FeatureAligner, ViewLogTransform, combine_views
    from ..snf import MultiViewSNF, SubtypeModel

    names = list(assembled.viewset.views)
    samples = assembled.mdata.obs_names
    views = present_views(assembled.mdata, names, samples)
    X, blocks = combine_views(views, samples=samples)
    methods = resolve_transforms(views, blocks, assembled.viewset.transforms)
    for name, method, start, stop in methods:
        say(f"view {name}: {stop - start} features, transform {method}")
    settings = {**snf.estimator_params(), "random_state": seed}
    fusion = MultiViewSNF(views=[(b.name, b.start, b.stop) for b in blocks], snf_params=settings)
    pipeline = Pipeline(
        [("align", FeatureAligner()), ("log", ViewLogTransform(views=methods)), ("snf", fusion)]
    )
    rule = f"{snf.preset} preset" if snf.preset != "none" else f"{snf.variant or 'snftool'} rule"
    say(
        f"fusing {len(blocks)} views of {len(X)} samples (K={snf.n_neighbors}, "
        f"mu={snf.mu}, t={snf.n_iter}, {rule})"
    )
    pipeline.fit(X, snf__progress=fusion_progress)
    model = SubtypeModel(pipeline, {"views": view_metadata(methods), "snf": settings})
    digest = hashlib.sha256(np.ascontiguousarray(X.to_numpy()).tobytes()).hexdigest()
    return SubtypeFit(model, X, digest)


def characterise_subtypes(fit: SubtypeFit, obs: pd.DataFrame, wanted: CharacteriseConfig, say):
    """Stage ``characterise``: survival by subtype, agreement with known labels, and the
    subtype x oligo/poly table."""
    from ..snf import compare_labels, subtype_association, survival_by_subtype
    from ._cohort import _label_rule

    labels = pd.Series(fit.model.pipeline[-1].snf_.labels_, index=fit.X.index)
    survival, comparisons, association = None, {}, None
    if wanted.time and wanted.event:
        survival = survival_by_subtype(labels, obs[wanted.time], obs[wanted.event])
        say(f"log-rank p across subtypes: {survival.p_value:.3g}")
    for column in wanted.compare:
        comparisons[column] = compare_labels(labels, obs[column])
        say(
            f"agreement with {column}: NMI {comparisons[column]['nmi']:.3f}, "
            f"ARI {comparisons[column]['ari']:.3f}"
        )
    if wanted.label.column:
        from ..labels import make_labels

        oligo_poly = make_labels(obs, **_label_rule(wanted.label))
        association = subtype_association(labels.loc[oligo_poly.y.index], oligo_poly.y)
        say(f"subtype x {wanted.label.column}: {association.test} p = {association.p_value:.3g}")
    return survival, comparisons, association


def _say_coverage(assembled: Assembled, say):
    """After an outer join, who lacks which view: said, and returned for the run's record."""
    if not outer_joined(assembled.mdata):
        return None
    from ..io import view_coverage

    coverage = view_coverage(assembled.mdata)
    say(coverage.report())
    return coverage


def cluster(
    config: ClusterConfig,
    *,
    track: bool = True,
    progress: Callable[[str], None] | None = None,
    stages: Stages | None = None,
    parent_run_id: str | None = None,
    tags: dict[str, str] | None = None,
    fusion_progress: Callable[[int, int], None] | None = None,
) -> ClusterResult:
    """Fuse the views with SNF, find subtypes, say what they mean, and record it all.

    Samples present in every view are clustered, or with ``read.join="outer"`` every sample of
    at least one view, fused over the views it has (:class:`~oligomet.snf.SNF`'s rule for
    missing views); who lacks what is reported. Per-view log transforms and the SNF model
    form one pipeline, saved so that ``oligomet predict`` assigns new samples to the subtypes.
    ``progress`` gets status messages; ``fusion_progress(done, t)`` follows the fusion's
    iterations (not called when the fit comes from the stage cache).
    """
    from ..snf import add_subtypes

    started_at = int(time.time() * 1000)
    say = progress or (lambda message: logger.info(message))
    stages = stages or Stages(say=say)
    read, _ = with_dataset(config.read)
    if len(read.expression) < 2 and not any(
        Path(v.path).suffix.lower() == ".h5mu" for v in read.expression
    ):
        raise InputError("SNF fuses at least 2 views: give --expression twice (or an .h5mu)")
    viewset, read_key = stages(
        "read",
        lambda: {**read_inputs(read), "keep": [], "annotations": False},
        lambda: read_views(read, annotations=False),
    )
    _check_columns(config, viewset)
    assembled, assemble_key = stages(
        "assemble",
        assemble_inputs(read, read_key),
        lambda: assemble_views(viewset, sample_map=read.sample_map, join=read.join),
    )
    coverage = _say_coverage(assembled, say)
    inputs = {
        "assemble": assemble_key,
        "snf": config.snf.model_dump(mode="json"),
        "seed": config.seed,
    }
    fit, _ = stages(
        "snf",
        inputs,
        lambda: fuse_subtypes(
            assembled, config.snf, seed=config.seed, say=say, fusion_progress=fusion_progress
        ),
    )
    snf = fit.model.pipeline[-1].snf_
    say(f"{snf.n_clusters_} subtypes, sizes {np.bincount(snf.labels_).tolist()}")
    survival, comparisons, association = characterise_subtypes(
        fit, assembled.mdata.obs, config.characterise, say
    )
    add_subtypes(assembled.mdata, snf)  # this run's own copy (computed, or read from the cache)
    result = ClusterResult(
        config=config,
        mdata=assembled.mdata,
        model=fit.model,
        X=fit.X,
        match=assembled.match,
        survival=survival,
        comparisons=comparisons,
        association=association,
        digest=fit.digest,
        stage_records=stages.records,
        started_at=started_at,
        coverage=coverage,
    )
    if track:
        record(result, config.tracking, parent_run_id=parent_run_id, tags=tags)
        say(f"run {result.run_id}; model {result.registry_uri}")
    return result
