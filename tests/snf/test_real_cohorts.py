"""SNF subtypes on TCGA ACC and GBM, pinned against a textbook SNF written here, independently.

The textbook SNF uses squared euclidean distances and scikit-learn's spectral clustering
(``assign_labels="discretize"``), so these tests fit oligomet with those settings (no preset);
the presets are pinned against the peers' own results in ``test_peers.py``.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from lifelines.statistics import multivariate_logrank_test
from scipy.stats import norm
from sklearn.cluster import spectral_clustering
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from oligomet.io import assemble, read_clinical, read_expression
from oligomet.pp import log_transform
from oligomet.snf import SNF

#: The settings the textbook SNF below implements.
TEXTBOOK = {"preset": None, "metric": "sqeuclidean", "assign": "discretize", "eigengap": "weighted"}
TEXTBOOK_CLI = ["--preset", "none", "--metric", "sqeuclidean", "--assign", "discretize"]
TEXTBOOK_CLI += ["--eigengap", "weighted"]

pytestmark = pytest.mark.realdata


def textbook_snf(views, k=20, mu=0.5, t=20):
    """SNFtool 2.3.1 written the plain dense way (Wang et al. 2014, Methods)."""
    networks = []
    for X in views:
        Z = (X - X.mean(0)) / X.std(0, ddof=1)
        D = ((Z[:, None, :] - Z[None, :, :]) ** 2).sum(-1)  # squared euclidean
        nearest = np.sort(D, axis=1)[:, 1 : k + 1].mean(1)
        sigma = mu * (nearest[:, None] + nearest[None, :] + D) / 3
        W = norm.pdf(D, 0, sigma)
        networks.append((W + W.T) / 2)

    def normalise(W):
        W = W / (2 * (W.sum(1) - np.diag(W)))[:, None]
        np.fill_diagonal(W, 0.5)
        return (W + W.T) / 2

    def local(W):
        S = np.zeros_like(W)
        for i, row in enumerate(W):
            keep = np.argsort(row, kind="stable")[-k:]
            S[i, keep] = row[keep]
        return S / S.sum(1, keepdims=True)

    networks = [normalise(W) for W in networks]
    kernels = [local(W) for W in networks]
    for _ in range(t):
        networks = [
            normalise(S @ (sum(networks) - W) / (len(networks) - 1) @ S.T)
            for W, S in zip(networks, kernels, strict=True)
        ]
    return normalise(sum(networks) / len(networks))


def _views(folder, files, clinical_file):
    clinical = read_clinical(folder / clinical_file)
    views = {}
    for file in files:
        adata = read_expression(folder / file)
        log_transform(adata)
        views[file] = adata
    mdata, _ = assemble(views, clinical)
    return [mdata[name].X for name in views], mdata


def _labels(W, n_clusters, seed=0):
    # oligomet draws the discretisation seed from the user's seed like this.
    state = np.random.RandomState(seed).randint(0, 2**31 - 1)
    return spectral_clustering(
        (W + W.T) / 2, n_clusters=n_clusters, assign_labels="discretize", random_state=state
    )


@pytest.fixture(scope="module")
def acc(shared_data):
    folder = shared_data / "tcga_acc_mini"
    return _views(
        folder,
        ["miniACC_RNASeq2GeneNorm.csv", "miniACC_miRNASeqGene.csv"],
        "miniACC_colData_full.csv",
    )


def test_acc_subtypes_against_published_coc(acc, oligomet, shared_data):
    views, mdata = acc
    reference = textbook_snf(views)
    model = SNF(random_state=0, **TEXTBOOK).fit(views)
    np.testing.assert_allclose(model.fused_network_, reference, atol=1e-12)
    coc = mdata.obs["COC"].astype(object)
    known = coc.notna().to_numpy()
    expected_labels = _labels(reference, model.n_clusters_)
    expected = (
        normalized_mutual_info_score(coc[known], expected_labels[known]),
        adjusted_rand_score(coc[known], expected_labels[known]),
    )
    # The same numbers through the command line, as a user reports them.
    folder = shared_data / "tcga_acc_mini"
    result = oligomet(
        "cluster",
        "-e",
        folder / "miniACC_RNASeq2GeneNorm.csv",
        "-e",
        folder / "miniACC_miRNASeqGene.csv",
        "-c",
        folder / "miniACC_colData_full.csv",
        "--compare",
        "COC",
        *TEXTBOOK_CLI,
        "--no-log-model",
        "--json",
    )
    assert result.exit_code == 0, result.stderr
    reported = json.loads(result.stdout)["comparisons"]["COC"]
    assert (reported["nmi"], reported["ari"]) == pytest.approx(expected, abs=1e-12)
    assert reported["n"] == int(known.sum())


@pytest.fixture(scope="module")
def gbm(shared_data):
    folder = shared_data / "tcga_gbm_mrna_mirna"
    return _views(folder, ["GeneExp_1500x100.csv", "miRNAExp_470x100.csv"], "survival.csv")


@pytest.mark.parametrize("n_clusters", [2, 3, 4, 5])
def test_gbm_logrank_p_for_each_k(gbm, n_clusters):
    views, mdata = gbm
    reference = textbook_snf(views)
    model = SNF(n_clusters=n_clusters, random_state=0, **TEXTBOOK).fit(views)
    np.testing.assert_allclose(model.fused_network_, reference, atol=1e-12)
    expected_labels = _labels(reference, n_clusters)
    assert adjusted_rand_score(expected_labels, model.labels_) == 1.0
    from oligomet.snf import survival_by_subtype

    survival = survival_by_subtype(model.labels_, mdata.obs["time_days"], mdata.obs["status"])
    direct = multivariate_logrank_test(mdata.obs["time_days"], expected_labels, mdata.obs["status"])
    assert survival.p_value == pytest.approx(direct.p_value, rel=1e-9)


def test_cluster_cli_logs_what_the_issue_lists(oligomet, shared_data, tmp_path):
    from mlflow import MlflowClient

    folder = shared_data / "tcga_gbm_mrna_mirna"
    result = oligomet(
        "cluster",
        "-e",
        folder / "GeneExp_1500x100.csv",
        "-e",
        folder / "miRNAExp_470x100.csv",
        "-c",
        folder / "survival.csv",
        "--time",
        "time_days",
        "--event",
        "status",
        "--name",
        "gbm",
        "--alias",
        "subtypes",
        "--json",
    )
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    client = MlflowClient(tracking_uri=oligomet.tracking_uri)
    run = client.get_run(out["run_id"])
    assert run.data.metrics["n_clusters"] == out["n_clusters"]
    assert 0 < run.data.metrics["logrank_p"] <= 1
    assert [m.step for m in client.get_metric_history(out["run_id"], "eigengap")] == [2, 3, 4, 5]
    artifacts = {a.path for a in client.list_artifacts(out["run_id"], "snf")}
    assert {"snf/eigengap.png", "snf/fused_network.png", "snf/kaplan_meier.png"} <= artifacts
    assert "snf/subtypes_by_sample.csv" not in artifacts  # only with --log-sample-ids
    # The saved model assigns samples to the subtypes through `oligomet predict`.
    output = tmp_path / "subtypes.csv"
    predicted = oligomet(
        "predict",
        "models:/gbm@subtypes",
        folder / "GeneExp_1500x100.csv",
        folder / "miRNAExp_470x100.csv",
        "--output",
        output,
    )
    assert predicted.exit_code == 0, predicted.stderr
    table = pd.read_csv(output, index_col=0)
    assert set(table["subtype"]) <= set(range(out["n_clusters"]))
    assert len(table) == 100


def test_cluster_cli_refuses_a_single_view(oligomet, shared_data, user_error):
    folder = shared_data / "tcga_gbm_mrna_mirna"
    user_error(oligomet("cluster", "-e", folder / "GeneExp_1500x100.csv"), "at least 2 views")
