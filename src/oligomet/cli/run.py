"""``oligomet run PIPELINE [--set STAGE.PARAM=VALUE ...]``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ._app import app, user_errors
from ._options import echo_err, print_result, progress_bars


@app.command()
@user_errors
def run(
    pipeline: Annotated[
        Path, typer.Argument(help="A declared pipeline: pipelines/NAME.yaml (see pipelines/).")
    ],
    set_: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            help="Change one setting of every point: STAGE.PARAM=VALUE (model.name=xgboost, "
            "cv.n_repeats=3, cohort=acc); repeatable. Only the stages downstream of it rerun.",
        ),
    ] = None,
    cache: Annotated[
        Path | None,
        typer.Option(
            help="Stage cache folder (default: OLIGOMET_CACHE, else .oligomet-cache here). It "
            "holds patient data: keep it private."
        ),
    ] = None,
    no_cache: Annotated[
        bool,
        typer.Option("--no-cache", help="Compute every stage, keep nothing and record a new run."),
    ] = False,
    force: Annotated[
        bool,
        typer.Option(
            "--force", help="Recompute every stage and record a new run even if nothing changed."
        ),
    ] = False,
    tracking_uri: Annotated[
        str | None,
        typer.Option(
            envvar="MLFLOW_TRACKING_URI",
            help="MLflow tracking URI (default: sqlite file mlflow.db in the working directory).",
        ),
    ] = None,
    n_jobs: Annotated[
        int | None, typer.Option(help="Folds fitted in parallel (results do not depend on it).")
    ] = None,
    backend: Annotated[
        str | None,
        typer.Option(help="Where the folds run: local or dask (see oligomet train --help)."),
    ] = None,
    scheduler: Annotated[
        str | None, typer.Option(help="Address of a running Dask scheduler (--backend dask).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Run a declared pipeline: one parent run, a child run per sweep point.

    Unchanged stages are reused from the stage cache, and say so; a rerun with nothing changed
    recomputes nothing and records nothing new.
    """
    from ..workflow import run_pipeline

    sets = list(set_ or [])
    if tracking_uri:
        sets.append(f"tracking.tracking_uri={tracking_uri}")
    for name, value in (("n_jobs", n_jobs), ("backend", backend), ("scheduler", scheduler)):
        if value is not None:
            sets.append(f"{name}={value}")
    with progress_bars() as bars:
        result = run_pipeline(
            pipeline,
            sets=sets,
            cache_dir=cache,
            use_cache=not no_cache,
            force=force,
            progress=echo_err,
            point_progress=bars.callback("sweep points"),
            fold_progress=bars.callback("fold fits"),
            fusion_progress=bars.callback("SNF iterations"),
        )
    print_result(result, as_json)
