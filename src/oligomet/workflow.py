"""Stages wired together with a config: the only orchestration in oligomet that does I/O.

``train`` runs ingest -> labels -> model -> cross-validation -> final fit -> tracking;
``predict`` loads a saved model and scores a table. The CLI and ``pipelines/`` call these functions;
the algorithms live in the library subpackages.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ._errors import InputError, MissingFeaturesError

__all__ = [
    "CVConfig",
    "ClusterConfig",
    "ClusterResult",
    "Cohort",
    "EvaluateConfig",
    "EvaluationResult",
    "LabelConfig",
    "SNFSettings",
    "TrackingConfig",
    "TrainConfig",
    "TrainResult",
    "ViewConfig",
    "cluster",
    "evaluate",
    "load_cluster_config",
    "load_cohort",
    "load_config",
    "predict",
    "train",
]

logger = logging.getLogger(__name__)

Orientation = Literal["auto", "features_x_samples", "samples_x_features"]
Transform = Literal["auto", "none", "log2", "log2cpm"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ViewConfig(_Strict):
    """One expression table."""

    path: Path
    name: str | None = None
    orientation: Orientation = "auto"
    transform: Transform = "auto"
    sep: str | None = None


class LabelConfig(_Strict):
    """How clinical columns define the positive (polymetastatic) and negative class."""

    column: str | None = None
    positive: list[str] = Field(default_factory=list)
    negative: list[str] = Field(default_factory=list)
    time: str | None = None
    horizon: float | None = None
    oligo_max: float | None = None
    poly_min: float | None = None


class CVConfig(_Strict):
    """Nested, repeated stratified cross-validation settings."""

    n_splits: int = Field(5, ge=2)
    n_repeats: int = Field(5, ge=1)
    n_inner_splits: int = Field(3, ge=2)
    threshold: Literal["youden"] | float = "youden"
    n_permutations: int = Field(5, ge=0)
    n_bootstrap: int = Field(1000, ge=10)
    confidence: float = Field(0.95, gt=0, lt=1)


class TrackingConfig(_Strict):
    """Where and under which names a run is recorded."""

    tracking_uri: str | None = None
    experiment: str = "oligomet"
    registered_name: str | None = None
    alias: str | None = None
    log_predictions: bool = False
    log_sample_ids: bool = False


class TrainConfig(_Strict):
    """Everything that determines a training run; logged, resolved, with every run.

    With no ``expression`` tables the embedded default cohort is used (GSE7390, distant
    metastasis within 5 years vs free of it for 5 years).
    """

    expression: list[ViewConfig] = Field(default_factory=list)
    clinical: list[Path] = Field(default_factory=list)
    exclude_features: list[str] = Field(default_factory=list)
    sample_map: Path | None = None
    label: LabelConfig = Field(default_factory=LabelConfig)
    model: str = "logistic_enet"
    selection: Literal["univariate", "l1", "none"] | None = None
    n_select: int | None = Field(None, ge=1)
    search: bool = True
    param_grid: dict[str, list[Any]] | None = None
    groups: str | None = None
    cv: CVConfig = Field(default_factory=CVConfig)
    seed: int = 0
    n_jobs: int | None = None
    tracking: TrackingConfig = Field(default_factory=TrackingConfig)


DEFAULT_LABEL = LabelConfig(
    column="distant_metastasis", time="time_to_distant_metastasis_years", horizon=5.0
)
DEFAULT_SURVIVAL = LabelConfig(column="distant_metastasis", time="time_to_distant_metastasis_years")


def _set_dotted(target: dict[str, Any], dotted: str, value: Any) -> None:
    keys = dotted.split(".")
    node = target
    for key in keys[:-1]:
        node = node.setdefault(key, {})
        if not isinstance(node, dict):
            raise InputError(f"cannot set {dotted!r}: {key!r} is not a section")
    node[keys[-1]] = value


def load_config(
    path: str | os.PathLike[str] | None = None,
    *,
    values: Mapping[str, Any] | None = None,
    overrides: Mapping[str, Any] | None = None,
    model: type[BaseModel] | None = None,
) -> Any:
    """Resolve a training config: YAML file, then explicit values, then dotted overrides.

    Parameters
    ----------
    path : path or None
        YAML file with the fields of :class:`TrainConfig`.
    values : mapping or None
        Dotted keys set from command-line options (``{"label.column": "event"}``).
    overrides : mapping or None
        Dotted overrides given as ``--cv.n_splits 3``; applied last. Values are parsed as YAML
        scalars (``3`` -> int, ``true`` -> bool).

    Raises
    ------
    InputError
        Unreadable or invalid file, unknown key, or a value of the wrong type.
    """
    import yaml

    raw: dict[str, Any] = {}
    if path is not None:
        path = Path(path)
        if not path.is_file():
            raise InputError(f"config file {path} does not exist or is not a file")
        try:
            loaded = yaml.safe_load(path.read_text())
        except (OSError, yaml.YAMLError) as error:
            raise InputError(
                f"cannot read config file {path}: {str(error).splitlines()[0]}"
            ) from None
        if loaded is not None and not isinstance(loaded, dict):
            raise InputError(f"config file {path} must hold a mapping of settings")
        raw = loaded or {}
        base = path.parent
        # Relative data paths in a config are relative to the config file.
        for view in raw.get("expression", []) or []:
            if isinstance(view, dict) and "path" in view:
                view["path"] = str(base / view["path"])
        if "clinical" in raw:
            raw["clinical"] = [str(base / p) for p in _as_list(raw["clinical"])]
        if raw.get("sample_map"):
            raw["sample_map"] = str(base / raw["sample_map"])
    for key, value in (values or {}).items():
        _set_dotted(raw, key, value)
    for key, value in (overrides or {}).items():
        _set_dotted(raw, key, yaml.safe_load(value) if isinstance(value, str) else value)
    try:
        return (model or TrainConfig).model_validate(raw)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        source = f" in {path}" if path is not None else ""
        raise InputError(f"invalid setting {where!r}{source}: {first['msg']}") from None


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]


@dataclass
class Cohort:
    """Labelled samples ready for modelling (raw values; log transforms live in the model)."""

    X: pd.DataFrame
    y: pd.Series
    labels: Any  # oligomet.labels.LabelResult
    views: list[tuple[str, str, int, int]]
    sources: list[dict[str, Any]]
    name: str
    match_report: str = ""
    match_counts: dict[str, Any] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)
    groups: pd.Series | None = None
    time: pd.Series | None = None

    @property
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


def _label_columns(label: LabelConfig) -> list[str]:
    return [c for c in (label.column, label.time) if c]


def _recipe_label(model: str, label: LabelConfig, clinical: pd.DataFrame) -> LabelConfig:
    """A recipe's count thresholds (Wuttig: few < 8 vs many > 16) when the label column holds
    counts and the user gave no rule of their own."""
    from .models import RECIPE_LABELS

    implied = RECIPE_LABELS.get(model)
    own_rule = label.positive or label.negative or label.time or label.oligo_max or label.poly_min
    if not implied or own_rule or label.column not in clinical.columns:
        return label
    counts = pd.to_numeric(clinical[label.column], errors="coerce")
    # Counts, not a 0/1 label or categories: at least one value above 1.
    if counts.notna().sum() == 0 or not (counts > 1).any():
        return label
    return label.model_copy(update=implied)


def _read_views(
    config: TrainConfig | ClusterConfig, clinical: pd.DataFrame | None, drop: list[str]
):
    """Read every ``--expression`` file into named views (an .h5mu file gives one per modality).

    Returns the views, the requested transform of each, provenance records and the sample
    annotations that came with the data (an .h5mu file's shared ``obs``, a GEO series matrix's
    characteristics), used as the clinical table when none was given.
    """
    from .io import orient_by_samples, read_expression, read_h5mu

    views: dict[str, Any] = {}
    transforms: dict[str, str] = {}
    sources: list[dict[str, Any]] = []
    embedded_obs = None
    for view in config.expression:
        path = Path(view.path)
        if path.suffix.lower() == ".h5mu":
            mdata = read_h5mu(path)
            embedded_obs = mdata.obs.copy() if embedded_obs is None else embedded_obs
            parts = {mod: mdata.mod[mod].copy() for mod in mdata.mod}
        else:
            adata = read_expression(
                path, orientation=view.orientation, sep=view.sep, name=view.name, drop_columns=drop
            )
            if view.orientation == "auto" and clinical is not None:
                adata = orient_by_samples(adata, clinical.index)
            if embedded_obs is None and len(adata.obs.columns):
                embedded_obs = adata.obs.copy()  # e.g. a GEO series matrix's characteristics
            parts = {view.name or _view_name(path, views): adata}
        for part_name, adata in parts.items():
            if part_name in views:
                raise InputError(
                    f"two views are named {part_name!r}; name them apart "
                    "(view names come from file names or .h5mu modalities)"
                )
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
                }
            )
    return views, transforms, sources, embedded_obs


def load_cohort(config: TrainConfig) -> Cohort:
    """Ingest the expression views and clinical tables of ``config`` and label the samples.

    Raises
    ------
    InputError
        For any problem with the files, the sample IDs, the label definition or the values.
    """
    from .io import assemble, read_sample_map
    from .models import combine_views

    label = config.label
    group_column = getattr(config, "groups", None)  # training only
    notices: list[str] = []
    if not config.expression:
        from .datasets import load_gse7390

        if config.clinical:
            raise InputError(
                "--clinical was given without --expression; give both, or neither "
                "to train on the embedded default cohort"
            )
        adata = load_gse7390()
        if label.column is None:
            survival = _is_survival(getattr(config, "model", ""))
            label = DEFAULT_SURVIVAL if survival else DEFAULT_LABEL
        clinical, clinical_name = adata.obs.copy(), "clinical"
        views = {"expression": adata.copy()}
        views["expression"].obs = pd.DataFrame(index=adata.obs_names)
        transforms = {"expression": "none"}  # log2 microarray intensities
        name = "GSE7390 (embedded default)"
        sources = [{"name": "GSE7390", "source": "scikit-survival load_breast_cancer"}]
    else:
        if label.column is None:
            raise InputError("--label is required: the clinical column that defines the classes")
        clinical = _read_clinical(config.clinical)
        drop = [*_label_columns(label), *([group_column] if group_column else [])]
        drop += config.exclude_features
        views, transforms, sources, embedded_obs = _read_views(config, clinical, drop)
        notices.extend(_shared_file_notices(config, drop))
        if clinical is not None:
            clinical_name = " + ".join(Path(p).name for p in config.clinical)
        elif embedded_obs is not None and len(embedded_obs.columns):
            clinical, clinical_name = embedded_obs, "sample annotations"
        else:
            raise InputError(
                "--clinical is required with --expression: the table holding "
                f"the label column {label.column!r}"
            )
        if set(drop) <= set(clinical.columns):
            # Training needs only the label columns; a "clinical" table may be a whole
            # expression file with the outcome in two of its thousands of columns.
            clinical = clinical[drop]
        name = " + ".join(Path(v.path).name for v in config.expression)
    sample_map = read_sample_map(config.sample_map) if config.sample_map else None
    if group_column and group_column not in clinical.columns:
        raise InputError(
            f"group column {group_column!r} is not in {clinical_name}; it should hold the "
            "patient of each sample"
        )
    label = _recipe_label(getattr(config, "model", ""), label, clinical)
    survival = _is_survival(getattr(config, "model", ""))
    make_target = _survival_target if survival else _binary_target
    # The label definition is checked against the whole clinical table first, so that a value
    # that only disappears in the sample match is not reported as a typo.
    make_target(clinical, label)
    mdata, match = assemble(views, clinical, clinical_name=clinical_name, sample_map=sample_map)
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
    labelled = {view_name: mdata[view_name][target.index].copy() for view_name in views}
    X, blocks = combine_views(labelled)
    methods = _resolve_transforms(labelled, blocks, transforms)
    for (_view, method, _start, _stop), source in zip(methods, sources, strict=True):
        source["transform"] = method
    counts = {
        "n_common": len(match.common),
        **{_metric_name(f"n_{t}"): n for t, n in _table_sizes(match).items()},
    }
    groups = None
    if group_column:
        groups = mdata.obs[group_column].loc[X.index]
        if groups.isna().any():
            raise InputError(
                f"group column {group_column!r} is empty for sample "
                f"{groups.index[groups.isna()][0]!r}; every sample needs its patient"
            )
    return Cohort(
        groups=groups,
        X=X,
        y=target.loc[X.index].astype(int),
        time=labels.time.loc[X.index] if survival else None,
        labels=labels,
        views=methods,
        sources=sources,
        name=name,
        match_report=match.report(),
        match_counts=counts,
        notices=notices,
    )


def _is_survival(model: str) -> bool:
    from .models import MODELS

    spec = MODELS.get(model)
    return spec is not None and spec.task == "survival"


def _binary_target(clinical: pd.DataFrame, label: LabelConfig):
    """0/1 labels: the LabelResult and its label Series."""
    from .labels import make_labels

    labels = make_labels(clinical, **_label_rule(label))
    return labels, labels.y


def _survival_target(clinical: pd.DataFrame, label: LabelConfig):
    """A time-to-event target: the SurvivalTarget and its event indicator (0/1)."""
    from .labels import make_survival

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


def _read_clinical(paths: list[Path]) -> pd.DataFrame | None:
    """One clinical table, or several per-variable files joined on sample IDs, or None."""
    from .io import read_clinical, read_clinical_tables

    if not paths:
        return None
    return read_clinical(paths[0]) if len(paths) == 1 else read_clinical_tables(paths)


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


def _resolve_transforms(views: Mapping[str, Any], blocks, requested: Mapping[str, str]):
    """Each view's per-sample transform as ``(name, method, start, stop)``.

    Validates the values for the requested transform (negative counts, empty libraries) with
    file, sample and feature named, and resolves ``"auto"`` on the given samples.
    """
    from .pp import log_transform

    methods = []
    for block in blocks:
        checked = log_transform(views[block.name], method=requested[block.name], copy=True)
        method = checked.uns["oligomet"]["log_transform"]["method"]
        methods.append((block.name, method, block.start, block.stop))
    return methods


def _input_example(X: pd.DataFrame) -> pd.DataFrame:
    """A row of training medians: shows a model's input format without exposing a patient."""
    return X.median().to_frame().T.set_axis(["training_median"])


def _shared_file_notices(config: TrainConfig, dropped: list[str]) -> list[str]:
    """Say so when a file is both an expression view and a clinical table: its other clinical
    columns would become features unless excluded."""
    clinical = {Path(p).resolve() for p in config.clinical}
    notices = []
    for view in config.expression:
        if Path(view.path).resolve() in clinical:
            notices.append(
                f"{Path(view.path).name} is both an expression and a clinical table: "
                f"{', '.join(dropped)} are not used as features; exclude any other clinical "
                "column with --exclude-feature"
            )
    return notices


def _outcome_like_features(X: pd.DataFrame, y: pd.Series, *, limit: float = 0.97) -> list[str]:
    from .evaluation import univariate_auc

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


def _train_survival(config: TrainConfig, cohort: Cohort, estimator, grid, groups, say):
    """Cross-validated C-index of a survival pipeline, then the final model on all samples."""
    from .evaluation import cross_validate_survival, fit_tuned_survival
    from .models import RiskModel

    cv = config.cv
    target = cohort.labels
    say(
        f"cross-validating {config.model}: {cv.n_repeats} x {cv.n_splits}-fold (C-index), "
        f"{cv.n_permutations} permutations, on {len(cohort.X)} samples x {cohort.X.shape[1]} "
        "features"
    )
    settings = dict(
        param_grid=grid, n_inner_splits=cv.n_inner_splits, groups=groups, random_state=config.seed
    )
    result = cross_validate_survival(
        estimator,
        cohort.X,
        target,
        n_splits=cv.n_splits,
        n_repeats=cv.n_repeats,
        n_permutations=cv.n_permutations,
        n_bootstrap=cv.n_bootstrap,
        confidence=cv.confidence,
        n_jobs=config.n_jobs,
        **settings,
    )
    # The final model: the same inner search, on all samples.
    final = fit_tuned_survival(estimator, cohort.X, target, **settings)
    model = RiskModel(
        final.model,
        metadata={
            "model": config.model,
            "params": final.params,
            "endpoint": target.rule,
            "views": _view_metadata(cohort.views),
            "dataset_digest": cohort.digest,
        },
        threshold=final.threshold,
    )
    return TrainResult(config=config, cohort=cohort, cv=result, classifier=model)


def _view_metadata(views) -> list[dict[str, Any]]:
    """Each view's name, per-sample transform and width, as saved with a model."""
    return [{"name": n, "transform": m, "n_features": b - a} for n, m, a, b in views]


def _evaluate_and_fit(config: TrainConfig, cohort: Cohort, estimator, grid, groups, names):
    """Nested cross-validation, then the final model chosen the same way on all samples."""
    from .evaluation import cross_validate, fit_tuned

    cv = config.cv
    result = cross_validate(
        estimator,
        cohort.X,
        cohort.y.to_numpy(),
        param_grid=grid,
        n_inner_splits=cv.n_inner_splits,
        threshold=cv.threshold,
        n_splits=cv.n_splits,
        n_repeats=cv.n_repeats,
        n_permutations=cv.n_permutations,
        n_bootstrap=cv.n_bootstrap,
        confidence=cv.confidence,
        groups=groups,
        class_names=names,
        n_jobs=config.n_jobs,
        random_state=config.seed,
    )
    # The final model: the same inner search and threshold choice, on all labelled samples.
    final = fit_tuned(
        estimator,
        cohort.X,
        cohort.y.to_numpy(),
        param_grid=grid,
        n_inner_splits=cv.n_inner_splits,
        threshold=cv.threshold,
        groups=groups,
        random_state=config.seed,
    )
    return result, final


@contextlib.contextmanager
def _model_settings_checked(config: TrainConfig):
    """Turn scikit-learn's rejection of a hyperparameter value into a user error."""
    from sklearn.utils._param_validation import InvalidParameterError

    try:
        yield
    except InvalidParameterError as error:
        raise InputError(
            f"invalid setting for model {config.model!r}: {str(error).splitlines()[0]}"
        ) from None


def _registered_name(model: str) -> str:
    """Default registry name: ``oligomet-<model>``, with a signature file named by its stem
    (registry names cannot hold ``/`` or ``:``)."""
    kind, _, rest = model.partition(":")
    if rest and ("/" in rest or "." in rest):
        rest = Path(rest).name.split(".")[0]
    return "oligomet-" + re.sub(r"[^\w.-]+", "-", f"{kind}-{rest}" if rest else kind)


def _search_space(config: TrainConfig, estimator) -> dict[str, list] | None:
    """The inner-fold search space: the config's own, else the model's default (if searching)."""
    from .models import param_grid

    if not config.search:
        return None
    grid = config.param_grid if config.param_grid is not None else param_grid(config.model)
    if not grid:
        return None
    known = estimator.get_params()
    unknown = [key for key in grid if key not in known]
    if unknown:
        tunable = ", ".join(k for k in known if k.startswith(("classifier__", "cox__")))
        raise InputError(
            f"param_grid names {', '.join(map(repr, unknown))}, not parameters of "
            f"{config.model}; parameters of its classifier: {tunable}"
        )
    empty = [key for key, values in grid.items() if not values]
    if empty:
        raise InputError(f"param_grid gives no values for {', '.join(map(repr, empty))}")
    return grid


def _grid_size(grid: Mapping[str, list]) -> int:
    return int(np.prod([len(values) for values in grid.values()]))


def _metric_name(text: str) -> str:
    """MLflow metric names allow letters, digits and ``_-./ ``; replace anything else."""
    return re.sub(r"[^\w\-./ ]", "_", text)


def _table_sizes(match) -> dict[str, int]:
    return {table: len(ids) for table, ids in match.mapping.items()}


def _view_name(path: Path, existing: Mapping[str, Any]) -> str:
    name = Path(path).name
    for suffix in (".gz", ".csv", ".tsv", ".txt", ".h5ad"):
        name = name.removesuffix(suffix)
    candidate, n = name, 2
    while candidate in existing:
        candidate, n = f"{name}_{n}", n + 1
    return candidate


@dataclass
class TrainResult:
    """What ``train`` produced and where it was recorded."""

    config: TrainConfig
    cohort: Cohort
    cv: Any  # oligomet.evaluation.CrossValidationResult
    classifier: Any  # oligomet.models.TrainedClassifier
    run_id: str | None = None
    model_uri: str | None = None
    registry_uri: str | None = None
    tracking_uri: str | None = None

    @property
    def summary(self) -> pd.DataFrame:
        return self.cv.summary

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "model_uri": self.model_uri,
            "registry_uri": self.registry_uri,
            "tracking_uri": self.tracking_uri,
            "model": self.config.model,
            "dataset": self.cohort.name,
            "dataset_digest": self.cohort.digest,
            "labels": self.cohort.labels.to_dict(include_samples=False),
            "notices": list(self.cohort.notices),
            "metrics": self.cv.to_dict()["metrics"],
            "n_outer_folds": len(self.cv.fold_scores),
            "selection_frequency": self.cv.to_dict()["selection_frequency"],
            "final_model": {
                "params": self.classifier.metadata.get("params", {}),
                "threshold": self.classifier.threshold,
            },
        }


def train(
    config: TrainConfig,
    *,
    track: bool = True,
    progress: Callable[[str], None] | None = None,
) -> TrainResult:
    """Train and honestly evaluate a classifier, then record everything in MLflow.

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
    """
    from .models import TrainedClassifier, make_model, model_inputs

    say = progress or (lambda message: logger.info(message))
    cohort = load_cohort(config)
    say(cohort.labels.report())
    cohort.notices.extend(_outcome_like_features(cohort.X, cohort.y))
    for notice in cohort.notices:
        say(notice)
    for view_name, method, start, stop in cohort.views:
        say(f"view {view_name}: {stop - start} features, per-sample transform {method}")
    # The model's inputs are what a user must supply at prediction time: keep only those.
    inputs, views = model_inputs(config.model, cohort.X.columns, cohort.views)
    if len(inputs) < cohort.X.shape[1]:
        cohort.X, cohort.views = cohort.X[inputs], views
        say(f"{config.model} uses {len(inputs)} of the features")
    estimator = make_model(
        config.model,
        cohort.X.columns,
        views=cohort.views,
        random_state=config.seed,
        selection=config.selection,
        n_select=config.n_select,
    )
    grid = _search_space(config, estimator)
    cv = config.cv
    groups = None if cohort.groups is None else cohort.groups.to_numpy()
    if _is_survival(config.model):
        with _model_settings_checked(config):
            outcome = _train_survival(config, cohort, estimator, grid, groups, say)
        if track:
            _track(outcome, say)
        return outcome
    search = (
        f"; inner {cv.n_inner_splits}-fold search over {_grid_size(grid)} settings" if grid else ""
    )
    say(
        f"cross-validating {config.model}: {cv.n_repeats} x {cv.n_splits}-fold{search}, "
        f"{cv.n_permutations} label permutations, on {len(cohort.X)} samples x "
        f"{cohort.X.shape[1]} features"
    )
    names = (cohort.labels.negative_name, cohort.labels.positive_name)
    with _model_settings_checked(config):
        result, final = _evaluate_and_fit(config, cohort, estimator, grid, groups, names)
    if np.ptp(result.oof_proba) == 0:
        cohort.notices.append(
            "warning: the model gave every sample the same probability in every fold (AUC 0.5 "
            "by construction); the cohort is probably too small or too weak for this model"
        )
        say(cohort.notices[-1])
    classifier = TrainedClassifier(
        final.model,
        positive_name=cohort.labels.positive_name,
        negative_name=cohort.labels.negative_name,
        metadata={
            "model": config.model,
            "params": final.params,
            "label_rule": cohort.labels.rule,
            "views": _view_metadata(cohort.views),
            "dataset_digest": cohort.digest,
        },
        threshold=final.threshold,
    )
    outcome = TrainResult(config=config, cohort=cohort, cv=result, classifier=classifier)
    if track:
        _track(outcome, say)
    return outcome


def _track(outcome: TrainResult, say: Callable[[str], None]) -> None:
    from .tracking import start_run

    config, cohort, cv = outcome.config, outcome.cohort, outcome.cv
    tracking = config.tracking
    registered = tracking.registered_name or _registered_name(config.model)
    survival = cohort.time is not None
    with start_run(
        experiment=tracking.experiment,
        run_name=f"{config.model} on {cohort.name}",
        tracking_uri=tracking.tracking_uri,
        tags={"oligomet.command": "train", "oligomet.dataset_digest": cohort.digest},
    ) as run:
        run.log_params(
            {
                "model": config.model,
                "seed": config.seed,
                "dataset": _dataset_params(cohort),
                "label": cohort.labels.rule,
                "cv": config.cv.model_dump(),
                "selection": config.selection or "model default",
                "n_select": config.n_select or "model default",
                "param_grid": cv.params.get("param_grid") or "none",
                "groups": config.groups or "none",
                "final": {
                    "params": outcome.classifier.metadata.get("params") or "none",
                    "threshold": outcome.classifier.threshold,
                },
                "views": {n: {"transform": m, "n_features": b - a} for n, m, a, b in cohort.views},
            }
        )
        run.log_dict(config.model_dump(mode="json"), "config.yaml")
        _log_cohort(run, cohort, tracking, context="training")
        run.log_metrics(cv.metrics)
        score = "c_index" if survival else "roc_auc"
        for row in cv.fold_scores.itertuples():
            step = row.repeat * config.cv.n_splits + row.fold
            run.log_metrics(
                {f"fold_{score}": getattr(row, score), "fold_threshold": row.threshold},
                step=step,
            )
        for row in cv.null_scores.itertuples():
            run.log_metrics({f"permuted_{score}": getattr(row, score)}, step=row.permutation)
        run.log_dict(cv.to_dict(), "evaluation/cross_validation.json")
        # Feature names and fold-level counts: no patient-level values.
        frequency = cv.selection_frequency.rename_axis("feature").reset_index()
        run.log_table(frequency, "evaluation/selection_frequency.csv")
        if tracking.log_predictions:
            values = cv.oof_risk if survival else cv.oof_proba
            oof = pd.DataFrame(
                values.T,
                index=cohort.X.index,
                columns=[f"repeat_{i}" for i in range(values.shape[0])],
            )
            kind = "risk_scores" if survival else "probabilities"
            run.log_table(oof.assign(label=cohort.y), f"evaluation/out_of_fold_{kind}.csv")
        labels = cohort.labels
        if survival:
            title = f"{config.model}: {labels.event_name}"
        else:
            title = f"{config.model}: {labels.positive_name} vs {labels.negative_name}"
        for name, figure in _evaluation_figures(cv, title).items():
            run.log_figure(figure, f"evaluation/{name}.png")
        example = _input_example(cohort.X)
        logged = run.log_model(
            outcome.classifier,
            input_example=example,
            registered_name=registered,
            alias=tracking.alias,
        )
        outcome.classifier.metadata["run_id"] = run.run_id
        outcome.run_id = run.run_id
        outcome.model_uri = logged.model_uri
        outcome.registry_uri = logged.registry_uri
        outcome.tracking_uri = run.tracking_uri
    say(f"run {outcome.run_id} logged to {outcome.tracking_uri}; model {outcome.registry_uri}")


def _evaluation_figures(result, title: str) -> dict[str, Any]:
    """The standard plots of a (cross-)validation result, by file stem: Kaplan-Meier for a
    survival result; ROC, calibration and confusion for a classifier's; selection frequency."""
    from .evaluation import (
        SurvivalCVResult,
        plot_calibration,
        plot_confusion,
        plot_km,
        plot_roc,
        plot_selection_frequency,
    )

    if isinstance(result, SurvivalCVResult):
        figures = {"kaplan_meier": plot_km(result, title=title)}
    else:
        figures = {
            "roc": plot_roc(result, title=title),
            "calibration": plot_calibration(result, title=title),
            "confusion": plot_confusion(result, title=title),
        }
    if not result.selection.empty:
        figures["selection_frequency"] = plot_selection_frequency(result, title=title)
    return figures


def _dataset_params(cohort: Cohort) -> dict[str, Any]:
    return {
        "name": cohort.name,
        "digest": cohort.digest,
        "n_samples": len(cohort.X),
        "n_features": cohort.X.shape[1],
    }


def _log_cohort(run, cohort: Cohort, tracking: TrackingConfig, *, context: str) -> None:
    """What every run records about its labelled cohort: notices, the dataset record (digest and
    schema, never values), exclusion and matching counts, labels, sources; sample IDs only when
    asked."""
    if cohort.notices:
        run.set_tags({"oligomet.notices": " | ".join(cohort.notices)})
    frame = cohort.X.assign(label=cohort.y.to_numpy())
    if cohort.time is not None:
        frame["time"] = cohort.time.to_numpy()
    run.log_dataset(
        frame, name=cohort.name, source=_dataset_source(cohort), targets="label", context=context
    )
    run.log_metrics({"n_excluded": cohort.labels.n_excluded, **cohort.match_counts})
    run.log_dict(
        cohort.labels.to_dict(include_samples=tracking.log_sample_ids), "evaluation/labels.json"
    )
    run.log_dict({"sources": cohort.sources}, "data/sources.json")
    if tracking.log_sample_ids:
        run.log_text(cohort.match_report, "data/sample_match.txt")


def _dataset_source(cohort: Cohort) -> str:
    paths = [s.get("path") or s.get("source", "") for s in cohort.sources]
    return "; ".join(map(str, paths))


def _prediction_frame(tables: list[Path], features: list[str], *, orientation, sep):
    """Read the tables to score into one samples x features frame, oriented by the model."""
    from .io import assemble, read_expression, read_h5mu
    from .models import combine_views

    wanted = set(features)
    views: dict[str, Any] = {}
    for table in tables:
        if table.suffix.lower() == ".h5mu":
            mdata = read_h5mu(table)
            parts = {mod: mdata.mod[mod] for mod in mdata.mod}
        else:
            adata = read_expression(table, orientation=orientation, sep=sep)
            in_rows = len(wanted & set(map(str, adata.obs_names)))
            if orientation == "auto" and in_rows > len(wanted & set(map(str, adata.var_names))):
                adata = adata.T.copy()  # the table's rows are the model's features
            parts = {_view_name(table, views): adata}
        for name, adata in parts.items():
            if name in views:
                raise InputError(f"two tables give a view named {name!r}; rename one")
            adata = adata.copy()
            adata.obs = pd.DataFrame(index=adata.obs_names)
            views[name] = adata
    if len(views) > 1:
        mdata, _ = assemble(views)  # shared samples; the dropped ones are reported
        views = {name: mdata[name] for name in views}
    frame, _ = combine_views(views)
    return frame


def _check_transform_inputs(classifier, frame: pd.DataFrame, where: str) -> None:
    """Name the sample and feature when values cannot take the model's log transform."""
    from .pp import LogInputError, log_values

    start = 0
    for view in classifier.metadata.get("views", []):
        stop = start + int(view["n_features"])
        columns = classifier.feature_names[start:stop]
        start = stop
        if view["transform"] == "none" or not set(columns) <= set(frame.columns):
            continue
        try:
            log_values(frame[columns].to_numpy(), view["transform"])
        except LogInputError as problem:
            sample = frame.index[problem.row]
            feature = f", feature {columns[problem.col]!r}" if problem.col >= 0 else ""
            raise InputError(
                f"{where}: sample {sample!r}{feature} has a {problem.kind} value, but the model "
                f"applies {view['transform']} to view {view['name']!r}; give the same kind of "
                "values it was trained on"
            ) from None


def predict(
    model_uri: str,
    tables: str | os.PathLike[str] | list[str | os.PathLike[str]],
    *,
    output: str | os.PathLike[str] | None = None,
    orientation: Orientation = "auto",
    sep: str | None = None,
    tracking_uri: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> pd.DataFrame:
    """Score the samples of one or more expression tables with a saved model.

    Each table is read like a training table and turned so that the model's features are its
    columns; several tables (the views of a multi-view model, or an .h5mu file) are joined on
    their shared samples. miRNA names spelled differently from the model's (``hsa-miR-200c-3p``
    for ``hsa-mir-200c``) are matched by :func:`oligomet.io.mirna_renames`. The output (if given)
    is written atomically: a failure leaves no partial file.

    Returns
    -------
    pandas.DataFrame
        One row per sample: probability of the positive class and the predicted class.
    """
    from .io import mirna_renames, write_csv
    from .tracking import load_model

    say = progress or (lambda message: logger.info(message))
    paths = [Path(t) for t in (tables if isinstance(tables, list | tuple) else [tables])]
    where = ", ".join(map(str, paths))
    if output is not None:
        output = Path(output)
        if output.is_dir():
            raise InputError(
                f"output {output} is a directory; give a file name such as predictions.csv"
            )
    classifier = load_model(model_uri, tracking_uri=tracking_uri)
    frame = _prediction_frame(paths, classifier.feature_names, orientation=orientation, sep=sep)
    renames = mirna_renames(frame.columns, classifier.feature_names)
    if renames:
        frame = frame.rename(columns=renames)
        shown = ", ".join(f"{a} -> {b}" for a, b in list(renames.items())[:5])
        say(f"matched {len(renames)} miRNA name(s) to the model's spelling: {shown}")
    _check_transform_inputs(classifier, frame, where)
    try:
        scores = classifier.predict_table(frame)
    except MissingFeaturesError as error:
        raise InputError(f"{where}: {error}") from None
    if output is not None:
        write_csv(scores, output)
    return scores


class EvaluateConfig(_Strict):
    """An external validation: a saved model scored on another labelled cohort.

    With no ``label`` column, the label rule the model was trained with is used (its column
    must exist in the new clinical table).
    """

    expression: list[ViewConfig] = Field(default_factory=list)
    clinical: list[Path] = Field(default_factory=list)
    exclude_features: list[str] = Field(default_factory=list)
    sample_map: Path | None = None
    label: LabelConfig = Field(default_factory=LabelConfig)
    n_bootstrap: int = Field(1000, ge=10)
    confidence: float = Field(0.95, gt=0, lt=1)
    seed: int = 0
    tracking: TrackingConfig = Field(default_factory=TrackingConfig)


@dataclass
class EvaluationResult:
    """What ``evaluate`` produced and where it was recorded."""

    config: EvaluateConfig
    model_uri: str
    model: str
    overlap: Any  # oligomet.evaluation.FeatureOverlap
    cohort: Cohort
    result: Any  # oligomet.evaluation.CrossValidationResult
    run_id: str | None = None
    tracking_uri: str | None = None

    @property
    def summary(self) -> pd.DataFrame:
        return self.result.summary

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "tracking_uri": self.tracking_uri,
            "model_uri": self.model_uri,
            "model": self.model,
            "dataset": self.cohort.name,
            "dataset_digest": self.cohort.digest,
            "labels": self.cohort.labels.to_dict(include_samples=False),
            "feature_overlap": self.overlap.to_dict(),
            "notices": list(self.cohort.notices),
            "metrics": self.result.to_dict()["metrics"],
        }


def _label_from_rule(rule: Mapping[str, Any]) -> LabelConfig:
    """The label config that reproduces a recorded label rule (``LabelResult.rule``)."""
    kind = rule.get("kind")
    if kind == "count":
        return LabelConfig(
            column=rule["column"], oligo_max=rule["oligo_max"], poly_min=rule.get("poly_min")
        )
    if kind == "category":
        return LabelConfig(
            column=rule["column"],
            positive=[str(v) for v in rule.get("positive") or []],
            negative=[str(v) for v in rule.get("negative") or []],
        )
    if kind == "time":
        return LabelConfig(column=rule["event"], time=rule["time"], horizon=rule["horizon"])
    raise InputError("the model records no label rule; give --label (and its options)")


def evaluate(
    model_uri: str,
    config: EvaluateConfig,
    *,
    track: bool = True,
    progress: Callable[[str], None] | None = None,
) -> EvaluationResult:
    """Validate a saved classifier on an independent cohort (nothing is refitted).

    The cohort is read and labelled like a training cohort; its columns are matched to the
    model's features by name (miRNA spellings reconciled), with a feature-overlap report; the
    model's probabilities and its in-fold-chosen threshold give the same metrics and plots as
    cross-validation, with bootstrap intervals. The run is recorded in MLflow (no model is
    logged).

    Raises
    ------
    InputError
        Bad files or labels, an SNF subtype model, or features the model needs that the cohort
        lacks (all listed).
    """
    from .evaluation import feature_overlap, validate_predictions
    from .io import mirna_renames
    from .models import TrainedClassifier
    from .tracking import load_model

    say = progress or (lambda message: logger.info(message))
    classifier = load_model(model_uri, tracking_uri=config.tracking.tracking_uri)
    if not isinstance(classifier, TrainedClassifier):
        kind = classifier.metadata.get("kind", "non-classifier")
        raise InputError(
            f"{model_uri} is a {kind} model; `oligomet evaluate` validates classifiers (0/1 "
            "labels). Score a survival or subtype model with `oligomet predict`"
        )
    if config.label.column is None:
        config = config.model_copy(
            update={"label": _label_from_rule(classifier.metadata.get("label_rule", {}))}
        )
        say(f"label rule from the model: {config.label.model_dump(exclude_defaults=True)}")
    cohort = load_cohort(config)
    say(cohort.labels.report())
    for notice in cohort.notices:
        say(notice)
    if cohort.labels.positive_name != classifier.positive_name:
        cohort.notices.append(
            f"warning: the model's positive class is {classifier.positive_name!r} but this "
            f"cohort's is {cohort.labels.positive_name!r}; check that they mean the same"
        )
        say(cohort.notices[-1])
    frame = cohort.X
    renames = mirna_renames(frame.columns, classifier.feature_names)
    if renames:
        frame = frame.rename(columns=renames)
    overlap = feature_overlap(classifier.feature_names, frame.columns, renamed=renames)
    say(overlap.report())
    where = " + ".join(str(v.path) for v in config.expression) or cohort.name
    if overlap.missing:
        shown = ", ".join(overlap.missing[:10])
        more = f" and {len(overlap.missing) - 10} more" if len(overlap.missing) > 10 else ""
        raise InputError(
            f"{where}: {len(overlap.missing)} of the model's {len(overlap.model_features)} "
            f"features are absent ({shown}{more}); the model cannot score samples without them. "
            "Check the feature IDs (gene symbols, miRNA names) or retrain on the shared features"
        )
    _check_transform_inputs(classifier, frame, where)
    proba = classifier.predict_proba(frame)[classifier.positive_name].to_numpy()
    pred = (classifier.predict(frame) == classifier.positive_name).to_numpy().astype(int)
    result = validate_predictions(
        cohort.y.to_numpy(),
        proba,
        pred,
        n_bootstrap=config.n_bootstrap,
        confidence=config.confidence,
        class_names=(cohort.labels.negative_name, cohort.labels.positive_name),
        random_state=config.seed,
    )
    outcome = EvaluationResult(
        config=config,
        model_uri=model_uri,
        model=str(classifier.metadata.get("model", "")),
        overlap=overlap,
        cohort=cohort,
        result=result,
    )
    if track:
        _track_evaluation(outcome, classifier, say)
    return outcome


def _track_evaluation(outcome: EvaluationResult, classifier, say) -> None:
    from .tracking import start_run

    config, cohort, result = outcome.config, outcome.cohort, outcome.result
    tracking = config.tracking
    with start_run(
        experiment=tracking.experiment,
        run_name=f"evaluate {outcome.model or outcome.model_uri} on {cohort.name}",
        tracking_uri=tracking.tracking_uri,
        tags={
            "oligomet.command": "evaluate",
            "oligomet.dataset_digest": cohort.digest,
            "oligomet.model_uri": outcome.model_uri,
            "oligomet.training_run_id": str(classifier.metadata.get("run_id", "")),
        },
    ) as run:
        run.log_params(
            {
                "model": outcome.model,
                "model_uri": outcome.model_uri,
                "threshold": classifier.threshold,
                "seed": config.seed,
                "dataset": _dataset_params(cohort),
                "label": cohort.labels.rule,
                "n_bootstrap": config.n_bootstrap,
                "confidence": config.confidence,
            }
        )
        run.log_dict(config.model_dump(mode="json"), "config.yaml")
        _log_cohort(run, cohort, tracking, context="evaluation")
        run.log_metrics(result.metrics)
        run.log_metrics({"feature_overlap": outcome.overlap.fraction})
        run.log_dict(outcome.overlap.to_dict(), "evaluation/feature_overlap.json")
        run.log_dict(result.to_dict(), "evaluation/external_validation.json")
        if tracking.log_predictions:
            table = pd.DataFrame(
                {"probability": result.oof_proba[0], "prediction": result.oof_pred[0]},
                index=cohort.X.index,
            )
            run.log_table(table.assign(label=cohort.y), "evaluation/predictions.csv")
        title = (
            f"{outcome.model or 'model'} on {cohort.name}: {cohort.labels.positive_name} vs "
            f"{cohort.labels.negative_name}"
        )
        for name, figure in _evaluation_figures(result, title).items():
            run.log_figure(figure, f"evaluation/{name}.png")
        outcome.run_id = run.run_id
        outcome.tracking_uri = run.tracking_uri
    say(f"run {outcome.run_id} logged to {outcome.tracking_uri}")


class SNFSettings(_Strict):
    """Parameters of :class:`oligomet.snf.SNF`."""

    n_neighbors: int = Field(20, ge=1)
    mu: float = Field(0.5, gt=0)
    n_iter: int = Field(20, ge=1)
    n_clusters: int | Literal["auto"] = "auto"
    metric: Literal["sqeuclidean", "euclidean"] = "sqeuclidean"
    variant: Literal["snftool", "snfpy"] = "snftool"
    cluster_range: tuple[int, int] = (2, 5)


class ClusterConfig(_Strict):
    """Everything that determines a clustering run (``oligomet cluster``)."""

    expression: list[ViewConfig] = Field(default_factory=list)
    clinical: list[Path] = Field(default_factory=list)
    sample_map: Path | None = None
    exclude_features: list[str] = Field(default_factory=list)
    snf: SNFSettings = Field(default_factory=SNFSettings)
    time: str | None = None
    event: str | None = None
    compare: list[str] = Field(default_factory=list)
    label: LabelConfig = Field(default_factory=LabelConfig)
    seed: int = 0
    log_model: bool = True
    tracking: TrackingConfig = Field(default_factory=TrackingConfig)


@dataclass
class ClusterResult:
    """What ``cluster`` produced: subtypes, their meaning, and where they were recorded."""

    config: ClusterConfig
    mdata: Any  # MuData with obsp["snf_fused"], obs["snf_subtype"], uns["snf"]
    model: Any  # oligomet.snf.SubtypeModel
    survival: Any = None  # SurvivalComparison
    comparisons: dict[str, dict[str, float]] = field(default_factory=dict)
    association: Any = None  # ContingencyTest
    digest: str = ""
    run_id: str | None = None
    registry_uri: str | None = None

    @property
    def snf(self):
        return self.model.pipeline[-1].snf_

    @property
    def summary(self) -> pd.DataFrame:
        sizes = pd.Series(self.snf.labels_).value_counts().sort_index()
        return sizes.rename("n_samples").rename_axis("subtype").to_frame()

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "registry_uri": self.registry_uri,
            "dataset_digest": self.digest,
            **self.snf.to_dict(),
            "logrank_p": None if self.survival is None else self.survival.p_value,
            "comparisons": self.comparisons,
            "association": None if self.association is None else self.association.to_dict(),
        }


def load_cluster_config(
    path: str | os.PathLike[str] | None = None,
    *,
    values: Mapping[str, Any] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> ClusterConfig:
    """Like :func:`load_config`, for ``oligomet cluster``."""
    return load_config(path, values=values, overrides=overrides, model=ClusterConfig)


def cluster(
    config: ClusterConfig,
    *,
    track: bool = True,
    progress: Callable[[str], None] | None = None,
) -> ClusterResult:
    """Fuse the views with SNF, find subtypes, say what they mean, and record it all.

    Samples present in every view are clustered (the library's :class:`~oligomet.snf.SNF` also
    fuses samples that miss a view; see its notes). Per-view log transforms and the SNF model
    form one pipeline, saved so that ``oligomet predict`` assigns new samples to the subtypes.
    """
    from sklearn.pipeline import Pipeline

    from .io import assemble, read_sample_map
    from .models import FeatureAligner, ViewLogTransform, combine_views
    from .snf import (
        MultiViewSNF,
        SubtypeModel,
        compare_labels,
        subtype_association,
        survival_by_subtype,
    )

    say = progress or (lambda message: logger.info(message))
    if len(config.expression) < 2 and not any(
        Path(v.path).suffix.lower() == ".h5mu" for v in config.expression
    ):
        raise InputError("SNF fuses at least 2 views: give --expression twice (or an .h5mu)")
    clinical = _read_clinical(config.clinical)
    if clinical is not None:
        for column in [config.time, config.event, *config.compare, config.label.column]:
            if column and column not in clinical.columns:
                raise InputError(
                    f"column {column!r} is not in {', '.join(map(str, config.clinical))}"
                )
    elif config.time or config.compare or config.label.column:
        raise InputError("--time, --compare and --label need a --clinical table")
    views, transforms, _sources, _ = _read_views(config, clinical, list(config.exclude_features))
    sample_map = read_sample_map(config.sample_map) if config.sample_map else None
    clinical_name = " + ".join(Path(p).name for p in config.clinical) or "clinical"
    mdata, match = assemble(views, clinical, clinical_name=clinical_name, sample_map=sample_map)
    X, blocks = combine_views({name: mdata[name] for name in views})
    methods = _resolve_transforms({name: mdata[name] for name in views}, blocks, transforms)
    for name, method, start, stop in methods:
        say(f"view {name}: {stop - start} features, transform {method}")
    settings = config.snf.model_dump()
    settings["random_state"] = config.seed
    pipeline = Pipeline(
        [
            ("align", FeatureAligner()),
            ("log", ViewLogTransform(views=methods)),
            (
                "snf",
                MultiViewSNF(
                    views=[(b.name, b.start, b.stop) for b in blocks], snf_params=settings
                ),
            ),
        ]
    )
    say(
        f"fusing {len(blocks)} views of {len(X)} samples (K={config.snf.n_neighbors}, "
        f"mu={config.snf.mu}, t={config.snf.n_iter}, {config.snf.variant} rule)"
    )
    pipeline.fit(X)
    snf = pipeline[-1].snf_
    labels = pd.Series(snf.labels_, index=X.index)
    snf.view_names_ = [b.name for b in blocks]
    snf._write_to(mdata)
    say(f"{snf.n_clusters_} subtypes, sizes {np.bincount(snf.labels_).tolist()}")
    metadata = {
        "views": _view_metadata(methods),
        "snf": settings,
    }
    result = ClusterResult(config=config, mdata=mdata, model=SubtypeModel(pipeline, metadata))
    result.digest = hashlib.sha256(np.ascontiguousarray(X.to_numpy()).tobytes()).hexdigest()
    obs = mdata.obs
    if config.time and config.event:
        result.survival = survival_by_subtype(labels, obs[config.time], obs[config.event])
        say(f"log-rank p across subtypes: {result.survival.p_value:.3g}")
    for column in config.compare:
        result.comparisons[column] = compare_labels(labels, obs[column])
        say(
            f"agreement with {column}: NMI {result.comparisons[column]['nmi']:.3f}, "
            f"ARI {result.comparisons[column]['ari']:.3f}"
        )
    if config.label.column:
        from .labels import make_labels

        oligo_poly = make_labels(obs, **_label_rule(config.label))
        result.association = subtype_association(labels.loc[oligo_poly.y.index], oligo_poly.y)
        say(
            f"subtype x {config.label.column}: {result.association.test} p = "
            f"{result.association.p_value:.3g}"
        )
    if track:
        _track_clustering(result, X, match, say)
    return result


def _track_clustering(result: ClusterResult, X: pd.DataFrame, match, say) -> None:
    from .snf import plot_eigengap, plot_fused_network
    from .tracking import start_run

    config, snf, tracking = result.config, result.snf, result.config.tracking
    with start_run(
        experiment=tracking.experiment,
        run_name=f"SNF of {' + '.join(v['name'] for v in result.model.metadata['views'])}",
        tracking_uri=tracking.tracking_uri,
        tags={"oligomet.command": "cluster", "oligomet.dataset_digest": result.digest},
    ) as run:
        run.log_params(
            {
                "snf": config.snf.model_dump(),
                "seed": config.seed,
                "dataset": {"digest": result.digest, "n_samples": len(X), "n_features": X.shape[1]},
                "views": {
                    v["name"]: {"transform": v["transform"], "n_features": v["n_features"]}
                    for v in result.model.metadata["views"]
                },
            }
        )
        run.log_dict(config.model_dump(mode="json"), "config.yaml")
        run.log_dataset(
            X, name="SNF input", source="; ".join(str(v.path) for v in config.expression)
        )
        sizes = np.bincount(snf.labels_)
        run.log_metrics(
            {
                "n_clusters": snf.n_clusters_,
                "n_samples": len(X),
                **{f"subtype_size_{c}": int(s) for c, s in enumerate(sizes)},
                **{_metric_name(f"n_{t}"): n for t, n in _table_sizes(match).items()},
            }
        )
        for k, gap in snf.eigengap_.items():
            run.log_metrics({"eigengap": gap}, step=int(k))
        run.log_dict(snf.to_dict(), "snf/subtypes.json")
        run.log_figure(plot_eigengap(snf.eigengap_, snf.n_clusters_), "snf/eigengap.png")
        run.log_figure(plot_fused_network(snf.fused_network_, snf.labels_), "snf/fused_network.png")
        if result.survival is not None:
            run.log_metrics({"logrank_p": result.survival.p_value})
            run.log_figure(result.survival.plot(), "snf/kaplan_meier.png")
            run.log_dict(result.survival.to_dict(), "snf/survival.json")
        for column, scores in result.comparisons.items():
            run.log_metrics(
                {
                    _metric_name(f"{column}_nmi"): scores["nmi"],
                    _metric_name(f"{column}_ari"): scores["ari"],
                }
            )
        if result.association is not None:
            run.log_metrics({"association_p": result.association.p_value})
            run.log_dict(result.association.to_dict(), "snf/subtype_by_label.json")
        if tracking.log_sample_ids:
            subtypes = pd.Series(snf.labels_, index=X.index, name="subtype")
            run.log_table(subtypes.to_frame(), "snf/subtypes_by_sample.csv")
        if config.log_model:
            example = _input_example(X)
            logged = run.log_model(
                result.model,
                input_example=example,
                registered_name=tracking.registered_name or "oligomet-snf",
                alias=tracking.alias,
            )
            result.registry_uri = logged.registry_uri
        result.run_id = run.run_id
    say(f"run {result.run_id}; model {result.registry_uri}")
