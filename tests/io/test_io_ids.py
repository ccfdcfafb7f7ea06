"""Sample-ID normalisation, TCGA barcodes, harmonisation rules and the SampleMatch report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from oligomet._errors import InputError
from oligomet.io import (
    SampleMatch,
    harmonise_sample_ids,
    normalise_sample_id,
    read_sample_map,
    tcga_patient_id,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("TCGA.3Z.A93Z", "TCGA-3Z-A93Z"),
        (" tcga_3z a93z ", "TCGA-3Z-A93Z"),
        ("Sample-1", "SAMPLE-1"),
    ],
)
def test_normalise_sample_id(raw, expected):
    assert normalise_sample_id(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("TCGA-OR-A5J1-01A-11R-A29S-07", "TCGA-OR-A5J1"),
        ("TCGA.OR.A5J1.01A", "TCGA-OR-A5J1"),
        ("tcga-or-a5j1", "TCGA-OR-A5J1"),
        ("TCGA-02-0001", "TCGA-02-0001"),
        ("GSM12345", None),
        ("TCGA-OR", None),
    ],
)
def test_tcga_patient_id(raw, expected):
    assert tcga_patient_id(raw) == expected


def test_exact_rule_keeps_ids():
    match = harmonise_sample_ids({"a": ["s1", "s2"], "b": ["s2", "s1", "s3"]})
    assert match.rule == "exact"
    assert match.common == ["s1", "s2"]
    assert match.mapping["b"] == {"s2": "s2", "s1": "s1", "s3": "s3"}


def test_normalised_rule():
    match = harmonise_sample_ids({"expr": ["TCGA.3Z.A93Z"], "clin": ["TCGA-3Z-A93Z"]})
    assert match.rule == "normalised"
    assert match.common == ["TCGA-3Z-A93Z"]


def test_aliquots_meet_patients():
    match = harmonise_sample_ids(
        {
            "rna": ["TCGA-OR-A5J1-01A-11R-A29S-07", "TCGA-OR-A5J2-01A-11R-A29S-07"],
            "clinical": ["TCGA-OR-A5J2", "TCGA-OR-A5J1", "TCGA-OR-A5J3"],
        }
    )
    assert match.rule == "tcga_patient"
    assert match.common == ["TCGA-OR-A5J1", "TCGA-OR-A5J2"]
    assert match.mapping["rna"]["TCGA-OR-A5J1-01A-11R-A29S-07"] == "TCGA-OR-A5J1"


def test_two_assays_meet_at_sample_level():
    match = harmonise_sample_ids(
        {
            "rna": ["TCGA-OR-A5J1-01A-11R-A29S-07"],
            "mirna": ["TCGA-OR-A5J1-01A-11R-A29W-13"],
        }
    )
    assert match.rule == "tcga_sample"
    assert match.common == ["TCGA-OR-A5J1-01"]


def test_tumour_and_normal_of_one_patient_are_not_merged_silently():
    with pytest.raises(InputError, match="table 'rna'") as info:
        harmonise_sample_ids(
            {
                "rna": ["TCGA-OR-A5J1-01A-11R-A29S-07", "TCGA-OR-A5J1-11A-11R-A29S-07"],
                "clinical": ["TCGA-OR-A5J1"],
            }
        )
    message = str(info.value)
    assert "TCGA-OR-A5J1-01A-11R-A29S-07" in message and "TCGA-OR-A5J1-11A" in message
    assert "sample map" in message and "\n" not in message


def test_sample_map_applied_first():
    match = harmonise_sample_ids(
        {"rna": ["x1", "x2"], "clinical": ["P1", "P2"]}, sample_map={"x1": "P1", "X2": "P2"}
    )
    assert match.used_sample_map
    assert match.common == ["P1", "P2"]


def test_duplicate_ids_in_a_table():
    with pytest.raises(InputError, match="table 'a' has duplicate sample IDs: s1"):
        harmonise_sample_ids({"a": ["s1", "s1"]})


def test_summary_unmatched_report_and_dict():
    ids = [f"S{i:02d}" for i in range(15)]
    match = harmonise_sample_ids({"expr": ids[:3], "clin": ids})
    assert isinstance(match, SampleMatch)
    summary = match.summary
    assert summary.shape == (15, 2)
    assert summary.index.name == "sample_id"
    assert summary["expr"].sum() == 3 and summary["clin"].all()
    assert list(match.unmatched.index) == ids[3:]
    report = match.report()
    assert "3 sample(s) in all tables" in report
    assert "clin: 15 sample(s), 3 matched" in report
    assert "… and 2 more" in report
    full = match.to_dict()
    assert full["tables"]["clin"]["unmatched"] == ids[3:]
    counts = match.to_dict(include_ids=False)
    assert counts["tables"]["clin"] == {"n_samples": 15, "n_matched": 3, "n_unmatched": 12}
    json.dumps(full)


def test_no_overlap_gives_empty_common():
    match = harmonise_sample_ids({"a": ["x"], "b": ["y"]})
    assert match.common == []


def test_read_sample_map_mae_layout(tmp_path):
    path = tmp_path / "sampleMap.csv"
    path.write_text(
        '"assay","primary","colname"\n'
        '"RNA","TCGA-OR-A5J1","TCGA-OR-A5J1-01A-11R-A29S-07"\n'
        '"miRNA","TCGA-OR-A5J1","TCGA-OR-A5J1-01A-11R-A29W-13"\n'
    )
    assert read_sample_map(path) == {
        "TCGA-OR-A5J1-01A-11R-A29S-07": "TCGA-OR-A5J1",
        "TCGA-OR-A5J1-01A-11R-A29W-13": "TCGA-OR-A5J1",
    }


def test_read_sample_map_two_columns_and_conflict(tmp_path: Path):
    path = tmp_path / "map.tsv"
    path.write_text("from\tto\na\tP1\nb\tP2\n")
    assert read_sample_map(path) == {"a": "P1", "b": "P2"}
    path.write_text("from\tto\na\tP1\na\tP2\n")
    with pytest.raises(InputError, match="'a' is mapped to both") as info:
        read_sample_map(path)
    assert str(path) in str(info.value)
