"""Saving, registering and loading oligomet's models, through an explicit client.

Which classes are saved models, and which types their pipelines hold, is discovered
(:mod:`oligomet._registry`): this module never imports the model zoo or SNF.
"""

from __future__ import annotations

import json
import logging
import tempfile
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import pandas as pd

from .._errors import InputError
from .._registry import model_kind, trusted_types
from ._client import client_for, quiet_downloads, resolve_tracking_uri
from ._commit import PendingModel, announce
from ._pyfunc import LOADER_MODULE
from ._safe import load_pipeline

__all__ = ["LoggedModel", "load_model", "log_model", "skops_trusted_types"]

logger = logging.getLogger(__name__)

_RUNTIME_PACKAGES = ("numpy", "pandas", "scipy", "scikit-learn", "skops", "oligomet")
_MODEL_NAME = "model"


@dataclass(frozen=True)
class LoggedModel:
    """Where a logged model lives."""

    model_uri: str
    registered_name: str | None
    version: str | None
    alias: str | None

    @property
    def registry_uri(self) -> str | None:
        """``models:/NAME@ALIAS`` (or ``models:/NAME/VERSION``) when registered."""
        if self.registered_name is None:
            return None
        if self.alias:
            return f"models:/{self.registered_name}@{self.alias}"
        return f"models:/{self.registered_name}/{self.version}"


def skops_trusted_types() -> list[str]:
    """Fully qualified names skops must trust to load oligomet's pipelines (discovered: every
    estimator of the library and the third-party types library modules declare)."""
    return trusted_types()


def _pip_requirements() -> list[str]:
    # Inferring requirements costs 6-8 s per model and pins both xgboost and xgboost-cpu; the
    # pipelines need exactly these packages.
    pins = []
    for package in _RUNTIME_PACKAGES:
        try:
            pins.append(f"{package}=={version(package)}")
        except PackageNotFoundError:
            pins.append(package)
    return pins


def log_model(
    run,
    model,
    *,
    input_example: pd.DataFrame,
    registered_name: str | None = None,
    alias: str | None = None,
    card: dict[str, Any] | None = None,
) -> LoggedModel:
    """Log a saved-model object (classifier, risk or subtype model) on ``run``; register it when
    the run has finished.

    The model's files are saved now, under a logged model that stays PENDING while the run is
    open. When the run ends FINISHED, the logged model is finalized READY, registered as a new
    version of ``registered_name`` and given ``alias``, as one step that completes or is undone
    (:mod:`oligomet.tracking._commit`): no READY version ever belongs to an unfinished run, and a
    process killed meanwhile leaves nothing a rerun would trust. The registered version is then in
    ``run.models``.

    The model's pyfunc flavour calls ``model.pyfunc_predict_fn`` of its pipeline
    (:mod:`oligomet.tracking._pyfunc`): a classifier's
    ``mlflow.pyfunc.load_model(uri).predict(frame)`` returns a DataFrame with a probability
    column per class (``probability_M0``, ``probability_M1``) and the predicted class, a subtype
    model's the subtype of each sample.

    Parameters
    ----------
    run : TrackedRun
    model : saved-model object
        A class registered with :func:`oligomet._registry.saved_model_kind`.
    input_example : pandas.DataFrame
        A row that shows the input format (oligomet passes a row of training means that is no
        patient's value in any feature).
    registered_name, alias : str or None
        Registry name and alias of the new version (registered once the run has finished).
    card : dict or None
        ``description`` (text) and ``tags`` of the registered version, as the registry shows
        them (a result's ``model_card()``).
    """
    import mlflow.sklearn
    from mlflow.entities import LoggedModelOutput
    from mlflow.models import Model, infer_signature

    client = run.client
    pyfunc_method = model.pyfunc_predict_fn
    output = getattr(model.pipeline, pyfunc_method)(input_example)
    logged = client.create_logged_model(
        run.experiment_id, name=_MODEL_NAME, source_run_id=run.run_id
    )
    client.log_outputs(run.run_id, [LoggedModelOutput(logged.model_id, step=0)])
    pending = PendingModel(
        logged.model_id, logged.artifact_location, registered_name, alias, card or {}
    )
    announce(client, run.run_id, pending)  # before any file: a kill from here on is undone
    metadata = json.loads(json.dumps({"oligomet": model.saved_metadata()}, default=str))
    description = Model(
        artifact_path=logged.artifact_location,
        model_uuid=logged.model_id,
        run_id=run.run_id,
        metadata=metadata,
        model_id=logged.model_id,
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / _MODEL_NAME
        mlflow.sklearn.save_model(
            model.pipeline,
            path,
            mlflow_model=description,
            signature=infer_signature(input_example, output),
            input_example=input_example,
            pip_requirements=_pip_requirements(),
            pyfunc_predict_fn="predict",
            skops_trusted_types=skops_trusted_types(),
        )
        # MLflow's sklearn wrapper calls only predict/predict_proba: ours calls the model's method.
        pyfunc = description.flavors["python_function"]
        pyfunc.update(
            loader_module=LOADER_MODULE, predict_fn="predict", oligomet_predict_fn=pyfunc_method
        )
        description.save(str(path / "MLmodel"))
        client.log_model_artifacts(logged.model_id, str(path))
    run.pending.append(pending)
    return LoggedModel(
        f"models:/{logged.model_id}", registered_name, None, alias if registered_name else None
    )


def _local_copy(model_uri: str, tracking_uri: str, folder: str) -> Path:
    """The model's files on this machine (a local folder is used where it is)."""
    import mlflow.artifacts

    if Path(model_uri).is_dir():
        return Path(model_uri)
    with quiet_downloads():  # a model is a handful of small files
        path = mlflow.artifacts.download_artifacts(
            artifact_uri=_artifact_location(model_uri, tracking_uri),
            dst_path=folder,
            tracking_uri=tracking_uri,
            registry_uri=tracking_uri,
        )
    return Path(path)


def registry_entry(client, model_uri: str):
    """What a ``models:/`` URI names, asked of ``client``'s own registry: the model version of
    ``NAME@ALIAS``, ``NAME/VERSION`` or ``NAME/latest`` (None when that model has no version),
    or the logged model of ``m-<id>``."""
    rest = model_uri.removeprefix("models:/").strip("/")
    if "@" in rest:
        name, alias = rest.split("@", 1)
        return client.get_model_version_by_alias(name, alias)
    if "/" in rest:
        name, version = rest.rsplit("/", 1)
        if version == "latest":
            found = client.search_model_versions(f"name='{name}'")
            if not found:
                return None
            version = str(max(int(v.version) for v in found))
        return client.get_model_version(name, version)
    return client.get_logged_model(rest)


def _artifact_location(model_uri: str, tracking_uri: str) -> str:
    """Where a ``models:/`` URI's files are, asked of this store's registry by our own client
    (MLflow 3.17 resolves ``models:/`` against its default registry when the store is a
    tracking server, whatever ``registry_uri`` says); other URIs unchanged."""
    if not model_uri.startswith("models:/"):
        return model_uri
    client = client_for(tracking_uri)
    entry = registry_entry(client, model_uri)
    if entry is None:
        return model_uri  # MLflow's own message names the model without versions
    if hasattr(entry, "artifact_location"):  # a logged model (models:/m-...)
        return entry.artifact_location
    return client.get_model_version_download_uri(entry.name, str(entry.version))


def load_model(model_uri: str, *, tracking_uri: str | None = None):
    """Load a model saved by oligomet.

    Parameters
    ----------
    model_uri : str
        Any MLflow model URI: ``models:/NAME@ALIAS``, ``models:/NAME/VERSION``,
        ``runs:/RUN_ID/model`` or a local path.
    tracking_uri : str or None
        Tracking/registry store to resolve ``models:/`` and ``runs:/`` URIs against.

    Returns
    -------
    TrainedClassifier, RiskModel or SubtypeModel
        The saved-model kind recorded with the model; each predicts on DataFrames (features
        matched by name), AnnData and MuData.

    Raises
    ------
    InputError
        When the URI names no model, or a model that oligomet did not save: only a skops file
        holding the types oligomet trusts is loaded (:mod:`oligomet.tracking._safe`), never a
        pickle, whatever the model's MLmodel says.
    """
    from mlflow.exceptions import MlflowException
    from mlflow.models import Model

    uri = resolve_tracking_uri(tracking_uri)
    if not Path(model_uri).is_dir():
        client_for(
            tracking_uri, create=False
        )  # a missing store: say where it was looked for, create none
    with tempfile.TemporaryDirectory() as folder:
        try:
            path = _local_copy(model_uri, uri, folder)
            description = Model.load(str(path))
        except (MlflowException, OSError) as error:
            first_line = str(error).strip().splitlines()[0] if str(error).strip() else ""
            raise InputError(
                f"cannot load model {model_uri!r} from {uri}: {first_line} "
                "(list models with `oligomet runs`, or check --tracking-uri)"
            ) from None
        # Never mlflow.sklearn.load_model: it unpickles whatever the folder's MLmodel says.
        pipeline = load_pipeline(path, model_uri)
    metadata: dict[str, Any] = dict((description.metadata or {}).get("oligomet", {}))
    metadata.setdefault("run_id", description.run_id)
    metadata["model_uri"] = model_uri
    try:
        kind = model_kind(metadata.get("kind", "classifier"))
    except KeyError:
        raise InputError(
            f"{model_uri} is a model of kind {metadata.get('kind')!r}, which this version of "
            "oligomet does not know"
        ) from None
    return kind.from_saved(pipeline, metadata)
