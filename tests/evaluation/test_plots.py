from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from oligomet.evaluation import (
    plot_calibration,
    plot_confusion,
    plot_roc,
    plot_selection_frequency,
)

METRICS = {
    "roc_auc": 0.8,
    "roc_auc_ci_low": 0.7,
    "roc_auc_ci_high": 0.9,
    "calibration_slope": 0.85,
    "calibration_slope_ci_low": 0.5,
    "calibration_slope_ci_high": 1.2,
    "calibration_intercept": -0.1,
    "calibration_intercept_ci_low": -0.4,
    "calibration_intercept_ci_high": 0.2,
    "null_roc_auc": 0.52,
}


def _result(**changes):
    """A stand-in for CrossValidationResult: 2 repeats x 4 folds of 5 patients, both classes."""
    rng = np.random.default_rng(0)
    y = np.tile([0, 0, 0, 1, 1], 4)
    proba = np.clip(0.3 + 0.4 * y + rng.normal(0, 0.2, (2, y.size)), 0.01, 0.99)
    folds = np.stack([np.repeat(np.arange(4), 5), np.repeat([2, 0, 3, 1], 5)])
    attributes = dict(
        y=y,
        oof_proba=proba,
        oof_pred=(proba >= 0.5).astype(int),
        folds=folds,
        metrics=dict(METRICS),
        selection_frequency=pd.Series(dtype=float),
        class_names=("oligo", "poly"),
    )
    attributes.update(changes)
    return SimpleNamespace(**attributes)


def _legend_texts(ax):
    return [text.get_text() for text in ax.get_legend().get_texts()]


# --- ROC ----------------------------------------------------------------------------------------


def test_roc_draws_folds_repeats_mean_and_chance():
    figure = plot_roc(_result(), title="test cohort")
    assert isinstance(figure, Figure)
    (ax,) = figure.axes
    # 2 x 4 fold curves + 2 repeat curves + mean + chance.
    assert len(ax.lines) == 8 + 2 + 1 + 1
    legend = _legend_texts(ax)
    assert "mean: AUC 0.800 [0.700, 0.900]" in legend
    assert "chance (permuted labels: AUC 0.520)" in legend
    assert ax.get_title() == "test cohort"


def test_roc_skips_single_class_folds_and_single_fold_repeats():
    result = _result()
    # Repeat 0, fold 0 now holds only class 0 (its two positives moved to fold 1).
    result.folds[0, [3, 4]] = 1
    (ax,) = plot_roc(result).axes
    assert len(ax.lines) == 7 + 2 + 1 + 1
    # An external validation: one repeat, one "fold" holding everyone -> no per-fold curves.
    external = _result(
        oof_proba=result.oof_proba[:1],
        oof_pred=result.oof_pred[:1],
        folds=np.zeros((1, 20), dtype=int),
        metrics={"roc_auc": 0.75},
    )
    (ax,) = plot_roc(external).axes
    assert len(ax.lines) == 1 + 1 + 1
    assert "mean: AUC 0.750" in _legend_texts(ax)


# --- calibration --------------------------------------------------------------------------------


def test_calibration_bins_by_hand():
    y = np.array([0, 0, 1, 1, 0, 1])
    proba = np.array([[0.05, 0.05, 0.15, 0.55, 0.55, 0.95], [0.05, 0.15, 0.15, 0.55, 0.95, 0.95]])
    result = _result(y=y, oof_proba=proba, oof_pred=(proba > 0.5).astype(int))
    figure = plot_calibration(result, n_bins=10)
    top, bottom = figure.axes
    diagonal, curve = top.lines
    # Pooled over repeats: bin [0, .1): 3 x 0.05, all class 0; [.1, .2): 3 x 0.15, classes
    # 0, 1, 1; [.5, .6): 3 x 0.55, classes 1, 0, 1; [.9, 1]: 3 x 0.95, classes 1, 0, 1.
    np.testing.assert_allclose(curve.get_xdata(), [0.05, 0.15, 0.55, 0.95])
    np.testing.assert_allclose(curve.get_ydata(), [0, 2 / 3, 2 / 3, 2 / 3])
    np.testing.assert_allclose(diagonal.get_xdata(), [0, 1])
    assert any("slope 0.850 [0.500, 1.200]" in text for text in _legend_texts(top))
    assert any("intercept -0.100 [-0.400, 0.200]" in text for text in _legend_texts(top))
    # One histogram outline per class, counted in patients (pooled counts / 2 repeats).
    assert len(bottom.patches) == 2
    assert _legend_texts(bottom) == ["oligo", "poly"]
    assert bottom.get_ylim()[1] >= 1.5  # class 0 has 3 pooled values in the first bin


def test_calibration_without_intervals_and_bad_bins():
    result = _result(metrics={"roc_auc": 0.8})
    (top, _) = plot_calibration(result, title="x").axes
    assert _legend_texts(top)[1] == "out-of-fold"
    assert top.get_title() == "x"
    with pytest.raises(ValueError, match="n_bins"):
        plot_calibration(result, n_bins=0)


# --- confusion ----------------------------------------------------------------------------------


def test_confusion_counts_and_row_percentages_by_hand():
    y = np.array([0, 0, 0, 1, 1])
    pred = np.array([[0, 1, 0, 1, 0], [0, 0, 0, 1, 1]])
    # Repeat 1: TN 2, FP 1, FN 1, TP 1; repeat 2: TN 3, FP 0, FN 0, TP 2.
    result = _result(y=y, oof_pred=pred, oof_proba=pred * 0.8 + 0.1)
    (ax,) = plot_confusion(result).axes
    texts = sorted((t.get_position(), t.get_text()) for t in ax.texts)
    assert texts == [
        ((0, 0), "2.5\n(83%)"),
        ((0, 1), "0.5\n(25%)"),
        ((1, 0), "0.5\n(17%)"),
        ((1, 1), "1.5\n(75%)"),
    ]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["oligo", "poly"]
    assert ax.get_title() == "mean of 2 repeats"


def test_confusion_default_class_names_and_whole_counts():
    result = _result()
    del result.class_names
    result.oof_pred = result.oof_pred[:1]
    (ax,) = plot_confusion(result).axes
    assert [t.get_text() for t in ax.get_yticklabels()] == ["negative", "positive"]
    counts = [float(t.get_text().split("\n")[0]) for t in ax.texts]
    assert sum(counts) == 20
    assert all("." not in t.get_text().split("\n")[0] for t in ax.texts)


# --- selection frequency ------------------------------------------------------------------------


def test_selection_frequency_top_features_in_order():
    names = [f"miR-{i}" for i in range(40)]
    frequency = pd.Series(np.linspace(1, 0.025, 40), index=names)
    (ax,) = plot_selection_frequency(_result(selection_frequency=frequency), top=30).axes
    assert len(ax.patches) == 30
    widths = {round(bar.get_y() + bar.get_height() / 2): bar.get_width() for bar in ax.patches}
    assert widths[29] == 1.0  # the most frequent feature is the top bar
    labels = dict(zip(ax.get_yticks(), (t.get_text() for t in ax.get_yticklabels()), strict=True))
    assert labels[29] == "miR-0" and labels[0] == "miR-29"  # miR-30.. (rarer) are left out
    assert ax.get_ylabel() == "top 30 of 40 features"


def test_selection_frequency_empty():
    (ax,) = plot_selection_frequency(_result(), title="none").axes
    assert not ax.patches
    assert [t.get_text() for t in ax.texts] == ["no feature selection recorded"]
    with pytest.raises(ValueError, match="top"):
        plot_selection_frequency(_result(), top=0)
