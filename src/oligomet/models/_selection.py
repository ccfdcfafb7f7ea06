"""Which input features a fitted pipeline actually uses."""

from __future__ import annotations

import numpy as np

__all__ = ["selected_features"]


def _used_by_classifier(classifier, n_features: int) -> np.ndarray | None:
    """Mask of the features the final classifier depends on, or None if it uses all."""
    if hasattr(classifier, "best_estimator_"):
        classifier = classifier.best_estimator_
    if hasattr(classifier, "calibrated_classifiers_"):
        masks = [
            _used_by_classifier(c.estimator, n_features) for c in classifier.calibrated_classifiers_
        ]
        masks = [m for m in masks if m is not None]
        return np.logical_or.reduce(masks) if masks else None
    if hasattr(classifier, "steps"):  # a signature's standardise + logistic pipeline
        return _used_by_classifier(classifier.steps[-1][1], n_features)
    coef = getattr(classifier, "coef_", None)
    if coef is not None:
        coef = np.atleast_2d(np.asarray(coef))
        if coef.shape[-1] == n_features:
            return np.any(coef != 0, axis=0)
    importances = getattr(classifier, "feature_importances_", None)
    if importances is not None and len(importances) == n_features:
        return np.asarray(importances) > 0
    centroids = getattr(classifier, "centroids_", None)
    if centroids is not None and classifier.get_params().get("shrink_threshold"):
        # A shrunken centroid ignores a feature whose class centroids all shrank together.
        return np.ptp(np.asarray(centroids), axis=0) > 0
    return None


def selected_features(pipeline, feature_names=None) -> list[str]:
    """The input features a fitted oligomet pipeline uses to predict.

    Follows the pipeline's selection steps (variance filter, univariate or L1 screen,
    differential-expression filter, a marker's or a signature's columns) and then the classifier:
    non-zero coefficients of a sparse linear model, features used by at least one tree, features
    whose shrunken centroids differ between classes. Counting these across the outer folds of a
    cross-validation gives each feature's selection frequency, a measure of how stable a
    signature is.

    Parameters
    ----------
    pipeline : sklearn.pipeline.Pipeline or estimator
        A fitted pipeline built by :func:`~oligomet.models.make_model`, or any fitted estimator.
    feature_names : sequence of str or None, default=None
        Names of the input columns, when the estimator did not record them (fitted on an array).

    Returns
    -------
    list of str
        Feature names, in input order.
    """
    steps = [step for _, step in pipeline.steps] if hasattr(pipeline, "steps") else [pipeline]
    recorded = getattr(pipeline, "feature_names_in_", None)
    if recorded is None and feature_names is None:
        raise ValueError("the estimator recorded no feature names; pass feature_names")
    names = np.asarray(recorded if recorded is not None else list(feature_names), dtype=object)
    for step in steps[:-1]:
        if hasattr(step, "get_support"):
            names = names[step.get_support()]
        elif hasattr(step, "indices"):
            names = names[np.asarray(step.indices, dtype=int)]
        elif hasattr(step, "index") and hasattr(step, "name"):
            names = names[[step.index]]
    used = _used_by_classifier(steps[-1], len(names))
    if used is not None:
        names = names[used]
    return [str(n) for n in names]
