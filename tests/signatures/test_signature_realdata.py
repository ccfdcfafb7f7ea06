"""The miR-200 family on TCGA KIRC miRNA data (precursor names, hsa-mir-...)."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest

from oligomet.io import read_expression
from oligomet.signatures import (
    load_signature,
    match_features,
    score_signature,
    signature_estimator,
)

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def kirc(shared_data):
    folder = shared_data / "tcga_kirc_mirna"
    adata = read_expression(folder / "KRCCC__KIDNEY_Mirna_Expression.txt")
    metastasis = pd.read_csv(folder / "KRCCC__pathologic_M.txt", sep="\t", index_col=0)
    return adata, metastasis["pathologic_M"]


def test_mir200_family_on_kirc(kirc, caplog):
    adata, _ = kirc
    signature = load_signature("mir200_family")
    match = match_features(signature, adata.var_names)
    # All five members are in TCGA's precursor table, each under its one locus name.
    assert match.found == {
        "hsa-miR-200a-3p": "hsa-mir-200a",
        "hsa-miR-200b-3p": "hsa-mir-200b",
        "hsa-miR-200c-3p": "hsa-mir-200c",
        "hsa-miR-141-3p": "hsa-mir-141",
        "hsa-miR-429": "hsa-mir-429",
    }
    assert match.report() == "signature mir200_family: 5 of 5 features found (need 3)"
    with caplog.at_level(logging.INFO, logger="oligomet.signatures"):
        score_signature(adata, signature)
    assert "5 of 5 features found" in caplog.text
    score = adata.obs["signature_mir200_family"]
    assert score.shape == (adata.n_obs,) and np.isfinite(score).all()
    # A cohort-relative score: a mean of z-scores averages to 0 over the cohort.
    assert abs(score.mean()) < 1e-9
    assert adata.uns["signature_mir200_family"]["params"]["missing"] == []


def test_signature_score_fits_on_kirc_m_stage(kirc):
    adata, stage = kirc
    signature = load_signature("mir200_family")
    match = match_features(signature, adata.var_names).check()
    frame = adata.to_df()[match.columns]
    labelled = stage[stage.isin(["M0", "M1"])]
    common = frame.index.intersection(labelled.index)
    y = (labelled.loc[common] == "M1").astype(int)
    assert y.sum() >= 20 and (1 - y).sum() >= 100  # M1 28 / M0 124 in the README
    model = signature_estimator(match).fit(frame.loc[common], y)
    proba = model.predict_proba(frame.loc[common])[:, 1]
    assert model.slope_ >= 0
    assert np.all((proba > 0) & (proba < 1))
