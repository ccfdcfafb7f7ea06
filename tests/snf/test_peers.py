"""oligomet's SNF against its peers, step by step, on the toy data and the shared TCGA cohorts.

``peers/reference.json`` holds what SNFtool 2.3.1 (R) and snfpy 0.2.2 computed on the same views
(``peers/make_reference.py`` made it): fingerprints of every step and the labels for K = 2..5.
With a preset, every step agrees with the peer and the subtypes are the peer's own (ARI = 1).
Without one, the comparison shows where oligomet's earlier default parted ways with each peer.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from oligomet.snf import (
    SNF,
    affinity_matrix,
    pairwise_distances,
    spectral_embedding,
    standardize,
)

pytestmark = pytest.mark.realdata

PEERS = Path(__file__).resolve().parent / "peers"
REFERENCE = json.loads((PEERS / "reference.json").read_text())
STEPS = ("standardised", "distances", "affinity", "fused", "eigenvalues", "labels")
#: oligomet's settings before the presets: squared euclidean distances, SNFtool's fusion rule,
#: the weighted eigengap and scikit-learn's discretisation.
FORMER_DEFAULT = {
    "preset": None,
    "metric": "sqeuclidean",
    "variant": "snftool",
    "eigengap": "weighted",
    "assign": "discretize",
}


def _maker():
    spec = importlib.util.spec_from_file_location("make_reference", PEERS / "make_reference.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def data_sets(shared_data):
    maker = _maker()
    return {name: maker.views(name, shared_data)[0] for name in maker.DATA_SETS}


def our_steps(views, **params) -> dict:
    """Fingerprints of every step of oligomet's SNF with ``params``, as the peers' are taken."""
    model = SNF(random_state=0, **params)
    settings = model._settings()
    standardised = [standardize(v, constant=settings["constant"]) for v in views]
    distances = [pairwise_distances(z, metric=settings["metric"]) for z in standardised]
    affinities = [affinity_matrix(d, n_neighbors=20, mu=0.5) for d in distances]
    model.fit(views)
    fused = model.fused_network_
    return {
        "standardised": [(z**2).sum(axis=1) for z in standardised],
        "distances": [d.sum(axis=1) - np.diag(d) for d in distances],  # off the diagonal
        "affinity": [a.sum(axis=1) for a in affinities],
        "fused": [fused.sum(axis=1), np.diag(fused)],
        "eigenvalues": [np.sort(1 - spectral_embedding(fused, 7).values)],
        "labels": {
            k: SNF(n_clusters=k, random_state=0, **params).fit(views).labels_ for k in range(2, 6)
        },
        "estimate": model.cluster_estimate_,
    }


def their_steps(reference: dict) -> dict:
    return {
        "standardised": reference["standardised"],
        "distances": reference["distances"],
        "affinity": reference["affinity"],
        "fused": [reference["fused_rowsums"], reference["fused_diagonal"]],
        "eigenvalues": [reference["estimate_eigenvalues"]],
        "labels": {int(k): v for k, v in reference["labels"].items()},
    }


def differences(ours: dict, theirs: dict) -> list[str]:
    """The steps at which two pipelines disagree (beyond floating-point rounding)."""
    found = []
    for step in STEPS[:-1]:
        for mine, other in zip(ours[step], theirs[step], strict=True):
            mine, other = np.asarray(mine, dtype=float), np.asarray(other, dtype=float)
            tolerance = 1e-10 if step == "eigenvalues" else 1e-12 * np.abs(other).max()
            if mine.shape != other.shape or np.abs(mine - other).max() > tolerance:
                found.append(step)
                break
    if any(adjusted_rand_score(ours["labels"][k], theirs["labels"][k]) < 1 for k in range(2, 6)):
        found.append("labels")
    return found


@pytest.mark.parametrize("data_set", ["sim", "digits", "gbm", "acc"])
@pytest.mark.parametrize("peer", ["snftool", "snfpy"])
def test_each_preset_agrees_with_its_peer_at_every_step(data_sets, data_set, peer):
    reference = REFERENCE["data"][data_set][peer]
    ours = our_steps(data_sets[data_set], preset=peer)
    assert differences(ours, their_steps(reference)) == []
    estimate = ours["estimate"]
    if peer == "snftool":  # eigengap best, second; rotation cost best, second
        assert [
            estimate.eigengap_best,
            estimate.eigengap_second,
            estimate.rotation_best,
            estimate.rotation_second,
        ] == reference["estimate"]
    else:  # get_n_clusters: the two best by the weighted eigengap
        assert [estimate.eigengap_best, estimate.eigengap_second] == reference["estimate"]


def test_the_peers_agree_with_each_other_only_on_some_data(data_sets):
    """Two peers, two answers: why a preset names the one to follow."""
    gbm = REFERENCE["data"]["gbm"]
    assert gbm["snftool"]["estimate"][0] != gbm["snfpy"]["estimate"][0]  # 2 against 3 subtypes
    agreement = adjusted_rand_score(gbm["snftool"]["labels"]["3"], gbm["snfpy"]["labels"]["3"])
    assert agreement < 1


def test_where_the_former_default_parted_ways_with_each_peer(data_sets):
    views = data_sets["gbm"]
    former = our_steps(views, **FORMER_DEFAULT)
    snftool = their_steps(REFERENCE["data"]["gbm"]["snftool"])
    snfpy = their_steps(REFERENCE["data"]["gbm"]["snfpy"])
    # From SNFtool: squared distances where SNFtool's documented pipeline takes their root, and
    # from there on everything.
    assert differences(former, snftool)[0] == "distances"
    # With SNFtool's distances, only the clustering differs: the fused networks are the same.
    euclidean = our_steps(views, **{**FORMER_DEFAULT, "metric": "euclidean"})
    assert differences(euclidean, snftool) == ["labels"]
    # From snfpy: the same distances and affinities, then the fusion rule.
    assert differences(former, snfpy)[0] == "fused"


def test_a_preset_refuses_settings_that_contradict_it():
    from oligomet._errors import InputError

    views = [np.random.default_rng(v).normal(size=(40, 5)) for v in range(2)]
    with pytest.raises(InputError, match="preset 'snftool' uses metric='euclidean'"):
        SNF(metric="sqeuclidean", n_neighbors=5).fit(views)
    SNF(preset="snfpy", metric="sqeuclidean", n_neighbors=5).fit(views)  # agrees: accepted
    SNF(preset=None, metric="sqeuclidean", n_neighbors=5).fit(views)
