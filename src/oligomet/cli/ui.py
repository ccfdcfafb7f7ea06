"""``oligomet ui``."""

from __future__ import annotations

from typing import Annotated

import typer

from ._app import app, user_errors
from .predict import TrackingUri


@app.command()
@user_errors
def ui(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1.")] = 5000,
    tracking_uri: TrackingUri = None,
) -> None:
    """Serve the MLflow UI on 127.0.0.1 (Ctrl-C stops it)."""
    from ..tracking import serve

    serve(
        tracking_uri,
        host="127.0.0.1",
        port=port,
        on_start=lambda address: typer.echo(f"MLflow UI on {address} (Ctrl-C to stop)", err=True),
    )
