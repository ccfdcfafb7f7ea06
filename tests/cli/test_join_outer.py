"""Patients who lack a view, end to end (`--join outer`), on TCGA ACC with miRNA removed for some.

The Done-when item: `oligomet cluster --join outer` keeps every patient when 20% of the patients
are removed from the miRNA table, and its subtypes agree with the complete-data subtypes on the
patients that have both views (adjusted Rand index >= 0.7).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from mlflow import MlflowClient
from sklearn.metrics import adjusted_rand_score

from oligomet.workflow import ClusterConfig, cluster

pytestmark = pytest.mark.realdata

RNA = "miniACC_RNASeq2GeneNorm.csv"
MIRNA = "miniACC_miRNASeqGene.csv"
CLINICAL = "miniACC_colData_full.csv"
PATIENT = 12  # a TCGA patient barcode is the first 12 characters of an aliquot barcode


@pytest.fixture(scope="module")
def acc(shared_data):
    return shared_data / "tcga_acc_mini"


@pytest.fixture(scope="module")
def reduced(acc, tmp_path_factory):
    """The miRNA table (miRNAs x aliquots) without 20% of its patients, chosen with seed 0."""
    table = pd.read_csv(acc / MIRNA, index_col=0)
    removed = np.random.default_rng(0).choice(
        table.columns, size=round(0.2 * table.shape[1]), replace=False
    )
    path = tmp_path_factory.mktemp("acc") / "mirna_reduced.csv"
    table.drop(columns=removed).to_csv(path)
    return path, {str(aliquot)[:PATIENT] for aliquot in removed}


def _patients(path) -> set[str]:
    return {str(column)[:PATIENT] for column in pd.read_csv(path, index_col=0, nrows=0).columns}


def _by_patient(subtypes: pd.Series) -> pd.Series:
    """Subtypes indexed by patient barcode (the views' aliquots met through it)."""
    return subtypes.set_axis([str(sample)[:PATIENT] for sample in subtypes.index])


def test_cluster_outer_keeps_every_patient_and_agrees_with_complete_data(
    oligomet, acc, reduced, tmp_path
):
    mirna, removed = reduced
    result = oligomet(
        "cluster", "-e", acc / RNA, "-e", mirna, "--join", "outer",
        "--log-sample-ids", "--no-log-model", "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    client = MlflowClient(tracking_uri=oligomet.tracking_uri)
    table = client.download_artifacts(out["run_id"], "snf/subtypes_by_sample.csv", str(tmp_path))
    outer = _by_patient(pd.read_csv(table, index_col=0)["subtype"])
    everyone = _patients(acc / RNA) | _patients(mirna)
    assert set(outer.index) == everyone and len(outer) == len(everyone)  # every patient kept

    # The complete-data subtypes: the same settings, an inner join of the full tables.
    full = ClusterConfig(read={"expression": [{"path": acc / RNA}, {"path": acc / MIRNA}]})
    complete = _by_patient(cluster(full, track=False).labels)
    both = [p for p in complete.index if p not in removed and p in outer.index]
    assert len(both) == 63  # of the 79 patients with both views, 16 lost their miRNA
    ari = adjusted_rand_score(complete.loc[both], outer.loc[both])
    print(f"ARI (outer join with 20% of miRNA removed vs complete data, {len(both)} patients): "
          f"{ari:.3f}")  # fmt: skip
    assert ari >= 0.7, f"ARI {ari:.3f} on the {len(both)} patients with both views"


def test_who_lacks_what_is_printed_and_logged_as_counts(oligomet, acc, reduced, tmp_path):
    mirna, _ = reduced
    result = oligomet(
        "cluster", "-e", acc / RNA, "-e", mirna, "-c", acc / CLINICAL, "--join", "outer",
        "--no-log-model", "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    n_rna, n_mirna = len(_patients(acc / RNA)), len(_patients(mirna))
    n_all = len(_patients(acc / RNA) | _patients(mirna))
    n_both = n_rna + n_mirna - n_all
    line = (
        f"join outer: {n_all} samples; {n_both} have both views, {n_all - n_rna} lack "
        f"miniACC_RNASeq2GeneNorm, {n_all - n_mirna} lack mirna_reduced"
    )
    assert line in result.stderr
    out = json.loads(result.stdout)
    assert out["join"] == "outer"
    assert out["view_coverage"]["n_lacking"]["mirna_reduced"] == n_all - n_mirna == 16
    run = MlflowClient(tracking_uri=oligomet.tracking_uri).get_run(out["run_id"])
    metrics = run.data.metrics
    assert metrics["samples_with_every_view"] == n_both
    assert metrics["samples_lacking_mirna_reduced"] == 16
    assert metrics["n_samples"] == n_all
    assert run.data.params["join"] == "outer"
    client = MlflowClient(tracking_uri=oligomet.tracking_uri)
    where = client.download_artifacts(run.info.run_id, "data/view_coverage.json", str(tmp_path))
    counts = json.loads(Path(where).read_text())
    assert counts == {
        "join": "outer",
        "n_samples": n_all,
        "n_complete": n_both,
        "n_lacking": {"miniACC_RNASeq2GeneNorm": n_all - n_rna, "mirna_reduced": 16},
    }  # counts only: no patient ID without --log-sample-ids
    artifacts = {a.path for a in client.list_artifacts(run.info.run_id, "snf")}
    assert "snf/subtypes_by_sample.csv" not in artifacts


def _n_labelled(out) -> int:
    return out["labels"]["n_positive"] + out["labels"]["n_negative"]


def test_train_outer_imputes_inside_the_folds(oligomet, acc, reduced, fast):
    mirna, _ = reduced
    label = ["--label", "pathologic_stage", "--positive", "stage iv"]
    common = ["-e", acc / RNA, "-e", mirna, "-c", acc / CLINICAL, *label, *fast, "--json"]
    inner = oligomet("train", *common, "--no-log-model")
    outer = oligomet("train", *common, "--join", "outer", "--alias", "outer")
    assert inner.exit_code == 0 and outer.exit_code == 0, (inner.stderr, outer.stderr)
    n_inner = _n_labelled(json.loads(inner.stdout))
    out = json.loads(outer.stdout)
    coverage = out["view_coverage"]
    # Every labelled patient with at least one view is used; those with both are the inner
    # join's.
    assert _n_labelled(out) == coverage["n_samples"] > n_inner
    assert coverage["n_complete"] == n_inner
    assert coverage["n_samples"] - n_inner == sum(coverage["n_lacking"].values())
    assert "lack mirna_reduced (among the labelled samples)" in outer.stderr
    assert "median over the training samples that have it" in outer.stderr
    assert 0.0 <= out["metrics"]["roc_auc"] <= 1.0
    run = MlflowClient(tracking_uri=oligomet.tracking_uri).get_run(out["run_id"])
    assert (
        run.data.metrics["samples_lacking_mirna_reduced"] == coverage["n_lacking"]["mirna_reduced"]
    )
    # The saved model holds the imputer, fitted on all labelled samples, after the log step.
    from oligomet import load_model

    model = load_model("models:/oligomet-logistic_enet@outer", tracking_uri=oligomet.tracking_uri)
    assert [name for name, _ in model.pipeline.steps][:4] == ["align", "log", "impute", "variance"]
    # The model's report says who lacked which view and how they were filled.
    from oligomet.report import build_report
    from oligomet.tracking import run_record

    record = run_record("models:/oligomet-logistic_enet@outer", tracking_uri=oligomet.tracking_uri)
    missing = build_report(record).section("missing_data")
    assert missing.values["view_coverage"] == coverage
    assert f"Views (outer join): {coverage['n_samples']} labelled samples" in missing.text
    assert "median over the training samples that have it" in missing.text


def test_inner_join_is_todays_behaviour(acc, reduced):
    mirna, _ = reduced
    views = [{"path": acc / RNA}, {"path": mirna}]
    default = cluster(ClusterConfig(read={"expression": views}), track=False)
    inner = cluster(ClusterConfig(read={"expression": views, "join": "inner"}), track=False)
    assert len(default.labels) == 63 and default.coverage is None
    pd.testing.assert_series_equal(default.labels, inner.labels)
    np.testing.assert_array_equal(default.snf.fused_network_, inner.snf.fused_network_)


def test_the_agreement_holds_over_twenty_random_removals(acc, tmp_path):
    """The README's range: over the 20% of patients drawn with seeds 0-19, the outer join's
    subtypes agree with the complete-data ones at ARI 0.70 to 1.0 (median 0.91)."""
    full = ClusterConfig(read={"expression": [{"path": acc / RNA}, {"path": acc / MIRNA}]})
    complete = _by_patient(cluster(full, track=False).labels)
    table = pd.read_csv(acc / MIRNA, index_col=0)
    aris = []
    for seed in range(20):
        removed = np.random.default_rng(seed).choice(
            table.columns, size=round(0.2 * table.shape[1]), replace=False
        )
        path = tmp_path / "mirna_reduced.csv"
        table.drop(columns=removed).to_csv(path)
        read = {"expression": [{"path": acc / RNA}, {"path": path}], "join": "outer"}
        outer = _by_patient(cluster(ClusterConfig(read=read), track=False).labels)
        gone = {str(aliquot)[:PATIENT] for aliquot in removed}
        both = [p for p in complete.index if p not in gone and p in outer.index]
        aris.append(adjusted_rand_score(complete.loc[both], outer.loc[both]))
    print("ARI over seeds 0-19:", " ".join(f"{a:.3f}" for a in aris))
    assert round(min(aris), 2) == 0.70 and max(aris) == 1.0
    assert round(float(np.median(aris)), 2) == 0.91
