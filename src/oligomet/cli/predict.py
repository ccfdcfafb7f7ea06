"""``oligomet predict MODEL_URI TABLE... --output CSV``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from ._app import app, fail, user_errors
from ._options import echo_err


def _store_mlflow_can_open(uri: str | None) -> str | None:
    """A tracking URI MLflow cannot open refused at once (MLflow would fail with a traceback)."""
    from .._names import tracking_uri_problem

    problem = tracking_uri_problem(uri) if uri else None
    if problem:
        raise typer.BadParameter(problem)
    return uri


def _a_saved_model(uri: str) -> str:
    """A local path that holds no saved model refused at once, saying so (MLflow would speak of
    failed artifact downloads); URIs (models:/, runs:/, ...) are left to the tracking layer."""
    from urllib.parse import urlsplit

    try:
        scheme = urlsplit(uri).scheme
    except ValueError:
        scheme = ""
    if len(scheme) > 1:
        return uri
    path = Path(uri)
    if not path.exists():
        raise typer.BadParameter(
            f"no saved model at {uri!r}: no such folder; give models:/NAME@ALIAS, "
            "models:/NAME/VERSION, runs:/RUN_ID/model or the folder of a saved model"
        )
    if not (path / "MLmodel").is_file():
        raise typer.BadParameter(
            f"{uri!r} is not a saved model: the folder of one holds an MLmodel file"
        )
    return uri


ModelUri = Annotated[
    str,
    typer.Argument(
        callback=_a_saved_model,
        help="models:/NAME@ALIAS, models:/NAME/VERSION, runs:/RUN_ID/model or a local path.",
    ),
]

TrackingUri = Annotated[
    str | None,
    typer.Option(
        envvar="MLFLOW_TRACKING_URI",
        callback=_store_mlflow_can_open,
        help="MLflow tracking URI (default: sqlite file mlflow.db in the working directory).",
    ),
]


@app.command()
@user_errors
def predict(
    model_uri: ModelUri,
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
    as_json: Annotated[
        bool,
        typer.Option(
            "--json",
            help="Print a JSON summary on stdout (model, output file, columns, counts per "
            "predicted class).",
        ),
    ] = False,
) -> None:
    """Score new samples with a saved model; writes probability and predicted class per sample."""
    from ..workflow import predict as run_prediction
    from ..workflow._config import ViewConfig

    if orientation not in ("auto", "features_x_samples", "samples_x_features"):
        fail(
            "--orientation must be auto, features_x_samples or samples_x_features, "
            f"got {orientation!r}"
        )
    scores = run_prediction(
        model_uri,
        tables,
        output=output,
        orientation=orientation,  # type: ignore[arg-type]
        sep=ViewConfig.delimiter(sep),
        tracking_uri=tracking_uri,
        progress=echo_err,
    )
    typer.echo(f"wrote {len(scores)} predictions to {output}", err=True)
    if as_json:
        typer.echo(json.dumps(prediction_summary(model_uri, output, scores), indent=1))


def prediction_summary(model_uri: str, output: Path, scores) -> dict:
    """What ``--json`` prints: where the predictions went and how they split (no sample-level
    values: those are in the file)."""
    called = next((c for c in ("prediction", "subtype", "risk_group") if c in scores), None)
    counts = scores[called].value_counts().sort_index() if called else None
    return {
        "model_uri": model_uri,
        "output": str(output),
        "n_samples": len(scores),
        "columns": [str(c) for c in scores.columns],
        "counts": {str(k): int(v) for k, v in counts.items()} if counts is not None else {},
    }
