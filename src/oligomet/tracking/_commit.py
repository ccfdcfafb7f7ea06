"""A run's models are registered last, as one step that completes or is rolled back.

A run that logs a model goes through these states (its tag ``oligomet.registration``):

1. the run is RUNNING; the model's files are logged under a logged model that stays PENDING
   (``pending``, with the plan of what will be registered in ``oligomet.registration.plan``);
2. the run is marked FINISHED, and only then: the logged model is finalized READY, the model
   version created, its alias moved (the alias's previous version is recorded first);
3. ``complete``.

So a READY model version never belongs to an unfinished run. If step 2 fails, it is undone in the
same process (the version deleted, the alias given back, a registered model created for it
removed, the logged model FAILED, the run FAILED). If the process is killed (SIGKILL, power cut)
anywhere, the next oligomet command that opens the store finds the run of a process that is gone
(:mod:`oligomet.tracking._reap`) and undoes it the same way, so that a rerun starts clean.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any

from .._errors import InputError
from ._retry import retry_on_duplicate_row

__all__ = ["REGISTRATION_TAG", "PendingModel", "announce", "commit_models", "roll_back"]

logger = logging.getLogger(__name__)

REGISTRATION_TAG = "oligomet.registration"
PLAN_TAG = "oligomet.registration.plan"
PENDING, COMPLETE, ROLLED_BACK = "pending", "complete", "rolled back"


@dataclass
class PendingModel:
    """A logged model whose files are saved, waiting for its run to finish to be registered."""

    model_id: str
    artifact_location: str
    registered_name: str | None = None
    alias: str | None = None
    card: dict[str, Any] = field(default_factory=dict)

    def plan(self) -> dict[str, Any]:
        return {"model_id": self.model_id, "name": self.registered_name, "alias": self.alias}


def _plans(client, run_id: str) -> list[dict[str, Any]]:
    text = client.get_run(run_id).data.tags.get(PLAN_TAG)
    return json.loads(text) if text else []


def _set_plans(client, run_id: str, plans: list[dict[str, Any]]) -> None:
    client.set_tag(run_id, PLAN_TAG, json.dumps(plans))


def announce(client, run_id: str, pending: PendingModel) -> None:
    """Record on the (running) run that ``pending`` will be registered when it finishes."""
    plans = [p for p in _plans(client, run_id) if p["model_id"] != pending.model_id]
    _set_plans(client, run_id, [*plans, pending.plan()])
    client.set_tag(run_id, REGISTRATION_TAG, PENDING)


def _registered_model(client, name: str) -> bool:
    """Make sure registered model ``name`` exists; True when this call created it."""
    from mlflow.exceptions import MlflowException

    try:
        client.get_registered_model(name)
        return False
    except MlflowException:
        pass
    try:
        client.create_registered_model(name)
        return True
    except MlflowException:
        client.get_registered_model(name)  # created meanwhile by another process
        return False


def _alias_version(client, name: str, alias: str) -> str | None:
    from mlflow.exceptions import MlflowException

    try:
        return str(client.get_model_version_by_alias(name, alias).version)
    except MlflowException:
        return None


def _register(client, run_id: str, pending: PendingModel, plans: list[dict[str, Any]]) -> str:
    """Create the version (and its registered model), then move the alias; each step is written
    into the run's plan before it is taken, so that it can be undone."""
    name, alias, card = pending.registered_name, pending.alias, pending.card or {}
    plan = next(p for p in plans if p["model_id"] == pending.model_id)
    plan["created_model"] = _registered_model(client, name)
    if alias:
        plan["alias_before"] = _alias_version(client, name, alias)
    _set_plans(client, run_id, plans)
    tags = {str(k): str(v) for k, v in card.get("tags", {}).items()}
    description = card.get("description", "")
    # The source is the logged model's artifact location, not ``models:/<id>``: MLflow 3.17's
    # sqlite registry resolves a ``models:/`` source through the global tracking URI.
    version = client.create_model_version(
        name,
        source=pending.artifact_location,
        run_id=run_id,
        model_id=pending.model_id,
        tags=tags,
        description=f"{description}\nTraining run: {run_id}." if description else None,
    )
    if description:
        client.update_registered_model(
            name, description=f"{description}\nNewest: version {version.version}."
        )
    for key in ("oligomet.model", "oligomet.task"):
        if key in tags:
            retry_on_duplicate_row(client.set_registered_model_tag, name, key, tags[key])
    if alias:
        retry_on_duplicate_row(client.set_registered_model_alias, name, alias, version.version)
    return str(version.version)


def commit_models(client, run_id: str, pending: list[PendingModel]) -> list[str | None]:
    """Step 2 and 3 for a run just marked FINISHED: the registered version of each model (None
    for a model not registered). Undone, and the run marked FAILED, if anything fails."""
    from mlflow.entities import LoggedModelStatus
    from mlflow.exceptions import MlflowException

    plans = _plans(client, run_id)
    try:
        versions = []
        for model in pending:
            client.finalize_logged_model(model.model_id, LoggedModelStatus.READY)
            registered = model.registered_name is not None
            versions.append(_register(client, run_id, model, plans) if registered else None)
        client.set_tag(run_id, REGISTRATION_TAG, COMPLETE)
    except BaseException as error:
        reason = f"registration failed: {type(error).__name__}: {_first_line(error)}"
        roll_back(client, run_id, reason=reason)
        if isinstance(error, MlflowException):  # the store refused: say so, in one line
            raise InputError(
                f"the store refused to register the model of run {run_id} ({reason}); the run is "
                "marked FAILED and its registration undone: rerun once the store accepts it"
            ) from error
        raise
    return versions


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else ""


def _undo_registration(client, run_id: str, plan: dict[str, Any]) -> None:
    from mlflow.exceptions import MlflowException

    name, alias = plan.get("name"), plan.get("alias")
    if not name:
        return
    try:
        versions = client.search_model_versions(f"run_id = '{run_id}'")
    except MlflowException:
        versions = []
    ours = {str(v.version) for v in versions if v.name == name}
    before = plan.get("alias_before")
    if alias and _alias_version(client, name, alias) in ours:
        if before is not None and before not in ours:  # given back
            retry_on_duplicate_row(client.set_registered_model_alias, name, alias, before)
        else:
            _unless_gone(client.delete_registered_model_alias, name, alias)
    for version in sorted(ours):
        _unless_gone(client.delete_model_version, name, version)
    if plan.get("created_model") and not client.search_model_versions(f"name = '{name}'"):
        _unless_gone(client.delete_registered_model, name)


def _unless_gone(delete, *args) -> None:
    """``delete(*args)``, done already when what it deletes is gone: several processes opening
    a store at once may undo one killed run's registration together."""
    from mlflow.exceptions import MlflowException
    from mlflow.protos.databricks_pb2 import RESOURCE_DOES_NOT_EXIST, ErrorCode

    try:
        delete(*args)
    except MlflowException as error:
        if error.error_code != ErrorCode.Name(RESOURCE_DOES_NOT_EXIST):
            raise


def roll_back(client, run_id: str, *, reason: str | None) -> None:
    """Undo what a run registered, fail its logged models, mark it FAILED (with ``reason`` in
    ``oligomet.failure`` when given)."""
    from mlflow.entities import LoggedModelStatus, RunStatus
    from mlflow.exceptions import MlflowException

    from ._reap import FAILURE_TAG

    plans = _plans(client, run_id)
    for plan in plans:
        _undo_registration(client, run_id, plan)
        try:
            client.finalize_logged_model(plan["model_id"], LoggedModelStatus.FAILED)
        except MlflowException:
            pass  # never created
    if plans:
        client.set_tag(run_id, REGISTRATION_TAG, ROLLED_BACK)
    if reason:
        client.set_tag(run_id, FAILURE_TAG, reason)
        logger.warning("run %s marked FAILED (%s)", run_id, reason)
    client.set_terminated(run_id, RunStatus.to_string(RunStatus.FAILED))
