"""Honest evaluation: nested cross-validation, metrics with confidence intervals, permuted-label
nulls, external validation, survival endpoints, model comparison, plots."""

from ._compare import ModelComparison, compare_models, compare_survival_models
from ._cv import (
    CrossValidationResult,
    TunedFit,
    cross_validate,
    fit_tuned,
    univariate_auc,
)
from ._external import FeatureOverlap, feature_overlap, validate_predictions
from ._metrics import (
    binary_metrics,
    bootstrap_metrics,
    calibration_intercept_slope,
    point_metrics,
    youden_threshold,
)
from ._plots import plot_calibration, plot_confusion, plot_roc, plot_selection_frequency
from ._survival import (
    SurvivalCVResult,
    TunedSurvivalFit,
    cross_validate_survival,
    fit_tuned_survival,
    plot_km,
)

__all__ = [
    "CrossValidationResult",
    "FeatureOverlap",
    "ModelComparison",
    "SurvivalCVResult",
    "TunedFit",
    "TunedSurvivalFit",
    "binary_metrics",
    "bootstrap_metrics",
    "calibration_intercept_slope",
    "compare_models",
    "compare_survival_models",
    "cross_validate",
    "cross_validate_survival",
    "feature_overlap",
    "fit_tuned",
    "fit_tuned_survival",
    "plot_calibration",
    "plot_confusion",
    "plot_km",
    "plot_roc",
    "plot_selection_frequency",
    "point_metrics",
    "univariate_auc",
    "validate_predictions",
    "youden_threshold",
]
