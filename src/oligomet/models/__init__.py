"""Supervised models: named pipelines, single-marker classifiers and the steps that make a saved
model safe to apply to new data."""

from ._data import TrainedClassifier, ViewBlock, as_frame, combine_views
from ._factory import MODELS, ModelSpec, make_model, model_inputs
from ._marker import ColumnPicker, SingleMarkerClassifier
from ._steps import LOG_METHODS, FeatureAligner, ViewLogTransform

__all__ = [
    "LOG_METHODS",
    "MODELS",
    "ColumnPicker",
    "FeatureAligner",
    "ModelSpec",
    "SingleMarkerClassifier",
    "TrainedClassifier",
    "ViewBlock",
    "ViewLogTransform",
    "as_frame",
    "combine_views",
    "make_model",
    "model_inputs",
]
