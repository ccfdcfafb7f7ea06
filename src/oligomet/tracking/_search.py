"""Reading runs back: recent runs, a sweep's children, a run's JSON artifacts."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._errors import InputError
from ._client import PARENT_TAG, client_for, quiet_downloads, resolve_tracking_uri

__all__ = ["load_run_json", "run_table", "search_runs"]

_RUN_COLUMNS = {
    "run_id": "run_id",
    "start_time": "start_time",
    "status": "status",
    "tags.mlflow.runName": "run_name",
    "params.model": "model",
    "params.dataset.name": "dataset",
    "metrics.n_samples": "n_samples",
    "metrics.roc_auc": "roc_auc",
    "metrics.roc_auc_ci_low": "roc_auc_ci_low",
    "metrics.roc_auc_ci_high": "roc_auc_ci_high",
    "metrics.null_roc_auc": "null_roc_auc",
    "metrics.balanced_accuracy": "balanced_accuracy",
    "tags.oligomet.failure": "failure",
}


def _experiment_ids(client, experiment: str | None, uri: str) -> list[str]:
    if experiment is None:
        return [e.experiment_id for e in client.search_experiments()]
    found = client.get_experiment_by_name(experiment)
    if found is None:
        raise InputError(
            f"no experiment {experiment!r} at {uri}; train a model first or pass "
            "--experiment/--tracking-uri"
        )
    return [found.experiment_id]


def run_table(
    *,
    experiment: str | None = "oligomet",
    tracking_uri: str | None = None,
    parent_run_id: str | None = None,
    max_results: int = 1000,
) -> pd.DataFrame:
    """Runs as one row each, newest first: ``run_id``, ``experiment_id``, ``start_time``,
    ``end_time``, ``status`` and every ``params.*``, ``metrics.*`` and ``tags.*`` (the columns
    of ``mlflow.search_runs``). With ``parent_run_id``, only that run's children (of any
    experiment when ``experiment`` is None)."""
    uri = resolve_tracking_uri(tracking_uri)
    client = client_for(tracking_uri, create=False)
    if parent_run_id is not None:
        try:
            parent = client.get_run(parent_run_id)
        except Exception:
            raise InputError(f"no run {parent_run_id!r} at {uri}; check --parent") from None
        ids = [parent.info.experiment_id]
        query = f"tags.`{PARENT_TAG}` = '{parent_run_id}'"
    else:
        ids, query = _experiment_ids(client, experiment, uri), ""
    runs = client.search_runs(
        ids, filter_string=query, max_results=max_results, order_by=["attributes.start_time DESC"]
    )
    rows = []
    for run in runs:
        row: dict[str, Any] = {
            "run_id": run.info.run_id,
            "experiment_id": run.info.experiment_id,
            "start_time": pd.to_datetime(run.info.start_time, unit="ms", utc=True),
            "end_time": pd.to_datetime(run.info.end_time, unit="ms", utc=True)
            if run.info.end_time
            else pd.NaT,
            "status": run.info.status,
        }
        row |= {f"params.{k}": v for k, v in run.data.params.items()}
        row |= {f"metrics.{k}": v for k, v in run.data.metrics.items()}
        row |= {f"tags.{k}": v for k, v in run.data.tags.items()}
        rows.append(row)
    return pd.DataFrame(rows)


def search_runs(
    *, experiment: str | None = "oligomet", tracking_uri: str | None = None, max_results: int = 50
) -> pd.DataFrame:
    """Recent runs with their key metrics, newest first (one row per run)."""
    runs = run_table(experiment=experiment, tracking_uri=tracking_uri, max_results=max_results)
    table = pd.DataFrame(
        {new: runs[old] if old in runs else np.nan for old, new in _RUN_COLUMNS.items()},
        index=runs.index,
    )
    return table.reset_index(drop=True)


def load_run_json(run_id: str, artifact_path: str, *, tracking_uri: str | None = None):
    """A JSON artifact of a run, or None when the run has none at that path."""
    import mlflow.artifacts
    from mlflow.exceptions import MlflowException

    uri = resolve_tracking_uri(tracking_uri)
    client_for(tracking_uri, create=False)
    with tempfile.TemporaryDirectory() as folder, quiet_downloads():
        try:
            path = mlflow.artifacts.download_artifacts(
                run_id=run_id, artifact_path=artifact_path, dst_path=folder, tracking_uri=uri
            )
        except (MlflowException, OSError):
            return None
        return json.loads(Path(path).read_text())
