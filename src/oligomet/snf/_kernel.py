"""Numba kernels for the SNF diffusion ``S @ P @ S.T`` and the in-place matrix passes around it.

The local kernel S has K non-zeros per row, so one update costs N²·K multiply-adds instead of the
N³ of a dense product. What limits a sparse product is memory, not arithmetic: gathering K rows of
P from main memory for every output row moves N²·K doubles. The kernels here move each matrix
only a few times per update instead:

1. :func:`left_multiply_inplace` computes ``T = S @ P`` one strip of ``_BLOCK`` columns at a time:
   the strip of P is copied into a panel (N x 64 doubles, cached), all the K-row gathers read the
   panel, and T is written back over the same strip. No second N x N buffer is needed.
2. :func:`right_multiply_upper_inplace` computes ``R = T @ S.T`` for a block of ``_ROW_BLOCK``
   rows at a time: the rows of T are copied into a transposed panel, so that each gather of
   ``T[i0:i0+16, l]`` is one contiguous read, and only the upper triangle of the (symmetric)
   result is written, over the same rows. Row sums of R come for free as ``T @ colsum(S)``.
3. :func:`mirror_upper_normalized` copies the upper triangle onto the lower one, tile by tile,
   applying the SNFtool normalisation on the way (its row sums came from step 2), so the network
   is ready for the next update without a separate normalisation pass.

The result is symmetric only because P is: every network SNF diffuses is.

Kernels are compiled on first use (about 8 s for all of them) and cached on disk when numba finds
a writable cache directory (``__pycache__`` beside this file, the user cache directory, or
``NUMBA_CACHE_DIR``); numba does not follow ``PYTHONDONTWRITEBYTECODE``.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

# Columns (step 1) and rows (step 2) handled together: a panel of N x 64 doubles (2.5 MB at
# N = 5,000) stays in the L2/L3 cache, and loops over 64 or 16 are long enough for LLVM to
# vectorise them (the widths were tuned at N = 5,000 on 2 cores).
_BLOCK = 64
_ROW_BLOCK = 16
# Tile edge for the transposing passes: two 16 x 16 tiles share the cache lines they touch
# (16 rows of 128 bytes each): 25 ms a pass at N = 5,000 against 39 ms with 64 x 64 tiles
# (2026-12-06).
_TILE = 16


@njit(cache=True, inline="always")
def _le(a, b):
    """``a <= b`` with NaN largest (numpy's sort order)."""
    if b != b:
        return True
    if a != a:
        return False
    return a <= b


@njit(parallel=True, cache=True)
def top_k_rows(W, k):
    """Column indices and values of each row's ``k`` largest entries, ascending.

    Ties are broken like a stable ascending sort of the row whose last ``k`` entries are kept (R's
    ``order``, numpy's ``argsort(kind="stable")``): among equal values the later column wins.
    """
    n, m = W.shape
    indices = np.empty((n, k), dtype=np.int64)
    values = np.empty((n, k), dtype=np.float64)
    for i in prange(n):
        top_v = values[i]
        top_j = indices[i]
        count = 0
        for j in range(m):
            v = W[i, j]
            if count < k:
                # j is the largest column so far: it goes after every equal value.
                p = count
                while p > 0 and not _le(top_v[p - 1], v):
                    top_v[p] = top_v[p - 1]
                    top_j[p] = top_j[p - 1]
                    p -= 1
                top_v[p] = v
                top_j[p] = j
                count += 1
            elif _le(top_v[0], v):
                # (v, j) beats the smallest kept (value, column): drop it, insert (v, j).
                p = 1
                while p < k and _le(top_v[p], v):
                    top_v[p - 1] = top_v[p]
                    top_j[p - 1] = top_j[p]
                    p += 1
                top_v[p - 1] = v
                top_j[p - 1] = j
    return indices, values


@njit(cache=True, inline="always")
def _network_value(P, k, col, total, presence, view, denominator):
    """Entry (k, col) of the network a view diffuses: P itself, or, when ``total`` has N rows,
    the mean of the other views ``(total - P) / denominator``; a denominator of 0 means "count,
    per pair, the other views observing both samples" (``presence``, views x samples)."""
    v = P[k, col]
    if total.shape[0] > 1:
        if denominator > 0:
            v = (total[k, col] - v) / denominator
        else:
            count = 0.0
            for u in range(presence.shape[0]):
                if u != view:
                    count += presence[u, k] * presence[u, col]
            v = (total[k, col] - v) / max(count, 1.0)
    return v


@njit(parallel=True, cache=True)
def left_multiply_inplace(indptr, indices, data, P, total, presence, view, denominator):
    """Overwrite P with ``S @ Q``, Q the network given by :func:`_network_value`; a column strip
    at a time, so the gathers stay in a cached panel and no second N x N buffer is needed."""
    n = P.shape[0]
    n_strips = (n + _BLOCK - 1) // _BLOCK
    for strip in prange(n_strips):
        l0 = strip * _BLOCK
        # A run-time width keeps LLVM from unrolling the loops over it, so it vectorises them.
        width = min(_BLOCK, n - l0)
        panel = np.empty((n, width))
        for k in range(n):
            for c in range(width):
                panel[k, c] = _network_value(P, k, l0 + c, total, presence, view, denominator)
        acc = np.empty(width)
        for i in range(n):
            for c in range(width):
                acc[c] = 0.0
            for a in range(indptr[i], indptr[i + 1]):
                weight = data[a]
                row = panel[indices[a]]
                for c in range(width):
                    acc[c] += weight * row[c]
            for c in range(width):
                P[i, l0 + c] = acc[c]


@njit(cache=True)
def _right_multiply_block(indptr, indices, data, T, colsums, rowsums, add_identity, block):
    """Rows ``block * _ROW_BLOCK ...`` of :func:`right_multiply_upper_inplace`."""
    n = T.shape[0]
    i0 = block * _ROW_BLOCK
    height = min(_ROW_BLOCK, n - i0)
    panel = np.empty((n, height))
    for col in range(n):
        for r in range(height):
            panel[col, r] = T[i0 + r, col]
    for r in range(height):
        row_total = 0.0
        for col in range(n):
            row_total += panel[col, r] * colsums[col]
        rowsums[i0 + r] = row_total
    acc = np.empty(height)
    for j in range(i0, n):
        for r in range(height):
            acc[r] = 0.0
        for a in range(indptr[j], indptr[j + 1]):
            weight = data[a]
            row = panel[indices[a]]
            for r in range(height):
                acc[r] += weight * row[r]
        for r in range(min(height, j - i0 + 1)):
            T[i0 + r, j] = acc[r]
    if add_identity:
        for r in range(height):
            T[i0 + r, i0 + r] += 1.0


@njit(parallel=True, cache=True)
def right_multiply_upper_inplace(indptr, indices, data, T, colsums, rowsums, add_identity):
    """Overwrite the upper triangle of T with that of ``T @ S.T`` (the lower triangle is left
    stale: :func:`mirror_upper` fills it); ``rowsums`` gets the full row sums ``T @ colsums``.

    A block of rows is copied out before it is overwritten, so blocks are independent. Block b is
    paired with the mirror block so that both threads get the same share of the triangle.
    """
    n = T.shape[0]
    n_blocks = (n + _ROW_BLOCK - 1) // _ROW_BLOCK
    n_pairs = (n_blocks + 1) // 2
    for pair in prange(n_pairs):
        _right_multiply_block(indptr, indices, data, T, colsums, rowsums, add_identity, pair)
        mirror = n_blocks - 1 - pair
        if mirror != pair:
            _right_multiply_block(indptr, indices, data, T, colsums, rowsums, add_identity, mirror)


@njit(cache=True)
def _tile_row(X, ti, mode, halves):
    """Tiles (ti, tj >= ti) of :func:`_tiled_pass`."""
    n = X.shape[0]
    n_tiles = (n + _TILE - 1) // _TILE
    i0 = ti * _TILE
    i1 = min(n, i0 + _TILE)
    for tj in range(ti, n_tiles):
        j0 = tj * _TILE
        j1 = min(n, j0 + _TILE)
        for i in range(i0, i1):
            if mode == 0:
                for j in range(max(j0, i + 1), j1):
                    v = (X[i, j] + X[j, i]) / 2
                    X[i, j] = v
                    X[j, i] = v
            elif mode == 1:
                for j in range(max(j0, i + 1), j1):
                    X[j, i] = X[i, j]
            else:
                if j0 <= i < j1:
                    X[i, i] = 0.5
                inverse_i = halves[i]
                # Two loops: the first (contiguous) vectorises, the second is mode 1's copy.
                for j in range(max(j0, i + 1), j1):
                    X[i, j] = (X[i, j] * inverse_i + X[i, j] * halves[j]) / 2
                for j in range(max(j0, i + 1), j1):
                    X[j, i] = X[i, j]


@njit(parallel=True, cache=True)
def _tiled_pass(X, mode, halves):
    """Symmetric in-place pass over the tiles of X, pairing tile rows for an even share of the
    triangle: mode 0 averages X and X.T, 1 copies the upper triangle down, 2 also normalises
    (``halves`` holds inverses then)."""
    n = X.shape[0]
    n_tiles = (n + _TILE - 1) // _TILE
    n_pairs = (n_tiles + 1) // 2
    for pair in prange(n_pairs):
        _tile_row(X, pair, mode, halves)
        mirror = n_tiles - 1 - pair
        if mirror != pair:
            _tile_row(X, mirror, mode, halves)


_NO_HALVES = np.ones(1)


def symmetrize_inplace(X):
    """``X = (X + X.T) / 2`` in place, elementwise identical to the numpy expression."""
    _tiled_pass(X, 0, _NO_HALVES)


def mirror_upper(X):
    """Copy the upper triangle of X onto the lower one (tiled transpose, in place)."""
    _tiled_pass(X, 1, _NO_HALVES)


def mirror_upper_normalized(X, halves):
    """Replace X, of which only the upper triangle is read, by its SNFtool normalisation:
    diagonal 0.5, ``(X[i, j] / halves[i] + X[i, j] / halves[j]) / 2`` elsewhere, with ``halves``
    twice the off-diagonal row sums of the symmetric X (the divisors of ``_normalize_snftool``;
    multiplied by their inverses here, which differs by rounding only).
    """
    _tiled_pass(X, 2, 1.0 / halves)


# Row chunks of :func:`symmetric_matvec`: a fixed number, so that the order of the floating-point
# sums (and so the result, to the last bit) does not depend on how many threads run them.
_MATVEC_CHUNKS = 8


@njit(cache=True)
def _matvec_bounds(n):
    """Row bounds of the chunks, each with about the same share of the upper triangle."""
    bounds = np.empty(_MATVEC_CHUNKS + 1, dtype=np.int64)
    bounds[0] = 0
    total = n * (n + 1) / 2
    row = 0
    done = 0.0
    for c in range(1, _MATVEC_CHUNKS):
        while row < n and done < total * c / _MATVEC_CHUNKS:
            done += n - row
            row += 1
        bounds[c] = row
    bounds[_MATVEC_CHUNKS] = n
    return bounds


@njit(cache=True, fastmath={"reassoc", "contract"})
def _matvec_rows(W, x, y, i0, i1):
    """Add rows i0:i1 of the upper triangle's share of ``W @ x`` to y: row i gives
    ``W[i, i:] @ x[i:]`` to y[i] and ``W[i, i+1:] * x[i]`` to y[i+1:]. Four rows at a time, so
    x and y are read once for four rows of W."""
    n = x.shape[0]
    i = i0
    while i + 4 <= i1:
        x0, x1, x2, x3 = x[i], x[i + 1], x[i + 2], x[i + 3]
        r0, r1, r2, r3 = W[i], W[i + 1], W[i + 2], W[i + 3]
        a0 = r0[i] * x0 + r0[i + 1] * x1 + r0[i + 2] * x2 + r0[i + 3] * x3
        a1 = r0[i + 1] * x0 + r1[i + 1] * x1 + r1[i + 2] * x2 + r1[i + 3] * x3
        a2 = r0[i + 2] * x0 + r1[i + 2] * x1 + r2[i + 2] * x2 + r2[i + 3] * x3
        a3 = r0[i + 3] * x0 + r1[i + 3] * x1 + r2[i + 3] * x2 + r3[i + 3] * x3
        for j in range(i + 4, n):
            xj = x[j]
            w0, w1, w2, w3 = r0[j], r1[j], r2[j], r3[j]
            a0 += w0 * xj
            a1 += w1 * xj
            a2 += w2 * xj
            a3 += w3 * xj
            y[j] += w0 * x0 + w1 * x1 + w2 * x2 + w3 * x3
        y[i] += a0
        y[i + 1] += a1
        y[i + 2] += a2
        y[i + 3] += a3
        i += 4
    while i < i1:
        xi = x[i]
        row = W[i]
        acc = row[i] * xi
        for j in range(i + 1, n):
            acc += row[j] * x[j]
            y[j] += row[j] * xi
        y[i] += acc
        i += 1


@njit(parallel=True, cache=True)
def _matvec_parts(W, x, parts, bounds):
    for chunk in prange(_MATVEC_CHUNKS):
        parts[chunk, :] = 0.0
        _matvec_rows(W, x, parts[chunk], bounds[chunk], bounds[chunk + 1])


def symmetric_matvec(W, x):
    """``W @ x`` for a symmetric W, reading only its upper triangle (half the memory traffic of
    a general product, which is what bounds it). Deterministic: the same bits whatever the
    number of threads."""
    n = x.shape[0]
    parts = np.empty((_MATVEC_CHUNKS, n))
    _matvec_parts(W, x, parts, _matvec_bounds(n))
    return parts.sum(axis=0)
