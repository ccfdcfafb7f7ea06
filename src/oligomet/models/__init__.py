"""Supervised models: named pipelines, single-marker classifiers and the steps that make a saved
model safe to apply to new data."""

from ._boost import BalancedXGBClassifier
from ._cox import (
    COX_PARAM_GRID,
    PenalisedCox,
    UnivariateCoxFilter,
    cox_score_test,
    make_cox_model,
)
from ._data import (
    ClassifierPipeline,
    RiskModel,
    TrainedClassifier,
    ViewBlock,
    as_frame,
    column_name,
    combine_views,
)
from ._enet import ElasticNetLogistic
from ._factory import (
    MODELS,
    RECIPE_LABELS,
    ModelSpec,
    available_models,
    make_model,
    model_inputs,
    param_grid,
)
from ._marker import ColumnPicker, ColumnSelector, SingleMarkerClassifier
from ._selection import selected_features
from ._steps import LOG_METHODS, FeatureAligner, ViewLogTransform

__all__ = [
    "COX_PARAM_GRID",
    "LOG_METHODS",
    "MODELS",
    "RECIPE_LABELS",
    "BalancedXGBClassifier",
    "ClassifierPipeline",
    "ColumnPicker",
    "ColumnSelector",
    "ElasticNetLogistic",
    "FeatureAligner",
    "ModelSpec",
    "PenalisedCox",
    "RiskModel",
    "SingleMarkerClassifier",
    "TrainedClassifier",
    "UnivariateCoxFilter",
    "ViewBlock",
    "ViewLogTransform",
    "as_frame",
    "available_models",
    "column_name",
    "combine_views",
    "cox_score_test",
    "make_cox_model",
    "make_model",
    "model_inputs",
    "param_grid",
    "selected_features",
]
