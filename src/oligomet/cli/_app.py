"""The ``oligomet`` command line: thin commands that parse options and call one function each.

Heavy libraries (mlflow, scikit-learn, anndata) are imported inside the commands, so
``oligomet --help`` answers instantly. A user error prints one line and exits with status 2.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

__all__ = ["app", "main"]

app = typer.Typer(
    name="oligomet",
    help="Learn and evaluate molecular signatures of oligo- versus polymetastatic disease.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

USER_ERROR = 2

# Options several commands share, declared once.
TrackingUri = Annotated[
    str | None,
    typer.Option(
        envvar="MLFLOW_TRACKING_URI",
        help="MLflow tracking URI (default: sqlite file mlflow.db in the working directory).",
    ),
]
Seed = Annotated[int | None, typer.Option(help="Seed that fixes every result (default 0).")]
Alias = Annotated[str | None, typer.Option(help="Alias to set on the registered version.")]
Experiment = Annotated[str | None, typer.Option(help="MLflow experiment (default oligomet).")]
AsJson = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]
Positive = Annotated[
    list[str] | None,
    typer.Option(help="Value(s) of --label for the positive (polymetastatic) class; repeatable."),
]
Negative = Annotated[
    list[str] | None,
    typer.Option(
        help="Value(s) of --label for the negative (oligometastatic) class; repeatable. "
        "Other values are excluded and reported."
    ),
]
Expression = Annotated[
    list[Path] | None,
    typer.Option(
        "--expression",
        "-e",
        help="Expression table (CSV/TSV, .gz, .h5ad, .h5mu, GEO series matrix); repeat for "
        "several views. "
        "Omit to train on the embedded default cohort (GSE7390).",
    ),
]
Clinical = Annotated[
    list[Path] | None,
    typer.Option(
        "--clinical",
        "-c",
        help="Clinical table(s) with the label column; repeat to join several.",
    ),
]
Label = Annotated[
    str | None,
    typer.Option(help="Clinical column defining the classes (the event indicator with --time)."),
]
Time = Annotated[
    str | None,
    typer.Option(
        help="Time-to-event column: positive = event within --horizon, negative = event-free "
        "beyond it; censored before it excluded."
    ),
]
Horizon = Annotated[float | None, typer.Option(help="Horizon for --time, in its unit.")]
OligoMax = Annotated[
    float | None,
    typer.Option(help="Count rule: at most this many metastases is oligometastatic (negative)."),
]
PolyMin = Annotated[
    float | None,
    typer.Option(
        help="Count rule: at least this many is polymetastatic (default oligo-max + 1); counts "
        "in between are excluded."
    ),
]
Orientation = Annotated[
    str | None,
    typer.Option(help="Table orientation: auto (default), features_x_samples, samples_x_features."),
]
ExcludeFeature = Annotated[
    list[str] | None,
    typer.Option(
        help="Column to leave out of the features (e.g. a clinical column in an expression "
        "file); repeatable."
    ),
]
Sep = Annotated[
    str | None,
    typer.Option(
        help="Delimiter of the expression tables (default: detected from the first line)."
    ),
]
SampleMap = Annotated[
    Path | None,
    typer.Option(help="Table mapping sample IDs across files (columns: original ID, shared ID)."),
]
Groups = Annotated[
    str | None,
    typer.Option(
        "--groups",
        help="Clinical column naming each sample's patient, when a patient has several samples: "
        "folds and permutations keep a patient's samples together.",
    ),
]
LogPredictions = Annotated[
    bool,
    typer.Option(help="Also log per-sample probabilities (patient-level data)."),
]
LogSampleIds = Annotated[
    bool, typer.Option(help="Also log sample IDs (match report, excluded samples).")
]
ConfigFile = Annotated[
    Path | None,
    typer.Option(
        help="YAML config; options given here override it, dotted overrides (--cv.n_splits 3) last."
    ),
]
Transform = Annotated[
    str | None,
    typer.Option(help="Per-sample transform of every view: auto (default), none, log2, log2cpm."),
]


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(USER_ERROR)


def user_errors(command):
    """Turn an InputError (anything the user can fix) into one line on stderr and exit 2."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        from .._errors import InputError

        try:
            return command(*args, **kwargs)
        except InputError as error:
            _fail(str(error))
        except KeyboardInterrupt:
            _fail("interrupted")

    return wrapper


@app.callback()
def _configure(
    verbose: Annotated[
        int,
        typer.Option(
            "--verbose", "-v", count=True, help="More messages: -v for progress, -vv for debug."
        ),
    ] = 0,
    log_file: Annotated[
        Path | None, typer.Option(help="Also write log messages to this file.")
    ] = None,
) -> None:
    """Configure logging for the whole command (the library itself never does)."""
    # MLflow 3 reports usage to its developers unless told not to; patient studies run offline.
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if log_file is not None:
        handlers.append(logging.FileHandler(log_file))
    logger = logging.getLogger("oligomet")
    logger.handlers.clear()
    for handler in handlers:
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False


def _delimiter(sep: str | None) -> str | None:
    """Accept ``\\t`` and ``tab`` for a tab, as typed in a shell."""
    return {"\\t": "\t", "tab": "\t"}.get(sep, sep) if sep else sep


def _parse_overrides(args: list[str]) -> dict[str, str]:
    """``--cv.n_splits 3 --label.column event`` -> ``{"cv.n_splits": "3", ...}``."""
    overrides: dict[str, str] = {}
    position = 0
    while position < len(args):
        key = args[position]
        if not key.startswith("--") or "." not in key:
            _fail(f"unexpected argument {key!r}; dotted overrides look like --cv.n_splits 3")
        key = key[2:]
        if "=" in key:
            key, value = key.split("=", 1)
            position += 1
        else:
            if position + 1 >= len(args):
                _fail(f"override --{key} needs a value")
            value = args[position + 1]
            position += 2
        overrides[key.replace("-", "_")] = value
    return overrides


def _given(values: dict[str, object]) -> dict[str, object]:
    """The options the user gave (not None), as dotted config keys."""
    return {key: value for key, value in values.items() if value is not None}


def _cohort_values(
    *,
    expression,
    clinical,
    label,
    positive,
    negative,
    time,
    horizon,
    oligo_max,
    poly_min,
    orientation,
    exclude_feature,
    sep,
    sample_map,
    groups=None,
    transform=None,
) -> dict[str, object]:
    """Config values (dotted keys) for the options that describe a labelled cohort."""
    values: dict[str, object] = {}
    if expression:
        values["expression"] = [
            {
                "path": str(p),
                **({"transform": transform} if transform else {}),
                **({"orientation": orientation} if orientation else {}),
                **({"sep": _delimiter(sep)} if sep else {}),
            }
            for p in expression
        ]
    elif transform or orientation or sep:
        _fail("--transform, --orientation and --sep apply to --expression tables")
    values.update(
        _given(
            {
                "clinical": [str(p) for p in clinical] if clinical else None,
                "exclude_features": exclude_feature or None,
                "label.column": label,
                "label.positive": positive or None,
                "label.negative": negative or None,
                "label.time": time,
                "label.horizon": horizon,
                "label.oligo_max": oligo_max,
                "label.poly_min": poly_min,
                "sample_map": str(sample_map) if sample_map else None,
                "groups": groups,
            }
        )
    )
    return values


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
@user_errors
def train(
    ctx: typer.Context,
    expression: Expression = None,
    clinical: Clinical = None,
    label: Label = None,
    positive: Positive = None,
    negative: Negative = None,
    time: Time = None,
    horizon: Horizon = None,
    oligo_max: OligoMax = None,
    poly_min: PolyMin = None,
    model: Annotated[
        str | None,
        typer.Option(
            help="Model: logistic_enet (default), linear_svm, random_forest, xgboost, "
            "shrunken_centroid, knn, mir200c, recipe:wuttig11, signature:NAME (shipped or a "
            "YAML/CSV/GMT file). `oligomet models` lists them."
        ),
    ] = None,
    selection: Annotated[
        str | None,
        typer.Option(
            help="Feature selection inside the folds: univariate (F-test), l1 or none "
            "(default: the model's own)."
        ),
    ] = None,
    n_select: Annotated[
        int | None, typer.Option(help="Features kept by --selection (default 100; knn 50).")
    ] = None,
    no_search: Annotated[
        bool,
        typer.Option(
            "--no-search", help="Use the model's default hyperparameters (no inner-fold search)."
        ),
    ] = False,
    transform: Transform = None,
    orientation: Orientation = None,
    exclude_feature: ExcludeFeature = None,
    sep: Sep = None,
    sample_map: SampleMap = None,
    groups: Groups = None,
    n_splits: Annotated[
        int | None, typer.Option(help="Outer cross-validation folds (default 5).")
    ] = None,
    n_repeats: Annotated[int | None, typer.Option(help="Repeats of the folds (default 5).")] = None,
    n_permutations: Annotated[
        int | None, typer.Option(help="Label permutations for the null AUC (default 5; 0 skips).")
    ] = None,
    seed: Seed = None,
    n_jobs: Annotated[int | None, typer.Option(help="Folds fitted in parallel.")] = None,
    name: Annotated[
        str | None, typer.Option(help="Registered model name (default oligomet-<model>).")
    ] = None,
    alias: Alias = None,
    experiment: Experiment = None,
    tracking_uri: TrackingUri = None,
    log_predictions: LogPredictions = False,
    log_sample_ids: LogSampleIds = False,
    config: ConfigFile = None,
    as_json: AsJson = False,
) -> None:
    """Train a classifier, evaluate it by nested cross-validation, log and register it."""
    from ..workflow import load_config
    from ..workflow import train as run_training

    values = _cohort_values(
        expression=expression,
        clinical=clinical,
        label=label,
        positive=positive,
        negative=negative,
        time=time,
        horizon=horizon,
        oligo_max=oligo_max,
        poly_min=poly_min,
        transform=transform,
        orientation=orientation,
        exclude_feature=exclude_feature,
        sep=sep,
        sample_map=sample_map,
        groups=groups,
    )
    values.update(
        _given(
            {
                "model": model,
                "selection": selection,
                "n_select": n_select,
                "search": False if no_search else None,
                "cv.n_splits": n_splits,
                "cv.n_repeats": n_repeats,
                "cv.n_permutations": n_permutations,
                "seed": seed,
                "n_jobs": n_jobs,
                "tracking.registered_name": name,
                "tracking.alias": alias,
                "tracking.experiment": experiment,
                "tracking.tracking_uri": tracking_uri,
                "tracking.log_predictions": log_predictions or None,
                "tracking.log_sample_ids": log_sample_ids or None,
            }
        )
    )
    resolved = load_config(config, values=values, overrides=_parse_overrides(ctx.args))
    result = run_training(resolved, progress=lambda m: typer.echo(m, err=True))
    if as_json:
        typer.echo(json.dumps(result.to_dict(), indent=2, default=str))
        return
    _print_summary(result)


_METRIC_LABELS = {
    "roc_auc": "ROC AUC",
    "pr_auc": "PR AUC (average precision)",
    "balanced_accuracy": "balanced accuracy",
    "sensitivity": "sensitivity",
    "specificity": "specificity",
    "brier": "Brier score",
    "calibration_intercept": "calibration intercept",
    "calibration_slope": "calibration slope",
}


def _metrics_table(title: str, metrics: dict, confidence: float):
    from rich.table import Table

    table = Table(title=title)
    for column in ("metric", "estimate", f"{confidence:.0%} CI"):
        table.add_column(column)
    for key, text in _METRIC_LABELS.items():
        table.add_row(
            text,
            f"{metrics[key]:.3f}",
            f"{metrics[f'{key}_ci_low']:.3f} to {metrics[f'{key}_ci_high']:.3f}",
        )
    return table


def _print_survival_summary(result) -> None:
    from rich.console import Console
    from rich.table import Table

    m, cv, target = result.cv.metrics, result.config.cv, result.cohort.labels
    table = Table(
        title=f"{result.config.model}: time to {target.event_name} ({target.n_samples} samples, "
        f"{target.n_events} events; nested {cv.n_repeats} x {cv.n_splits}-fold CV)"
    )
    for column in ("metric", "estimate", f"{cv.confidence:.0%} CI"):
        table.add_column(column)
    table.add_row(
        "C-index (pooled out-of-fold)",
        f"{m['c_index']:.3f}",
        f"{m['c_index_ci_low']:.3f} to {m['c_index_ci_high']:.3f}",
    )
    table.add_row("C-index (mean of folds)", f"{m['c_index_fold_mean']:.3f}", "")
    if "null_c_index" in m:
        table.add_row(
            "C-index, permuted outcomes",
            f"{m['null_c_index']:.3f}",
            f"permutation p {m['permutation_p']:.3f} (>= {1 / (cv.n_permutations + 1):.3f})",
        )
    table.add_row(
        "log-rank, high vs low risk (out-of-fold)",
        f"p {m['logrank_p']:.3g}",
        f"{int(m['n_high'])} high / {int(m['n_low'])} low",
    )
    console = Console()
    console.print(table)
    console.print(f"run: {result.run_id}\nmodel: {result.registry_uri or result.model_uri}")


def _print_summary(result) -> None:
    from rich.console import Console

    if result.cohort.time is not None:
        _print_survival_summary(result)
        return
    m = result.cv.metrics
    cv = result.config.cv
    labels = result.cohort.labels
    table = _metrics_table(
        f"{result.config.model}: {labels.positive_name} vs {labels.negative_name} "
        f"({len(result.cohort.X)} samples; nested {cv.n_repeats} x {cv.n_splits}-fold CV)",
        m,
        cv.confidence,
    )
    if "null_roc_auc" in m:
        table.add_row(
            "ROC AUC, permuted labels",
            f"{m['null_roc_auc']:.3f}",
            f"sd {m['null_roc_auc_sd']:.3f}; permutation p {m['permutation_p']:.3f} "
            f"(>= {1 / (cv.n_permutations + 1):.3f} with {cv.n_permutations} permutations)",
        )
    console = Console()
    console.print(table)
    frequency = result.cv.selection_frequency
    n_folds = len(result.cv.fold_scores)
    if not frequency.empty and len(frequency) < result.cohort.X.shape[1]:
        shown = ", ".join(f"{name} {value:.0%}" for name, value in frequency.head(11).items())
        console.print(f"most often selected across the {n_folds} outer folds: {shown}")
    classifier = result.classifier
    params = classifier.metadata.get("params") or {}
    chosen = ", ".join(f"{k.split('__')[-1]}={v}" for k, v in params.items())
    console.print(
        f"final model: {chosen + '; ' if chosen else ''}threshold {classifier.threshold:.3f}"
    )
    console.print(f"run: {result.run_id}\nmodel: {result.registry_uri or result.model_uri}")


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
@user_errors
def evaluate(
    ctx: typer.Context,
    model_uri: Annotated[
        str,
        typer.Argument(
            help="models:/NAME@ALIAS, models:/NAME/VERSION, runs:/RUN_ID/model or a local path."
        ),
    ],
    expression: Expression = None,
    clinical: Clinical = None,
    label: Annotated[
        str | None,
        typer.Option(
            help="Clinical column defining the classes (default: the model's own label rule)."
        ),
    ] = None,
    positive: Positive = None,
    negative: Negative = None,
    time: Time = None,
    horizon: Horizon = None,
    oligo_max: OligoMax = None,
    poly_min: PolyMin = None,
    orientation: Orientation = None,
    exclude_feature: ExcludeFeature = None,
    sep: Sep = None,
    sample_map: SampleMap = None,
    n_bootstrap: Annotated[
        int | None, typer.Option(help="Bootstrap resamples for the intervals (default 1000).")
    ] = None,
    seed: Seed = None,
    experiment: Experiment = None,
    tracking_uri: TrackingUri = None,
    log_predictions: LogPredictions = False,
    log_sample_ids: LogSampleIds = False,
    config: ConfigFile = None,
    as_json: AsJson = False,
) -> None:
    """Validate a saved classifier on another cohort: feature overlap, metrics, plots."""
    from rich.console import Console

    from ..workflow import EvaluateConfig, load_config
    from ..workflow import evaluate as run_evaluation

    values = _cohort_values(
        expression=expression,
        clinical=clinical,
        label=label,
        positive=positive,
        negative=negative,
        time=time,
        horizon=horizon,
        oligo_max=oligo_max,
        poly_min=poly_min,
        orientation=orientation,
        exclude_feature=exclude_feature,
        sep=sep,
        sample_map=sample_map,
    )
    values.update(
        _given(
            {
                "n_bootstrap": n_bootstrap,
                "seed": seed,
                "tracking.experiment": experiment,
                "tracking.tracking_uri": tracking_uri,
                "tracking.log_predictions": log_predictions or None,
                "tracking.log_sample_ids": log_sample_ids or None,
            }
        )
    )
    resolved = load_config(
        config, values=values, overrides=_parse_overrides(ctx.args), model=EvaluateConfig
    )
    outcome = run_evaluation(model_uri, resolved, progress=lambda m: typer.echo(m, err=True))
    if as_json:
        typer.echo(json.dumps(outcome.to_dict(), indent=2, default=str))
        return
    m = outcome.result.metrics
    labels = outcome.cohort.labels
    table = _metrics_table(
        f"{outcome.model or model_uri} on {outcome.cohort.name}: {labels.positive_name} vs "
        f"{labels.negative_name} ({len(outcome.cohort.X)} samples; external validation)",
        m,
        resolved.confidence,
    )
    table.add_row("AUC > 0.5, Mann-Whitney p", f"{m['auc_p_value']:.3g}", "")
    console = Console()
    console.print(table)
    console.print(outcome.overlap.report())
    console.print(f"run: {outcome.run_id}")


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
@user_errors
def cluster(
    ctx: typer.Context,
    expression: Annotated[
        list[Path] | None,
        typer.Option(
            "--expression",
            "-e",
            help="Expression table of one view (at least two), or an .h5mu with several.",
        ),
    ] = None,
    clinical: Annotated[
        list[Path] | None,
        typer.Option("--clinical", "-c", help="Clinical table(s) for survival and comparisons."),
    ] = None,
    n_clusters: Annotated[
        str | None, typer.Option(help="Number of subtypes, or 'auto' (best eigengap, default).")
    ] = None,
    n_neighbors: Annotated[
        int | None, typer.Option(help="K nearest neighbours (default 20).")
    ] = None,
    mu: Annotated[float | None, typer.Option(help="Kernel scale mu (default 0.5).")] = None,
    n_iter: Annotated[int | None, typer.Option(help="Fusion iterations t (default 20).")] = None,
    metric: Annotated[str | None, typer.Option(help="sqeuclidean (default) or euclidean.")] = None,
    variant: Annotated[
        str | None, typer.Option(help="Fusion rule: snftool (default) or snfpy.")
    ] = None,
    time: Annotated[str | None, typer.Option(help="Survival time column (with --event).")] = None,
    event: Annotated[str | None, typer.Option(help="Event indicator column (1 = event).")] = None,
    compare: Annotated[
        list[str] | None,
        typer.Option(
            help="Column of known labels to compare the subtypes with (NMI, ARI); repeatable."
        ),
    ] = None,
    label: Annotated[
        str | None, typer.Option(help="Column for a subtype x oligo/poly table (Fisher/chi2).")
    ] = None,
    positive: Positive = None,
    negative: Negative = None,
    transform: Transform = None,
    seed: Seed = None,
    name: Annotated[
        str | None, typer.Option(help="Registered model name (default oligomet-snf).")
    ] = None,
    alias: Alias = None,
    experiment: Experiment = None,
    tracking_uri: TrackingUri = None,
    log_sample_ids: Annotated[
        bool, typer.Option(help="Also log each sample's subtype with its ID (patient-level).")
    ] = False,
    log_model: Annotated[
        bool,
        typer.Option(
            help="Save the subtype model. It holds the training samples' standardised "
            "profiles (no IDs), as any nearest-neighbour model must."
        ),
    ] = True,
    config: Annotated[
        Path | None, typer.Option(help="YAML config (fields of ClusterConfig).")
    ] = None,
    as_json: AsJson = False,
) -> None:
    """Fuse views with SNF, find subtypes, test what they mean, log and register the model."""
    from ..workflow import cluster as run_clustering
    from ..workflow import load_cluster_config

    values: dict[str, object] = {}
    if expression:
        values["expression"] = [
            {"path": str(p), **({"transform": transform} if transform else {})} for p in expression
        ]
    if n_clusters is not None:
        values["snf.n_clusters"] = n_clusters if n_clusters == "auto" else _integer(n_clusters)
    values.update(
        _given(
            {
                "clinical": [str(p) for p in clinical] if clinical else None,
                "snf.n_neighbors": n_neighbors,
                "snf.mu": mu,
                "snf.n_iter": n_iter,
                "snf.metric": metric,
                "snf.variant": variant,
                "time": time,
                "event": event,
                "compare": compare or None,
                "label.column": label,
                "label.positive": positive or None,
                "label.negative": negative or None,
                "seed": seed,
                "log_model": None if log_model else False,
                "tracking.registered_name": name,
                "tracking.alias": alias,
                "tracking.experiment": experiment,
                "tracking.tracking_uri": tracking_uri,
                "tracking.log_sample_ids": log_sample_ids or None,
            }
        )
    )
    resolved = load_cluster_config(config, values=values, overrides=_parse_overrides(ctx.args))
    result = run_clustering(resolved, progress=lambda m: typer.echo(m, err=True))
    if as_json:
        typer.echo(json.dumps(result.to_dict(), indent=2, default=str))
        return
    typer.echo(result.summary.to_string())


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        _fail(f"--n-clusters must be 'auto' or a whole number, got {text!r}")
        raise  # unreachable: _fail exits


@app.command()
@user_errors
def predict(
    model_uri: Annotated[
        str,
        typer.Argument(
            help="models:/NAME@ALIAS, models:/NAME/VERSION, runs:/RUN_ID/model or a local path."
        ),
    ],
    tables: Annotated[
        list[Path],
        typer.Argument(
            help="Expression table(s) of the samples to score: one per view of a multi-view "
            "model, or an .h5mu file."
        ),
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="CSV file to write.")],
    orientation: Annotated[
        str,
        typer.Option(
            help="auto (default: the model's features are matched to rows or columns), "
            "features_x_samples, samples_x_features."
        ),
    ] = "auto",
    sep: Annotated[
        str | None,
        typer.Option(help="Delimiter of the table (default: detected from the first line)."),
    ] = None,
    tracking_uri: TrackingUri = None,
) -> None:
    """Score new samples with a saved model; writes probability and predicted class per sample."""
    from ..workflow import predict as run_prediction

    if orientation not in ("auto", "features_x_samples", "samples_x_features"):
        _fail(
            "--orientation must be auto, features_x_samples or samples_x_features, "
            f"got {orientation!r}"
        )
    scores = run_prediction(
        model_uri,
        tables,
        output=output,
        orientation=orientation,  # type: ignore[arg-type]
        sep=_delimiter(sep),
        tracking_uri=tracking_uri,
        progress=lambda message: typer.echo(message, err=True),
    )
    typer.echo(f"wrote {len(scores)} predictions to {output}", err=True)


@app.command()
@user_errors
def runs(
    experiment: Annotated[str, typer.Option(help="MLflow experiment.")] = "oligomet",
    max_results: Annotated[int, typer.Option(help="How many runs, newest first.")] = 20,
    tracking_uri: TrackingUri = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """List recent runs with their key metrics."""
    from ..tracking import search_runs

    table = search_runs(experiment=experiment, tracking_uri=tracking_uri, max_results=max_results)
    if as_json:
        typer.echo(table.to_json(orient="records", date_format="iso"))
        return
    from rich.console import Console
    from rich.table import Table

    view = Table(title=f"runs in experiment {experiment!r}")
    columns = [
        "run_id",
        "start_time",
        "status",
        "model",
        "n_samples",
        "roc_auc",
        "null_roc_auc",
        "balanced_accuracy",
    ]
    for column in columns:
        view.add_column(column)
    for row in table.itertuples():
        cells = []
        for column in columns:
            value = getattr(row, column)
            if column == "run_id":
                value = str(value)[:8]
            elif column == "start_time" and hasattr(value, "strftime"):
                value = value.strftime("%Y-%m-%d %H:%M")
            elif isinstance(value, float):
                value = (
                    ""
                    if value != value
                    else f"{value:.3f}"
                    if column != "n_samples"
                    else f"{value:.0f}"
                )
            cells.append(str(value))
        view.add_row(*cells)
    console = Console()
    # Keep rows on one line when output is piped (rich assumes 80 columns then).
    Console(width=max(console.width, 120)).print(view)


@app.command()
@user_errors
def ui(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1.")] = 5000,
    tracking_uri: TrackingUri = None,
) -> None:
    """Serve the MLflow UI on 127.0.0.1 (Ctrl-C stops it)."""
    import signal
    import subprocess

    from ..tracking import ui_command

    command = ui_command(tracking_uri=tracking_uri, host="127.0.0.1", port=port)
    # Browsing runs needs no background job workers (MLflow's GenAI features); they would add
    # several processes of ~250 MB each. Set the variable to true to have them.
    env = {**os.environ}
    env.setdefault("MLFLOW_SERVER_ENABLE_JOB_EXECUTION", "false")
    typer.echo(f"MLflow UI on http://127.0.0.1:{port} (Ctrl-C to stop)", err=True)
    # The server starts worker processes of its own: give it a process group, so that stopping
    # this command (Ctrl-C or a termination signal) stops all of them, never leaving orphans.
    server = subprocess.Popen(command, env=env, start_new_session=True)

    def stop(signum=signal.SIGTERM, frame=None):
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        returncode = server.wait()
    except KeyboardInterrupt:
        stop()
        returncode = 0
    finally:
        stop()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        signal.signal(signal.SIGTERM, previous)
    if returncode not in (0, -signal.SIGTERM, -signal.SIGINT):
        _fail(f"the MLflow UI exited with status {returncode}")


@app.command("models")
def list_models(
    as_json: AsJson = False,
) -> None:
    """List the model names: the zoo, recipes and shipped signatures."""
    from ..models import available_models, param_grid

    models = available_models()
    if as_json:
        typer.echo(
            json.dumps(
                {
                    name: {"description": spec.description, "param_grid": param_grid(name)}
                    for name, spec in models.items()
                },
                indent=2,
            )
        )
        return
    for spec in models.values():
        typer.echo(f"{spec.name}: {spec.description}")
    typer.echo(
        "signature:FILE also takes your own signature (YAML, CSV with feature/weight/direction "
        "columns, or GMT)."
    )


def main() -> None:
    """Console-script entry point."""
    app()
