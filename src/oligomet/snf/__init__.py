"""Similarity network fusion (Wang et al. 2014): affinities, fusion, subtypes, new patients."""

from ._cluster import (
    ClusterEstimate,
    SpectralEmbedding,
    estimate_n_clusters,
    spectral_embedding,
    spectral_labels,
)
from ._core import VARIANTS, affinity_matrix, dominant_set, fuse, pairwise_distances, standardize
from ._estimator import PRESETS, SNF, MultiViewSNF, SubtypeModel
from ._mudata import add_subtypes, snf
from ._plots import plot_eigengap, plot_fused_network
from ._subtypes import (
    ContingencyTest,
    SurvivalComparison,
    compare_labels,
    subtype_association,
    survival_by_subtype,
)

__all__ = [
    "PRESETS",
    "SNF",
    "VARIANTS",
    "ClusterEstimate",
    "ContingencyTest",
    "MultiViewSNF",
    "SpectralEmbedding",
    "SubtypeModel",
    "SurvivalComparison",
    "add_subtypes",
    "affinity_matrix",
    "compare_labels",
    "dominant_set",
    "estimate_n_clusters",
    "fuse",
    "pairwise_distances",
    "plot_eigengap",
    "plot_fused_network",
    "snf",
    "spectral_embedding",
    "spectral_labels",
    "standardize",
    "subtype_association",
    "survival_by_subtype",
]
