"""Clusters of a fused network: how many, which, and where a new patient belongs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.linalg import eigh

from .._errors import InputError

__all__ = ["ClusterEstimate", "estimate_n_clusters", "spectral_labels"]

_EPS = np.finfo(np.float64).eps


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


def _normalized_laplacian_spectrum(W: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    W = (np.asarray(W, dtype=np.float64) + np.asarray(W, dtype=np.float64).T) / 2
    np.fill_diagonal(W, 0.0)
    degrees = W.sum(axis=1)
    degrees[degrees == 0] = _EPS
    scale = 1 / np.sqrt(degrees)
    laplacian = np.eye(len(W)) - scale[:, None] * W * scale[None, :]
    values, vectors = eigh(laplacian)  # ascending
    return values, vectors


def estimate_n_clusters(W: np.ndarray, candidates: Sequence[int] = range(2, 6)) -> ClusterEstimate:
    """Estimate the number of clusters of a fused network (SNFtool's rule, reproduced exactly).

    With ``L = I - D^{-1/2} W D^{-1/2}`` (diagonal of W set to 0) and eigenvalues
    ``l_1 <= l_2 <= ...``:

    - weighted eigengap of K: ``|l_{K+1} - l_K| (1 - l_K) / (1 - l_{K+1})``, largest best;
    - rotation cost of K: ``(1 - l_{K+1}) / (1 - l_K)`` times ``n / (1 + eps)``, smallest best.
      SNFtool computes the second factor from the discretised eigenvectors, which have one 1 per
      row, so it is ``n / (1 + eps)`` for every K; it is kept so the values equal SNFtool's.

    Parameters
    ----------
    W : ndarray of shape (n_samples, n_samples)
        Fused network.
    candidates : sequence of int, default=range(2, 6)
        Numbers of clusters to choose from (each >= 2 and < n_samples).

    Returns
    -------
    ClusterEstimate
    """
    candidates = [int(k) for k in candidates]
    n = len(W)
    if len(candidates) < 2:
        raise InputError("give at least two candidate numbers of clusters")
    if min(candidates) < 2 or max(candidates) >= n:
        raise InputError(
            f"candidate numbers of clusters must be between 2 and n_samples - 1 = {n - 1}, "
            f"got {min(candidates)}..{max(candidates)}"
        )
    values, _ = _normalized_laplacian_spectrum(W)
    gaps = np.abs(np.diff(values)) * (1 - values[:-1]) / (1 - values[1:])
    eigengap = {k: float(gaps[k - 1]) for k in candidates}
    rotation = {
        k: float((1 - values[k]) / (1 - values[k - 1]) * n / (1 + _EPS)) for k in candidates
    }
    by_gap = sorted(candidates, key=lambda k: -eigengap[k])  # stable: ties keep candidate order
    by_rotation = sorted(candidates, key=lambda k: rotation[k])
    return ClusterEstimate(by_gap[0], by_gap[1], by_rotation[0], by_rotation[1], eigengap, rotation)


def spectral_labels(W: np.ndarray, n_clusters: int, *, random_state=None) -> np.ndarray:
    """Spectral clustering of a fused network (scikit-learn, Yu-Shi discretisation).

    Returns labels 0..n_clusters-1, renumbered so that cluster 0 is the largest (ties by first
    appearance), which makes labels comparable between runs.
    """
    from sklearn.cluster import spectral_clustering

    n = len(W)
    if not 2 <= n_clusters < n:
        raise InputError(
            f"the number of clusters must be between 2 and n_samples - 1 = {n - 1}, "
            f"got {n_clusters}"
        )
    affinity = (np.asarray(W, dtype=np.float64) + np.asarray(W, dtype=np.float64).T) / 2
    labels = spectral_clustering(
        affinity, n_clusters=n_clusters, assign_labels="discretize", random_state=random_state
    )
    return _by_size(labels)


def _by_size(labels: np.ndarray) -> np.ndarray:
    values, first, counts = np.unique(labels, return_index=True, return_counts=True)
    order = sorted(range(len(values)), key=lambda i: (-counts[i], first[i]))
    mapping = {values[i]: rank for rank, i in enumerate(order)}
    return np.array([mapping[v] for v in labels], dtype=int)
