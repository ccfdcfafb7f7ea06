"""The only module that talks to MLflow.

Everything else in oligomet is independent of the tracking backend: it hands this module plain
dictionaries, DataFrames, figures and fitted estimators. MLflow is imported inside the functions
that need it (it costs ~2 s to import), so importing oligomet stays fast.

Privacy: patient-level values never go to the tracking server from here unless a caller passes
them explicitly. Datasets are recorded by digest, schema and size only; the model's input example
is a row of training-set medians, not a patient.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import numpy as np
import pandas as pd

from .._errors import InputError
from ..models import RiskModel, TrainedClassifier
from ..snf import SubtypeModel

__all__ = [
    "LoggedModel",
    "TrackedRun",
    "load_model",
    "resolve_tracking_uri",
    "search_runs",
    "skops_trusted_types",
    "start_run",
    "ui_command",
]

logger = logging.getLogger(__name__)

_MAX_PARAM_LENGTH = 6000  # MLflow's limit on a parameter value
_RUNTIME_PACKAGES = ("numpy", "pandas", "scipy", "scikit-learn", "skops", "oligomet")


def resolve_tracking_uri(tracking_uri: str | None = None) -> str:
    """The tracking URI in force: the argument, else ``MLFLOW_TRACKING_URI``, else MLflow's
    default (an sqlite file ``mlflow.db`` in the working directory)."""
    import mlflow

    return tracking_uri or mlflow.get_tracking_uri()


def _flatten(params: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in params.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(_flatten(value, prefix=f"{name}."))
            continue
        text = value if isinstance(value, str) else json.dumps(value, default=str)
        if len(text) > _MAX_PARAM_LENGTH:
            text = text[: _MAX_PARAM_LENGTH - 1] + "…"
        flat[name] = text
    return flat


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


class TrackedRun:
    """Handle on an active run; created by :func:`start_run`."""

    def __init__(self, run_id: str, experiment_id: str, tracking_uri: str) -> None:
        self.run_id = run_id
        self.experiment_id = experiment_id
        self.tracking_uri = tracking_uri

    def log_params(self, params: Mapping[str, Any]) -> None:
        """Log a (nested) dict of parameters; nested keys are joined with dots."""
        import mlflow

        flat = _flatten(params)
        items = list(flat.items())
        for start in range(0, len(items), 100):  # MLflow takes at most 100 params per batch
            mlflow.log_params(dict(items[start : start + 100]))

    def log_metrics(self, metrics: Mapping[str, float], *, step: int | None = None) -> None:
        import mlflow

        finite = {k: float(v) for k, v in metrics.items() if v is not None and np.isfinite(v)}
        mlflow.log_metrics(finite, step=step)

    def set_tags(self, tags: Mapping[str, Any]) -> None:
        import mlflow

        mlflow.set_tags({k: str(v) for k, v in tags.items()})

    def log_dict(self, obj: Mapping[str, Any], artifact_file: str) -> None:
        import mlflow

        mlflow.log_dict(dict(obj), artifact_file)

    def log_text(self, text: str, artifact_file: str) -> None:
        import mlflow

        mlflow.log_text(text, artifact_file)

    def log_table(self, table: pd.DataFrame, artifact_file: str) -> None:
        """Log a DataFrame as a CSV artifact (callers decide whether it may hold sample IDs)."""
        import mlflow

        mlflow.log_text(table.to_csv(), artifact_file)

    def log_figure(self, figure, artifact_file: str) -> None:
        import mlflow

        mlflow.log_figure(figure, artifact_file)

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

        import mlflow

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
            mlflow.log_input(dataset, context=context)
        return dataset.digest

    def log_model(
        self,
        model: TrainedClassifier | SubtypeModel | RiskModel,
        *,
        input_example: pd.DataFrame,
        registered_name: str | None = None,
        alias: str | None = None,
    ) -> LoggedModel:
        """Log a fitted classifier or subtype model with signature and input example, and
        register it.

        A classifier's pyfunc flavour predicts the probability of each class, so
        ``mlflow.pyfunc.load_model(uri).predict(frame)`` returns an (n, 2) array; a subtype
        model's predicts the subtype of each sample.
        """
        import mlflow
        from mlflow.models import infer_signature

        if isinstance(model, SubtypeModel):
            predict_fn = "predict"
            metadata = {"oligomet": {"kind": "subtypes", **model.metadata}}
        elif isinstance(model, RiskModel):
            predict_fn = "predict"
            metadata = {
                "oligomet": {"kind": "risk", "threshold": model.threshold, **model.metadata}
            }
        else:
            predict_fn = "predict_proba"
            metadata = {
                "oligomet": {
                    "kind": "classifier",
                    "positive_name": model.positive_name,
                    "threshold": model.threshold,
                    "negative_name": model.negative_name,
                    **model.metadata,
                }
            }
        output = getattr(model.pipeline, predict_fn)(input_example)
        signature = infer_signature(input_example, output)
        info = mlflow.sklearn.log_model(
            model.pipeline,
            name="model",
            signature=signature,
            input_example=input_example,
            registered_model_name=registered_name,
            pyfunc_predict_fn=predict_fn,
            pip_requirements=_pip_requirements(),
            metadata=json.loads(json.dumps(metadata, default=str)),
            skops_trusted_types=skops_trusted_types(),
        )
        version_ = None
        if registered_name is not None:
            version_ = str(info.registered_model_version)
            if alias:
                mlflow.MlflowClient().set_registered_model_alias(registered_name, alias, version_)
        return LoggedModel(
            info.model_uri, registered_name, version_, alias if registered_name else None
        )


def skops_trusted_types() -> list[str]:
    """Fully qualified names of oligomet's estimator classes (and functions they hold).

    skops refuses to load types it does not know unless they are listed as trusted; keeping the
    one list here, where models are saved, means every saved pipeline uses the same one.
    """
    from sklearn.feature_selection import f_classif

    from ..models import (
        BalancedXGBClassifier,
        ColumnPicker,
        ColumnSelector,
        FeatureAligner,
        PenalisedCox,
        SingleMarkerClassifier,
        UnivariateCoxFilter,
        ViewLogTransform,
    )
    from ..pp import DifferentialExpressionFilter, VarianceFilter
    from ..signatures import SignatureScore
    from ..snf import SNF, ClusterEstimate, MultiViewSNF

    trusted = (
        FeatureAligner,
        ViewLogTransform,
        ColumnPicker,
        ColumnSelector,
        SingleMarkerClassifier,
        BalancedXGBClassifier,
        SignatureScore,
        PenalisedCox,
        UnivariateCoxFilter,
        VarianceFilter,
        DifferentialExpressionFilter,
        SNF,
        MultiViewSNF,
        ClusterEstimate,
        f_classif,  # the score function SelectKBest holds
    )
    # What BalancedXGBClassifier, CalibratedClassifierCV (linear_svm) and random forests hold,
    # named as strings:
    # xgboost is slow to import, and sklearn's calibration internals are private classes.
    held = [
        "xgboost.sklearn.XGBClassifier",
        "xgboost.core.Booster",
        "sklearn.calibration._CalibratedClassifier",
        "sklearn.calibration._SigmoidCalibration",
        "sklearn.tree._tree.Tree",  # random forests' trees
    ]
    return [f"{obj.__module__}.{obj.__qualname__}" for obj in trusted] + held


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


@contextlib.contextmanager
def start_run(
    *,
    experiment: str = "oligomet",
    run_name: str | None = None,
    tracking_uri: str | None = None,
    tags: Mapping[str, Any] | None = None,
) -> Iterator[TrackedRun]:
    """Start an MLflow run; it ends FINISHED, or FAILED if the block raises (never RUNNING).

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
    """
    import mlflow

    previous = mlflow.get_tracking_uri()
    uri = resolve_tracking_uri(tracking_uri)
    mlflow.set_tracking_uri(uri)
    try:
        experiment_obj = mlflow.set_experiment(experiment)
        with mlflow.start_run(run_name=run_name, tags=dict(tags or {})) as active:
            yield TrackedRun(active.info.run_id, experiment_obj.experiment_id, uri)
    finally:
        mlflow.set_tracking_uri(previous)


def load_model(
    model_uri: str, *, tracking_uri: str | None = None
) -> TrainedClassifier | SubtypeModel | RiskModel:
    """Load a classifier saved by oligomet.

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
        A classifier, a survival risk model or an SNF subtype model; each predicts on
        DataFrames (features matched by name), AnnData and MuData.

    Raises
    ------
    InputError
        When the URI names no model.
    """
    import mlflow
    from mlflow.exceptions import MlflowException

    previous = mlflow.get_tracking_uri()
    mlflow.set_tracking_uri(resolve_tracking_uri(tracking_uri))
    try:
        try:
            info = mlflow.models.get_model_info(model_uri)
            pipeline = mlflow.sklearn.load_model(model_uri)
        except (MlflowException, OSError) as error:
            first_line = str(error).strip().splitlines()[0] if str(error).strip() else ""
            raise InputError(
                f"cannot load model {model_uri!r} from {mlflow.get_tracking_uri()}: {first_line} "
                "(list models with `oligomet runs`, or check --tracking-uri)"
            ) from None
    finally:
        mlflow.set_tracking_uri(previous)
    metadata = dict((info.metadata or {}).get("oligomet", {}))
    metadata.setdefault("run_id", info.run_id)
    metadata["model_uri"] = model_uri
    if metadata.get("kind") == "subtypes":
        return SubtypeModel(pipeline, metadata)
    if metadata.get("kind") == "risk":
        return RiskModel(pipeline, metadata, metadata.pop("threshold", None))
    positive = metadata.pop("positive_name", "positive")
    negative = metadata.pop("negative_name", "negative")
    threshold = metadata.pop("threshold", None)
    return TrainedClassifier(pipeline, positive, negative, metadata, threshold)


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
}


def search_runs(
    *, experiment: str | None = "oligomet", tracking_uri: str | None = None, max_results: int = 50
) -> pd.DataFrame:
    """Recent runs with their key metrics, newest first (one row per run)."""
    import mlflow

    previous = mlflow.get_tracking_uri()
    mlflow.set_tracking_uri(resolve_tracking_uri(tracking_uri))
    try:
        if experiment is None:
            names = [e.name for e in mlflow.search_experiments()]
        else:
            if mlflow.get_experiment_by_name(experiment) is None:
                raise InputError(
                    f"no experiment {experiment!r} at {mlflow.get_tracking_uri()}; "
                    "train a model first or pass --experiment/--tracking-uri"
                )
            names = [experiment]
        runs = mlflow.search_runs(
            experiment_names=names, max_results=max_results, order_by=["start_time DESC"]
        )
    finally:
        mlflow.set_tracking_uri(previous)
    table = pd.DataFrame(
        {new: runs[old] if old in runs else np.nan for old, new in _RUN_COLUMNS.items()}
    )
    return table.reset_index(drop=True)


def ui_command(
    *, tracking_uri: str | None = None, host: str = "127.0.0.1", port: int = 5000
) -> list[str]:
    """The command line that serves the MLflow UI for a tracking store."""
    import sys

    uri = resolve_tracking_uri(tracking_uri)
    return [
        sys.executable,
        "-m",
        "mlflow",
        "ui",
        "--backend-store-uri",
        uri,
        "--host",
        host,
        "--port",
        str(port),
        "--workers",
        "1",
    ]
