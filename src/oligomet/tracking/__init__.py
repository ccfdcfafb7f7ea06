"""Experiment tracking: the only part of oligomet that imports MLflow (lazily)."""

from ._mlflow import (
    LoggedModel,
    TrackedRun,
    load_model,
    resolve_tracking_uri,
    search_runs,
    start_run,
    ui_command,
)

__all__ = [
    "LoggedModel",
    "TrackedRun",
    "load_model",
    "resolve_tracking_uri",
    "search_runs",
    "start_run",
    "ui_command",
]
