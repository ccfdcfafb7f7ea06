"""assemble: views + clinical table → MuData on canonical sample IDs."""

from __future__ import annotations

import json
import logging

import anndata as ad
import mudata as md
import numpy as np
import pandas as pd
import pytest

from oligomet._errors import InputError
from oligomet.io import assemble, read_h5mu, write_h5mu


def view(samples, features, start=0.0):
    X = np.arange(len(samples) * len(features), dtype=np.float64).reshape(len(samples), -1)
    return ad.AnnData(
        X=X + start,
        obs=pd.DataFrame(index=pd.Index(samples)),
        var=pd.DataFrame(index=pd.Index(features)),
    )


RNA = [
    "TCGA-OR-A5J1-01A-11R-A29S-07",
    "TCGA-OR-A5J2-01A-11R-A29S-07",
    "TCGA-OR-A5J3-01A-11R-A29S-07",
]
MIRNA = [
    "TCGA-OR-A5J2-01A-11R-A29W-13",
    "TCGA-OR-A5J1-01A-11R-A29W-13",
    "TCGA-OR-A5J4-01A-11R-A29W-13",
]
CLINICAL = pd.DataFrame(
    {"stage": ["stage i", "stage iv", None, "stage ii"], "age": [50.0, 61.0, 70.0, 44.0]},
    index=pd.Index(
        ["TCGA-OR-A5J1", "TCGA-OR-A5J2", "TCGA-OR-A5J3", "TCGA-OR-A5J4"], name="sample_id"
    ),
)


def test_assemble_views_and_clinical(caplog):
    views = {"rna": view(RNA, ["g1", "g2"]), "mirna": view(MIRNA, ["m1", "m2", "m3"], 100)}
    with caplog.at_level(logging.WARNING, logger="oligomet.io"):
        mdata, match = assemble(views, CLINICAL)
    assert isinstance(mdata, md.MuData)
    assert match.rule == "tcga_patient"
    assert list(mdata.obs_names) == ["TCGA-OR-A5J1", "TCGA-OR-A5J2"]
    for name in ("rna", "mirna"):
        assert list(mdata[name].obs_names) == ["TCGA-OR-A5J1", "TCGA-OR-A5J2"]
    assert mdata["mirna"].obs["original_id"].tolist() == MIRNA[1::-1]
    # rows follow the samples: TCGA-OR-A5J2 is the first row of the miRNA input
    np.testing.assert_array_equal(mdata["mirna"].X[1], [100.0, 101.0, 102.0])
    assert mdata.obs["age"].tolist() == [50.0, 61.0]
    assert isinstance(mdata.obs["stage"].dtype, pd.CategoricalDtype)
    counts = mdata.uns["sample_match"]
    assert counts["n_common"] == 2 and counts["tables"]["clinical"]["n_unmatched"] == 2
    json.dumps(counts)
    assert "TCGA-OR-A5J3-01A-11R-A29S-07" in caplog.text  # dropped samples are reported
    assert "TCGA-OR-A5J4" in caplog.text


def test_single_view_gives_mudata():
    mdata, match = assemble({"rna": view(["a", "b"], ["g"])})
    assert isinstance(mdata, md.MuData)
    assert mdata.n_obs == 2 and match.common == ["a", "b"]


def test_sample_map():
    views = {"rna": view(["x1", "x2"], ["g"])}
    clinical = pd.DataFrame({"age": [1.0, 2.0]}, index=pd.Index(["P1", "P2"]))
    mdata, _ = assemble(views, clinical, sample_map={"x1": "P1", "x2": "P2"})
    assert list(mdata.obs_names) == ["P1", "P2"]
    assert mdata["rna"].obs["original_id"].tolist() == ["x1", "x2"]


def test_nothing_in_common():
    views = {"rna": view(["a1", "a2"], ["g"]), "mirna": view(["b1", "b2"], ["m"])}
    with pytest.raises(InputError) as info:
        assemble(views)
    message = str(info.value)
    assert "no samples in common between rna, mirna" in message
    assert "a1" in message and "b1" in message and "sample map" in message


def test_view_named_clinical_clashes():
    with pytest.raises(InputError, match="like the clinical table"):
        assemble({"clinical": view(["a"], ["g"])}, CLINICAL)


def test_assembled_round_trips_through_h5mu(tmp_path):
    views = {"rna": view(RNA, ["g1", "g2"]), "mirna": view(MIRNA, ["m1", "m2", "m3"])}
    mdata, _ = assemble(views, CLINICAL)
    back = read_h5mu(write_h5mu(mdata, tmp_path / "acc.h5mu"))
    assert list(back.obs_names) == list(mdata.obs_names)
    assert back["rna"].obs["original_id"].tolist() == mdata["rna"].obs["original_id"].tolist()
    assert back.uns["sample_match"]["n_common"] == 2
