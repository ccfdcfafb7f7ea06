"""Runs through an explicit MlflowClient: no global tracking URI, no active-run state.

Every call names its run by ID and its store by URI, so several runs (a sweep's children, runs in
other threads) can be written at once without stepping on each other. MLflow is imported inside
the functions that need it (it costs ~2 s to import), so importing oligomet stays fast.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
import time
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np
import pandas as pd

from .._errors import InputError
from ._retry import retry_on_duplicate_row

__all__ = [
    "KEY_METRICS",
    "TrackedRun",
    "client_for",
    "experiment_tags",
    "resolve_tracking_uri",
    "runs_page_url",
    "start_run",
]

logger = logging.getLogger(__name__)

_MAX_PARAM_LENGTH = 6000  # MLflow's limit on a parameter value
_BATCH = 100  # MLflow takes at most 100 params (and 1000 metrics) per batch

#: Tags MLflow uses for parent/child runs and display names.
PARENT_TAG = "mlflow.parentRunId"


def resolve_tracking_uri(tracking_uri: str | None = None) -> str:
    """The tracking URI in force: the argument, else ``MLFLOW_TRACKING_URI``, else MLflow's
    default (an sqlite file ``mlflow.db`` in the working directory). Reads, never sets, MLflow's
    global state."""
    if tracking_uri:
        return tracking_uri
    if os.environ.get("MLFLOW_TRACKING_URI"):
        return os.environ["MLFLOW_TRACKING_URI"]
    import mlflow

    return mlflow.get_tracking_uri()


_CLIENTS: dict[str, Any] = {}
_CLIENTS_LOCK = threading.Lock()


def client_for(tracking_uri: str | None = None, *, create: bool = True):
    """The ``MlflowClient`` of one store (tracking and registry at the same URI).

    One client per store and process: a sweep's parent and children are written through it. A
    local sqlite store is opened under a file lock (``STORE.lock``), so that processes starting
    at once on a fresh store do not race in MLflow's schema migrations.

    Parameters
    ----------
    tracking_uri : str or None
        The store; default :func:`resolve_tracking_uri`.
    create : bool, default=True
        Create a local store that does not exist yet. Readers (loading a model, listing runs)
        pass False: a missing store is then an :class:`~oligomet.InputError` that says where it
        was looked for, and no empty ``mlflow.db`` is left behind.
    """
    from mlflow import MlflowClient

    uri = resolve_tracking_uri(tracking_uri)
    path = _sqlite_path(uri)
    if not create and path is not None and not os.path.exists(path):
        raise InputError(missing_store_message(uri, tracking_uri))
    # A relative sqlite path means another file in another working directory.
    key = uri if path is None or os.path.isabs(path) else f"{uri}@{os.getcwd()}"
    with _CLIENTS_LOCK:
        client = _CLIENTS.get(key)
        if client is None:
            with _store_lock(path):
                client = MlflowClient(tracking_uri=uri, registry_uri=uri)  # opens the store
                client.search_registered_models(max_results=1)  # and the registry's tables
            from ._reap import reap_killed_runs

            reap_killed_runs(client)  # runs left RUNNING by a killed process of this host
            _CLIENTS[key] = client
    return client


def missing_store_message(uri: str, given: str | None = None) -> str:
    """Where a store was looked for, and how to name the right one (one line)."""
    path = os.path.abspath(_sqlite_path(uri) or uri)
    if given:
        origin = "the tracking URI given"
    elif os.environ.get("MLFLOW_TRACKING_URI"):
        origin = "MLFLOW_TRACKING_URI"
    else:
        origin = (
            "no tracking URI given, MLFLOW_TRACKING_URI unset: MLflow's default, mlflow.db in the "
            "working directory"
        )
    return (
        f"no MLflow store at {path} ({origin}); name the store the model or run was recorded "
        "in: tracking_uri='sqlite:////path/to/mlflow.db' (--tracking-uri), or set "
        "MLFLOW_TRACKING_URI"
    )


def _sqlite_path(uri: str) -> str | None:
    """The database file of a ``sqlite:///`` URI (None for other stores and in-memory ones)."""
    prefix = "sqlite:///"
    if not uri.startswith(prefix):
        return None
    path = uri[len(prefix) :].split("?", 1)[0]
    return path if path and path != ":memory:" else None


@contextlib.contextmanager
def _store_lock(path: str | None) -> Iterator[None]:
    """An exclusive file lock beside a local sqlite store while it is opened (created and
    migrated the first time); nothing for other stores."""
    if path is None:
        yield
        return
    import fcntl

    path = os.path.abspath(path)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path + ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@contextlib.contextmanager
def quiet_downloads() -> Iterator[None]:
    """No MLflow progress bar while a few small artifacts are copied (one bar per file would
    clutter a notebook or a log), unless ``MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR`` says so."""
    from mlflow.environment_variables import MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR as BAR

    asked = BAR.is_set()
    if not asked:
        BAR.set(False)
    try:
        yield
    finally:
        if not asked:
            BAR.unset()


def flatten(params: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    """Nested parameters as ``{"cv.n_splits": "5"}``: keys joined with dots, values as text."""
    flat: dict[str, str] = {}
    for key, value in params.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(flatten(value, prefix=f"{name}."))
            continue
        text = value if isinstance(value, str) else json.dumps(value, default=str)
        if len(text) > _MAX_PARAM_LENGTH:
            text = text[: _MAX_PARAM_LENGTH - 1] + "…"
        flat[name] = text
    return flat


class TrackedRun:
    """Handle on an open run; created by :func:`start_run`.

    Attributes
    ----------
    run_id, experiment_id, tracking_uri : str
    client : mlflow.MlflowClient
    pending : list
        Models logged on the run, registered when it has finished.
    models : list of LoggedModel
        Once the run has ended FINISHED: each logged model with its registered version.
    """

    def __init__(self, client, run_id: str, experiment_id: str, tracking_uri: str) -> None:
        self.client = client
        self.run_id = run_id
        self.experiment_id = experiment_id
        self.tracking_uri = tracking_uri
        self.pending: list = []
        self.models: list = []

    def log_params(self, params: Mapping[str, Any]) -> None:
        """Log a (nested) dict of parameters; nested keys are joined with dots."""
        from mlflow.entities import Param

        items = [Param(key, value) for key, value in flatten(params).items()]
        for start in range(0, len(items), _BATCH):
            self.client.log_batch(self.run_id, params=items[start : start + _BATCH])

    def log_metrics(self, metrics: Mapping[str, float], *, step: int | None = None) -> None:
        """Log finite values (NaN and None are left out: MLflow cannot chart them)."""
        from mlflow.entities import Metric

        stamp = int(time.time() * 1000)
        items = [
            Metric(key, float(value), stamp, step or 0)
            for key, value in metrics.items()
            if value is not None and np.isfinite(value)
        ]
        for start in range(0, len(items), _BATCH):
            self.client.log_batch(self.run_id, metrics=items[start : start + _BATCH])

    def set_tags(self, tags: Mapping[str, Any]) -> None:
        from mlflow.entities import RunTag

        items = [RunTag(key, str(value)) for key, value in tags.items()]
        for start in range(0, len(items), _BATCH):
            self.client.log_batch(self.run_id, tags=items[start : start + _BATCH])

    def log_dict(self, obj: Mapping[str, Any], artifact_file: str) -> None:
        self.client.log_dict(self.run_id, dict(obj), artifact_file)

    def log_text(self, text: str, artifact_file: str) -> None:
        self.client.log_text(self.run_id, text, artifact_file)

    def log_table(self, table: pd.DataFrame, artifact_file: str) -> None:
        """Log a DataFrame as a CSV artifact (callers decide whether it may hold sample IDs)."""
        self.client.log_text(self.run_id, table.to_csv(), artifact_file)

    def log_figure(self, figure, artifact_file: str) -> None:
        self.client.log_figure(self.run_id, figure, artifact_file)

    def log_dataset(
        self,
        frame: pd.DataFrame,
        *,
        name: str,
        source: str,
        targets: str | None = None,
        context: str = "training",
    ) -> str:
        """Record a dataset's digest, schema and size on the run (not its values).

        Returns
        -------
        str
            MLflow's digest of the dataset.
        """
        import warnings

        import mlflow.data
        from mlflow.entities import DatasetInput, InputTag
        from mlflow.utils.mlflow_tags import MLFLOW_DATASET_CONTEXT

        with warnings.catch_warnings():
            # MLflow registers its local-file source twice and says so for every path; and it
            # hints that an integer label column cannot hold missing values (it never does here).
            warnings.filterwarnings(
                "ignore",
                message="The specified dataset source can be interpreted in multiple ways",
                category=UserWarning,
            )
            warnings.filterwarnings(
                "ignore", message="Hint: Inferred schema contains integer", category=UserWarning
            )
            dataset = mlflow.data.from_pandas(frame, source=source, name=name, targets=targets)
            entity = dataset._to_mlflow_entity()  # the schema is inferred here
        record = DatasetInput(entity, tags=[InputTag(MLFLOW_DATASET_CONTEXT, context)])
        retry_on_duplicate_row(self.client.log_inputs, self.run_id, datasets=[record])
        return dataset.digest

    def log_model(self, model, **options):
        """Log and register a saved-model object; see :func:`oligomet.tracking.log_model`."""
        from ._models import log_model

        return log_model(self, model, **options)


#: Metrics the runs table of the MLflow UI shows as columns in oligomet's saved view.
KEY_METRICS = (
    "roc_auc",
    "roc_auc_ci_low",
    "roc_auc_ci_high",
    "null_roc_auc",
    "permutation_p",
    "pr_auc",
    "balanced_accuracy",
    "c_index",
    "n_samples",
)
#: The name of that saved view (``#/experiments/ID/runs?viewStateShareKey=...``).
KEY_METRICS_VIEW = "oligomet-key-metrics"


def experiment_tags(now_ms: int | None = None) -> dict[str, str]:
    """Tags that make the MLflow UI show an experiment's runs with their key metrics.

    - ``mlflow.experimentKind``: classical model development, not GenAI (read by MLflow's
      experiment views; the 3.17 UI decides its opening page from ``?workflowType=`` instead,
      which :func:`runs_page_url` adds);
    - ``mlflow.sharedViewState.oligomet-key-metrics``: a saved view of the runs table with
      :data:`KEY_METRICS` as columns, sorted by ROC AUC (the UI shows no metric column
      otherwise); it appears in the table's "Views" menu and opens from :func:`runs_page_url`.
    """
    now = int(time.time() * 1000) if now_ms is None else now_ms
    state = {
        "selectedColumns": [f"metrics.`{name}`" for name in KEY_METRICS],
        "orderByKey": "metrics.`roc_auc`",
        "orderByAsc": False,
    }
    view = {"name": "key metrics", "createdAt": now, "updatedAt": now, "state": json.dumps(state)}
    return {
        "mlflow.experimentKind": "custom_model_development",
        f"mlflow.sharedViewState.{KEY_METRICS_VIEW}": json.dumps(view),
    }


def runs_page_url(base_url: str, experiment_id: str) -> str:
    """The UI page of an experiment's runs table with the key-metrics view (not MLflow 3's GenAI
    overview, where ``#/experiments/ID`` opens)."""
    return (
        f"{base_url.rstrip('/')}/#/experiments/{experiment_id}/runs"
        f"?viewStateShareKey={KEY_METRICS_VIEW}&workflowType=machine_learning"
    )


def artifact_location(uri: str, experiment: str) -> str | None:
    """Where a new experiment of a local sqlite store keeps its artifacts: ``mlruns/`` beside
    the database file (MLflow's default is ``mlruns/`` in whatever the working directory is, so
    a notebook elsewhere would scatter a store's files); None (MLflow's choice) for others."""
    path = _sqlite_path(uri)
    if path is None:
        return None
    import re
    from pathlib import Path

    folder = re.sub(r"[^\w.-]+", "-", experiment).strip("-") or "experiment"
    return (Path(path).resolve().parent / "mlruns" / folder).as_uri()


def _experiment_id(client, name: str, uri: str) -> str:
    """The ID of experiment ``name``, created if absent (another process may create it first),
    tagged for the UI (:func:`experiment_tags`), its artifacts beside
    a local store (:func:`artifact_location`)."""
    from mlflow.exceptions import MlflowException

    experiment = client.get_experiment_by_name(name)
    if experiment is None:
        try:
            return client.create_experiment(
                name, artifact_location=artifact_location(uri, name), tags=experiment_tags()
            )
        except MlflowException:
            experiment = client.get_experiment_by_name(name)
            if experiment is None:
                raise
    for key, value in experiment_tags().items():
        if key not in experiment.tags:  # created by MLflow itself or an older oligomet
            retry_on_duplicate_row(client.set_experiment_tag, experiment.experiment_id, key, value)
    return experiment.experiment_id


@contextlib.contextmanager
def start_run(
    *,
    experiment: str = "oligomet",
    run_name: str | None = None,
    tracking_uri: str | None = None,
    tags: Mapping[str, Any] | None = None,
    parent_run_id: str | None = None,
    start_time: int | None = None,
) -> Iterator[TrackedRun]:
    """Open a run; it ends FINISHED, or FAILED if the block raises (never RUNNING).

    Parameters
    ----------
    experiment : str, default="oligomet"
        Experiment name; created if absent.
    run_name : str or None
        Display name of the run.
    tracking_uri : str or None
        Tracking server or store; default :func:`resolve_tracking_uri`.
    tags : mapping or None
        Tags set on the run.
    parent_run_id : str or None
        Open the run as a child of this one (MLflow nests it under the parent in the UI).
    start_time : int or None
        When the work the run records began (milliseconds since the epoch); default now. The
        run is opened only once the work has succeeded, so that bad input never leaves a run
        behind, and dated back to its start so that its duration covers the whole work.
    """
    from mlflow.entities import RunStatus
    from mlflow.tracking.context.registry import resolve_tags

    uri = resolve_tracking_uri(tracking_uri)
    client = client_for(uri)
    experiment_id = _experiment_id(client, experiment, uri)
    from ._reap import process_tags

    run_tags = {**process_tags(), **{str(k): str(v) for k, v in (tags or {}).items()}}
    if parent_run_id:
        run_tags[PARENT_TAG] = parent_run_id
    # The context MLflow's own start_run records: user, source script, git commit.
    run = client.create_run(
        experiment_id, start_time=start_time, run_name=run_name, tags=resolve_tags(run_tags)
    )
    run_id = run.info.run_id
    tracked = TrackedRun(client, run_id, experiment_id, uri)
    try:
        yield tracked
    except BaseException:
        from ._commit import roll_back

        try:
            roll_back(client, run_id, reason=None)  # FAILED, its logged models too
        except Exception:  # the store itself may be what failed: at least the run's status
            logger.debug("could not undo run %s", run_id, exc_info=True)
            client.set_terminated(run_id, RunStatus.to_string(RunStatus.FAILED))
        raise
    client.set_terminated(run_id, RunStatus.to_string(RunStatus.FINISHED))
    if tracked.pending:
        _register_models(tracked)


def _register_models(run: TrackedRun) -> None:
    """Register the models of a run that has just ended FINISHED (undone if anything fails)."""
    from ._commit import commit_models
    from ._models import LoggedModel

    versions = commit_models(run.client, run.run_id, run.pending)
    for pending, version in zip(run.pending, versions, strict=True):
        name = pending.registered_name
        alias = pending.alias if name else None
        run.models.append(LoggedModel(f"models:/{pending.model_id}", name, version, alias))
