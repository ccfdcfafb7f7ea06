"""Reading one run back as plain data: what a report (or any reader) needs, MLflow-free.

A run is named by its ID or by any model URI that leads to it (``models:/NAME@ALIAS``,
``models:/NAME/VERSION``, ``models:/NAME/latest``, ``models:/m-<logged model id>``,
``runs:/RUN_ID/...``). :func:`run_record` returns dicts, lists, text and bytes only, so the code
that reads it never touches MLflow.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .._errors import InputError
from ._client import client_for, quiet_downloads, resolve_tracking_uri
from ._models import registry_entry

__all__ = ["resolve_run_id", "run_record"]

#: Artifacts read back by default: the JSON and YAML records and the plots. Tables (CSV) and
#: models are left where they are: the first may be patient-level, the second are large.
RECORD_SUFFIXES = (".json", ".yaml", ".png")
#: Folders never read back: the saved model, and reports built from the run itself.
SKIPPED_FOLDERS = ("model", "report")


def resolve_run_id(run_or_model: str, *, tracking_uri: str | None = None) -> str:
    """The ID of the run a run ID or model URI names.

    Parameters
    ----------
    run_or_model : str
        A run ID, ``runs:/RUN_ID[/path]``, ``models:/NAME@ALIAS``, ``models:/NAME/VERSION``
        (``latest`` for the newest version) or ``models:/m-<logged model id>``.
    tracking_uri : str or None
        The store to ask; default :func:`~oligomet.tracking.resolve_tracking_uri`.

    Raises
    ------
    InputError
        When the store has no such run, model, version or alias.
    """
    from mlflow.exceptions import MlflowException

    uri = resolve_tracking_uri(tracking_uri)
    # A reader: a store that does not exist is an error that says where it was looked for.
    client = client_for(tracking_uri, create=False)
    text = run_or_model.strip()
    try:
        if text.startswith("runs:/"):
            run_id = text.removeprefix("runs:/").strip("/").split("/", 1)[0]
        elif text.startswith("models:/"):
            entry = registry_entry(client, text)
            if entry is None:
                raise InputError(f"no version of registered model {text!r}")
            run_id = getattr(entry, "run_id", None) or getattr(entry, "source_run_id", None)
        else:
            run_id = text
        client.get_run(run_id)
    except (MlflowException, ValueError) as error:
        first_line = (str(error).strip().splitlines() or [""])[0]
        raise InputError(
            f"no run or model {run_or_model!r} at {uri} ({first_line}); list runs with "
            "`oligomet runs` or check --tracking-uri"
        ) from None
    if not run_id:
        raise InputError(f"{run_or_model!r} names no run at {uri}")
    return run_id


def _artifact_paths(client, run_id: str, suffixes: Iterable[str]) -> list[str]:
    """Every artifact file of a run with one of ``suffixes``, outside the skipped folders."""
    found, folders = [], [None]
    while folders:
        folder = folders.pop()
        for item in client.list_artifacts(run_id, folder):
            if item.is_dir:
                if item.path.split("/")[0] not in SKIPPED_FOLDERS:
                    folders.append(item.path)
            elif item.path.endswith(tuple(suffixes)):
                found.append(item.path)
    return sorted(found)


def _parse(path: Path) -> Any:
    if path.suffix == ".json":
        return json.loads(path.read_text())
    if path.suffix in (".yaml", ".yml"):
        import yaml

        return yaml.safe_load(path.read_text())
    if path.suffix in (".png", ".jpg", ".jpeg", ".svg"):
        return path.read_bytes()
    return path.read_text()


def _artifacts(client, run_id: str, suffixes: Iterable[str]) -> dict[str, Any]:
    paths = _artifact_paths(client, run_id, suffixes)
    contents: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as folder, quiet_downloads():
        for path in paths:
            local = client.download_artifacts(run_id, path, folder)
            contents[path] = _parse(Path(local))
    return contents


def _model_versions(client, run_id: str) -> list[dict[str, Any]]:
    found = client.search_model_versions(f"run_id='{run_id}'")
    # A search leaves the aliases out; asking for each version gives them.
    versions = [client.get_model_version(v.name, v.version) for v in found]
    return [
        {"name": v.name, "version": str(v.version), "aliases": sorted(v.aliases or [])}
        for v in sorted(versions, key=lambda v: (v.name, int(v.version)))
    ]


def _run_summary(run) -> dict[str, Any]:
    info = run.info
    return {
        "run_id": info.run_id,
        "run_name": info.run_name,
        "experiment_id": info.experiment_id,
        "status": info.status,
        "start_time": info.start_time,
        "end_time": info.end_time,
        "params": dict(run.data.params),
        "metrics": dict(run.data.metrics),
        "tags": dict(run.data.tags),
    }


def _evaluations(client, run_id: str) -> list[dict[str, Any]]:
    """Runs of ``oligomet evaluate`` that applied this run's model to another cohort."""
    experiments = [e.experiment_id for e in client.search_experiments()]
    if not experiments:
        return []
    runs = client.search_runs(
        experiments,
        filter_string=f"tags.`oligomet.training_run_id` = '{run_id}'",
        order_by=["attributes.start_time ASC"],
    )
    return [_run_summary(run) for run in runs]


def run_record(
    run_or_model: str,
    *,
    tracking_uri: str | None = None,
    suffixes: Iterable[str] = RECORD_SUFFIXES,
) -> dict[str, Any]:
    """One run as plain data: its facts, parameters, metrics, tags and artifacts.

    Parameters
    ----------
    run_or_model : str
        A run ID or a model URI (see :func:`resolve_run_id`).
    tracking_uri : str or None
        The store; default :func:`~oligomet.tracking.resolve_tracking_uri`.
    suffixes : iterable of str, default=(".json", ".yaml", ".png")
        Which artifact files to read back (the saved model and ``report/`` never are).

    Returns
    -------
    dict
        ``run_id``, ``run_name``, ``experiment_id``, ``experiment_name``, ``status``,
        ``start_time`` and ``end_time`` (milliseconds since the epoch; ``end_time`` None while
        running), ``params`` (flattened, as text), ``metrics`` (latest value of each), ``tags``,
        ``artifacts`` (path -> parsed JSON/YAML, or bytes for images), ``model_versions``
        (registered versions of the run's model: ``name``, ``version``, ``aliases``),
        ``evaluations`` (runs of ``oligomet evaluate`` of this run's model, each with its
        ``run_id``, times, ``params``, ``metrics`` and ``tags``) and ``tracking_uri``.

    Raises
    ------
    InputError
        When the store has no such run or model.
    """
    run_id = resolve_run_id(run_or_model, tracking_uri=tracking_uri)
    uri = resolve_tracking_uri(tracking_uri)
    client = client_for(uri)
    run = client.get_run(run_id)
    record = _run_summary(run)
    record["experiment_name"] = client.get_experiment(run.info.experiment_id).name
    record["artifacts"] = _artifacts(client, run_id, suffixes)
    record["model_versions"] = _model_versions(client, run_id)
    record["evaluations"] = _evaluations(client, run_id)
    record["tracking_uri"] = uri
    return record
