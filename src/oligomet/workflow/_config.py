"""Configs of every workflow, one section per stage, each field described once.

The descriptions are the documentation: the command line builds its options (and their help)
from these fields (``cli`` names the option), and the docs quote them. Configs are strict
(``extra="forbid"``): a misspelt key is an error that names it.

Sections follow the stages: ``read`` (tables in, samples matched), ``label`` (the target),
``model``, ``cv`` (nested cross-validation, and the same inner choices for the final model),
``snf`` and ``characterise`` (subtypes), ``tracking`` (where results are recorded). The earlier
flat form of a training config (``expression:``, ``model: logistic_enet``, ``selection:`` at the
top) is still read: :func:`sectioned` moves such keys into their sections.
"""

from __future__ import annotations

import types
import typing
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from .._names import (
    alias_problem,
    experiment_name_problem,
    registered_name_problem,
    tracking_uri_problem,
)

__all__ = [
    "CVConfig",
    "CharacteriseConfig",
    "ClusterConfig",
    "EvaluateConfig",
    "LabelConfig",
    "ModelConfig",
    "ReadConfig",
    "SNFSettings",
    "TrackingConfig",
    "TrainConfig",
    "ViewConfig",
    "sectioned",
]

Orientation = Literal["auto", "features_x_samples", "samples_x_features"]
Transform = Literal["auto", "none", "log2", "log2cpm"]


def option(default: Any = None, description: str = "", *, cli: str | None = None, **extra) -> Any:
    """A config field with its description and, if it is one, its command-line option.

    ``cli`` is the option's name (``"--n-splits"``, ``"--expression/-e"``,
    ``"--log-model/--no-log-model"``); ``flag_value`` makes a one-way flag (``--no-search`` sets
    ``False``). A class as ``default`` (``list``, a section's config) is a default factory.
    """
    schema: dict[str, Any] = {}
    if cli:
        schema["cli"] = cli
    if "flag_value" in extra:
        schema["flag_value"] = extra.pop("flag_value")
    if isinstance(default, type):
        return Field(
            default_factory=default, description=description, json_schema_extra=schema, **extra
        )
    return Field(default, description=description, json_schema_extra=schema, **extra)


def _takes_numbers(annotation: Any) -> bool:
    """Whether a field holds a number (``int``, ``float``, ``int | None``, ``"youden" | float``)."""
    if annotation in (int, float):
        return True
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        arguments = typing.get_args(annotation)
        return bool not in arguments and any(_takes_numbers(a) for a in arguments)
    return False


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_booleans_for_numbers(cls, value: Any, info: ValidationInfo) -> Any:
        """``seed: true`` is a mistake, not the seed 1 (pydantic would read a boolean as 0/1)."""
        if isinstance(value, bool) and _takes_numbers(cls.model_fields[info.field_name].annotation):
            raise ValueError(f"expected a number, got {str(value).lower()}")
        return value


class ViewConfig(_Strict):
    """One expression table (a view)."""

    path: Path = option(
        ...,
        "Expression table (CSV/TSV, .gz, .h5ad, .h5mu, GEO series matrix); repeat for several "
        "views.",
        cli="--expression/-e",
    )
    name: str | None = option(None, "View name (default: the file name without its suffixes).")
    orientation: Orientation = option(
        "auto",
        "Table orientation: auto (default), features_x_samples, samples_x_features.",
        cli="--orientation",
    )
    transform: Transform = option(
        "auto",
        "Per-sample transform of every view: auto (default), none, log2, log2cpm.",
        cli="--transform",
    )
    sep: str | None = option(
        None,
        "Delimiter of the expression tables (default: detected from the first line; \\t or "
        "tab for a tab).",
        cli="--sep",
    )

    @field_validator("sep")
    @classmethod
    def _tab(cls, value: str | None) -> str | None:
        return cls.delimiter(value)

    @staticmethod
    def delimiter(sep: str | None) -> str | None:
        """Accept ``\\t`` and ``tab`` for a tab, as typed in a shell."""
        return {"\\t": "\t", "tab": "\t"}.get(sep, sep) if sep else sep


class ReadConfig(_Strict):
    """Stage ``read``: the tables, and how their samples are matched (the ``assemble`` stage)."""

    expression: list[ViewConfig] = option(
        list,
        "Expression table (CSV/TSV, .gz, .h5ad, .h5mu, GEO series matrix); repeat for several "
        "views. Omit to train on the embedded default cohort (GSE7390).",
        cli="--expression/-e",
    )
    clinical: list[Path] = option(
        list,
        "Clinical table(s) with the label column; repeat to join several.",
        cli="--clinical/-c",
    )
    dataset: str | None = option(
        None,
        "A published cohort by accession (`oligomet datasets list`), once fetched with "
        "`oligomet datasets fetch ACCESSION`: its series, its clinical annotations and, unless "
        "--label is given, the catalogue's label rule.",
        cli="--dataset",
    )
    sample_map: Path | None = option(
        None,
        "Table mapping sample IDs across files (columns: original ID, shared ID).",
        cli="--sample-map",
    )
    exclude_features: list[str] = option(
        list,
        "Column to leave out of the features (e.g. a clinical column in an expression file); "
        "repeatable.",
        cli="--exclude-feature",
    )
    groups: str | None = option(
        None,
        "Clinical column naming each sample's patient, when a patient has several samples: "
        "folds and permutations keep a patient's samples together.",
        cli="--groups",
    )
    join: Literal["inner", "outer"] = option(
        "inner",
        "How the views' samples are joined: inner (default) keeps the samples every view "
        "measures; outer keeps every sample of at least one view (who lacks what is printed "
        "and logged as counts).",
        cli="--join",
    )

    @model_validator(mode="after")
    def _one_source(self) -> ReadConfig:
        if self.dataset is not None and (self.expression or self.clinical):
            raise ValueError(
                "give either --dataset (a fetched published cohort) or --expression/--clinical "
                "tables, not both"
            )
        return self


class LabelConfig(_Strict):
    """Stage ``label``: how clinical columns define the positive (polymetastatic) and negative
    class, or the time-to-event endpoint."""

    column: str | None = option(
        None,
        "Clinical column defining the classes (the event indicator with --time).",
        cli="--label",
    )
    positive: list[str] = option(
        list,
        "Value(s) of --label for the positive (polymetastatic) class; repeatable. With --time: "
        "the event column's value(s) that are an event (e.g. relapse).",
        cli="--positive",
    )
    negative: list[str] = option(
        list,
        "Value(s) of --label for the negative (oligometastatic) class; repeatable. Other values "
        "are excluded and reported. With --time: the value(s) that are censored (e.g. 'no "
        "relapse').",
        cli="--negative",
    )
    time: str | None = option(
        None,
        "Time-to-event column: positive = event within --horizon, negative = event-free beyond "
        "it; censored before it excluded.",
        cli="--time",
    )
    horizon: float | None = option(None, "Horizon for --time, in its unit.", cli="--horizon")
    oligo_max: float | None = option(
        None,
        "Count rule: at most this many metastases is oligometastatic (negative).",
        cli="--oligo-max",
    )
    poly_min: float | None = option(
        None,
        "Count rule: at least this many is polymetastatic (default oligo-max + 1); counts in "
        "between are excluded.",
        cli="--poly-min",
    )


class ModelConfig(_Strict):
    """Stage ``model``: which model, its feature selection and its search space."""

    name: str = option(
        "logistic_enet",
        "Model: logistic_enet (default), linear_svm, random_forest, xgboost, shrunken_centroid, "
        "knn, mir200c, recipe:wuttig11, cox_enet, signature:NAME (shipped or a YAML/CSV/GMT "
        "file). `oligomet models` lists them.",
        cli="--model",
    )
    selection: Literal["univariate", "l1", "none"] | None = option(
        None,
        "Feature selection inside the folds: univariate (F-test), l1 or none (default: the "
        "model's own).",
        cli="--selection",
    )
    n_select: int | None = option(
        None, "Features kept by --selection (default 100; knn 50).", cli="--n-select", ge=1
    )
    search: bool = option(
        True,
        "Tune the hyperparameters in inner folds; --no-search keeps the model's defaults.",
        cli="--no-search",
        flag_value=False,
    )
    param_grid: dict[str, list[Any]] | None = option(
        None, "Search space for the inner folds (default: the model's own; `oligomet models`)."
    )


class CVConfig(_Strict):
    """Stage ``cross_validate`` (and the inner choices of ``fit_final``): nested, repeated
    stratified cross-validation."""

    n_splits: int = option(5, "Outer cross-validation folds.", cli="--n-splits", ge=2)
    n_repeats: int = option(5, "Repeats of the outer folds.", cli="--n-repeats", ge=1)
    n_inner_splits: int = option(
        3, "Inner folds that choose hyperparameters and the threshold.", ge=2
    )
    threshold: Literal["youden"] | float = option(
        "youden", "Decision threshold: Youden's J on inner out-of-fold predictions, or fixed."
    )

    @field_validator("threshold", mode="before")
    @classmethod
    def _youden_or_probability(cls, value: Any) -> Any:
        """One message for both kinds (pydantic would report the union's branches apart)."""
        if value == "youden":
            return value
        number = value
        if isinstance(value, str):
            try:
                number = float(value)
            except ValueError:
                number = None
        if isinstance(number, int | float) and not isinstance(number, bool) and 0 < number < 1:
            return number
        raise ValueError(
            f"must be 'youden' or a probability strictly between 0 and 1, got {value!r}"
        )

    n_permutations: int = option(
        5,
        "Label permutations for the null AUC (everything refitted; 0 skips). Use 999 for a "
        "p-value worth quoting.",
        cli="--n-permutations",
        ge=0,
    )
    n_bootstrap: int = option(
        1000, "Bootstrap resamples for the intervals.", cli="--n-bootstrap", ge=10
    )
    confidence: float = option(0.95, "Coverage of the intervals.", gt=0, lt=1)


class TrackingConfig(_Strict):
    """Stage ``track``: where and under which names a run is recorded."""

    tracking_uri: str | None = option(
        None,
        "MLflow tracking URI (default: MLFLOW_TRACKING_URI, else sqlite file mlflow.db in the "
        "working directory).",
        cli="--tracking-uri",
    )
    experiment: str = option("oligomet", "MLflow experiment.", cli="--experiment")
    registered_name: str | None = option(
        None, "Registered model name (default oligomet-<model>).", cli="--name"
    )
    alias: str | None = option(
        None,
        "Alias to set on the registered version (letters, digits, _ and -; not v<number> or "
        "latest, which MLflow reserves).",
        cli="--alias",
    )

    @field_validator("tracking_uri")
    @classmethod
    def _a_store_mlflow_can_open(cls, value: str | None) -> str | None:
        problem = None if not value else tracking_uri_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("experiment")
    @classmethod
    def _experiment_name(cls, value: str) -> str:
        """MLflow's rules for experiment names, checked before any work (MLflow checks them when
        the run opens, after the data were read)."""
        problem = experiment_name_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("registered_name")
    @classmethod
    def _model_name(cls, value: str | None) -> str | None:
        """MLflow's rules for registered model names (``mlflow.utils.validation``), checked before
        any work: MLflow checks them when the model is registered, at the very end of a run."""
        problem = None if not value else registered_name_problem(value)  # "": the default
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("alias")
    @classmethod
    def _registry_accepts(cls, value: str | None) -> str | None:
        """The registry's alias rules, checked before any work (MLflow checks them at the end)."""
        problem = None if value is None else alias_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    log_model: bool = option(
        True,
        "Save and register the model (--no-log-model keeps it off the tracking server).",
        cli="--log-model/--no-log-model",
    )
    log_predictions: bool = option(
        False,
        "Also log per-sample probabilities (patient-level data).",
        cli="--log-predictions",
        flag_value=True,
    )
    log_sample_ids: bool = option(
        False,
        "Also log sample IDs (match report, excluded samples).",
        cli="--log-sample-ids",
        flag_value=True,
    )


_READ_KEYS = ("expression", "clinical", "dataset", "sample_map", "exclude_features")
_LEGACY = {
    "train": {
        **{key: ("read", key) for key in (*_READ_KEYS, "groups")},
        "selection": ("model", "selection"),
        "n_select": ("model", "n_select"),
        "search": ("model", "search"),
        "param_grid": ("model", "param_grid"),
    },
    "evaluate": {key: ("read", key) for key in _READ_KEYS},
    "cluster": {
        **{key: ("read", key) for key in _READ_KEYS},
        **{key: ("characterise", key) for key in ("time", "event", "compare", "label")},
        "log_model": ("tracking", "log_model"),
    },
}


def sectioned(raw: dict[str, Any], kind: str) -> dict[str, Any]:
    """Move the keys of the flat (earlier) config form into their sections.

    ``{"expression": [...], "model": "xgboost", "selection": "l1"}`` becomes
    ``{"read": {"expression": [...]}, "model": {"name": "xgboost", "selection": "l1"}}`` for a
    training config. A key given both ways keeps the flat value (it was given later).
    """
    raw = dict(raw)
    if kind == "train" and isinstance(raw.get("model"), str):
        raw["model"] = {"name": raw["model"]}
    for key, (section, field) in _LEGACY.get(kind, {}).items():
        if key in raw:
            value = raw.pop(key)
            target = raw.setdefault(section, {})
            if isinstance(target, dict):
                target = raw[section] = dict(target)
                target[field] = value
            else:
                raw[section] = target  # not a mapping: let validation name the problem
    return raw


class _Sectioned(_Strict):
    #: Which flat keys :func:`sectioned` moves.
    config_kind: ClassVar[str] = "train"
    #: Command-line help that differs from a field's own description in this command.
    cli_help: ClassVar[dict[str, str]] = {}
    #: Fields (dotted) that this command does not offer as options.
    cli_skip: ClassVar[tuple[str, ...]] = ()

    @model_validator(mode="before")
    @classmethod
    def _flat_keys(cls, data: Any) -> Any:
        return sectioned(data, cls.config_kind) if isinstance(data, dict) else data


class TrainConfig(_Sectioned):
    """Everything that determines a training run; logged, resolved, with every run.

    With no expression tables the embedded default cohort is used (GSE7390, distant metastasis
    within 5 years vs free of it for 5 years).
    """

    cli_help: ClassVar[dict[str, str]] = {
        "read.join": "How the views' samples are joined: inner (default) keeps the samples "
        "every view measures; outer keeps every sample of at least one view, and the model "
        "fills the features of a view a sample lacks with each feature's median over the "
        "training samples that have it (a step after the log transform, fitted inside each "
        "training fold). Who lacks what is printed and logged as counts.",
    }

    read: ReadConfig = option(ReadConfig, "The tables and how their samples are matched.")
    label: LabelConfig = option(LabelConfig, "The classes (or time-to-event endpoint).")
    model: ModelConfig = option(ModelConfig, "The model and its search space.")
    cv: CVConfig = option(CVConfig, "Nested cross-validation.")
    seed: int = option(
        0, "Seed that fixes every result (0 to 4294967295).", cli="--seed", ge=0, le=2**32 - 1
    )
    n_jobs: int | None = option(
        None,
        "Folds fitted in parallel processes (default: OLIGOMET_N_JOBS, else every core); results "
        "do not depend on it.",
        cli="--n-jobs",
    )

    @field_validator("n_jobs")
    @classmethod
    def _processes(cls, value: int | None) -> int | None:
        if value is not None and (value == 0 or value < -1):
            raise ValueError(
                f"must be a positive number of processes (or -1 for every core), got {value}"
            )
        return value

    backend: Literal["local", "dask"] = option(
        "local",
        "Where the folds run: local worker processes, or a Dask cluster (--scheduler ADDRESS; "
        'without it a local Dask cluster of --n-jobs workers). Dask needs "oligomet[dask]". '
        "Results do not depend on it.",
        cli="--backend",
    )
    scheduler: str | None = option(
        None,
        "Address of a running Dask scheduler (tcp://HOST:8786), with --backend dask.",
        cli="--scheduler",
    )
    tracking: TrackingConfig = option(TrackingConfig, "Where the run is recorded.")


class EvaluateConfig(_Sectioned):
    """An external validation: a saved model scored on another labelled cohort.

    With no ``label`` column, the label rule the model was trained with is used (its column
    must exist in the new clinical table).
    """

    config_kind: ClassVar[str] = "evaluate"
    cli_skip: ClassVar[tuple[str, ...]] = (
        "read.groups",
        "read.join",
        "tracking.registered_name",
        "tracking.alias",
        "tracking.log_model",
    )
    cli_help: ClassVar[dict[str, str]] = {
        "read.expression": "Expression table(s) of the validation cohort (CSV/TSV, .gz, .h5ad, "
        ".h5mu, GEO series matrix); repeat for several views. Omit to score the embedded "
        "GSE7390 cohort (the training cohort of the default model: not a validation of it).",
        "label.column": "Clinical column defining the classes (default: the model's own label "
        "rule).",
        "read.join": "Only inner: evaluate scores the samples that have every view.",
    }

    read: ReadConfig = option(ReadConfig, "The validation cohort's tables.")

    @field_validator("read")
    @classmethod
    def _every_view(cls, value: ReadConfig) -> ReadConfig:
        if value.join != "inner":
            raise ValueError(
                "join outer is for train and cluster; evaluate scores the samples that have "
                "every view (drop read.join)"
            )
        return value

    label: LabelConfig = option(LabelConfig, "The classes (default: the model's own rule).")
    n_bootstrap: int = option(
        1000, "Bootstrap resamples for the intervals.", cli="--n-bootstrap", ge=10
    )
    confidence: float = option(0.95, "Coverage of the intervals.", gt=0, lt=1)
    seed: int = option(
        0, "Seed that fixes every result (0 to 4294967295).", cli="--seed", ge=0, le=2**32 - 1
    )
    tracking: TrackingConfig = option(TrackingConfig, "Where the run is recorded.")


class SNFSettings(_Strict):
    """Stage ``snf``: parameters of :class:`oligomet.snf.SNF`."""

    n_neighbors: int = option(20, "K nearest neighbours.", cli="--n-neighbors", ge=1)
    mu: float = option(0.5, "Kernel scale mu.", cli="--mu", gt=0)
    n_iter: int = option(20, "Fusion iterations t.", cli="--n-iter", ge=1)
    n_clusters: int | Literal["auto"] = option(
        "auto", "Number of subtypes, or 'auto' (best eigengap).", cli="--n-clusters"
    )

    @field_validator("n_clusters", mode="before")
    @classmethod
    def _auto_or_count(cls, value: Any) -> Any:
        """One message for both kinds (pydantic would report the union's branches apart); the
        command line gives the number as text."""
        if value == "auto":
            return value
        number = value
        if isinstance(value, str) and value.strip().isdigit():
            number = int(value)
        if isinstance(number, int) and not isinstance(number, bool) and number >= 2:
            return number
        raise ValueError(f"must be 'auto' or a whole number of subtypes >= 2, got {value!r}")

    preset: Literal["snftool", "snfpy", "none"] = option(
        "snftool",
        "Whole pipeline of a peer, reproduced to its subtypes: snftool (default; SNFtool 2.3.1, "
        "the authors' R package) or snfpy (snfpy 0.2.2 with scikit-learn's spectral "
        "clustering); none to combine --metric, --variant, --eigengap and --assign yourself.",
        cli="--preset",
    )
    metric: Literal["sqeuclidean", "euclidean"] | None = option(
        None, "Distance: euclidean or sqeuclidean (default: the preset's).", cli="--metric"
    )
    variant: Literal["snftool", "snfpy"] | None = option(
        None, "Fusion rule: snftool or snfpy (default: the preset's).", cli="--variant"
    )
    eigengap: Literal["plain", "weighted"] | None = option(
        None,
        "Eigengap that 'auto' maximises: plain (SNFtool 2.3) or weighted (snfpy; default: the "
        "preset's).",
        cli="--eigengap",
    )
    assign: Literal["snftool", "discretize", "kmeans"] | None = option(
        None,
        "Spectral clustering: snftool (deterministic), discretize or kmeans (scikit-learn's, "
        "seeded; default: the preset's).",
        cli="--assign",
    )
    cluster_range: tuple[int, int] = option(
        (2, 5), "Smallest and largest number of subtypes considered by 'auto'."
    )

    @field_validator("cluster_range")
    @classmethod
    def _smallest_to_largest(cls, value: tuple[int, int]) -> tuple[int, int]:
        smallest, largest = value
        if not 2 <= smallest <= largest:
            raise ValueError(
                "must be [smallest, largest] numbers of subtypes with 2 <= smallest <= largest, "
                f"got [{smallest}, {largest}]"
            )
        return value

    def estimator_params(self) -> dict[str, Any]:
        """The parameters of :class:`oligomet.snf.SNF` ("none" is no preset)."""
        params = self.model_dump()
        params["preset"] = None if self.preset == "none" else self.preset
        return params


class CharacteriseConfig(_Strict):
    """Stage ``characterise``: what the subtypes mean (survival, agreement, oligo/poly)."""

    time: str | None = option(None, "Survival time column (with --event).", cli="--time")
    event: str | None = option(None, "Event indicator column (1 = event).", cli="--event")
    compare: list[str] = option(
        list,
        "Column of known labels to compare the subtypes with (NMI, ARI); repeatable.",
        cli="--compare",
    )
    label: LabelConfig = option(
        LabelConfig, "Classes for a subtype x oligo/poly table (Fisher/chi-squared)."
    )


class ClusterConfig(_Sectioned):
    """Everything that determines a clustering run (``oligomet cluster``)."""

    config_kind: ClassVar[str] = "cluster"
    cli_skip: ClassVar[tuple[str, ...]] = (
        "read.groups",
        "tracking.log_predictions",
        *(f"characterise.label.{name}" for name in ("time", "horizon", "oligo_max", "poly_min")),
    )
    cli_help: ClassVar[dict[str, str]] = {
        "read.expression": "Expression table of one view (at least two), or an .h5mu with several.",
        "read.clinical": "Clinical table(s) for survival and comparisons.",
        "characterise.label.column": "Column for a subtype x oligo/poly table (Fisher/chi2).",
        "tracking.registered_name": "Registered model name (default oligomet-snf).",
        "tracking.log_model": "Save the subtype model. It holds the training samples' "
        "standardised profiles (no IDs), as any nearest-neighbour model must.",
        "tracking.log_sample_ids": "Also log each sample's subtype with its ID (patient-level).",
        "read.join": "How the views' samples are joined: inner (default) clusters the samples "
        "every view measures; outer clusters every sample of at least one view, fused over the "
        "views it has (SNF's rule for missing views). Who lacks what is printed and logged as "
        "counts.",
    }

    read: ReadConfig = option(ReadConfig, "The views (at least two) and the clinical table.")
    snf: SNFSettings = option(SNFSettings, "Similarity network fusion.")
    characterise: CharacteriseConfig = option(CharacteriseConfig, "What the subtypes mean.")
    seed: int = option(
        0, "Seed that fixes every result (0 to 4294967295).", cli="--seed", ge=0, le=2**32 - 1
    )
    tracking: TrackingConfig = option(TrackingConfig, "Where the run is recorded.")
