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


def test_outer_join_keeps_every_sample_of_a_view(caplog):
    """join="outer": a sample is absent from the modality of a view it lacks; the clinical
    columns follow the samples (missing where the clinical table lacks one)."""
    from oligomet.io import view_coverage

    views = {"rna": view(RNA, ["g1", "g2"]), "mirna": view(MIRNA, ["m1", "m2", "m3"], 100)}
    clinical = CLINICAL.drop(index="TCGA-OR-A5J4")
    with caplog.at_level(logging.WARNING, logger="oligomet.io"):
        mdata, match = assemble(views, clinical, join="outer")
    assert "dropped" not in caplog.text  # nothing of the views was dropped, but said:
    assert "outer join: kept when a view measures them" in caplog.text
    assert "TCGA-OR-A5J3-01A-11R-A29S-07" in caplog.text
    patients = ["TCGA-OR-A5J1", "TCGA-OR-A5J2", "TCGA-OR-A5J3", "TCGA-OR-A5J4"]
    assert list(mdata.obs_names) == patients
    assert list(mdata["rna"].obs_names) == patients[:3]
    assert list(mdata["mirna"].obs_names) == ["TCGA-OR-A5J1", "TCGA-OR-A5J2", "TCGA-OR-A5J4"]
    np.testing.assert_array_equal(mdata["mirna"]["TCGA-OR-A5J2"].X, [[100.0, 101.0, 102.0]])
    assert mdata.obs["age"].tolist()[:3] == [50.0, 61.0, 70.0]
    assert np.isnan(mdata.obs["age"].iloc[3])  # not in the clinical table
    coverage = view_coverage(mdata)
    assert (
        coverage.to_dict()
        == mdata.uns["view_coverage"]
        == {
            "join": "outer",
            "n_samples": 4,
            "n_complete": 2,
            "n_lacking": {"rna": 1, "mirna": 1},
        }
    )
    assert coverage.report() == "join outer: 4 samples; 2 have both views, 1 lack rna, 1 lack mirna"
    assert coverage.metrics() == {
        "samples_with_every_view": 2,
        "samples_lacking_rna": 1,
        "samples_lacking_mirna": 1,
    }
    assert coverage.to_dict(include_ids=True)["lacking"] == {
        "rna": ["TCGA-OR-A5J4"],
        "mirna": ["TCGA-OR-A5J3"],
    }
    assert match.common == ["TCGA-OR-A5J1", "TCGA-OR-A5J2"]


def test_outer_join_still_needs_matching_ids():
    """IDs that match nowhere are a mismatch, not a cohort of samples each lacking a view."""
    with pytest.raises(InputError, match="no samples in common"):
        assemble({"a": view(["x1", "x2"], ["g"]), "b": view(["y1", "y2"], ["m"])}, join="outer")
    with pytest.raises(InputError, match="unknown join 'left'"):
        assemble({"a": view(["x1"], ["g"])}, join="left")
