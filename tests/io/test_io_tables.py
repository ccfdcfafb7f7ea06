"""read_expression: delimiters, orientations, labels and every user mistake as an InputError."""

from __future__ import annotations

import gzip
import hashlib
import logging
from pathlib import Path

import numpy as np
import pytest

from oligomet._errors import InputError
from oligomet.io import _files, read_expression, write_h5ad

TCGA_TSV = (
    "\tTCGA.3Z.A93Z\tTCGA.6D.AA2E\tTCGA.A3.3358\n"
    "hsa-let-7a-1\t0.1\t0.2\t0.3\n"
    "hsa-mir-200c\t1.5\t-2\t3e-1\n"
)


def write(path: Path, text: str) -> Path:
    if path.suffix == ".gz":
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path.write_text(text)
    return path


def raises_naming(path: Path, *fragments: str, **kwargs) -> str:
    with pytest.raises(InputError) as info:
        read_expression(path, **kwargs)
    message = str(info.value)
    assert "\n" not in message
    for fragment in (str(path), *fragments):
        assert fragment in message, message
    return message


def test_features_x_samples_tsv_with_leading_tab(tmp_path):
    path = write(tmp_path / "kirc.txt", TCGA_TSV)
    adata = read_expression(path)
    assert adata.shape == (3, 2)
    assert list(adata.obs_names) == ["TCGA.3Z.A93Z", "TCGA.6D.AA2E", "TCGA.A3.3358"]
    assert list(adata.var_names) == ["hsa-let-7a-1", "hsa-mir-200c"]
    assert adata.X.dtype == np.float64
    np.testing.assert_allclose(adata.X[:, 1], [1.5, -2.0, 0.3])
    source = adata.uns["source"]
    assert source["orientation"] == "features_x_samples"
    assert source["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert source["name"] == "kirc"
    assert source["path"] == str(path)


def test_gzip_gives_same_values_and_hashes_compressed_bytes(tmp_path):
    plain = read_expression(write(tmp_path / "x.tsv", TCGA_TSV))
    path = write(tmp_path / "x.tsv.gz", TCGA_TSV)
    packed = read_expression(path)
    np.testing.assert_array_equal(plain.X, packed.X)
    assert packed.uns["source"]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert packed.uns["source"]["name"] == "x"


@pytest.mark.parametrize(
    "text",
    [
        '"","GSM1","GSM2"\n"g1",1,2\n"g2",3,4\n"g3",5,6\n',  # R write.csv: "" corner
        '"GSM1","GSM2"\n"g1",1,2\n"g2",3,4\n"g3",5,6\n',  # R write.table: no corner cell
        "probe;GSM1;GSM2\ng1;1;2\ng2;3;4\ng3;5;6\n",  # semicolons, sniffed
        "ID,GSM1,GSM2,\ng1,1,2,\ng2,3,4,\ng3,5,6,\n",  # trailing delimiter
    ],
)
def test_corner_cell_variants_and_delimiters(tmp_path, text):
    adata = read_expression(write(tmp_path / "t.csv", text))
    assert list(adata.obs_names) == ["GSM1", "GSM2"]
    assert list(adata.var_names) == ["g1", "g2", "g3"]
    np.testing.assert_array_equal(adata.X, [[1, 3, 5], [2, 4, 6]])


def test_feature_names_in_header_mean_samples_are_rows(tmp_path):
    text = "id,hsa-miR-21-5p,MIMAT0000062,MI0000063\nA,1,2,3\nB,4,5,6\n"
    adata = read_expression(write(tmp_path / "t.csv", text))
    assert adata.uns["source"]["orientation"] == "samples_x_features"
    assert list(adata.obs_names) == ["A", "B"]


def test_sample_ids_in_rows_mean_features_are_columns(tmp_path):
    text = "id,a,b\nGSM11,1,2\nGSM12,3,4\nGSM13,5,6\n"
    adata = read_expression(write(tmp_path / "t.csv", text))
    assert adata.uns["source"]["orientation"] == "samples_x_features"
    assert adata.shape == (3, 2)


def test_size_rule_when_no_pattern_and_decision_logged(tmp_path, caplog):
    text = "id,f1,f2,f3,f4\np1,1,2,3,4\np2,5,6,7,8\n"
    with caplog.at_level(logging.INFO, logger="oligomet.io"):
        adata = read_expression(write(tmp_path / "t.csv", text))
    assert adata.shape == (2, 4)
    assert "samples_x_features" in caplog.text and "more features than samples" in caplog.text


def test_explicit_orientation_wins(tmp_path):
    text = "id,f1,f2,f3,f4\np1,1,2,3,4\np2,5,6,7,8\n"
    adata = read_expression(write(tmp_path / "t.csv", text), orientation="features_x_samples")
    assert adata.shape == (4, 2)
    assert list(adata.obs_names) == ["f1", "f2", "f3", "f4"]


def test_drop_columns_removes_outcomes_even_if_not_numeric(tmp_path):
    text = "pid,event,time,group,num_A,num_B\n0,1,2.5,x,0.1,0.2\n1,0,8.1,y,0.3,0.4\n"
    adata = read_expression(
        write(tmp_path / "vdv.csv.gz", text), drop_columns=("event", "time", "group", "absent")
    )
    assert list(adata.obs_names) == ["0", "1"]
    assert list(adata.var_names) == ["num_A", "num_B"]
    assert adata.uns["source"]["dropped_features"] == ["event", "time", "group"]


def test_missing_values_allowed_on_request(tmp_path):
    path = write(tmp_path / "t.csv", "id,GSM1,GSM2\ng1,1,NA\ng2,,4\n")
    adata = read_expression(path, allow_missing=True)
    assert np.isnan(adata.X).sum() == 2


def test_series_matrix_and_h5ad_are_dispatched(tmp_path):
    matrix = (
        '!Series_title\t"t"\n!Sample_geo_accession\t"GSM1"\t"GSM2"\n'
        '!series_matrix_table_begin\n"ID_REF"\t"GSM1"\t"GSM2"\n"p1"\t1\t2\n'
        "!series_matrix_table_end\n"
    )
    adata = read_expression(write(tmp_path / "GSE1_series_matrix.txt.gz", matrix), name="gse1")
    assert adata.shape == (2, 1)
    assert adata.uns["source"]["name"] == "gse1"
    h5 = write_h5ad(adata, tmp_path / "x.h5ad")
    assert read_expression(h5).shape == (2, 1)


# --- user mistakes -------------------------------------------------------------------------


def test_missing_file(tmp_path):
    raises_naming(tmp_path / "nope.csv", "not found")


def test_directory(tmp_path):
    raises_naming(tmp_path, "is a directory")


def test_permission_denied(tmp_path, monkeypatch):
    path = write(tmp_path / "t.csv", TCGA_TSV)

    def deny(_path):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(_files, "_open_binary", deny)  # chmod is moot when tests run as root
    raises_naming(path, "permission denied")


def test_empty_file(tmp_path):
    raises_naming(write(tmp_path / "t.csv", "\n  \n"), "empty")


def test_header_only(tmp_path):
    raises_naming(write(tmp_path / "t.csv", "id,GSM1,GSM2\n"), "no data rows")


def test_wrong_delimiter_suggests_sep(tmp_path):
    path = write(tmp_path / "t.csv", "id;GSM1;GSM2\ng1;1;2\ng2;3;4\n")
    raises_naming(path, "single column", "sep=';'", sep=",")


def test_ragged_row_names_line(tmp_path):
    path = write(tmp_path / "t.csv", "id,GSM1,GSM2\ng1,1,2\ng2,3,4,5\n")
    raises_naming(path, "line 3")


def test_non_numeric_cell_names_row_column_value(tmp_path):
    path = write(tmp_path / "t.csv", "id,GSM1,GSM2\ng1,1,2\ng2,3,high\n")
    raises_naming(path, "'high'", "row 'g2'", "column 'GSM2'")


def test_decimal_comma_hint(tmp_path):
    path = write(tmp_path / "t.csv", 'id;GSM1;GSM2\ng1;1;"2,5"\ng2;3;4\n')
    raises_naming(path, "'2,5'", "decimal")


def test_infinite_value(tmp_path):
    path = write(tmp_path / "t.csv", "id,GSM1,GSM2\ng1,1,inf\ng2,3,4\n")
    raises_naming(path, "infinite", "row 'g1'", "column 'GSM2'")


def test_missing_value_is_an_error_by_default(tmp_path):
    path = write(tmp_path / "t.csv", "id,GSM1,GSM2\ng1,1,NaN\ng2,3,4\n")
    raises_naming(path, "missing", "row 'g1'", "column 'GSM2'", "impute or remove")


def test_duplicate_sample_ids(tmp_path):
    path = write(tmp_path / "t.csv", "id,GSM1,GSM1\ng1,1,2\ng2,3,4\n")
    raises_naming(path, "duplicate sample", "GSM1")


def test_duplicate_feature_ids(tmp_path):
    path = write(tmp_path / "t.csv", "id,GSM1,GSM2\ng1,1,2\ng1,3,4\n")
    raises_naming(path, "duplicate feature", "g1")


def test_empty_row_label(tmp_path):
    path = write(tmp_path / "t.csv", "id,GSM1,GSM2\ng1,1,2\n,3,4\n")
    raises_naming(path, "empty")


def test_corrupt_gzip(tmp_path):
    path = tmp_path / "t.csv.gz"
    path.write_bytes(gzip.compress(TCGA_TSV.encode())[:20])
    raises_naming(path, "gzip")


def test_binary_file(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(b"\x00\x01\x02binary")
    raises_naming(path, "binary")


def test_bad_orientation_value(tmp_path):
    with pytest.raises(InputError, match="orientation"):
        read_expression(write(tmp_path / "t.tsv", TCGA_TSV), orientation="rows")


def test_wrong_delimiter_with_decimal_commas(tmp_path):
    # sep="," splits the data rows on their decimal commas but leaves the header whole
    path = write(tmp_path / "t.csv", "id;GSM1;GSM2\ng1;1,5;2\ng2;3;4\n")
    raises_naming(path, "line 3", "sep=';'", sep=",")


def test_utf16_with_bom_reads(tmp_path):
    path = tmp_path / "excel_export.csv"
    path.write_bytes("gene,S1,S2,S3\nA,1,2,3\nB,4,5,6\n".encode("utf-16"))
    adata = read_expression(path, orientation="features_x_samples")
    assert list(adata.obs_names) == ["S1", "S2", "S3"]
