"""Command-line interface (``oligomet --help``)."""

from ._app import app, main

__all__ = ["app", "main"]
