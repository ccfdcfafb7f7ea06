"""``oligomet compare``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ._app import app, fail, user_errors
from ._options import print_result
from .predict import TrackingUri


@app.command()
@user_errors
def compare(
    experiment: Annotated[
        str | None, typer.Option(help="MLflow experiment whose training runs to rank.")
    ] = None,
    parent: Annotated[
        str | None,
        typer.Option(help="Rank the children of this run (a pipeline run's sweep points)."),
    ] = None,
    metric: Annotated[
        str,
        typer.Option(
            help="Metric to rank by (roc_auc, pr_auc, balanced_accuracy, c_index, brier)."
        ),
    ] = "roc_auc",
    output: Annotated[Path | None, typer.Option(help="Also write the ranking as CSV.")] = None,
    tracking_uri: TrackingUri = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Rank runs by a metric, with intervals, nulls and paired tests against the best.

    Runs whose interval overlaps the best one's are marked; for the children of a sweep
    (--parent), the paired bootstrap of each run's difference from the best is shown.
    """
    from ..workflow import compare_runs

    if experiment is None and parent is None:
        fail("give --experiment NAME or --parent RUN_ID")
    comparison = compare_runs(
        experiment=experiment, parent_run_id=parent, metric=metric, tracking_uri=tracking_uri
    )
    if output is not None:
        from ..io import write_csv

        write_csv(comparison.summary.set_index("rank"), output)
    print_result(comparison, as_json)
