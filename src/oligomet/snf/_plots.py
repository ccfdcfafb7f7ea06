"""Plots of SNF results: the fused network ordered by subtype, the eigengap curve."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.stats import rankdata

from .._errors import InputError
from ._subtypes import _ordered

__all__ = ["plot_eigengap", "plot_fused_network"]


def _subsample_order(
    W, codes: np.ndarray, n_subtypes: int, max_samples: int
) -> tuple[np.ndarray, np.ndarray]:
    """Sample order (by subtype, then by within-subtype connectivity) and block sizes.

    Above ``max_samples`` each subtype keeps a share proportional to its size (at least one
    sample), taken evenly along its connectivity order, so the subsample is deterministic and
    spans each block from its most to its least connected members.
    """
    n = len(codes)
    keep_fraction = min(1.0, max_samples / n)
    order, sizes = [], []
    for code in range(n_subtypes):
        members = np.flatnonzero(codes == code)
        within = np.asarray(W[members][:, members].sum(axis=1)).ravel()
        # Most connected first; a stable sort keeps input order among ties (deterministic).
        members = members[np.argsort(-within, kind="stable")]
        if keep_fraction < 1:
            n_keep = max(1, int(len(members) * keep_fraction))
            picks = np.unique(np.linspace(0, len(members) - 1, n_keep).round().astype(int))
            members = members[picks]
        order.append(members)
        sizes.append(len(members))
    return np.concatenate(order), np.asarray(sizes)


def plot_fused_network(W, labels, *, max_samples: int = 2000, title: str | None = None):
    """Heatmap of a fused similarity network with samples grouped by subtype.

    Samples are ordered by subtype and, within a subtype, by their total similarity to the rest
    of the subtype (most connected first). Colours are the percentile rank of each off-diagonal
    similarity: fused networks are heavy-tailed (a few strong neighbours per sample), so a linear
    scale would show almost nothing. The diagonal is left blank and subtype boundaries are drawn.

    Parameters
    ----------
    W : array-like or scipy.sparse matrix of shape (n_samples, n_samples)
        Fused network ("W" in Wang et al. 2014), e.g. ``SNF().fused_network_``.
    labels : array-like of shape (n_samples,)
        Subtype of each sample.
    max_samples : int, default=2000
        Above this many samples a deterministic, subtype-stratified subsample of about this size
        is drawn (every subtype keeps at least one sample).
    title : str or None, default=None
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.figure import Figure

    if not sparse.issparse(W):
        W = np.asarray(W, dtype=float)
    if W.ndim != 2 or W.shape[0] != W.shape[1]:
        raise InputError(f"the fused network must be a square matrix, got shape {W.shape}")
    labels = np.asarray(labels, dtype=object)
    if labels.ndim != 1 or len(labels) != W.shape[0]:
        raise InputError(
            f"labels has {len(labels)} values but the fused network has {W.shape[0]} samples"
        )
    if pd.isna(labels).any():
        raise InputError("labels has missing values; every sample in the network needs a subtype")
    if isinstance(max_samples, bool) or not isinstance(max_samples, (int, np.integer)):
        raise InputError(f"max_samples must be an integer, got {max_samples!r}")
    if max_samples < 2:
        raise InputError(f"max_samples must be at least 2, got {max_samples}")
    values = W.data if sparse.issparse(W) else W
    if not np.isfinite(values).all():
        raise InputError("the fused network has NaN or infinite values")

    subtypes = _ordered(labels)
    codes = pd.Categorical(labels, categories=subtypes).codes
    order, sizes = _subsample_order(W, codes, len(subtypes), max_samples)
    block = W[order][:, order]
    block = block.toarray() if sparse.issparse(block) else np.array(block, dtype=float)
    off_diagonal = ~np.eye(len(order), dtype=bool)
    shown = np.full(block.shape, np.nan)
    shown[off_diagonal] = rankdata(block[off_diagonal]) / off_diagonal.sum()

    figure = Figure(figsize=(6.5, 5.5), layout="constrained")
    ax = figure.add_subplot()
    image = ax.imshow(
        np.ma.masked_invalid(shown),
        cmap="viridis",
        vmin=0,
        vmax=1,
        interpolation="nearest",
        aspect="equal",
    )
    boundaries = np.cumsum(sizes)[:-1] - 0.5
    for boundary in boundaries:
        ax.axhline(boundary, color="white", lw=1)
        ax.axvline(boundary, color="white", lw=1)
    centres = np.cumsum(sizes) - sizes / 2 - 0.5
    names = [str(s) for s in subtypes]
    ax.set_xticks(centres, names)
    ax.set_yticks(centres, names)
    ax.set(xlabel="subtype", ylabel="subtype")
    shown_text = (
        f"{len(order)} of {len(labels)} samples"
        if len(order) < len(labels)
        else (f"{len(labels)} samples")
    )
    ax.set_title(title or f"Fused network ({shown_text})", fontsize="medium")
    figure.colorbar(image, ax=ax, label="similarity (percentile rank)", shrink=0.8)
    return figure


def plot_eigengap(eigengap: Sequence[float] | Mapping[int, float], chosen: int):
    """The eigengap of the fused network against the number of clusters, marking the chosen K.

    Parameters
    ----------
    eigengap : sequence of float or mapping of int to float
        Eigengap per number of clusters. A mapping (or a pandas Series) gives the number of
        clusters as its keys; in a sequence, element ``i`` is for ``i + 1`` clusters (SNFtool's
        ``abs(diff(eigenvalues))`` layout: the gap after the k-th eigenvalue belongs to k).
    chosen : int
        The number of clusters used; marked with a dashed line (also when outside the curve,
        e.g. a K fixed by the user).

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    if isinstance(eigengap, (Mapping, pd.Series)):
        items = sorted((int(k), float(v)) for k, v in dict(eigengap).items())
    else:
        items = [(i + 1, float(v)) for i, v in enumerate(eigengap)]
    if not items:
        raise InputError("eigengap is empty; give one value per number of clusters")
    if isinstance(chosen, bool) or not isinstance(chosen, (int, np.integer)) or chosen < 1:
        raise InputError(f"chosen must be a positive number of clusters, got {chosen!r}")
    n_clusters, gaps = (np.asarray(column) for column in zip(*items, strict=True))

    figure = Figure(figsize=(5, 3.5), layout="constrained")
    ax = figure.add_subplot()
    ax.plot(n_clusters, gaps, marker="o", color="tab:blue", label="eigengap")
    ax.axvline(chosen, color="tab:red", ls="--", lw=1, label=f"chosen K = {chosen}")
    if chosen in n_clusters:
        ax.plot(chosen, gaps[n_clusters == chosen][0], marker="o", color="tab:red", markersize=9)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set(xlabel="number of clusters", ylabel="eigengap")
    ax.legend(fontsize="small")
    return figure
