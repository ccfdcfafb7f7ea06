"""``oligomet ui``."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from ._app import app, user_errors
from .predict import TrackingUri


@app.command()
@user_errors
def ui(
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 5000,
    tracking_uri: TrackingUri = None,
    backend_store_uri: Annotated[
        str | None,
        typer.Option(
            help="Store the server keeps runs and models in, for a team: "
            "postgresql://USER@HOST:PORT/DB (needs oligomet[team]), or sqlite:///PATH. "
            "Default: --tracking-uri, else MLFLOW_TRACKING_URI, else ./mlflow.db."
        ),
    ] = None,
    artifacts_destination: Annotated[
        str | None,
        typer.Option(
            help="Folder (or object store URI) where the server keeps the artifacts it serves; "
            "clients then upload and download through the server, nothing is written beside them."
        ),
    ] = None,
    host: Annotated[
        str,
        typer.Option(
            help="Address to listen on: 127.0.0.1 is this machine only; 0.0.0.0 the team."
        ),
    ] = "127.0.0.1",
    as_json: Annotated[
        bool,
        typer.Option(
            "--json",
            help="Once the server answers, print one JSON line on stdout: its url, "
            "tracking_uri (for clients) and backend_store_uri.",
        ),
    ] = False,
) -> None:
    """Serve the MLflow UI and tracking server (Ctrl-C stops it).

    Clients record into it with --tracking-uri http://HOST:PORT.
    """
    from ..tracking import experiment_pages, resolve_tracking_uri, serve

    store = backend_store_uri or tracking_uri

    def started(address: str) -> None:
        pages = experiment_pages(store, address)
        typer.echo(f"MLflow UI on {address} (Ctrl-C to stop)", err=True)
        for name, page in pages.items():  # MLflow 3 would open them on its GenAI overview
            typer.echo(f"  runs of {name!r} with their key metrics: {page}", err=True)
        if as_json:
            record = {
                "url": address,
                "tracking_uri": address,
                "backend_store_uri": resolve_tracking_uri(store),
                "artifacts_destination": artifacts_destination,
                "experiments": pages,
            }
            typer.echo(json.dumps(record))
            sys.stdout.flush()

    serve(store, artifacts_destination, host=host, port=port, on_start=started)
