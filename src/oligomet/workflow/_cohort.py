"""Stages ``read`` -> ``assemble`` -> ``label``: tables in, samples matched, a labelled cohort out.

Pure functions of their configs and inputs (no tracking); each output is what the next stage
needs, and what the stage cache keeps. Nothing here is fitted to the labels: the per-sample log
transforms are resolved (which method each view gets) but applied inside the model.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._errors import InputError
from ._config import LabelConfig, ReadConfig, ViewConfig

__all__ = [
    "Assembled",
    "Cohort",
    "ViewSet",
    "assemble_views",
    "effective_label",
    "label_cohort",
    "read_views",
    "with_dataset",
]

DEFAULT_LABEL = LabelConfig(
    column="distant_metastasis", time="time_to_distant_metastasis_years", horizon=5.0
)
DEFAULT_SURVIVAL = LabelConfig(column="distant_metastasis", time="time_to_distant_metastasis_years")


@dataclass
class ViewSet:
    """Output of ``read``: the views, their requested transforms, the clinical table, provenance."""

    views: dict[str, Any]  # name -> AnnData (samples x features, empty obs)
    transforms: dict[str, str]
    sources: list[dict[str, Any]]
    clinical: pd.DataFrame | None
    clinical_name: str
    name: str
    notices: list[str] = field(default_factory=list)
    embedded: bool = False


@dataclass
class Assembled:
    """Output of ``assemble``: the views joined on shared sample IDs (a MuData), the match."""

    mdata: Any
    match: Any  # oligomet.io.SampleMatch
    viewset: ViewSet

    # A MuData does not survive pickling (its file manager holds a weak reference), so the
    # stage cache stores its parts and rebuilds it.
    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        mdata = state.pop("mdata")
        state["_mudata"] = {
            "mod": {name: mdata.mod[name].copy() for name in mdata.mod},
            "obs": mdata.obs.copy(),
            "uns": dict(mdata.uns),
        }
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        import mudata as md

        from ..io._h5 import mudata_no_pull

        parts = state.pop("_mudata")
        with mudata_no_pull():
            mdata = md.MuData(parts["mod"])
            mdata.obs = parts["obs"]
            mdata.uns.update(parts["uns"])
        self.__dict__.update(state, mdata=mdata)


@dataclass
class Cohort:
    """Labelled samples ready for modelling (raw values; log transforms live in the model)."""

    X: pd.DataFrame
    y: pd.Series
    labels: Any  # oligomet.labels.LabelResult or SurvivalTarget
    views: list[tuple[str, str, int, int]]
    sources: list[dict[str, Any]]
    name: str
    match_report: str = ""
    match_counts: dict[str, Any] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)
    groups: pd.Series | None = None
    time: pd.Series | None = None
    coverage: Any = None  # oligomet.io.ViewCoverage of the labelled samples (outer join only)

    @cached_property
    def digest(self) -> str:
        """SHA-256 of the labelled matrix: values, sample and feature names, labels (and times)."""
        sha = hashlib.sha256()
        sha.update(np.ascontiguousarray(self.X.to_numpy(np.float64)).tobytes())
        sha.update("\x1f".join(map(str, self.X.index)).encode())
        sha.update("\x1f".join(map(str, self.X.columns)).encode())
        sha.update(np.asarray(self.y, dtype=np.int8).tobytes())
        if self.time is not None:
            sha.update(np.asarray(self.time, dtype=np.float64).tobytes())
        return sha.hexdigest()

    @property
    def source(self) -> str:
        """Where the data came from, as one line (paths, or the embedded dataset)."""
        paths = [s.get("path") or s.get("source", "") for s in self.sources]
        return "; ".join(map(str, paths))

    def dataset_record(self) -> dict[str, Any]:
        """Name, digest and shape: what a run records about its data (no values)."""
        return {
            "name": self.name,
            "digest": self.digest,
            "n_samples": len(self.X),
            "n_features": self.X.shape[1],
        }

    def frame_for_record(self) -> pd.DataFrame:
        """The labelled matrix with its target, for a dataset's digest and schema."""
        frame = self.X.assign(label=self.y.to_numpy())
        if self.time is not None:
            frame["time"] = self.time.to_numpy()
        return frame

    def input_example(self) -> pd.DataFrame:
        """A row that shows a model's input format without any patient's values
        (:func:`input_example`)."""
        return input_example(self.X)


def input_example(X: pd.DataFrame) -> pd.DataFrame:
    """One row named ``training_mean`` that is no training sample's value in any feature.

    The mean of the training samples in each feature; where that mean equals a sample's value
    (a constant feature, counts, two samples), it is moved halfway to the next value observed
    above it (below it for the largest; by 0.1% for a constant feature), where no sample lies. A
    median would not do: with an odd number of samples it is one patient's raw value in every
    feature. The row is saved with the model to show its input format (MLflow's input example).
    Missing values (a view a sample lacks) are left out of the mean.

    Examples
    --------
    >>> X = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [5.0, 5.0, 5.0], "c": [0.0, 1.0, 5.0]})
    >>> input_example(X).round(4).to_dict(orient="records")
    [{'a': 2.5, 'b': 5.005, 'c': 2.0}]
    """
    values = X.to_numpy(dtype=np.float64)
    example = np.nanmean(values, axis=0) if np.isnan(values).any() else values.mean(axis=0)
    for j in np.flatnonzero((values == example).any(axis=0)):
        observed = np.unique(values[:, j][~np.isnan(values[:, j])])
        above, below = observed[observed > example[j]], observed[observed < example[j]]
        if above.size:
            example[j] = (example[j] + above.min()) / 2
        elif below.size:
            example[j] = (example[j] + below.max()) / 2
        else:  # every sample has this value
            example[j] += max(abs(example[j]), 1.0) * 1e-3
    return pd.DataFrame([example], index=["training_mean"], columns=X.columns)


def is_survival(model: str) -> bool:
    """Whether the named model fits a time-to-event endpoint."""
    from ..models import MODELS

    spec = MODELS.get(model)
    return spec is not None and spec.task == "survival"


def label_columns(label: LabelConfig) -> list[str]:
    return [c for c in (label.column, label.time) if c]


def with_dataset(read: ReadConfig, label: LabelConfig | None = None):
    """A published cohort (``--dataset ACCESSION``) as the tables it was fetched into: its
    parsed series (``ACCESSION.h5mu`` in the cache, clinical annotations included) as the
    expression, and, when no label column is given, the catalogue's label rule.

    Returns ``(read, label)``, unchanged without a dataset.
    """
    if read.dataset is None:
        return read, label
    from ..datasets import cached_dataset, dataset_info

    entry = dataset_info(read.dataset)
    view = ViewConfig(path=cached_dataset(entry.accession), transform=entry.transform)
    read = read.model_copy(update={"dataset": None, "expression": [view]})
    if label is not None and label.column is None:
        label = LabelConfig(**{**entry.label_rule(), **label.model_dump(exclude_defaults=True)})
    return read, label


def effective_label(read: ReadConfig, label: LabelConfig, model: str = "") -> LabelConfig:
    """The label rule asked for: the embedded cohort's default when no table is given, else the
    user's (which must name a column). A recipe's own default rule is applied once the clinical
    table is read (:func:`recipe_label`)."""
    if not read.expression:
        if read.clinical:
            raise InputError(
                "--clinical was given without --expression; give both, or neither "
                "to train on the embedded default cohort"
            )
        if label.column is None:
            # The embedded cohort's endpoint, with whatever the user changed of it (a horizon).
            default = DEFAULT_SURVIVAL if is_survival(model) else DEFAULT_LABEL
            return default.model_copy(update=label.model_dump(exclude_defaults=True))
        return label
    if label.column is None:
        raise InputError("--label is required: the clinical column that defines the classes")
    return label


def read_clinical(paths: Sequence[Path]) -> pd.DataFrame | None:
    """One clinical table, or several per-variable files joined on sample IDs, or None."""
    from ..io import read_clinical as read_one
    from ..io import read_clinical_tables

    if not paths:
        return None
    return read_one(paths[0]) if len(paths) == 1 else read_clinical_tables(list(paths))


def view_name(path: Path, existing: Mapping[str, Any]) -> str:
    name = Path(path).name
    for suffix in (".gz", ".csv", ".tsv", ".txt", ".h5ad"):
        name = name.removesuffix(suffix)
    candidate, n = name, 2
    while candidate in existing:
        candidate, n = f"{name}_{n}", n + 1
    return candidate


def _read_expression_files(views_config, clinical: pd.DataFrame | None, drop: list[str]):
    """Read every expression file into named views (an .h5mu file gives one per modality).

    Returns the views, the requested transform of each, provenance records, the sample
    annotations that came with the data (an .h5mu file's shared ``obs``, a GEO series matrix's
    characteristics), used as the clinical table when none was given, and the names of the
    columns left out of the features.
    """
    from ..io import orient_by_samples, read_expression, read_h5mu
    from ..io._tables import drop_features

    views: dict[str, Any] = {}
    transforms: dict[str, str] = {}
    sources: list[dict[str, Any]] = []
    embedded_obs = None
    dropped: set[str] = set()
    for view in views_config:
        path = Path(view.path)
        if path.suffix.lower() == ".h5mu":
            mdata = read_h5mu(path)
            embedded_obs = mdata.obs.copy() if embedded_obs is None else embedded_obs
            parts = {mod: drop_features(mdata.mod[mod].copy(), drop, path) for mod in mdata.mod}
        else:
            adata = read_expression(
                path, orientation=view.orientation, sep=view.sep, name=view.name, drop_columns=drop
            )
            if view.orientation == "auto" and clinical is not None:
                adata = orient_by_samples(adata, clinical.index)
            if embedded_obs is None and len(adata.obs.columns):
                embedded_obs = adata.obs.copy()  # e.g. a GEO series matrix's characteristics
            parts = {view.name or view_name(path, views): adata}
        for part_name, adata in parts.items():
            if part_name in views:
                raise InputError(
                    f"two views are named {part_name!r}; name them apart "
                    "(view names come from file names or .h5mu modalities)"
                )
            dropped_here = adata.uns.get("source", {}).get("dropped_features", [])
            dropped.update(str(name) for name in dropped_here)
            adata.obs = pd.DataFrame(index=adata.obs_names)  # clinical data live in one place
            views[part_name] = adata
            transforms[part_name] = view.transform
            source = dict(adata.uns.get("source", {}))
            sources.append(
                {
                    "name": part_name,
                    "path": str(path),
                    "sha256": source.get("sha256"),
                    "orientation": source.get("orientation"),
                    **_geo_provenance(adata.uns.get("geo")),
                }
            )
    return views, transforms, sources, embedded_obs, dropped


_GEO_FIELDS = ("geo_accession", "title", "submission_date", "last_update_date", "pubmed_id")


def _geo_provenance(geo: Mapping[str, Any] | None) -> dict[str, Any]:
    """A GEO series' accession, title and dates (from a series matrix's header), for the
    record of where the data came from; nothing for other files."""
    if not geo:
        return {}
    return {"geo": {key: geo[key] for key in _GEO_FIELDS if key in geo}}


def _check_excluded(read: ReadConfig, clinical: pd.DataFrame | None, dropped: set[str]) -> None:
    """An ``--exclude-feature`` that names no column anywhere is a typo, and the column it meant
    (an outcome in a shared file) would be learnt from: say so before any work."""
    known = dropped | set(map(str, clinical.columns if clinical is not None else []))
    unknown = [name for name in read.exclude_features if name not in known]
    if unknown:
        files = ", ".join(Path(v.path).name for v in read.expression)
        raise InputError(
            f"--exclude-feature {', '.join(map(repr, unknown))}: no such feature in {files} "
            "(nor column of the clinical table); check the spelling"
        )


def _shared_file_notices(read: ReadConfig, dropped: list[str]) -> list[str]:
    """Say so when a file is both an expression view and a clinical table: its other clinical
    columns would become features unless excluded."""
    clinical = {Path(p).resolve() for p in read.clinical}
    notices = []
    for view in read.expression:
        if Path(view.path).resolve() in clinical:
            notices.append(
                f"{Path(view.path).name} is both an expression and a clinical table: "
                f"{', '.join(dropped)} are not used as features; exclude any other clinical "
                "column with --exclude-feature"
            )
    return notices


def _embedded_default() -> ViewSet:
    from ..datasets import load_gse7390

    adata = load_gse7390()
    views = {"expression": adata.copy()}
    views["expression"].obs = pd.DataFrame(index=adata.obs_names)
    return ViewSet(
        views=views,
        transforms={"expression": "none"},  # log2 microarray intensities
        sources=[{"name": "GSE7390", "source": "scikit-survival load_breast_cancer"}],
        clinical=adata.obs.copy(),
        clinical_name="clinical",
        name="GSE7390 (embedded default)",
        embedded=True,
    )


def read_views(read: ReadConfig, *, keep: Sequence[str] = (), annotations: bool = True) -> ViewSet:
    """Stage ``read``: the expression views and the clinical table (or the embedded cohort).

    Parameters
    ----------
    read : ReadConfig
    keep : sequence of str
        Clinical columns the later stages need (label, time, patient): they are never read as
        features, and a "clinical" table that is a whole expression file is cut down to them.
    annotations : bool, default=True
        Without a clinical table, use the sample annotations that came with the data (an .h5mu
        file's ``obs``, a series matrix's characteristics) as one.
    """
    if not read.expression:
        return _embedded_default()
    clinical = read_clinical(read.clinical)
    drop = list(dict.fromkeys([*keep, *read.exclude_features]))  # a column named in both once
    views, transforms, sources, embedded_obs, dropped = _read_expression_files(
        read.expression, clinical, drop
    )
    notices = _shared_file_notices(read, drop)
    if clinical is not None:
        clinical_name = " + ".join(Path(p).name for p in read.clinical)
    elif annotations and embedded_obs is not None and len(embedded_obs.columns):
        clinical, clinical_name = embedded_obs, "sample annotations"
    else:
        clinical, clinical_name = None, ""
    _check_excluded(read, clinical, dropped)
    if clinical is not None and keep and set(drop) <= set(clinical.columns):
        # Training needs only the label columns; a "clinical" table may be a whole
        # expression file with the outcome in two of its thousands of columns.
        clinical = clinical[drop]
    name = " + ".join(Path(v.path).name for v in read.expression)
    return ViewSet(views, transforms, sources, clinical, clinical_name, name, notices)


def assemble_views(
    viewset: ViewSet, *, sample_map: Path | None = None, join: str = "inner"
) -> Assembled:
    """Stage ``assemble``: one MuData of the views and the clinical columns, on shared samples
    (matched exactly, then case/separator-insensitively, then by TCGA barcode, or by the map);
    ``join="outer"`` keeps every sample of at least one view (:func:`oligomet.io.assemble`)."""
    from ..io import assemble, read_sample_map

    mapping = read_sample_map(sample_map) if sample_map else None
    mdata, match = assemble(
        viewset.views,
        viewset.clinical,
        clinical_name=viewset.clinical_name or "clinical",
        sample_map=mapping,
        join=join,
    )
    return Assembled(mdata, match, viewset)


def outer_joined(mdata) -> bool:
    """Whether an assembled MuData came from an outer join (some modality may lack samples)."""
    return "view_coverage" in mdata.uns


def present_views(mdata, names, samples) -> dict[str, Any]:
    """Each named modality cut to those of ``samples`` it measures, in their order."""
    views = {}
    for name in names:
        measured = set(mdata[name].obs_names)
        views[name] = mdata[name][[s for s in samples if s in measured]].copy()
    return views


def _label_rule(label: LabelConfig) -> dict[str, Any]:
    """The keyword arguments of :func:`oligomet.labels.make_labels` for a label config."""
    return {
        "column": label.column,
        "positive": label.positive or None,
        "negative": label.negative or None,
        "time": label.time,
        "horizon": label.horizon,
        "oligo_max": label.oligo_max,
        "poly_min": label.poly_min,
    }


def binary_target(clinical: pd.DataFrame, label: LabelConfig):
    """0/1 labels: the LabelResult and its label Series."""
    from ..labels import make_labels

    labels = make_labels(clinical, **_label_rule(label))
    return labels, labels.y


def survival_target(clinical: pd.DataFrame, label: LabelConfig):
    """A time-to-event target: the SurvivalTarget and its event indicator (0/1)."""
    from ..labels import make_survival

    if not label.time or label.horizon is not None:
        raise InputError(
            "a survival model needs --label EVENT_COLUMN and --time TIME_COLUMN, without "
            "--horizon (a horizon turns the endpoint into a 0/1 label for a classifier)"
        )
    if label.oligo_max is not None or label.poly_min is not None:
        raise InputError("--oligo-max/--poly-min define 0/1 labels; a survival model uses --time")
    target = make_survival(
        clinical,
        time=label.time,
        event=label.column,
        event_values=label.positive or None,
        censor_values=label.negative or None,
        event_name=label.column,
    )
    return target, target.event.astype(int)


def recipe_label(model: str, label: LabelConfig, clinical: pd.DataFrame) -> LabelConfig:
    """A recipe's count thresholds (Wuttig: few < 8 vs many > 16) when the label column holds
    counts and the user gave no rule of their own."""
    from ..models import RECIPE_LABELS

    implied = RECIPE_LABELS.get(model)
    own_rule = label.positive or label.negative or label.time or label.oligo_max or label.poly_min
    if not implied or own_rule or label.column not in clinical.columns:
        return label
    counts = pd.to_numeric(clinical[label.column], errors="coerce")
    # Counts, not a 0/1 label or categories: at least one value above 1.
    if counts.notna().sum() == 0 or not (counts > 1).any():
        return label
    return label.model_copy(update=implied)


def resolve_transforms(views: Mapping[str, Any], blocks, requested: Mapping[str, str]):
    """Each view's per-sample transform as ``(name, method, start, stop)``.

    Validates the values for the requested transform (negative counts, empty libraries) with
    file, sample and feature named, and resolves ``"auto"`` on the given samples.
    """
    from ..pp import log_transform

    methods, varying = [], False
    for block in blocks:
        checked = log_transform(views[block.name], method=requested[block.name], copy=True)
        method = checked.uns["oligomet"]["log_transform"]["method"]
        methods.append((block.name, method, block.start, block.stop))
        values = np.asarray(checked.X, dtype=np.float64)
        if values.size and (np.ptp(values, axis=0) > 0).any():
            varying = True
    if not varying:
        raise InputError(_nothing_varies(views, methods))
    return methods


def _nothing_varies(views: Mapping[str, Any], methods) -> str:
    """Why no feature is left to learn from: each view's size and transform."""
    described = ", ".join(
        f"{name}: {views[name].n_vars} feature{'s' if views[name].n_vars != 1 else ''}, {method}"
        for name, method, _, _ in methods
    )
    single = [name for name, method, _, _ in methods if method == "log2cpm"]
    single = [name for name in single if views[name].n_vars == 1]
    hint = (
        "counts per million of a single feature are 1e6 for every sample: give the whole table "
        "(or --transform log2)"
        if single
        else "every value of each feature is the same: check the table"
    )
    n = next(iter(views.values())).n_obs
    return (
        f"no feature varies across the {n} labelled samples after the transform ({described}); "
        f"{hint}"
    )


def metric_name(text: str) -> str:
    """MLflow metric names allow letters, digits and ``_-./ ``; replace anything else."""
    import re

    return re.sub(r"[^\w\-./ ]", "_", text)


def table_sizes(match) -> dict[str, int]:
    return {table: len(ids) for table, ids in match.mapping.items()}


def _check_groups(clinical: pd.DataFrame, clinical_name: str, group_column: str | None) -> None:
    if group_column and group_column not in clinical.columns:
        raise InputError(
            f"group column {group_column!r} is not in {clinical_name}; it should hold the "
            "patient of each sample"
        )


def _patient_of_each_sample(obs: pd.DataFrame, group_column: str | None, index) -> pd.Series | None:
    if not group_column:
        return None
    groups = obs[group_column].loc[index]
    if groups.isna().any():
        raise InputError(
            f"group column {group_column!r} is empty for sample "
            f"{groups.index[groups.isna()][0]!r}; every sample needs its patient"
        )
    return groups


def label_cohort(
    assembled: Assembled,
    label: LabelConfig,
    *,
    survival: bool = False,
    groups: str | None = None,
) -> Cohort:
    """Stage ``label``: the target of each matched sample, the labelled matrix, the transforms.

    Parameters
    ----------
    assembled : Assembled
    label : LabelConfig
        The rule in force (see :func:`effective_label` and :func:`recipe_label`).
    survival : bool, default=False
        A time-to-event target (for a survival model) instead of 0/1 labels.
    groups : str or None
        Clinical column naming each sample's patient.

    Raises
    ------
    InputError
        For a label definition that does not fit the clinical table, or one that fits the whole
        table but not the samples that have expression data.
    """
    from ..models import combine_views

    viewset, mdata, match = assembled.viewset, assembled.mdata, assembled.match
    clinical, clinical_name = viewset.clinical, viewset.clinical_name
    if clinical is None:
        raise InputError(
            "--clinical is required with --expression: the table holding "
            f"the label column {label.column!r}"
        )
    _check_groups(clinical, clinical_name, groups)
    make_target = survival_target if survival else binary_target
    # The label definition is checked against the whole clinical table first, so that a value
    # that only disappears in the sample match is not reported as a typo.
    make_target(clinical, label)
    try:
        labels, target = make_target(mdata.obs, label)
    except InputError as error:
        # The definition held on the whole clinical table, so the sample match caused this.
        reason = str(error).replace(" (a typo?)", "")
        raise InputError(
            f"only {mdata.n_obs} of the {len(clinical)} samples in {clinical_name} have "
            f"expression data, and among them {reason}; check that the tables describe the "
            "same patients"
        ) from None
    # Per-view transforms are resolved on the samples each view measures (an outer join leaves
    # the others as rows of NaN).
    labelled = present_views(mdata, viewset.views, target.index)
    X, blocks = combine_views(labelled, samples=target.index)
    methods = resolve_transforms(labelled, blocks, viewset.transforms)
    sources = [dict(source) for source in viewset.sources]
    for (_view, method, _start, _stop), source in zip(methods, sources, strict=True):
        source["transform"] = method
    counts = {
        "n_common": len(match.common),
        **{metric_name(f"n_{t}"): n for t, n in table_sizes(match).items()},
    }
    from ..io import view_coverage

    coverage = view_coverage(mdata, X.index) if outer_joined(mdata) else None
    return Cohort(
        coverage=coverage,
        groups=_patient_of_each_sample(mdata.obs, groups, X.index),
        X=X,
        y=target.loc[X.index].astype(int),
        time=labels.time.loc[X.index] if survival else None,
        labels=labels,
        views=methods,
        sources=sources,
        name=viewset.name,
        match_report=match.report(),
        match_counts=counts,
        notices=list(viewset.notices),
    )


def leakage_notices(X: pd.DataFrame, y: pd.Series, *, limit: float = 0.97) -> list[str]:
    """A warning for features that alone separate the classes almost perfectly (an outcome,
    follow-up or staging column read as expression)."""
    from ..evaluation import univariate_auc

    if X.isna().to_numpy().any():  # samples lacking a view: each feature on those that have it
        present = X.notna()
        auc = pd.concat(
            [
                univariate_auc(X.loc[rows, columns], y[rows.to_numpy()])
                for rows, columns in _by_missingness(present)
            ]
        ).reindex(X.columns)
    else:
        auc = univariate_auc(X, y)
    separation = np.maximum(auc, 1 - auc)
    suspects = separation[separation >= limit].sort_values(ascending=False)
    if suspects.empty:
        return []
    shown = ", ".join(f"{name!r} (AUC {auc[name]:.2f})" for name in suspects.index[:5])
    more = f" and {len(suspects) - 5} more" if len(suspects) > 5 else ""
    return [
        f"warning: {shown}{more} alone separate(s) the classes almost perfectly; if a column is "
        "an outcome, follow-up or staging variable rather than expression, the result is "
        "leaked: exclude it with --exclude-feature"
    ]


def _by_missingness(present: pd.DataFrame):
    """Groups of columns with the same present samples: (row mask, column names)."""
    patterns: dict[bytes, list[str]] = {}
    masks: dict[bytes, pd.Series] = {}
    for column in present.columns:
        key = np.packbits(present[column].to_numpy()).tobytes()
        patterns.setdefault(key, []).append(column)
        masks.setdefault(key, present[column])
    return [(masks[key], columns) for key, columns in patterns.items()]


def load_cohort(config) -> Cohort:
    """Read, assemble and label the cohort of a training or evaluation config.

    Raises
    ------
    InputError
        For any problem with the files, the sample IDs, the label definition or the values.
    """
    model = getattr(getattr(config, "model", None), "name", "")
    groups = getattr(config.read, "groups", None) if hasattr(config, "model") else None
    read, label = with_dataset(config.read, config.label)
    label = effective_label(read, label, model)
    keep = [*label_columns(label), *([groups] if groups else [])]
    viewset = read_views(read, keep=keep)
    assembled = assemble_views(viewset, sample_map=read.sample_map, join=read.join)
    if viewset.clinical is not None:
        label = recipe_label(model, label, viewset.clinical)
    return label_cohort(assembled, label, survival=is_survival(model), groups=groups)
