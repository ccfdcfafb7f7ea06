"""Command-line interface (``oligomet --help``): one module per command."""

# Importing the command modules registers their commands on the app.
from . import cluster, compare, evaluate, models, predict, report, run, runs, train, ui  # noqa: F401
from ._app import app, main

__all__ = ["app", "main"]
