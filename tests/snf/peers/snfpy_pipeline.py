"""snfpy 0.2.2's pipeline (its README) on the views in a folder, with fingerprints of every step.

    SNFPY_PYTHON snfpy_pipeline.py FOLDER SEED

Runs in a Python with snfpy 0.2.2 (which needs scikit-learn < 1.8). FOLDER holds view1.csv, ...
(samples in rows, no header). Prints one JSON object: row sums of the squared z-scored views
(snfpy's ``normalize``), of the squared euclidean distances and of the affinities
(``make_affinity``), row sums and diagonal of the fused network (``snf``), the 7 smallest
eigenvalues of the Laplacian ``get_n_clusters`` uses, its two best K, and
``sklearn.cluster.spectral_clustering(fused, K, random_state=SEED)`` for K = 2..5.
"""

import glob
import json
import os
import sys

import numpy as np
from scipy import stats
from scipy.spatial.distance import cdist
from sklearn.cluster import spectral_clustering

import snf

folder, seed = sys.argv[1], int(sys.argv[2])
files = sorted(glob.glob(os.path.join(folder, "view*.csv")))
views = [np.loadtxt(f, delimiter=",", ndmin=2) for f in files]
z = [np.nan_to_num(stats.zscore(v, ddof=1)) for v in views]
distances = [cdist(x, x, metric="sqeuclidean") for x in z]
affinities = snf.make_affinity(*views, metric="sqeuclidean", K=20, mu=0.5)
fused = snf.snf(affinities, K=20, t=20)
best, second = snf.get_n_clusters(fused)
graph = (fused + fused.T) / 2
graph[np.diag_indices_from(graph)] = 0
degree = graph.sum(axis=1)
di = np.diag(1 / np.sqrt(degree))
laplacian = di @ (np.diag(degree) - graph) @ di
out = {
    "version": snf.__version__,
    "standardised": [(x**2).sum(axis=1).tolist() for x in z],
    "distances": [(d.sum(axis=1) - np.diag(d)).tolist() for d in distances],
    "affinity": [a.sum(axis=1).tolist() for a in affinities],
    "fused_rowsums": fused.sum(axis=1).tolist(),
    "fused_diagonal": np.diag(fused).tolist(),
    "estimate_eigenvalues": np.sort(np.linalg.eig(laplacian)[0].real)[:7].tolist(),
    "estimate": [int(best), int(second)],
    "labels": {
        str(k): spectral_clustering(fused, n_clusters=k, random_state=seed).tolist()
        for k in range(2, 6)
    },
}
print(json.dumps(out))
