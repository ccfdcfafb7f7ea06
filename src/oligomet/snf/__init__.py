"""Similarity network fusion (Wang et al. 2014): affinities, fusion, subtypes, new patients."""

from ._cluster import ClusterEstimate, estimate_n_clusters, spectral_labels
from ._core import VARIANTS, affinity_matrix, dominant_set, fuse, pairwise_distances, standardize
from ._estimator import SNF

__all__ = [
    "SNF",
    "VARIANTS",
    "ClusterEstimate",
    "affinity_matrix",
    "dominant_set",
    "estimate_n_clusters",
    "fuse",
    "pairwise_distances",
    "spectral_labels",
    "standardize",
]
