"""Similarity network fusion: standardisation, distances, affinities and the fusion itself.

Two update rules are offered (``variant``):

``"snftool"`` (default)
    SNFtool 2.3.1, the authors' R package: every network is normalised to a diagonal of 0.5 with
    the off-diagonal entries of each row summing to 0.5, before the diffusion and after every
    iteration; rows of the fused network sum to 1.
``"snfpy"``
    The original 2014 MATLAB update, as kept by snfpy 0.2.2: networks are row-normalised once,
    the identity is added after every iteration without re-normalising, and the fused network is
    ``(W + W.T + I) / 2`` (rows sum to 1.5).

The two give the same clusters on the reference data but fused networks that differ by up to 15%
of the largest entry, so results are only comparable within one variant.

Missing views. A sample absent from a view (a row of NaN in that view's data, or a sample
missing from a MuData modality) has no edges in that view's network. During the diffusion, the
information a view receives for the pair (i, j) is the mean over the *other views that observe
both i and j*; the fused network averages, per pair, the views whose network has an edge
between them. With complete data this is exactly the rule above. Samples missing from a view are
connected in it through their neighbours in the views that observe them.

References
----------
Wang B, Mezlini AM, Demir F, et al. Similarity network fusion for aggregating data types on a
genomic scale. Nat Methods 2014;11:333-337. :doi:`10.1038/nmeth.2810`
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import sparse

from .._errors import InputError

__all__ = [
    "VARIANTS",
    "affinity_matrix",
    "dominant_set",
    "fuse",
    "pairwise_distances",
    "standardize",
]

VARIANTS = ("snftool", "snfpy")
_EPS = np.finfo(np.float64).eps


def standardize(X: np.ndarray, *, name: str = "view") -> np.ndarray:
    """Each feature to mean 0 and standard deviation 1 (n - 1 denominator; SNFtool's
    ``standardNormalization``). NaN rows (missing samples) are ignored and kept as NaN.

    Raises
    ------
    InputError
        For a constant feature (its standard deviation is 0).
    """
    X = np.asarray(X, dtype=np.float64)
    present = ~np.isnan(X).all(axis=1)
    values = X[present]
    sd = values.std(axis=0, ddof=1)
    constant = np.flatnonzero(~(sd > 0))
    if constant.size:
        raise InputError(
            f"{name}: feature {int(constant[0])} is constant over the samples "
            f"({constant.size} constant features in all); remove constant features before SNF"
        )
    out = np.full_like(X, np.nan)
    out[present] = (values - values.mean(axis=0)) / sd
    return out


def pairwise_distances(X: np.ndarray, *, metric: str = "sqeuclidean") -> np.ndarray:
    """Squared euclidean (SNFtool ``dist2``, negatives from rounding set to 0) or euclidean
    distances between the rows of ``X``."""
    if metric not in ("sqeuclidean", "euclidean"):
        raise InputError(f"metric must be 'sqeuclidean' or 'euclidean', got {metric!r}")
    X = np.asarray(X, dtype=np.float64)
    squares = np.einsum("ij,ij->i", X, X)
    distances = squares[:, None] + squares[None, :] - 2.0 * (X @ X.T)
    np.maximum(distances, 0.0, out=distances)
    if metric == "euclidean":
        np.sqrt(distances, out=distances)
    return distances


def affinity_matrix(distances: np.ndarray, *, n_neighbors: int = 20, mu: float = 0.5) -> np.ndarray:
    """Scaled exponential similarity kernel (SNFtool ``affinityMatrix``).

    ``W[i, j] = N(d_ij; 0, mu * eps_ij)`` with ``eps_ij = (m_i + m_j + d_ij) / 3``, where ``m_i`` is
    the mean distance from i to its ``n_neighbors`` nearest neighbours ("K" in Wang et al. 2014)
    and ``mu`` the scale ("sigma"/"alpha" in SNFtool).
    """
    D = np.asarray(distances, dtype=np.float64)
    n = D.shape[0]
    if not 0 < n_neighbors < n:
        raise InputError(f"n_neighbors must be between 1 and n_samples - 1 = {n - 1}, got {n_neighbors}")
    D = (D + D.T) / 2
    np.fill_diagonal(D, 0.0)
    # Mean distance to the K nearest neighbours, self (distance 0, first when sorted) excluded.
    nearest = np.partition(D, n_neighbors, axis=1)[:, : n_neighbors + 1]
    means = (nearest.sum(axis=1) - nearest.min(axis=1)) / n_neighbors + _EPS
    scale = (means[:, None] + means[None, :] + D) / 3 + _EPS
    scale[scale <= _EPS] = _EPS
    scale *= mu
    W = np.exp(-(D**2) / (2 * scale**2)) / (scale * np.sqrt(2 * np.pi))
    return (W + W.T) / 2


def dominant_set(W: np.ndarray, n_neighbors: int) -> sparse.csr_matrix:
    """Keep each row's ``n_neighbors`` largest entries and normalise rows to sum 1 (the local
    kernel "S" of Wang et al. 2014). Ties are broken like R's stable sort: the later column wins.
    """
    n = W.shape[0]
    order = np.argsort(W, axis=1, kind="stable")[:, n - n_neighbors :]
    rows = np.repeat(np.arange(n), n_neighbors)
    values = np.take_along_axis(W, order, axis=1)
    totals = values.sum(axis=1, keepdims=True)
    totals[totals == 0] = 1.0
    values = values / totals
    return sparse.csr_matrix((values.ravel(), (rows, order.ravel())), shape=(n, n))


def _normalize_snftool(X: np.ndarray) -> np.ndarray:
    """Off-diagonal of each row scaled to sum 0.5, diagonal 0.5, then symmetrised (in place)."""
    off_diagonal = X.sum(axis=1) - np.diagonal(X)
    off_diagonal[off_diagonal == 0] = 1.0
    X /= (2 * off_diagonal)[:, None]
    np.fill_diagonal(X, 0.5)
    X += X.T
    X /= 2
    return X


def _diffuse(S: sparse.csr_matrix, P: np.ndarray) -> np.ndarray:
    """``S @ P @ S.T`` for a sparse local kernel S (K non-zeros per row) and dense P."""
    return np.asarray((S @ (S @ P).T).T)


def fuse(
    affinities: Sequence[np.ndarray],
    *,
    n_neighbors: int = 20,
    n_iter: int = 20,
    variant: str = "snftool",
) -> np.ndarray:
    """Fuse per-view affinity networks into one (Wang et al. 2014).

    Parameters
    ----------
    affinities : sequence of ndarray of shape (n_samples, n_samples)
        One symmetric affinity matrix per view, samples in the same order. A sample missing from
        a view has an all-zero (or all-NaN) row and column there.
    n_neighbors : int, default=20
        Neighbours kept in the local kernel ("K").
    n_iter : int, default=20
        Diffusion iterations ("t").
    variant : {"snftool", "snfpy"}, default="snftool"
        Update rule (see the module notes).

    Returns
    -------
    ndarray of shape (n_samples, n_samples)
        The fused network.
    """
    if variant not in VARIANTS:
        raise InputError(f"variant must be one of {VARIANTS}, got {variant!r}")
    if len(affinities) < 2:
        raise InputError(f"SNF fuses at least 2 views, got {len(affinities)}")
    networks = [np.nan_to_num(np.array(W, dtype=np.float64)) for W in affinities]
    n = networks[0].shape[0]
    if any(W.shape != (n, n) for W in networks):
        raise InputError("every view's affinity matrix must be n_samples x n_samples, same order")
    present = [W.any(axis=1) for W in networks]  # samples each view observes
    complete = all(p.all() for p in present)
    n_views = len(networks)
    if variant == "snftool":
        networks = [_normalize_snftool(W) for W in networks]
        for W, observed in zip(networks, present, strict=True):
            _mask_missing(W, observed)
    else:
        for W, observed in zip(networks, present, strict=True):
            totals = W.sum(axis=1, keepdims=True)
            totals[totals == 0] = 1.0
            W /= totals
            W += W.T
            W /= 2
    kernels = [dominant_set(W, n_neighbors) for W in networks]
    # How many *other* views observe each pair: 1/(m - 1) with complete data.
    others = None if complete else _other_view_counts(present)
    for _ in range(n_iter):
        total = sum(networks)
        updated = []
        for j, (W, S) in enumerate(zip(networks, kernels, strict=True)):
            if complete:
                P = (total - W) / (n_views - 1)
            else:
                P = (total - W) / np.maximum(others[j], 1)
            nxt = _diffuse(S, P)
            if variant == "snftool":
                nxt = _normalize_snftool(nxt)
            else:
                nxt += np.eye(n)
                nxt += nxt.T
                nxt /= 2
            updated.append(nxt)
        networks = updated
    if complete:
        fused = sum(networks) / n_views
    else:
        observed = sum((W > 0).astype(np.float64) for W in networks)
        fused = sum(networks) / np.maximum(observed, 1)
    if variant == "snftool":
        return _normalize_snftool(fused)
    totals = fused.sum(axis=1, keepdims=True)
    fused /= totals
    return (fused + fused.T + np.eye(n)) / 2


def _mask_missing(W: np.ndarray, observed: np.ndarray) -> None:
    """Clear the rows and columns of samples a view does not observe (normalising sets their
    diagonal to 0.5)."""
    missing = ~observed
    if missing.any():
        W[missing, :] = 0.0
        W[:, missing] = 0.0


def _other_view_counts(present: list[np.ndarray]) -> list[np.ndarray]:
    both = [np.outer(p, p).astype(np.float64) for p in present]
    total = sum(both)
    return [total - b for b in both]
