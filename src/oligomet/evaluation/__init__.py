"""Honest evaluation: repeated cross-validation, confidence intervals, permuted-label nulls,
plots."""

from ._cv import CrossValidationResult, bootstrap_ci, cross_validate, univariate_auc
from ._plots import plot_roc

__all__ = ["CrossValidationResult", "bootstrap_ci", "cross_validate", "plot_roc", "univariate_auc"]
