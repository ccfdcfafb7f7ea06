"""Command-line interface (``oligomet --help``): one module per command."""

from . import cluster, compare, evaluate, models, predict, run, runs, train, ui
from ._app import app, main

__all__ = ["app", "main"]
