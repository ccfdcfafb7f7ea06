"""``oligomet runs``."""

from __future__ import annotations

from typing import Annotated

import typer

from ._app import app, user_errors
from .predict import TrackingUri

_COLUMNS = [
    "run_id",
    "start_time",
    "status",
    "model",
    "n_samples",
    "roc_auc",
    "null_roc_auc",
    "balanced_accuracy",
]


def _cell(column: str, value) -> str:
    if column == "run_id":
        return str(value)[:8]
    if column == "start_time" and hasattr(value, "strftime"):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, float):
        if value != value:
            return ""
        return f"{value:.0f}" if column == "n_samples" else f"{value:.3f}"
    return str(value)


def _value(row, column: str):
    """A row's value; a status with its failure's reason (``FAILED (killed)``)."""
    failure = getattr(row, "failure", None)
    if column == "status" and isinstance(failure, str) and failure:
        return f"{row.status} ({failure.split(':')[0]})"
    return getattr(row, column)


@app.command()
@user_errors
def runs(
    experiment: Annotated[str, typer.Option(help="MLflow experiment.")] = "oligomet",
    max_results: Annotated[int, typer.Option(help="How many runs, newest first.", min=1)] = 20,
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
    for column in _COLUMNS:
        view.add_column(column)
    for row in table.itertuples():
        view.add_row(*(_cell(column, _value(row, column)) for column in _COLUMNS))
    console = Console()
    # Keep rows on one line when output is piped (rich assumes 80 columns then).
    Console(width=max(console.width, 120)).print(view)
