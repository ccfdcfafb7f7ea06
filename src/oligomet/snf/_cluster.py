"""Clusters of a fused network: how many, which, and where a new patient belongs.

Both questions need only the few leading eigenvectors of the normalised network
``M = D^{-1/2} W D^{-1/2}`` (equivalently the smallest of the normalised Laplacian
``L = I - M``), never the whole spectrum: :func:`spectral_embedding` finds them by Lanczos
iterations (ARPACK) that touch ``W`` only through products with a few vectors, ``O(N^2)`` per
iteration instead of the ``O(N^3)`` of a dense eigendecomposition or a shift-invert
factorisation, and without copying ``W``. One embedding serves the estimate of the number of
clusters and the clustering itself.

Three ways to turn the embedding into clusters (``assign``):

``"discretize"``
    scikit-learn's ``spectral_clustering(assign_labels="discretize")``: Yu & Shi's rotation to
    the nearest discrete partition, from a random start (``random_state``).
``"kmeans"``
    scikit-learn's ``spectral_clustering`` default (k-means, 10 starts), as snfpy's examples use.
``"snftool"``
    SNFtool 2.3.1's ``spectralClustering``: the Laplacian of the network *with* its diagonal,
    rows of the embedding normalised, and Yu & Shi's discretisation from SNFtool's deterministic
    start. No randomness.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.linalg import eigh
from scipy.sparse.linalg import LinearOperator, eigsh
from sklearn.utils import check_random_state

from .._errors import InputError
from ._core import _kernel

__all__ = [
    "ASSIGN",
    "EIGENGAPS",
    "ClusterEstimate",
    "SpectralEmbedding",
    "estimate_n_clusters",
    "spectral_embedding",
    "spectral_labels",
]

_EPS = np.finfo(np.float64).eps
ASSIGN = ("discretize", "kmeans", "snftool")
EIGENGAPS = ("plain", "weighted")
#: Below this many samples a dense eigendecomposition is as fast as Lanczos iterations.
_DENSE_BELOW = 400


@dataclass
class ClusterEstimate:
    """SNFtool's ``estimateNumberOfClustersGivenGraph``: best and second-best K by two criteria.

    Attributes
    ----------
    eigengap_best, eigengap_second : int
        Largest and second-largest (weighted) eigengap among the candidates.
    rotation_best, rotation_second : int
        Smallest and second-smallest rotation cost among the candidates.
    eigengap : dict of int to float
        The weighted eigengap of each candidate K.
    rotation_cost : dict of int to float
        The rotation cost of each candidate K.
    """

    eigengap_best: int
    eigengap_second: int
    rotation_best: int
    rotation_second: int
    eigengap: dict[int, float] = field(default_factory=dict)
    rotation_cost: dict[int, float] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {
            "eigengap_best": self.eigengap_best,
            "eigengap_second": self.eigengap_second,
            "rotation_best": self.rotation_best,
            "rotation_second": self.rotation_second,
            "eigengap": {str(k): v for k, v in self.eigengap.items()},
            "rotation_cost": {str(k): v for k, v in self.rotation_cost.items()},
        }


#: A fitted SNF holds its ClusterEstimate (``cluster_estimate_``): skops must trust it.
SKOPS_TRUSTED = (ClusterEstimate,)


@dataclass
class SpectralEmbedding:
    """The leading eigenpairs of a normalised network.

    Attributes
    ----------
    values : ndarray of shape (k,)
        Eigenvalues of ``M = D^{-1/2} W D^{-1/2}``, largest first (``1 - values`` are the smallest
        eigenvalues of the normalised Laplacian, smallest first).
    vectors : ndarray of shape (n_samples, k)
        The matching unit eigenvectors, as columns.
    sqrt_degrees : ndarray of shape (n_samples,)
        ``D^{1/2}`` (1 for an isolated sample).
    """

    values: np.ndarray
    vectors: np.ndarray
    sqrt_degrees: np.ndarray


def _symmetric(W: np.ndarray) -> np.ndarray:
    """W itself when exactly symmetric (a fused network is), else ``(W + W.T) / 2``."""
    W = np.asarray(W, dtype=np.float64)
    if W.ndim != 2 or W.shape[0] != W.shape[1]:
        raise InputError(f"a network must be a square matrix, got shape {W.shape}")
    for start in range(0, len(W), 512):  # compared in blocks: no N x N temporary
        rows = slice(start, start + 512)
        if not np.array_equal(W[rows], W[:, rows].T):
            return (W + W.T) / 2
    return W


def spectral_embedding(
    W: np.ndarray,
    n_components: int,
    *,
    zero_diagonal: bool = True,
    v0=None,
    tol: float = 0.0,
    symmetric: bool = False,
) -> SpectralEmbedding:
    """The ``n_components`` leading eigenpairs of the normalised network.

    Parameters
    ----------
    W : ndarray of shape (n_samples, n_samples)
        A network (symmetrised if it is not exactly symmetric).
    n_components : int
        How many eigenpairs.
    zero_diagonal : bool, default=True
        Leave self-similarities out of the degrees and the network (scikit-learn's and SNFtool's
        estimate of the number of clusters), or keep them (SNFtool's ``spectralClustering``).
    v0 : ndarray of shape (n_samples,) or None
        Start of the Lanczos iterations (default: a fixed pseudo-random vector, so results do
        not depend on the call).
    tol : float, default=0.0
        Relative accuracy of the eigenpairs (ARPACK's; 0 is machine precision). An eigenvalue's
        error is of the order of the square of its residual: ``tol=1e-8`` still gives the
        eigenvalues to ~1e-15, with a third fewer iterations, but eigenvectors to ~1e-8 only.
    symmetric : bool, default=False
        The caller vouches that ``W`` is exactly symmetric (a fused network is): skip the check.

    Returns
    -------
    SpectralEmbedding
    """
    W = np.asarray(W, dtype=np.float64) if symmetric else _symmetric(W)
    n = len(W)
    if not 0 < n_components < n:
        raise InputError(f"n_components must lie between 1 and {n - 1}, got {n_components}")
    diagonal = np.diag(W).copy() if zero_diagonal else np.zeros(n)
    degrees = W.sum(axis=1) - diagonal
    isolated = degrees <= 0
    scale = np.where(isolated, 0.0, 1 / np.sqrt(np.where(isolated, 1.0, degrees)))
    sqrt_degrees = np.where(isolated, 1.0, np.sqrt(np.where(isolated, 1.0, degrees)))
    if n < _DENSE_BELOW or n_components >= n - 1:
        M = scale[:, None] * (W - np.diag(diagonal)) * scale[None, :]
        values, vectors = eigh(M, subset_by_index=(n - n_components, n - 1))
    else:
        self_loops = diagonal * scale * scale
        W = np.ascontiguousarray(W)
        matvec = _kernel().symmetric_matvec  # reads the upper triangle only: half the traffic

        def product(x: np.ndarray) -> np.ndarray:
            x = np.asarray(x, dtype=np.float64)
            if x.ndim == 1:
                return scale * matvec(W, scale * x) - self_loops * x
            return scale[:, None] * (W @ (scale[:, None] * x)) - self_loops[:, None] * x

        operator = LinearOperator((n, n), matvec=product, matmat=product, dtype=np.float64)
        start = np.random.default_rng(0).uniform(-1, 1, n) if v0 is None else np.asarray(v0)
        ncv = min(n - 1, max(2 * n_components + 1, 20))
        values, vectors = eigsh(operator, k=n_components, which="LA", tol=tol, v0=start, ncv=ncv)
    order = np.argsort(-values, kind="stable")
    return SpectralEmbedding(values[order], vectors[:, order], sqrt_degrees)


def max_candidate(n: int) -> int:
    """The most clusters :func:`estimate_n_clusters` can judge among ``n`` samples: a candidate k
    needs the (k+1)-th smallest eigenvalue of the n."""
    return n - 2


def _candidates(candidates: Sequence[int], n: int) -> list[int]:
    candidates = [int(k) for k in candidates]
    if len(candidates) < 2:
        raise InputError("give at least two candidate numbers of clusters")
    if min(candidates) < 2 or max(candidates) > max_candidate(n):
        raise InputError(
            "candidate numbers of clusters must be between 2 and n_samples - 2 = "
            f"{max_candidate(n)} (each k is judged by the (k+1)-th eigenvalue), "
            f"got {min(candidates)}..{max(candidates)}"
        )
    return candidates


def estimate_n_clusters(
    W: np.ndarray,
    candidates: Sequence[int] = range(2, 6),
    *,
    eigengap: str = "plain",
    embedding: SpectralEmbedding | None = None,
) -> ClusterEstimate:
    """Estimate the number of clusters of a fused network (SNFtool's rule, reproduced exactly).

    With ``L = I - D^{-1/2} W D^{-1/2}`` (diagonal of W set to 0) and eigenvalues
    ``l_1 <= l_2 <= ...``:

    - eigengap of K: ``|l_{K+1} - l_K|`` (SNFtool 2.3, ``eigengap="plain"``), or weighted by
      ``(1 - l_K) / (1 - l_{K+1})`` (SNFtool 2.2 and snfpy 0.2.2, ``eigengap="weighted"``);
      largest best;
    - rotation cost of K: ``(1 - l_{K+1}) / (1 - l_K)`` times ``n / (1 + eps)``, smallest best.
      SNFtool computes the second factor from the discretised eigenvectors, which have one 1 per
      row, so it is ``n / (1 + eps)`` for every K; it is kept so the values equal SNFtool's.

    Only the ``max(candidates) + 1`` smallest eigenvalues are computed (:func:`spectral_embedding`).

    Parameters
    ----------
    W : ndarray of shape (n_samples, n_samples)
        Fused network.
    candidates : sequence of int, default=range(2, 6)
        Numbers of clusters to choose from (each >= 2 and <= n_samples - 2).
    eigengap : {"plain", "weighted"}, default="plain"
        Which eigengap (see above).
    embedding : SpectralEmbedding or None
        Eigenpairs already computed for ``W`` (at least ``max(candidates) + 1``).

    Returns
    -------
    ClusterEstimate
    """
    n = len(W)
    candidates = _candidates(candidates, n)
    if eigengap not in EIGENGAPS:
        raise InputError(f"eigengap must be one of {EIGENGAPS}, got {eigengap!r}")
    needed = max(candidates) + 1
    if embedding is None or len(embedding.values) < needed:
        embedding = spectral_embedding(W, min(needed, n - 1))
    # 1 - l_k, from the eigenvalues of M directly (no cancellation near l = 1).
    one_minus = embedding.values
    values = 1 - one_minus
    weight = (lambda k: one_minus[k - 1] / one_minus[k]) if eigengap == "weighted" else None
    gaps = {
        k: float(abs(values[k] - values[k - 1]) * (weight(k) if weight else 1.0))
        for k in candidates
    }
    rotation = {k: float(one_minus[k] / one_minus[k - 1] * n / (1 + _EPS)) for k in candidates}
    by_gap = sorted(candidates, key=lambda k: -gaps[k])  # stable: ties keep candidate order
    by_rotation = sorted(candidates, key=lambda k: rotation[k])
    return ClusterEstimate(by_gap[0], by_gap[1], by_rotation[0], by_rotation[1], gaps, rotation)


def _check_n_clusters(n_clusters: int, n: int) -> None:
    if not 2 <= n_clusters < n:
        raise InputError(
            f"the number of clusters must be between 2 and n_samples - 1 = {n - 1}, "
            f"got {n_clusters}"
        )


def spectral_labels(
    W: np.ndarray,
    n_clusters: int,
    *,
    assign: str = "discretize",
    random_state=None,
    embedding: SpectralEmbedding | None = None,
    symmetric: bool = False,
) -> np.ndarray:
    """Spectral clustering of a fused network.

    Parameters
    ----------
    W : ndarray of shape (n_samples, n_samples)
    n_clusters : int
    assign : {"discretize", "kmeans", "snftool"}, default="discretize"
        How the embedding becomes clusters (module docstring). ``"discretize"`` and ``"kmeans"``
        give the labels of ``sklearn.cluster.spectral_clustering(W, n_clusters,
        assign_labels=..., random_state=random_state)``.
    random_state : int, RandomState or None
        Seeds ``"discretize"`` and ``"kmeans"`` (``"snftool"`` is deterministic).
    embedding : SpectralEmbedding or None
        Eigenpairs of ``W`` with a zero diagonal already computed, to machine precision
        (``"discretize"``, ``"kmeans"``): reused, not recomputed. SNFtool's clustering uses the
        network with its diagonal, another matrix: it always solves its own.
    symmetric : bool, default=False
        ``W`` is exactly symmetric (skips the check; see :func:`spectral_embedding`).

    Returns
    -------
    ndarray of int
        Labels 0..n_clusters-1, renumbered so that cluster 0 is the largest (ties by first
        appearance), which makes labels comparable between runs.
    """
    n = len(W)
    _check_n_clusters(n_clusters, n)
    if assign not in ASSIGN:
        raise InputError(f"assign must be one of {ASSIGN}, got {assign!r}")
    if assign == "snftool":
        return _by_size(_snftool_labels(W, n_clusters, symmetric=symmetric))
    from sklearn.cluster import k_means
    from sklearn.cluster._spectral import discretize
    from sklearn.utils.extmath import _deterministic_vector_sign_flip

    # scikit-learn's spectral_clustering draws the ARPACK start from random_state first, then
    # discretises (or runs k-means) with the same generator: the same draws here.
    random_state = check_random_state(random_state)
    start = random_state.uniform(-1, 1, n)
    if embedding is None or embedding.vectors.shape[1] < n_clusters:
        embedding = spectral_embedding(W, n_clusters, v0=start, symmetric=symmetric)
    maps = embedding.vectors[:, :n_clusters] / embedding.sqrt_degrees[:, None]
    maps = _deterministic_vector_sign_flip(maps.T).T
    if assign == "kmeans":
        _, labels, _ = k_means(maps, n_clusters, random_state=random_state, n_init=10)
    else:
        labels = discretize(maps, random_state=random_state)
    return _by_size(labels)


def _snftool_labels(W: np.ndarray, n_clusters: int, *, symmetric: bool = False) -> np.ndarray:
    """SNFtool 2.3.1 ``spectralClustering(W, K, type = 3)``."""
    embedding = spectral_embedding(W, n_clusters, zero_diagonal=False, symmetric=symmetric)
    U = embedding.vectors
    U = U / np.linalg.norm(U, axis=1, keepdims=True)
    return _snftool_discretisation(U).argmax(axis=1)


def _snftool_discretisation(vectors: np.ndarray) -> np.ndarray:
    """SNFtool's ``.discretisation``: Yu & Shi's rotation from a deterministic start (the
    middle sample, then the samples least aligned with those chosen)."""
    vectors = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    n, k = vectors.shape
    rotation = np.zeros((k, k))
    rotation[:, 0] = vectors[round(n / 2) - 1]  # R's round(n/2), 1-based; round half to even
    c = np.zeros(n)
    for j in range(1, k):
        c += np.abs(vectors @ rotation[:, j - 1])
        rotation[:, j] = vectors[int(np.argmin(c))]
    last = 0.0
    discrete = np.zeros((n, k))
    for _ in range(20):
        projected = vectors @ rotation
        discrete = np.zeros((n, k))
        discrete[np.arange(n), projected.argmax(axis=1)] = 1
        u, s, vt = np.linalg.svd(discrete.T @ vectors)
        ncut = 2 * (n - s.sum())
        if abs(ncut - last) < _EPS:
            break
        last = ncut
        rotation = vt.T @ u.T
    return discrete


def _by_size(labels: np.ndarray) -> np.ndarray:
    values, first, counts = np.unique(labels, return_index=True, return_counts=True)
    order = sorted(range(len(values)), key=lambda i: (-counts[i], first[i]))
    mapping = {values[i]: rank for rank, i in enumerate(order)}
    return np.array([mapping[v] for v in labels], dtype=int)
