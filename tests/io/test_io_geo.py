"""read_series_matrix on a small hand-written GEO series matrix."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from oligomet._errors import InputError
from oligomet.io import read_expression, read_series_matrix

HEADER = """\
!Series_title\t"Breast cancer metastasis cohort"
!Series_geo_accession\t"GSE99999"
!Series_contributor\t"A,,Smith"
!Series_contributor\t"B,,Jones"

!Sample_title\t"tumour 1"\t"tumour 2"\t"tumour 3"\t"tumour 4"
!Sample_geo_accession\t"GSM101"\t"GSM102"\t"GSM103"\t"GSM104"
!Sample_source_name_ch1\t"breast"\t"breast"\t"breast"\t"breast"
!Sample_characteristics_ch1\t"age: 51"\t"age: 63"\t"age: 47"\t"er status: neg"
!Sample_characteristics_ch1\t"er status: pos"\t"er status: neg"\t""\t"age: 70"
"""
TABLE = """\
!series_matrix_table_begin
"ID_REF"\t"GSM101"\t"GSM102"\t"GSM103"\t"GSM104"
"1007_s_at"\t7.1\t7.2\t7.3\t7.4
"1053_at"\t5.0\t5.1\t5.2\t5.3
"117_at"\t3.3\t3.2\t3.1\t3.0
"121_at"\t9.9\t9.8\t9.7\t9.6
"1255_g_at"\t1.0\t2.0\t3.0\t4.0
!series_matrix_table_end
"""


def write(path: Path, text: str) -> Path:
    if path.suffix == ".gz":
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path.write_text(text)
    return path


@pytest.mark.parametrize("name", ["GSE99999_series_matrix.txt", "GSE99999_series_matrix.txt.gz"])
def test_reads_samples_characteristics_and_table(tmp_path, name):
    adata = read_series_matrix(write(tmp_path / name, HEADER + TABLE))
    assert adata.shape == (4, 5)
    assert list(adata.obs_names) == ["GSM101", "GSM102", "GSM103", "GSM104"]
    assert adata.var_names[0] == "1007_s_at"
    np.testing.assert_allclose(adata.X[:, 4], [1.0, 2.0, 3.0, 4.0])
    assert list(adata.obs["title"]) == ["tumour 1", "tumour 2", "tumour 3", "tumour 4"]
    assert adata.obs["source_name"].iloc[0] == "breast"
    # keys differ between samples of one line; an empty cell is missing
    assert adata.obs["age"].dtype == np.float64
    assert list(adata.obs["age"]) == [51.0, 63.0, 47.0, 70.0]
    er = adata.obs["er status"]
    assert list(er.iloc[[0, 1, 3]]) == ["pos", "neg", "neg"]
    assert pd.isna(er.loc["GSM103"])
    assert adata.uns["geo"]["title"] == "Breast cancer metastasis cohort"
    assert adata.uns["geo"]["geo_accession"] == "GSE99999"
    assert adata.uns["geo"]["contributor"] == ["A,,Smith", "B,,Jones"]
    assert adata.uns["source"]["orientation"] == "features_x_samples"
    assert len(adata.uns["source"]["sha256"]) == 64


def test_read_expression_dispatches_series_matrix(tmp_path):
    adata = read_expression(write(tmp_path / "GSE99999_series_matrix.txt.gz", HEADER + TABLE))
    assert "age" in adata.obs.columns
    assert adata.shape == (4, 5)


def test_null_values_need_allow_missing(tmp_path):
    text = HEADER + TABLE.replace("\t5.1\t", "\tnull\t")
    path = write(tmp_path / "GSE1_series_matrix.txt", text)
    with pytest.raises(InputError, match="row '1053_at', column 'GSM102'"):
        read_series_matrix(path)
    assert np.isnan(read_series_matrix(path, allow_missing=True).X).sum() == 1


def test_no_table_block(tmp_path):
    path = write(tmp_path / "GSE1_series_matrix.txt", HEADER)
    with pytest.raises(InputError, match="series_matrix_table_begin") as info:
        read_series_matrix(path)
    assert str(path) in str(info.value)


def test_empty_table_block(tmp_path):
    text = HEADER + '!series_matrix_table_begin\n"ID_REF"\n!series_matrix_table_end\n'
    path = write(tmp_path / "GSE1_series_matrix.txt.gz", text)
    with pytest.raises(InputError, match="empty") as info:
        read_series_matrix(path)
    assert str(path) in str(info.value)


def test_samples_disagree_between_header_and_table(tmp_path):
    text = HEADER.replace('"GSM104"', '"GSM999"', 1) + TABLE
    path = write(tmp_path / "GSE1_series_matrix.txt", text)
    with pytest.raises(InputError, match="geo_accession") as info:
        read_series_matrix(path)
    assert str(path) in str(info.value)
