"""The ingest layer on the real cohorts in ../shared/data (read-only, by path)."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from oligomet.io import (
    assemble,
    find_mirna,
    harmonise_mirna_names,
    read_clinical,
    read_clinical_tables,
    read_expression,
    read_mirbase_aliases,
    read_sample_map,
)

pytestmark = pytest.mark.realdata


@pytest.mark.parametrize(
    ("relative", "kwargs", "shape", "orientation", "first_sample", "first_feature"),
    [
        (
            "van_t_veer_78/vdv.csv.gz",
            {"drop_columns": ("event", "time")},
            (78, 4705),
            "samples_x_features",
            "0",
            "num_AA555029_RC",
        ),
        (
            "tcga_kirc_mirna/KRCCC__KIDNEY_Mirna_Expression.txt",
            {},
            (184, 791),
            "features_x_samples",
            "TCGA.3Z.A93Z",
            "hsa-let-7a-1",
        ),
        (
            "tcga_acc_mini/miniACC_RNASeq2GeneNorm.csv",
            {},
            (79, 198),
            "features_x_samples",
            "TCGA-OR-A5J1-01A-11R-A29S-07",
            "DIRAS3",
        ),
        (
            "tcga_acc_mini/miniACC_miRNASeqGene.csv",
            {},
            (80, 471),
            "features_x_samples",
            "TCGA-OR-A5J1-01A-11R-A29W-13",
            "hsa-let-7a-1",
        ),
        (
            "tcga_gbm_mrna_mirna/GeneExp_1500x100.csv",
            {},
            (100, 1500),
            "features_x_samples",
            "TCGA-02-0001",
            "CCK",
        ),
        (
            "tcga_gbm_mrna_mirna/miRNAExp_470x100.csv",
            {},
            (100, 470),
            "features_x_samples",
            "TCGA-02-0001",
            "MIMAT0000062",
        ),
    ],
)
def test_expression_files(
    shared_data, relative, kwargs, shape, orientation, first_sample, first_feature
):
    adata = read_expression(shared_data / relative, **kwargs)
    assert adata.shape == shape
    assert adata.uns["source"]["orientation"] == orientation
    assert adata.obs_names[0] == first_sample
    assert adata.var_names[0] == first_feature
    assert adata.X.dtype == np.float64 and np.isfinite(adata.X).all()


def test_van_t_veer_outcomes_dropped(shared_data):
    adata = read_expression(
        shared_data / "van_t_veer_78/vdv.csv.gz", drop_columns=("event", "time")
    )
    assert adata.uns["source"]["dropped_features"] == ["event", "time"]
    assert read_expression(shared_data / "van_t_veer_78/vdv.csv.gz").shape == (78, 4707)


def test_kirc_clinical_headerless_age_joins_pathologic_m(shared_data):
    folder = shared_data / "tcga_kirc_mirna"
    age = read_clinical(folder / "KRCCC__age.txt")
    assert list(age.columns) == ["age"] and len(age) == 184
    clinical = read_clinical_tables([folder / "KRCCC__pathologic_M.txt", folder / "KRCCC__age.txt"])
    assert clinical.shape == (184, 2)
    assert clinical["pathologic_M"].value_counts().to_dict() == {"M0": 124, "MX": 30, "M1": 28}
    assert np.issubdtype(clinical["age"].dtype, np.number)
    expression = read_expression(folder / "KRCCC__KIDNEY_Mirna_Expression.txt")
    mdata, match = assemble({"mirna": expression}, clinical)
    assert match.rule == "exact" and mdata.n_obs == 184


def test_acc_views_and_clinical_meet_on_patients(shared_data, caplog):
    folder = shared_data / "tcga_acc_mini"
    rna = read_expression(folder / "miniACC_RNASeq2GeneNorm.csv")
    mirna = read_expression(folder / "miniACC_miRNASeqGene.csv")
    clinical = read_clinical(folder / "miniACC_colData_full.csv")
    assert len(clinical) == 92
    with caplog.at_level(logging.WARNING, logger="oligomet.io"):
        mdata, match = assemble({"rna": rna, "mirna": mirna}, clinical)
    assert match.rule == "tcga_patient"
    assert mdata.n_obs == 79 and mdata["rna"].n_obs == mdata["mirna"].n_obs == 79
    assert mdata.obs_names[0] == "TCGA-OR-A5J1"
    assert (mdata.obs["patientID"].astype(str) == mdata.obs_names).all()
    assert match.unmatched_ids("mirna") == ["TCGA-OR-A5J4-01A-11R-A29W-13"]
    assert len(match.unmatched_ids("clinical")) == 13
    assert "TCGA-OR-A5J4-01A-11R-A29W-13" in caplog.text

    # the Bioconductor sampleMap gives the same patients by an exact match
    sample_map = read_sample_map(folder / "miniACC_sampleMap.csv")
    mapped, mapped_match = assemble({"rna": rna, "mirna": mirna}, clinical, sample_map=sample_map)
    assert mapped_match.rule == "exact" and list(mapped.obs_names) == list(mdata.obs_names)


def test_kirc_finds_mature_name_in_precursors(shared_data):
    adata = read_expression(shared_data / "tcga_kirc_mirna/KRCCC__KIDNEY_Mirna_Expression.txt")
    assert find_mirna("hsa-miR-200c-3p", adata.var_names) == ["hsa-mir-200c"]


def test_gbm_accessions_translated_with_aliases(shared_data, tmp_path):
    adata = read_expression(shared_data / "tcga_gbm_mrna_mirna/miRNAExp_470x100.csv")
    aliases_file = tmp_path / "aliases.txt"
    aliases_file.write_text("MIMAT0000062\thsa-let-7a;hsa-let-7a-5p;\nMI0000063\thsa-let-7b;\n")
    harmonise_mirna_names(adata, aliases=read_mirbase_aliases(aliases_file))
    assert adata.var.loc["MIMAT0000062", "mirna_key"] == "let-7a"
    assert adata.var.loc["MI0000063", "mirna_name"] == "hsa-let-7b"
    assert adata.var["mirna_key"].notna().sum() == 2
