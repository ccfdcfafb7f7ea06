"""Command-line interface (``oligomet --help``): one module per command."""

# Importing the command modules registers their commands on the app.
from . import (  # noqa: F401
    cluster,
    compare,
    datasets,
    evaluate,
    models,
    predict,
    report,
    run,
    runs,
    train,
    ui,
)
from ._app import app, main

__all__ = ["app", "main"]
