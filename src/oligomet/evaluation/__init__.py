"""Honest evaluation: one nested cross-validation engine for every task (binary classification,
survival), metrics with confidence intervals, permuted-outcome nulls, external validation, model
comparison, plots."""

from ._compare import ModelComparison, compare_models, compare_survival_models
from ._cv import (
    BinaryTask,
    CrossValidationResult,
    cross_validate,
    fit_tuned,
    univariate_auc,
)
from ._engine import Task, TunedFit, nested_cross_validate
from ._external import FeatureOverlap, feature_overlap, validate_predictions
from ._metrics import (
    binary_metrics,
    bootstrap_metrics,
    calibration_intercept_slope,
    point_metrics,
    youden_threshold,
)
from ._paired import PairedComparison, paired_comparison
from ._plots import (
    plot_calibration,
    plot_confusion,
    plot_km,
    plot_ranking,
    plot_roc,
    plot_selection_frequency,
)
from ._survival import (
    SurvivalCVResult,
    SurvivalTask,
    TunedSurvivalFit,
    cross_validate_survival,
    fit_tuned_survival,
)

__all__ = [
    "BinaryTask",
    "CrossValidationResult",
    "FeatureOverlap",
    "ModelComparison",
    "PairedComparison",
    "SurvivalCVResult",
    "SurvivalTask",
    "Task",
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
    "nested_cross_validate",
    "paired_comparison",
    "plot_calibration",
    "plot_confusion",
    "plot_km",
    "plot_ranking",
    "plot_roc",
    "plot_selection_frequency",
    "point_metrics",
    "univariate_auc",
    "validate_predictions",
    "youden_threshold",
]
