"""Plots of evaluation results (matplotlib, without pyplot's global state)."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import roc_curve

from ._cv import CrossValidationResult

__all__ = ["plot_roc"]


def plot_roc(result: CrossValidationResult, *, title: str | None = None):
    """ROC curves of the out-of-fold predictions: one per repeat and their vertical mean.

    Parameters
    ----------
    result : CrossValidationResult
        Output of :func:`~oligomet.evaluation.cross_validate`.
    title : str or None, default=None
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.figure import Figure

    figure = Figure(figsize=(5, 5), layout="constrained")
    ax = figure.add_subplot()
    grid = np.linspace(0, 1, 201)
    curves = []
    for repeat, proba in enumerate(result.oof_proba):
        fpr, tpr, _ = roc_curve(result.y, proba)
        curves.append(np.interp(grid, fpr, tpr))
        ax.plot(
            fpr,
            tpr,
            color="tab:blue",
            alpha=0.25,
            lw=1,
            label="repeats (out-of-fold)" if repeat == 0 else None,
        )
    m = result.metrics
    label = f"mean: AUC {m['roc_auc']:.3f} [{m['roc_auc_ci_low']:.3f}, {m['roc_auc_ci_high']:.3f}]"
    ax.plot(grid, np.mean(curves, axis=0), color="tab:blue", lw=2, label=label)
    chance = "chance"
    if "null_roc_auc" in m:
        chance += f" (permuted labels: AUC {m['null_roc_auc']:.3f})"
    ax.plot([0, 1], [0, 1], color="grey", ls="--", lw=1, label=chance)
    ax.set(
        xlabel="1 - specificity", ylabel="sensitivity", xlim=(0, 1), ylim=(0, 1.01), aspect="equal"
    )
    ax.legend(loc="lower right", fontsize="small")
    if title:
        ax.set_title(title, fontsize="medium")
    return figure
