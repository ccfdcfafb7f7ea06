"""External validation: a fitted model's predictions on another cohort, scored like a CV."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import mannwhitneyu
from sklearn.utils import check_random_state

from .._errors import InputError
from ._cv import CrossValidationResult
from ._metrics import binary_metrics, bootstrap_metrics, with_intervals

__all__ = ["FeatureOverlap", "feature_overlap", "validate_predictions"]


@dataclass
class FeatureOverlap:
    """Which of a model's features a new table provides.

    Attributes
    ----------
    model_features : list of str
        The features the model needs, in training order.
    found : list of str
        Those present in the table.
    missing : list of str
        Those absent.
    n_extra : int
        Columns of the table the model does not use.
    renamed : dict
        Table columns renamed to the model's spelling (miRNA names), ``{table: model}``.
    """

    model_features: list[str]
    found: list[str]
    missing: list[str]
    n_extra: int
    renamed: dict[str, str]

    @property
    def fraction(self) -> float:
        """Fraction of the model's features found."""
        return len(self.found) / len(self.model_features) if self.model_features else 1.0

    def report(self, limit: int = 10) -> str:
        """One paragraph: counts, renames and the missing features."""
        text = (
            f"feature overlap: {len(self.found)} of the model's {len(self.model_features)} "
            f"features found ({self.fraction:.0%}); {self.n_extra} other column(s) ignored"
        )
        if self.renamed:
            shown = ", ".join(f"{a} -> {b}" for a, b in list(self.renamed.items())[:limit])
            text += f"; {len(self.renamed)} miRNA name(s) matched to the model's spelling: {shown}"
        if self.missing:
            shown = ", ".join(self.missing[:limit])
            more = f" and {len(self.missing) - limit} more" if len(self.missing) > limit else ""
            text += f"; missing: {shown}{more}"
        return text

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe: feature names and counts (no sample-level data)."""
        return {
            "n_model_features": len(self.model_features),
            "n_found": len(self.found),
            "n_missing": len(self.missing),
            "fraction": self.fraction,
            "n_extra": self.n_extra,
            "missing": list(self.missing),
            "renamed": dict(self.renamed),
        }


def feature_overlap(
    model_features: Sequence[str], columns: Sequence[str], *, renamed=None
) -> FeatureOverlap:
    """Compare the features a model needs with the columns of a table.

    Parameters
    ----------
    model_features : sequence of str
        The model's features (``TrainedClassifier.feature_names``).
    columns : sequence of str
        The table's columns, after any renaming.
    renamed : dict or None
        Renames already applied, reported as such.

    Examples
    --------
    >>> overlap = feature_overlap(["a", "b", "c"], ["c", "a", "z"])
    >>> overlap.missing, overlap.n_extra
    (['b'], 1)
    """
    model_features = [str(f) for f in model_features]
    available = {str(c) for c in columns}
    found = [f for f in model_features if f in available]
    missing = [f for f in model_features if f not in available]
    return FeatureOverlap(
        model_features=model_features,
        found=found,
        missing=missing,
        n_extra=len(available - set(model_features)),
        renamed=dict(renamed or {}),
    )


def validate_predictions(
    y,
    proba,
    pred,
    *,
    n_bootstrap: int = 1000,
    confidence: float = 0.95,
    class_names: tuple[str, str] = ("negative", "positive"),
    random_state=None,
) -> CrossValidationResult:
    """Score a fitted model's predictions on an independent cohort.

    The model, its hyperparameters and its decision threshold were fixed on the training cohort;
    nothing is refitted here. Metrics are those of :func:`~oligomet.evaluation.cross_validate`
    with stratified bootstrap intervals, plus ``auc_p_value``: the one-sided Mann-Whitney test of
    AUC > 0.5 (equivalent to permuting the labels of fixed predictions).

    Parameters
    ----------
    y : array-like of 0/1
        Labels of the validation cohort.
    proba : array-like of float
        Predicted probability of the positive class.
    pred : array-like of 0/1
        Predicted class at the model's threshold.
    n_bootstrap : int, default=1000
    confidence : float, default=0.95
    class_names : (str, str)
    random_state : int, RandomState or None

    Returns
    -------
    CrossValidationResult
        With a single "repeat" and a single "fold" holding every sample.
    """
    y = np.asarray(y).astype(int)
    proba = np.asarray(proba, dtype=float)
    pred = np.asarray(pred).astype(int)
    if not (y.size == proba.size == pred.size):
        raise ValueError("y, proba and pred must have the same length")
    counts = np.bincount(y, minlength=2)
    if counts.min() == 0:
        which = "positive" if counts[1] == 0 else "negative"
        raise InputError(
            f"the validation cohort has no {which} sample ({y.size} samples); a discrimination "
            "metric needs both classes"
        )
    rng = check_random_state(random_state)
    point = binary_metrics(y, proba, pred)
    intervals = bootstrap_metrics(
        y,
        proba[None, :],
        pred[None, :],
        n_bootstrap=n_bootstrap,
        confidence=confidence,
        random_state=rng,
    )
    metrics = with_intervals(point, intervals)
    metrics["auc_p_value"] = float(
        mannwhitneyu(proba[y == 1], proba[y == 0], alternative="greater").pvalue
    )
    metrics["n_samples"] = float(y.size)
    metrics["n_positive"] = float(y.sum())
    fold_scores = pd.DataFrame(
        [{"repeat": 0, "fold": 0, **point, "n_train": 0, "n_test": int(y.size)}]
    )
    return CrossValidationResult(
        metrics=metrics,
        fold_scores=fold_scores,
        null_scores=pd.DataFrame(columns=["permutation", "roc_auc"]),
        oof_proba=proba[None, :],
        oof_pred=pred[None, :],
        folds=np.zeros((1, y.size), dtype=int),
        y=y,
        class_names=tuple(class_names),
        params={
            "external": True,
            "n_bootstrap": n_bootstrap,
            "confidence": confidence,
        },
    )
