"""Experiment tracking: the only part of oligomet that imports MLflow (lazily).

It depends on nothing above it: results are laid out by kind (:func:`log_result`), saved-model
kinds and trusted types are discovered (:mod:`oligomet._registry`), and every call goes through an
explicit ``MlflowClient`` for one store, never MLflow's global tracking URI.
"""

from ._client import TrackedRun, client_for, resolve_tracking_uri, start_run
from ._layout import LoggedRun, attach_to_run, log_result
from ._models import LoggedModel, load_model, log_model, skops_trusted_types
from ._read import resolve_run_id, run_record
from ._search import load_run_json, run_table, search_runs
from ._serve import experiment_pages, serve, ui_command

__all__ = [
    "LoggedModel",
    "LoggedRun",
    "TrackedRun",
    "attach_to_run",
    "client_for",
    "experiment_pages",
    "load_model",
    "load_run_json",
    "log_model",
    "log_result",
    "resolve_run_id",
    "resolve_tracking_uri",
    "run_record",
    "run_table",
    "search_runs",
    "serve",
    "skops_trusted_types",
    "start_run",
    "ui_command",
]
