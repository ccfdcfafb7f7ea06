"""Similarity network fusion (Wang et al. 2014)."""
from ._core import VARIANTS, affinity_matrix, dominant_set, fuse, pairwise_distances, standardize

__all__ = ["VARIANTS", "affinity_matrix", "dominant_set", "fuse", "pairwise_distances", "standardize"]
