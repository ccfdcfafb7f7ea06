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

import os
from collections.abc import Callable, Sequence

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


def standardize(X: np.ndarray, *, name: str = "view", constant: str = "raise") -> np.ndarray:
    """Each feature to mean 0 and standard deviation 1 (n - 1 denominator; SNFtool's
    ``standardNormalization``). NaN rows (missing samples) are ignored and kept as NaN.

    ``constant="zero"`` sets a constant feature to 0, as SNFtool (sd taken as 1) and snfpy
    (z-score NaN replaced by 0) do; the default refuses it.

    Raises
    ------
    InputError
        For a constant feature (its standard deviation is 0), unless ``constant="zero"``.
    """
    X = np.asarray(X, dtype=np.float64)
    present = ~np.isnan(X).all(axis=1)
    values = X[present]
    sd = values.std(axis=0, ddof=1)
    flat = np.flatnonzero(~(sd > 0))
    if flat.size and constant == "zero":
        sd = np.where(sd > 0, sd, 1.0)
        out = np.full_like(X, np.nan)
        out[present] = (values - values.mean(axis=0)) / sd
        out[np.ix_(present, flat)] = 0.0
        return out
    if flat.size:
        raise InputError(
            f"{name}: feature {int(flat[0])} is constant over the samples "
            f"({flat.size} constant features in all); remove constant features before SNF"
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
    distances = _gram(X)

    # Row blocks, in place: the textbook expression would hold four N x N temporaries.
    def finish(rows: slice) -> None:
        block = distances[rows]
        np.subtract(squares[rows, None] + squares[None, :], 2.0 * block, out=block)
        np.maximum(block, 0.0, out=block)
        if metric == "euclidean":
            np.sqrt(block, out=block)

    _for_row_blocks(finish, len(X))
    return distances


def _gram(X: np.ndarray, block: int = 4096) -> np.ndarray:
    """``X @ X.T``, exactly symmetric. Up to ``block`` rows numpy's own product (BLAS syrk);
    above, row blocks (gemm) and the upper triangle mirrored: multithreaded syrk of OpenBLAS
    0.3.31 (numpy 2.4) crashes with a segmentation fault at 20,000 x 500."""
    n = len(X)
    if n <= block:
        return X @ X.T
    gram = np.empty((n, n))
    for start in range(0, n, block):
        rows = slice(start, min(n, start + block))
        np.matmul(X[rows], X.T, out=gram[rows])
    _kernel().mirror_upper(gram)
    return gram


def affinity_matrix(distances: np.ndarray, *, n_neighbors: int = 20, mu: float = 0.5) -> np.ndarray:
    """Scaled exponential similarity kernel (SNFtool ``affinityMatrix``).

    ``W[i, j] = N(d_ij; 0, mu * eps_ij)`` with ``eps_ij = (m_i + m_j + d_ij) / 3``, where ``m_i`` is
    the mean distance from i to its ``n_neighbors`` nearest neighbours ("K" in Wang et al. 2014)
    and ``mu`` the scale ("sigma"/"alpha" in SNFtool).
    """
    D = np.array(distances, dtype=np.float64)  # a copy: the caller's distances stay as they are
    return _affinity_inplace(D, n_neighbors=n_neighbors, mu=mu)


def _affinity_inplace(D: np.ndarray, *, n_neighbors: int, mu: float, return_means: bool = False):
    """:func:`affinity_matrix` overwriting ``D`` (float64, N x N) instead of copying it: one
    N x N matrix in memory instead of five. Same arithmetic, in row blocks. With
    ``return_means``, also the mean distance of each sample to its K nearest neighbours (what a
    new sample's affinities to these samples are scaled by)."""
    n = D.shape[0]
    if D.ndim != 2 or D.shape[1] != n:
        raise InputError(f"distances must be a square matrix, got shape {D.shape}")
    if not 0 < n_neighbors < n:
        raise InputError(
            f"n_neighbors must be between 1 and n_samples - 1 = {n - 1}, got {n_neighbors}"
        )
    _kernel().symmetrize_inplace(D)
    np.fill_diagonal(D, 0.0)
    # Mean distance to the K nearest neighbours, self (distance 0, first when sorted) excluded.
    means = np.empty(n)

    def neighbour_means(rows: slice) -> None:
        nearest = np.partition(D[rows], n_neighbors, axis=1)[:, : n_neighbors + 1]
        means[rows] = (nearest.sum(axis=1) - nearest.min(axis=1)) / n_neighbors + _EPS

    _for_row_blocks(neighbour_means, n)
    root_two_pi = np.sqrt(2 * np.pi)

    def exponential(rows: slice) -> None:
        block = D[rows]
        scale = (means[rows, None] + means[None, :] + block) / 3 + _EPS
        scale[scale <= _EPS] = _EPS
        scale *= mu
        np.square(block, out=block)
        block /= -2 * scale**2
        np.exp(block, out=block)
        scale *= root_two_pi
        block /= scale

    _for_row_blocks(exponential, n)
    # W is symmetric to the last bit already (D is, and the formula is); the textbook
    # (W + W.T) / 2 is kept for inputs that are not, at the cost of one in-place pass.
    _kernel().symmetrize_inplace(D)
    return (D, means) if return_means else D


def dominant_set(W: np.ndarray, n_neighbors: int) -> sparse.csr_matrix:
    """Keep each row's ``n_neighbors`` largest entries and normalise rows to sum 1 (the local
    kernel "S" of Wang et al. 2014). Ties are broken like R's stable sort: the later column wins.
    """
    indptr, indices, data = _local_kernel(W, n_neighbors)
    n = W.shape[0]
    return sparse.csr_matrix((data, indices, indptr), shape=(n, W.shape[1]))


def _local_kernel(W: np.ndarray, n_neighbors: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CSR arrays (indptr, indices, data) of :func:`dominant_set`, each row's entries in
    ascending order of weight; no N x N temporary (an argsort of W would take as much as W)."""
    W = np.ascontiguousarray(W, dtype=np.float64)
    n, m = W.shape
    if not 0 < n_neighbors <= m:
        raise InputError(f"n_neighbors must be between 1 and {m}, got {n_neighbors}")
    indices, values = _kernel().top_k_rows(W, n_neighbors)
    totals = values.sum(axis=1, keepdims=True)
    totals[totals == 0] = 1.0
    values /= totals
    indptr = np.arange(0, n * n_neighbors + 1, n_neighbors, dtype=np.int64)
    return indptr, indices.ravel(), values.ravel()


def _normalize_snftool(X: np.ndarray) -> np.ndarray:
    """Off-diagonal of each row scaled to sum 0.5, diagonal 0.5, then symmetrised (in place)."""
    off_diagonal = X.sum(axis=1) - np.diagonal(X)
    off_diagonal[off_diagonal == 0] = 1.0
    X /= (2 * off_diagonal)[:, None]
    np.fill_diagonal(X, 0.5)
    _kernel().symmetrize_inplace(X)  # X = (X + X.T) / 2 without a transposed copy
    return X


def _diffuse(S: sparse.csr_matrix, P: np.ndarray) -> np.ndarray:
    """``S @ P @ S.T`` for a sparse local kernel S (K non-zeros per row) and a dense symmetric P
    (the result is symmetric, so only one triangle is computed)."""
    kernel = _kernel()
    S = sparse.csr_matrix(S)
    indptr, indices = S.indptr.astype(np.int64), S.indices.astype(np.int64)
    data = S.data.astype(np.float64)
    n = S.shape[0]
    result = np.array(P, dtype=np.float64, order="C")
    kernel.left_multiply_inplace(indptr, indices, data, result, _NO_TOTAL, _NO_TOTAL, -1, 1.0)
    kernel.right_multiply_upper_inplace(
        indptr, indices, data, result, _column_sums(indptr, indices, data, n), np.empty(n), False
    )
    kernel.mirror_upper(result)
    return result


def fuse(
    affinities: Sequence[np.ndarray],
    *,
    n_neighbors: int = 20,
    n_iter: int = 20,
    variant: str = "snftool",
    progress: Callable[[int, int], None] | None = None,
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
    progress : callable or None, default=None
        ``progress(done, n_iter)`` after each diffusion iteration (a progress bar's callback);
        it sees the count only, so the fused network is the same with or without it.

    Returns
    -------
    ndarray of shape (n_samples, n_samples)
        The fused network.

    Notes
    -----
    Each update ``S @ P @ S.T`` costs N²·K (K non-zeros per row of the local kernel S), not N³,
    and runs in parallel numba kernels (compiled on first use, then cached). The fusion works in
    place in one copy of each input, plus one more N x N matrix with 3 views or more: with 2
    views of N = 20,000 samples it needs 4 x 3.2 GB including the caller's inputs.
    """
    if variant not in VARIANTS:
        raise InputError(f"variant must be one of {VARIANTS}, got {variant!r}")
    if len(affinities) < 2:
        raise InputError(f"SNF fuses at least 2 views, got {len(affinities)}")
    n = np.shape(affinities[0])[0]
    if any(np.shape(W) != (n, n) for W in affinities):
        raise InputError("every view's affinity matrix must be n_samples x n_samples, same order")
    networks = []
    for W in affinities:
        network = np.array(W, dtype=np.float64, order="C")
        for rows in _row_blocks(n):  # in blocks: nan_to_num makes N x N masks otherwise
            np.nan_to_num(network[rows], copy=False)
        networks.append(network)
    return _fuse_inplace(
        networks, n_neighbors=n_neighbors, n_iter=n_iter, variant=variant, progress=progress
    )


def _fuse_inplace(
    networks: list[np.ndarray],
    *,
    n_neighbors: int,
    n_iter: int,
    variant: str,
    progress: Callable[[int, int], None] | None = None,
) -> np.ndarray:
    """:func:`fuse` on networks it owns (C-contiguous float64, no NaN): they are overwritten and
    one of them is returned as the fused network, so no further N x N memory is taken for 2 views
    (one more for 3 views or more)."""
    kernel = _kernel()
    n = networks[0].shape[0]
    n_views = len(networks)
    if not 0 < n_neighbors <= n:
        raise InputError(f"n_neighbors must be between 1 and n_samples = {n}, got {n_neighbors}")
    present = [_observed(W) for W in networks]  # samples each view observes
    complete = all(p.all() for p in present)
    snftool = variant == "snftool"
    for W, observed in zip(networks, present, strict=True):
        if snftool:
            _normalize_snftool(W)
            _mask_missing(W, observed)
        else:
            totals = W.sum(axis=1, keepdims=True)
            totals[totals == 0] = 1.0
            W /= totals
            kernel.symmetrize_inplace(W)
    kernels = [_local_kernel(W, n_neighbors) for W in networks]
    column_sums = [_column_sums(*S, n) for S in kernels]
    rowsums = np.empty(n)
    if n_views == 2:
        # The mean of the "other views" is the other network (also with missing samples: the
        # pairs the other view does not observe are 0 there). A view's update reads only the
        # other network, so it is written over it, and the two swap buffers every iteration.
        where = [0, 1]  # buffer holding each view's network
        for iteration in range(1, n_iter + 1):
            for view in (0, 1):
                _diffuse_inplace(
                    kernel,
                    kernels[view],
                    column_sums[view],
                    networks[where[1 - view]],
                    snftool=snftool,
                    rowsums=rowsums,
                )
            where.reverse()
            if progress is not None:
                progress(iteration, n_iter)
        networks = [networks[b] for b in where]
    else:
        presence = np.array(present, dtype=np.float64)
        denominator = 0.0 if not complete else float(n_views - 1)
        total = np.empty((n, n))
        for iteration in range(1, n_iter + 1):
            np.copyto(total, networks[0])
            for W in networks[1:]:
                total += W
            for j, W in enumerate(networks):
                # W is needed only for the mean of the other views, read here for the last
                # time (total holds it for the others): the update is written over it.
                _diffuse_inplace(
                    kernel,
                    kernels[j],
                    column_sums[j],
                    W,
                    snftool=snftool,
                    rowsums=rowsums,
                    others=(total, presence, j, denominator),
                )
            if progress is not None:
                progress(iteration, n_iter)
        del total
    return _mean_network(networks, complete=complete, snftool=snftool)


def _mean_network(networks: list[np.ndarray], *, complete: bool, snftool: bool) -> np.ndarray:
    """The fused network from the diffused ones: their mean (per pair, over the views with an
    edge there when samples are missing), normalised by the variant's rule; written over the
    first network."""
    fused = networks[0]
    if complete:
        for W in networks[1:]:
            fused += W
        fused /= len(networks)
    else:
        observed = (fused > 0).astype(np.uint8)
        for W in networks[1:]:
            observed += W > 0
            fused += W
        np.maximum(observed, 1, out=observed)
        fused /= observed
        del observed
    if snftool:
        return _normalize_snftool(fused)
    fused /= fused.sum(axis=1, keepdims=True)
    _kernel().symmetrize_inplace(fused)  # (fused + fused.T + I) / 2
    fused[np.diag_indices(len(fused))] += 0.5
    return fused


def _diffuse_inplace(kernel, S, column_sums, P, *, snftool, rowsums, others=None) -> None:
    """Overwrite the symmetric network P with the next update ``S @ Q @ S.T``, normalised
    (SNFtool) or plus the identity (snfpy), where Q is P or, with ``others`` = (total, presence,
    view, denominator), the mean of the other views (see ``_kernel._network_value``)."""
    if others is None:
        others = (_NO_TOTAL, _NO_TOTAL, -1, 1.0)
    kernel.left_multiply_inplace(*S, P, *others)
    kernel.right_multiply_upper_inplace(*S, P, column_sums, rowsums, not snftool)
    if snftool:
        # Row sums of the update came with it; the diagonal is in the upper triangle.
        off_diagonal = rowsums - np.diagonal(P)
        off_diagonal[off_diagonal == 0] = 1.0
        kernel.mirror_upper_normalized(P, 2 * off_diagonal)
    else:
        kernel.mirror_upper(P)


_NO_TOTAL = np.zeros((1, 1))


def _column_sums(indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, n: int) -> np.ndarray:
    return np.bincount(indices, weights=data, minlength=n).astype(np.float64)


def _observed(W: np.ndarray) -> np.ndarray:
    """Rows with a non-zero entry (samples the view observes), without an N x N mask."""
    observed = np.empty(len(W), dtype=bool)
    for rows in _row_blocks(len(W)):
        observed[rows] = W[rows].any(axis=1)
    return observed


def _for_row_blocks(function, n: int) -> None:
    """``function(rows)`` for every block of :func:`_row_blocks`, on a thread per core (numpy
    releases the GIL in these element-wise and partition loops)."""
    from concurrent.futures import ThreadPoolExecutor

    workers = min(
        len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1, 8
    )
    if workers == 1 or n <= 256:
        for rows in _row_blocks(n):
            function(rows)
        return
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for done in [pool.submit(function, rows) for rows in _row_blocks(n)]:
            done.result()


def _row_blocks(n: int, size: int = 256):
    """Slices of ``size`` rows: enough for BLAS-like speed, small next to an N x N matrix."""
    for start in range(0, n, size):
        yield slice(start, min(n, start + size))


def _kernel():
    """The numba kernels, imported on first use (numba takes ~0.5 s to import)."""
    from . import _kernel as kernels

    return kernels


def _mask_missing(W: np.ndarray, observed: np.ndarray) -> None:
    """Clear the rows and columns of samples a view does not observe (normalising sets their
    diagonal to 0.5)."""
    missing = ~observed
    if missing.any():
        W[missing, :] = 0.0
        W[:, missing] = 0.0
