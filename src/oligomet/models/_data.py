"""Feature matrices from AnnData/MuData views, and the fitted classifier users reload."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline

from .._errors import InputError
from .._registry import saved_model_kind

__all__ = [
    "ClassifierPipeline",
    "TrainedClassifier",
    "ViewBlock",
    "as_frame",
    "column_name",
    "combine_views",
]


@dataclass(frozen=True)
class ViewBlock:
    """Where one view's features sit in a combined matrix."""

    name: str
    start: int
    stop: int


def combine_views(
    views: Mapping[str, Any], *, samples=None
) -> tuple[pd.DataFrame, list[ViewBlock]]:
    """Concatenate views (AnnData with the same samples, in the same order) feature-wise.

    A feature name that occurs in more than one view is prefixed with its view's name
    (``"mirna:hsa-mir-21"``); other names are kept, so a single-view model's features are the
    file's own column names.

    Parameters
    ----------
    views : mapping of str to anndata.AnnData
    samples : sequence of str or None, default=None
        The rows of the result, in order: a view that lacks one of them gives it a row of NaN
        (the sample is missing from that view, as :class:`~oligomet.snf.SNF` reads it). None:
        the views must hold the same samples in the same order.

    Returns
    -------
    frame : pandas.DataFrame
        Samples x features, float64.
    blocks : list of ViewBlock
        The column range of each view, in order.
    """
    names = list(views)
    if not names:
        raise InputError("no expression view given")
    first = views[names[0]]
    counts: dict[str, int] = {}
    for adata in views.values():
        if samples is None and not first.obs_names.equals(adata.obs_names):
            raise ValueError("views must hold the same samples in the same order")
        for feature in adata.var_names:
            counts[feature] = counts.get(feature, 0) + 1
    frames, blocks, start = [], [], 0
    for name in names:
        adata = views[name]
        columns = [f"{name}:{f}" if counts[f] > 1 else f for f in adata.var_names]
        X = adata.X.toarray() if hasattr(adata.X, "toarray") else np.asarray(adata.X)
        frame = pd.DataFrame(X.astype(np.float64), index=adata.obs_names, columns=columns)
        frames.append(frame if samples is None else frame.reindex(pd.Index(samples)))
        blocks.append(ViewBlock(name, start, start + len(columns)))
        start += len(columns)
    combined = pd.concat(frames, axis=1)
    # A single float block (concat keeps one block per view), so row selection is cheap.
    return pd.DataFrame(combined.to_numpy(), index=combined.index, columns=combined.columns), blocks


def as_frame(data, *, layer: str | None = None) -> pd.DataFrame:
    """A samples x features DataFrame from a DataFrame, an AnnData or a MuData.

    A MuData's modalities are combined as in training (:func:`combine_views`), so a model trained
    on several views predicts on a MuData of the same views; a sample absent from a modality gets
    NaN for that view's features.
    """
    if isinstance(data, pd.DataFrame):
        return data
    mod = getattr(data, "mod", None)
    if mod is not None:
        return combine_views({name: mod[name] for name in mod}, samples=data.obs_names)[0]
    if hasattr(data, "obs_names") and hasattr(data, "var_names"):
        X = data.layers[layer] if layer is not None else data.X
        X = X.toarray() if hasattr(X, "toarray") else np.asarray(X)
        return pd.DataFrame(X, index=data.obs_names, columns=data.var_names)
    raise TypeError(f"expected a pandas DataFrame, AnnData or MuData, got {type(data).__name__}")


def column_name(label: Any) -> str:
    """A class name as part of a column name: runs of anything but letters, digits and ``_``
    become one ``_`` (``"stage iv"`` -> ``"stage_iv"``), so that the column can be named in
    pandas, SQL and MLflow's UI without quoting.

    Examples
    --------
    >>> column_name("stage iv"), column_name("M1"), column_name("no relapse (5 y)")
    ('stage_iv', 'M1', 'no_relapse_5_y')
    """
    return re.sub(r"[^0-9A-Za-z_]+", "_", str(label)).strip("_") or "class"


class ClassifierPipeline(Pipeline):
    """A fitted two-class pipeline that knows what its classes mean.

    What :class:`TrainedClassifier` saves: a scikit-learn :class:`~sklearn.pipeline.Pipeline`
    plus ``class_names_`` (negative, positive) and ``threshold_``, so that
    :meth:`predict_frame`, which MLflow's pyfunc flavour calls, returns a table whose columns say
    which probability is which class, instead of a bare array.
    """

    def predict_frame(self, X) -> pd.DataFrame:
        """``probability_<negative>``, ``probability_<positive>`` and ``prediction`` (the class
        name, at the model's threshold), one row per sample."""
        negative, positive = getattr(self, "class_names_", ("negative", "positive"))
        proba = self.predict_proba(X)
        threshold = getattr(self, "threshold_", None)
        if threshold is None:
            called = np.asarray(self.predict(X)).astype(int)
        else:
            called = (proba[:, 1] >= threshold).astype(int)
        columns = [f"probability_{column_name(negative)}", f"probability_{column_name(positive)}"]
        if columns[0] == columns[1]:  # two names that differ only in punctuation
            columns = ["probability_0", "probability_1"]
        table = pd.DataFrame(proba, columns=columns, index=getattr(X, "index", None))
        table["prediction"] = np.array([negative, positive], dtype=object)[called]
        return table


@saved_model_kind("classifier")
@dataclass
class TrainedClassifier:
    """A fitted oligomet pipeline with the meaning of its classes.

    Returned by :func:`oligomet.load_model`. Its methods accept a samples x features DataFrame
    (columns matched by name, in any order; extra columns ignored), an AnnData (``var_names`` are
    the features) or a MuData of the training views.

    Attributes
    ----------
    pipeline : sklearn.pipeline.Pipeline
        The fitted scikit-learn pipeline.
    positive_name, negative_name : str
        What class 1 and class 0 mean (e.g. ``"M1"`` and ``"M0"``).
    metadata : dict
        Training provenance: model name, label rule, views, run ID.
    threshold : float or None
        Probability of the positive class at or above which a sample is called positive, chosen
        by inner cross-validation when the model was trained; None means the pipeline's own
        ``predict``.
    """

    pipeline: Any
    positive_name: str = "positive"
    negative_name: str = "negative"
    metadata: dict[str, Any] = field(default_factory=dict)
    threshold: float | None = None

    #: The pipeline method MLflow's pyfunc flavour calls: a probability column per class, named
    #: by the class, and the predicted class (:meth:`ClassifierPipeline.predict_frame`).
    pyfunc_predict_fn = "predict_frame"

    def __post_init__(self) -> None:
        if isinstance(self.pipeline, Pipeline):
            if not isinstance(self.pipeline, ClassifierPipeline):  # fitted steps, re-wrapped
                self.pipeline = ClassifierPipeline(self.pipeline.steps)
            self.pipeline.class_names_ = (self.negative_name, self.positive_name)
            self.pipeline.threshold_ = self.threshold

    @property
    def feature_names(self) -> list[str]:
        """The features the model needs, in training order."""
        return [str(f) for f in self.pipeline.feature_names_in_]

    def saved_metadata(self) -> dict[str, Any]:
        """What is saved beside the pipeline: the kind, class names, threshold, provenance."""
        return {
            "kind": self.kind,
            "positive_name": self.positive_name,
            "threshold": self.threshold,
            "negative_name": self.negative_name,
            **self.metadata,
        }

    @classmethod
    def from_saved(cls, pipeline, metadata: dict[str, Any]) -> TrainedClassifier:
        """Rebuild from a loaded pipeline and its :meth:`saved_metadata`."""
        metadata = dict(metadata)
        positive = metadata.pop("positive_name", "positive")
        negative = metadata.pop("negative_name", "negative")
        threshold = metadata.pop("threshold", None)
        return cls(pipeline, positive, negative, metadata, threshold)

    def predict_proba(self, data, *, layer: str | None = None) -> pd.DataFrame:
        """Class probabilities, one row per sample, columns named by class."""
        frame = as_frame(data, layer=layer)
        proba = self.pipeline.predict_proba(frame)
        return pd.DataFrame(
            proba, index=frame.index, columns=[self.negative_name, self.positive_name]
        )

    def predict(self, data, *, layer: str | None = None) -> pd.Series:
        """Predicted class name of each sample."""
        frame = as_frame(data, layer=layer)
        if self.threshold is None:
            predicted = np.asarray(self.pipeline.predict(frame)).astype(int)
        else:
            predicted = (self.pipeline.predict_proba(frame)[:, 1] >= self.threshold).astype(int)
        names = np.array([self.negative_name, self.positive_name], dtype=object)
        return pd.Series(names[predicted], index=frame.index, name="prediction")

    def predict_table(self, data, *, layer: str | None = None) -> pd.DataFrame:
        """Probability of the positive class and predicted class, one row per sample."""
        frame = as_frame(data, layer=layer)
        table = pd.DataFrame(
            {
                f"probability_{column_name(self.positive_name)}": self.predict_proba(frame)[
                    self.positive_name
                ],
                "prediction": self.predict(frame),
            }
        )
        # A renamed copy of the index: the input's own (an AnnData's obs_names) stays as it was.
        return table.rename_axis("sample_id")

    def annotate(
        self, adata, *, key_added: str = "oligomet", layer: str | None = None, copy: bool = False
    ):
        """Predict on an AnnData (or MuData) and write the predictions to its ``obs``.

        Writes ``obs[f"{key_added}_probability"]`` (of the positive class),
        ``obs[f"{key_added}_prediction"]`` (categorical: negative, positive; at the model's
        threshold) and ``uns[key_added]["params"]`` (threshold, class names, model, run).

        Returns
        -------
        AnnData or MuData or None
            The annotated copy with ``copy=True``, else None (``adata`` is annotated in place).
        """
        return annotate_obs(self, self.predict_table, adata, key_added, layer, copy)


@saved_model_kind("risk")
@dataclass
class RiskModel:
    """A fitted survival pipeline (penalised Cox) that scores the risk of new samples.

    Returned by :func:`oligomet.load_model` for models trained on a time-to-event endpoint.
    Accepts the same inputs as :class:`TrainedClassifier`.

    Attributes
    ----------
    pipeline : sklearn.pipeline.Pipeline
        The fitted pipeline; ``predict`` gives the linear risk score (higher = earlier event).
    metadata : dict
        Training provenance: model name, endpoint, views, run ID.
    threshold : float or None
        Median training risk: samples above it are called ``"high"`` risk.
    """

    pipeline: Any
    metadata: dict[str, Any] = field(default_factory=dict)
    threshold: float | None = None

    #: The pipeline method MLflow's pyfunc flavour calls: the risk score.
    pyfunc_predict_fn = "predict"

    @property
    def feature_names(self) -> list[str]:
        """The features the model needs, in training order."""
        return [str(f) for f in self.pipeline.feature_names_in_]

    def saved_metadata(self) -> dict[str, Any]:
        """What is saved beside the pipeline: the kind, the risk-group threshold, provenance."""
        return {"kind": self.kind, "threshold": self.threshold, **self.metadata}

    @classmethod
    def from_saved(cls, pipeline, metadata: dict[str, Any]) -> RiskModel:
        """Rebuild from a loaded pipeline and its :meth:`saved_metadata`."""
        metadata = dict(metadata)
        return cls(pipeline, metadata, metadata.pop("threshold", None))

    def predict(self, data, *, layer: str | None = None) -> pd.Series:
        """Risk score of each sample (a relative log-hazard; higher = worse)."""
        frame = as_frame(data, layer=layer)
        return pd.Series(self.pipeline.predict(frame), index=frame.index, name="risk_score")

    def predict_table(self, data, *, layer: str | None = None) -> pd.DataFrame:
        """Risk score and risk group (high/low against the training median), one row a sample."""
        risk = self.predict(data, layer=layer)
        table = risk.to_frame()
        if self.threshold is not None:
            table["risk_group"] = np.where(risk > self.threshold, "high", "low")
        # A renamed copy of the index: the input's own (an AnnData's obs_names) stays as it was.
        return table.rename_axis("sample_id")

    def annotate(
        self, adata, *, key_added: str = "oligomet", layer: str | None = None, copy: bool = False
    ):
        """Like :meth:`TrainedClassifier.annotate`: ``obs[f"{key_added}_risk_score"]`` and
        ``obs[f"{key_added}_risk_group"]`` (categorical: low, high)."""
        return annotate_obs(self, self.predict_table, adata, key_added, layer, copy)


def annotate_obs(model, predict_table, adata, key_added: str, layer: str | None, copy: bool):
    """Write a model's prediction table into ``adata.obs`` (scanpy's convention: in place, or a
    copy returned), and what made it into ``uns[key_added]["params"]``."""
    target = adata.copy() if copy else adata
    table = predict_table(target, layer=layer)
    for column in table.columns:
        name = "probability" if str(column).startswith("probability_") else str(column)
        values = table[column].reindex(target.obs_names)
        if values.dtype == object:  # class names or risk groups
            categories = [
                getattr(model, "negative_name", "low"),
                getattr(model, "positive_name", "high"),
            ]
            values = pd.Categorical(values, categories=categories)
        target.obs[f"{key_added}_{name}"] = values
    target.uns[key_added] = {
        "params": {
            "threshold": model.threshold,
            "model": str(model.metadata.get("model", "")),
            "model_uri": str(model.metadata.get("model_uri", "")),
            "run_id": str(model.metadata.get("run_id", "")),
            "layer": layer or "X",
            **(
                {"classes": [model.negative_name, model.positive_name]}
                if hasattr(model, "positive_name")
                else {}
            ),
        }
    }
    return target if copy else None
