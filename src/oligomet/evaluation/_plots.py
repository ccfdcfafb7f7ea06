"""Plots of evaluation results (matplotlib, without pyplot's global state).

Each function takes a cross-validation result (:class:`~oligomet.evaluation.CrossValidationResult`
or anything with the same attributes: ``y``, ``oof_proba``, ``oof_pred``, ``folds``, ``metrics``,
``selection_frequency``, ``class_names``) and returns a new :class:`matplotlib.figure.Figure`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ._cv import CrossValidationResult
    from ._survival import SurvivalCVResult

__all__ = [
    "plot_calibration",
    "plot_confusion",
    "plot_km",
    "plot_ranking",
    "plot_roc",
    "plot_selection_frequency",
]

_COLOUR = "tab:blue"


def _interval(metrics: dict, name: str) -> str:
    """``"0.812 [0.743, 0.871]"``, or just the estimate when no interval was computed."""
    text = f"{metrics[name]:.3f}"
    low, high = metrics.get(f"{name}_ci_low"), metrics.get(f"{name}_ci_high")
    if low is not None and high is not None:
        text += f" [{low:.3f}, {high:.3f}]"
    return text


def _class_names(result) -> tuple[str, str]:
    names = getattr(result, "class_names", None)
    if names is None or len(names) != 2:
        return ("negative", "positive")
    return (str(names[0]), str(names[1]))


def plot_roc(result: CrossValidationResult, *, title: str | None = None) -> Figure:
    """ROC curves of the out-of-fold predictions: per fold, per repeat, and their mean.

    Thin faint lines are the curves of each outer test fold on its own (showing how much a
    single fold varies); thicker faint lines pool each repeat's out-of-fold predictions; the bold
    line is the vertical average of the repeat curves, labelled with the cross-validated AUC and
    its interval. Test folds holding a single class have no ROC curve and are skipped, as are the
    per-fold curves of a repeat with a single fold (an external validation), which would repeat
    the pooled curve.

    Parameters
    ----------
    result : CrossValidationResult
        Output of :func:`~oligomet.evaluation.cross_validate`.
    title : str or None, default=None
        Axes title.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.figure import Figure
    from sklearn.metrics import roc_curve

    y = np.asarray(result.y)
    folds = np.asarray(result.folds)
    figure = Figure(figsize=(5, 5), layout="constrained")
    ax = figure.add_subplot()
    grid = np.linspace(0, 1, 201)
    first_fold = True
    for proba, fold_of in zip(result.oof_proba, folds, strict=True):
        fold_ids = np.unique(fold_of)
        if fold_ids.size < 2:
            continue
        for fold in fold_ids:
            in_fold = fold_of == fold
            if np.unique(y[in_fold]).size < 2:
                continue
            fpr, tpr, _ = roc_curve(y[in_fold], proba[in_fold])
            label = "single test folds" if first_fold else None
            ax.plot(fpr, tpr, color="grey", alpha=0.3, lw=0.5, label=label)
            first_fold = False
    curves = []
    for repeat, proba in enumerate(result.oof_proba):
        fpr, tpr, _ = roc_curve(y, proba)
        curves.append(np.interp(grid, fpr, tpr))
        label = "repeats (pooled out-of-fold)" if repeat == 0 else None
        ax.plot(fpr, tpr, color=_COLOUR, alpha=0.3, lw=1, label=label)
    metrics = result.metrics
    mean_curve = np.mean(curves, axis=0)
    mean_curve[0] = 0.0
    ax.plot(
        grid, mean_curve, color=_COLOUR, lw=2, label=f"mean: AUC {_interval(metrics, 'roc_auc')}"
    )
    chance = "chance"
    if "null_roc_auc" in metrics:
        chance += f" (permuted labels: AUC {metrics['null_roc_auc']:.3f})"
    ax.plot([0, 1], [0, 1], color="grey", ls="--", lw=1, label=chance)
    ax.set(
        xlabel="1 - specificity", ylabel="sensitivity", xlim=(0, 1), ylim=(0, 1.01), aspect="equal"
    )
    ax.legend(loc="lower right", fontsize="small")
    if title:
        ax.set_title(title, fontsize="medium")
    return figure


def _reliability(
    y: np.ndarray, proba: np.ndarray, n_bins: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean prediction, observed event rate and count in each non-empty equal-width bin."""
    edges = np.linspace(0, 1, n_bins + 1)
    # Bin i holds edges[i] <= p < edges[i + 1]; p = 1 joins the last bin.
    which = np.clip(np.searchsorted(edges, proba, side="right") - 1, 0, n_bins - 1)
    counts = np.bincount(which, minlength=n_bins)
    filled = counts > 0
    mean_proba = np.bincount(which, weights=proba, minlength=n_bins)[filled] / counts[filled]
    event_rate = np.bincount(which, weights=y, minlength=n_bins)[filled] / counts[filled]
    return mean_proba, event_rate, counts[filled]


def plot_calibration(
    result: CrossValidationResult, *, n_bins: int = 10, title: str | None = None
) -> Figure:
    """Reliability diagram of the out-of-fold probabilities, with their distribution below.

    The out-of-fold probabilities of all repeats are pooled and cut into ``n_bins`` equal-width
    bins on [0, 1]; each non-empty bin is drawn at its mean predicted probability against the
    observed fraction of class 1. Well-calibrated predictions lie on the diagonal. The legend
    gives the calibration slope and intercept of ``result.metrics`` (see
    :func:`~oligomet.evaluation.calibration_intercept_slope`). Below, a histogram of the
    probabilities per class, in patients (pooled counts divided by the number of repeats).

    Parameters
    ----------
    result : CrossValidationResult
        Output of :func:`~oligomet.evaluation.cross_validate`.
    n_bins : int, default=10
        Number of equal-width probability bins.
    title : str or None, default=None
        Title of the upper axes.

    Returns
    -------
    matplotlib.figure.Figure
        Two axes: the reliability diagram and the histogram.

    Notes
    -----
    Each patient contributes once per repeat, so the pooled bins are not independent samples; no
    per-bin error bars are drawn for that reason. Bins with few patients are noisy: read them
    together with the histogram.
    """
    from matplotlib.figure import Figure

    if int(n_bins) != n_bins or n_bins < 1:
        raise ValueError(f"n_bins must be a positive integer, got {n_bins}")
    n_bins = int(n_bins)
    y = np.asarray(result.y)
    oof_proba = np.asarray(result.oof_proba, dtype=float)
    n_repeats = oof_proba.shape[0]
    pooled_proba = oof_proba.ravel()
    pooled_y = np.tile(y, n_repeats).astype(float)
    mean_proba, event_rate, _ = _reliability(pooled_y, pooled_proba, n_bins)

    figure = Figure(figsize=(5, 6), layout="constrained")
    top, bottom = figure.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 1]})
    top.plot([0, 1], [0, 1], color="grey", ls="--", lw=1, label="perfect calibration")
    metrics = result.metrics
    label = "out-of-fold"
    if "calibration_slope" in metrics and "calibration_intercept" in metrics:
        label += (
            f"\nslope {_interval(metrics, 'calibration_slope')}"
            f"\nintercept {_interval(metrics, 'calibration_intercept')}"
        )
    top.plot(mean_proba, event_rate, marker="o", color=_COLOUR, lw=1.5, label=label)
    top.set(ylabel="observed fraction of class 1", xlim=(0, 1), ylim=(-0.02, 1.02))
    top.legend(loc="upper left", fontsize="small")
    if title:
        top.set_title(title, fontsize="medium")

    names = _class_names(result)
    edges = np.linspace(0, 1, n_bins + 1)
    for value, colour in ((0, "tab:grey"), (1, _COLOUR)):
        in_class = pooled_y == value
        bottom.hist(
            pooled_proba[in_class],
            bins=edges,
            weights=np.full(in_class.sum(), 1 / n_repeats),
            histtype="step",
            color=colour,
            label=names[value],
        )
    bottom.set(xlabel="predicted probability of class 1", ylabel="patients")
    bottom.legend(loc="upper center", fontsize="small", ncols=2)
    return figure


def _mean_confusion(y: np.ndarray, oof_pred: np.ndarray) -> np.ndarray:
    """2 x 2 counts (rows true class 0/1, columns predicted 0/1) averaged over repeats."""
    pred = np.asarray(oof_pred).astype(int)
    counts = np.zeros((2, 2))
    for truth in (0, 1):
        for called in (0, 1):
            counts[truth, called] = ((y == truth) & (pred == called)).sum(axis=-1).mean()
    return counts


def plot_confusion(result: CrossValidationResult, *, title: str | None = None) -> Figure:
    """Confusion matrix of the out-of-fold predictions at the in-fold thresholds.

    Each cell shows the number of patients, averaged over repeats, and in brackets the
    percentage of its row (the true class): the diagonal percentages are specificity (class 0)
    and sensitivity (class 1). Cells are shaded by that row percentage.

    Parameters
    ----------
    result : CrossValidationResult
        Output of :func:`~oligomet.evaluation.cross_validate`.
    title : str or None, default=None
        Axes title.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.figure import Figure

    y = np.asarray(result.y).astype(int)
    counts = _mean_confusion(y, result.oof_pred)
    totals = counts.sum(axis=1, keepdims=True)
    share = np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)
    names = _class_names(result)
    figure = Figure(figsize=(4.5, 4), layout="constrained")
    ax = figure.add_subplot()
    ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
    decimals = 0 if np.allclose(counts, np.round(counts)) else 1
    for truth in (0, 1):
        for called in (0, 1):
            ax.text(
                called,
                truth,
                f"{counts[truth, called]:.{decimals}f}\n({100 * share[truth, called]:.0f}%)",
                ha="center",
                va="center",
                color="white" if share[truth, called] > 0.5 else "black",
            )
    ax.set(
        xticks=[0, 1],
        yticks=[0, 1],
        xticklabels=list(names),
        yticklabels=list(names),
        xlabel="predicted class",
        ylabel="true class",
    )
    n_repeats = np.asarray(result.oof_pred).reshape(-1, y.size).shape[0]
    if title:
        ax.set_title(title, fontsize="medium")
    elif n_repeats > 1:
        ax.set_title(f"mean of {n_repeats} repeats", fontsize="medium")
    return figure


def plot_selection_frequency(
    result: CrossValidationResult, *, top: int = 30, title: str | None = None
) -> Figure:
    """How often each feature was selected across outer training folds (the ``top`` most often).

    A horizontal bar per feature, the most frequently selected at the top. Features chosen in
    nearly every fold are the stable core of the signature; a long tail of rarely chosen ones is
    the usual sign of selection instability in small cohorts.

    Parameters
    ----------
    result : CrossValidationResult
        Output of :func:`~oligomet.evaluation.cross_validate`; its ``selection_frequency`` (feature
        -> fraction of outer folds, most frequent first) is plotted.
    top : int, default=30
        Number of features shown.
    title : str or None, default=None
        Axes title.

    Returns
    -------
    matplotlib.figure.Figure
        With the text "no feature selection recorded" when the frequency table is empty.
    """
    from matplotlib.figure import Figure

    if int(top) != top or top < 1:
        raise ValueError(f"top must be a positive integer, got {top}")
    frequency = result.selection_frequency
    shown = frequency.iloc[: int(top)]
    figure = Figure(figsize=(5, 1.5 + 0.22 * max(len(shown), 1)), layout="constrained")
    ax = figure.add_subplot()
    if shown.empty:
        ax.text(0.5, 0.5, "no feature selection recorded", ha="center", va="center")
        ax.set_axis_off()
    else:
        position = np.arange(len(shown))[::-1]
        ax.barh(position, shown.to_numpy(dtype=float), color=_COLOUR)
        ax.set(
            yticks=position,
            yticklabels=[str(name) for name in shown.index],
            xlim=(0, 1),
            xlabel="fraction of outer training folds selecting the feature",
        )
        ax.tick_params(axis="y", labelsize="small")
        if len(frequency) > len(shown):
            ax.set_ylabel(f"top {len(shown)} of {len(frequency)} features")
    if title:
        ax.set_title(title, fontsize="medium")
    return figure


def _at_risk(time: np.ndarray, ticks: np.ndarray) -> list[int]:
    return [int((time >= tick).sum()) for tick in ticks]


def plot_km(result: SurvivalCVResult, *, repeat: int = 0, title: str | None = None):
    """Kaplan–Meier curves of the out-of-fold high- and low-risk groups, with numbers at risk.

    Parameters
    ----------
    result : SurvivalCVResult
        Output of :func:`cross_validate_survival`.
    repeat : int, default=0
        Which repeat's groups to draw (the log-rank p in ``result.metrics`` is for repeat 0;
        the one shown is computed for the repeat drawn).
    title : str or None, default=None
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
        Survival curves (with 95% pointwise bands and censoring ticks) above a table of the
        numbers at risk.
    """
    from lifelines import KaplanMeierFitter
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    group = result.oof_group[repeat]
    time, event = result.time, result.event
    figure = Figure(figsize=(6, 5), layout="constrained")
    ax, table = figure.subplots(2, 1, sharex=True, height_ratios=[4, 1])
    ticks = MaxNLocator(nbins=6, min_n_ticks=3).tick_values(0, float(time.max()))
    ticks = ticks[(ticks >= 0) & (ticks <= time.max())]
    groups = [(1, "high risk", "tab:red"), (0, "low risk", "tab:blue")]
    for row, (code, name, colour) in enumerate(groups):
        members = group == code
        if not members.any():
            continue
        fitter = KaplanMeierFitter().fit(time[members], event[members])
        curve = fitter.survival_function_.iloc[:, 0]
        band = fitter.confidence_interval_survival_function_
        label = f"{name} (n={int(members.sum())}, {int(event[members].sum())} events)"
        ax.step(curve.index, curve.to_numpy(), where="post", color=colour, lw=1.8, label=label)
        ax.fill_between(
            band.index,
            band.iloc[:, 0].to_numpy(),
            band.iloc[:, 1].to_numpy(),
            step="post",
            color=colour,
            alpha=0.15,
            lw=0,
        )
        censored = time[members & ~event]
        ax.plot(
            censored,
            fitter.survival_function_at_times(censored).to_numpy(),
            ls="none",
            marker="|",
            color=colour,
            ms=7,
        )
        for tick, count in zip(ticks, _at_risk(time[members], ticks), strict=True):
            table.text(tick, row, str(count), ha="center", va="center", color=colour)
    from ._survival import logrank

    _, p_value = logrank(time, event, group)
    heading = f"out-of-fold risk groups (C = {result.metrics['c_index']:.3f})"
    if np.isfinite(p_value):
        heading += f"\nlog-rank p = {p_value:.2g}"
    span = float(time.max())
    ax.set(ylabel="survival probability", ylim=(0, 1.02), xlim=(-0.04 * span, 1.02 * span))
    ax.legend(loc="best", fontsize="small", title=heading, title_fontsize="small")
    table.set(ylim=(1.6, -0.6), yticks=[0, 1], yticklabels=["high", "low"], xticks=ticks)
    table.set_xlabel("time")
    table.set_title("number at risk", fontsize="small", loc="left")
    for side in ("top", "right", "left"):
        table.spines[side].set_visible(False)
    table.tick_params(axis="y", length=0)
    if title:
        ax.set_title(title, fontsize="medium")
    return figure


def plot_ranking(table, *, metric: str = "roc_auc", title: str | None = None) -> Figure:
    """Runs ranked by a metric: each estimate with its interval, and its permuted-label null.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per run, best first, with columns ``name``, ``estimate``, ``ci_low``, ``ci_high``
        and optionally ``null`` (mean score on permuted labels) and ``overlaps_best``.
    metric : str, default="roc_auc"
        Axis label; for ``roc_auc`` and ``c_index`` a line marks chance (0.5).
    title : str or None, default=None

    Returns
    -------
    matplotlib.figure.Figure
        Runs whose interval overlaps the best one's in colour, the others grey; the null as a
        cross.
    """
    from matplotlib.figure import Figure

    n = len(table)
    figure = Figure(figsize=(6.5, 1.2 + 0.38 * max(n, 1)), layout="constrained")
    ax = figure.subplots()
    positions = np.arange(n)[::-1]
    overlaps = table["overlaps_best"] if "overlaps_best" in table else [True] * n
    for y, row, overlapping in zip(positions, table.itertuples(), overlaps, strict=True):
        colour = _COLOUR if overlapping else "0.6"
        ax.plot([row.ci_low, row.ci_high], [y, y], color=colour, lw=2, solid_capstyle="butt")
        ax.plot(row.estimate, y, "o", color=colour, ms=6)
        null = getattr(row, "null", np.nan)
        if null == null:
            ax.plot(null, y, "x", color="0.35", ms=6)
    if metric in ("roc_auc", "c_index"):
        ax.axvline(0.5, color="0.7", lw=1, ls="--", zorder=0)
    ax.set_yticks(positions, [str(name) for name in table["name"]])
    label = {"roc_auc": "ROC AUC", "c_index": "C-index", "pr_auc": "PR AUC"}.get(metric, metric)
    ax.set_xlabel(f"{label} with 95% interval; x = mean on permuted labels")
    if title:
        ax.set_title(title, fontsize="medium")
    return figure
