"""read_clinical / read_clinical_tables: missing tokens, headerless files, joins, errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from oligomet._errors import InputError
from oligomet.io import read_clinical, read_clinical_tables, write_h5ad


def write(path: Path, text: str) -> Path:
    path.write_bytes(text.encode())
    return path


def test_missing_tokens_and_numeric_columns(tmp_path):
    text = (
        "patient,age,stage,grade,note\n"
        "P1,50,stage i,2,[Not Available]\n"
        "P2,NA,not reported,null,x\n"
        "P3,61.5,[Unknown],3,\n"
    )
    frame = read_clinical(write(tmp_path / "clin.csv", text))
    assert frame.index.name == "sample_id"
    assert list(frame.index) == ["P1", "P2", "P3"]
    assert list(frame.columns) == ["age", "stage", "grade", "note"]
    assert frame["age"].dtype == np.float64 and np.isnan(frame.loc["P2", "age"])
    assert pd.api.types.is_numeric_dtype(frame["grade"])
    assert frame["stage"].isna().tolist() == [False, True, True]
    assert frame["note"].isna().tolist() == [True, False, True]


def test_headerless_two_column_file_named_from_stem(tmp_path):
    path = write(tmp_path / "KRCCC__age.txt", "TCGA.3Z.A93Z\t69\r\nTCGA.6D.AA2E\t68\r\nTCGA.X\t57")
    frame = read_clinical(path)
    assert list(frame.columns) == ["age"]
    assert list(frame.index) == ["TCGA.3Z.A93Z", "TCGA.6D.AA2E", "TCGA.X"]
    assert frame["age"].tolist() == [69, 68, 57]


def test_text_header_is_not_mistaken_for_data(tmp_path):
    path = write(tmp_path / "KRCCC__pathologic_M.txt", "id\tpathologic_M\r\nA\tM0\r\nB\tNA\r\n")
    frame = read_clinical(path)
    assert list(frame.columns) == ["pathologic_M"]
    assert frame["pathologic_M"].isna().tolist() == [False, True]


def test_sample_column(tmp_path):
    path = write(tmp_path / "c.tsv", "row\tpatientID\tage\n1\tP1\t3\n2\tP2\t4\n")
    frame = read_clinical(path, sample_column="patientID")
    assert list(frame.index) == ["P1", "P2"]
    assert list(frame.columns) == ["row", "age"]


def test_unknown_sample_column(tmp_path):
    path = write(tmp_path / "c.tsv", "row\tage\n1\t3\n")
    with pytest.raises(InputError, match="no column 'patient'") as info:
        read_clinical(path, sample_column="patient")
    assert str(path) in str(info.value)


def test_duplicate_sample_ids(tmp_path):
    path = write(tmp_path / "c.csv", "id,age\nP1,3\nP2,4\nP1,5\n")
    with pytest.raises(InputError, match="duplicate sample IDs P1") as info:
        read_clinical(path)
    assert str(path) in str(info.value)


def test_single_column_suggests_sep(tmp_path):
    path = write(tmp_path / "c.csv", "id|age\nP1|3\n")
    with pytest.raises(InputError, match="single column") as info:
        read_clinical(path)
    assert str(path) in str(info.value)


def test_h5ad_obs(tmp_path):
    import anndata as ad

    adata = ad.AnnData(
        X=np.zeros((2, 1)),
        obs=pd.DataFrame({"age": [1.0, 2.0]}, index=pd.Index(["a", "b"])),
        var=pd.DataFrame(index=pd.Index(["g"])),
    )
    frame = read_clinical(write_h5ad(adata, tmp_path / "x.h5ad"))
    assert frame.index.name == "sample_id"
    assert frame["age"].tolist() == [1.0, 2.0]


def test_tables_join_on_harmonised_ids_outer(tmp_path):
    age = write(tmp_path / "KRCCC__age.txt", "TCGA.3Z.A93Z\t69\nTCGA.6D.AA2E\t68\n")
    m = write(
        tmp_path / "KRCCC__pathologic_M.txt",
        "submitter_id.samples\tpathologic_M\nTCGA.3Z.A93Z\tM0\nTCGA.A3.3358\tM1\n",
    )
    frame = read_clinical_tables([age, m])
    assert frame.index.name == "sample_id"
    assert list(frame.index) == ["TCGA.3Z.A93Z", "TCGA.6D.AA2E", "TCGA.A3.3358"]
    assert frame.loc["TCGA.3Z.A93Z", "pathologic_M"] == "M0"
    assert np.isnan(frame.loc["TCGA.A3.3358", "age"])


def test_tables_with_different_separators_in_ids(tmp_path):
    age = write(tmp_path / "a__age.txt", "TCGA.3Z.A93Z\t69\n")
    sex = write(tmp_path / "a__sex.csv", "id,sex\nTCGA-3Z-A93Z,male\n")
    frame = read_clinical_tables([age, sex])
    assert frame.shape == (1, 2)
    assert frame.index[0] == "TCGA-3Z-A93Z"


def test_same_column_in_two_files(tmp_path):
    first = write(tmp_path / "a.csv", "id,age\nP1,3\n")
    second = write(tmp_path / "b.csv", "id,age\nP1,3\n")
    with pytest.raises(InputError, match="column 'age'") as info:
        read_clinical_tables([first, second])
    assert str(first) in str(info.value) and str(second) in str(info.value)
