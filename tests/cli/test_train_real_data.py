"""`oligomet train` on the real cohorts exactly as a new user would type it (Done-when items)."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.realdata


def _trained(result):
    assert result.exit_code == 0, (result.output, result.stderr)
    return json.loads(result.stdout)


def test_van_t_veer_metastasis_within_five_years(oligomet, shared_data, fast):
    table = shared_data / "van_t_veer_78" / "vdv.csv.gz"
    result = oligomet(
        "train",
        "--expression",
        table,
        "--clinical",
        table,
        "--label",
        "event",
        "--time",
        "time",
        "--horizon",
        "5",
        *fast,
        "--json",
    )
    out = _trained(result)
    labels = out["labels"]
    assert (labels["n_positive"], labels["n_negative"], labels["n_excluded"]) == (34, 44, 0)
    assert 0.55 < out["metrics"]["roc_auc"] < 0.85
    # The label columns shared the expression file and were dropped from the features.
    assert "4705 features" in result.stderr


def test_kirc_mirna_m1_vs_m0_excludes_mx(oligomet, shared_data, fast):
    folder = shared_data / "tcga_kirc_mirna"
    result = oligomet(
        "train",
        "--expression",
        folder / "KRCCC__KIDNEY_Mirna_Expression.txt",
        "--clinical",
        folder / "KRCCC__pathologic_M.txt",
        "--label",
        "pathologic_M",
        "--positive",
        "M1",
        "--negative",
        "M0",
        "--model",
        "mir200c",
        *fast,
        "--json",
    )
    out = _trained(result)
    assert (out["labels"]["n_positive"], out["labels"]["n_negative"]) == (28, 124)
    assert out["labels"]["excluded_reasons"]["value 'MX' is neither positive nor negative"] == 30
    assert "mir200c uses 1 of the features" in result.stderr


def test_acc_rnaseq_plus_mirna_counts_stage_iv(oligomet, shared_data, fast):
    folder = shared_data / "tcga_acc_mini"
    result = oligomet(
        "train",
        "--expression",
        folder / "miniACC_RNASeq2GeneNorm.csv",
        "--expression",
        folder / "miniACC_miRNASeqGene.csv",
        "--clinical",
        folder / "miniACC_colData_full.csv",
        "--label",
        "pathologic_stage",
        "--positive",
        "stage iv",
        "--negative",
        "stage i",
        "--negative",
        "stage ii",
        "--negative",
        "stage iii",
        *fast,
        "--json",
    )
    out = _trained(result)
    assert (out["labels"]["n_positive"], out["labels"]["n_negative"]) == (15, 62)
    # Aliquot barcodes met through the patient barcode; the dropped samples were reported.
    assert "TCGA-OR-A5J4-01A-11R-A29W-13" in result.stderr
    assert "per-sample transform log2cpm" in result.stderr  # raw miRNA counts
    assert "per-sample transform log2" in result.stderr  # RSEM-normalised RNA-seq
    (run,) = oligomet.runs()
    assert run.info.status == "FINISHED"
    assert run.data.params["views.miniACC_miRNASeqGene.transform"] == "log2cpm"


def test_outcome_column_left_among_features_is_flagged(oligomet, shared_data, fast):
    """--label event alone leaves the follow-up time in the file's features: say so loudly."""
    table = shared_data / "van_t_veer_78" / "vdv.csv.gz"
    leaky = oligomet("train", "-e", table, "-c", table, "--label", "event", *fast, "--json")
    assert leaky.exit_code == 0, leaky.stderr
    assert "warning: 'time'" in leaky.stderr
    out = json.loads(leaky.stdout)
    assert any("'time'" in notice for notice in out["notices"])
    run = oligomet.runs()[0]
    assert "'time'" in run.data.tags["oligomet.notices"]

    clean = oligomet(
        "train",
        "-e",
        table,
        "-c",
        table,
        "--label",
        "event",
        "--exclude-feature",
        "time",
        *fast,
        "--json",
    )
    assert clean.exit_code == 0, clean.stderr
    assert "warning:" not in clean.stderr and "4705 features" in clean.stderr


def test_two_view_model_predicts_from_both_tables(oligomet, shared_data, fast, tmp_path):
    folder = shared_data / "tcga_acc_mini"
    rna, mirna = folder / "miniACC_RNASeq2GeneNorm.csv", folder / "miniACC_miRNASeqGene.csv"
    trained = oligomet(
        "train",
        "-e",
        rna,
        "-e",
        mirna,
        "-c",
        folder / "miniACC_colData_full.csv",
        "--label",
        "pathologic_stage",
        "--positive",
        "stage iv",
        *fast,
        "--name",
        "acc",
        "--alias",
        "two_views",
    )
    assert trained.exit_code == 0, trained.stderr
    output = tmp_path / "predictions.csv"
    result = oligomet("predict", "models:/acc@two_views", rna, mirna, "--output", output)
    assert result.exit_code == 0, result.stderr
    import pandas as pd

    table = pd.read_csv(output, index_col=0)
    assert len(table) == 79 and set(table["prediction"]) <= {
        "stage iv",
        "stage i/stage ii/stage iii",
    }
