"""Quoted cells and white-space separated tables (the SNF 2014 TCGA tables), and numbers written
with a comma: thousands separators and decimal commas are told apart in the message."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from oligomet._errors import InputError
from oligomet.datasets import make_cohort
from oligomet.io import read_clinical, read_expression

BARCODES = [
    "TCGA-02-0001-01C-01T-0179-07",
    "TCGA-02-0003-01A-01R-0177-07",
    "TCGA-02-0006-01B-01R-0177-07",
]


def write_snf(path: Path, table: pd.DataFrame, *, corner: str | None = None) -> Path:
    """``table`` (features x samples) as in the SNF 2014 TCGA tables: space-separated, quoted
    sample barcodes in the header and quoted feature names, the header one field short (R's
    ``write.table`` default) unless ``corner`` gives its first cell."""
    header = " ".join(f'"{sample}"' for sample in table.columns)
    if corner is not None:
        header = f"{corner} {header}"
    rows = [
        f'"{feature}" ' + " ".join(repr(float(value)) for value in values)
        for feature, values in zip(table.index, table.to_numpy(), strict=True)
    ]
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


def small_table() -> pd.DataFrame:
    return pd.DataFrame(
        [[0.1, 0.2, 0.3], [1.5, -2.0, 0.25], [7.0, 8.0, 9.0]],
        index=["AACS", "FSTL1", "ELMO2"],
        columns=BARCODES,
    )


@pytest.mark.parametrize("corner", [None, '""', '"gene"', "gene"])
def test_snf_table_reads_without_quotes(tmp_path, corner):
    table = small_table()
    adata = read_expression(write_snf(tmp_path / "GLIO_Gene_Expression.txt", table, corner=corner))
    assert list(adata.obs_names) == BARCODES
    assert list(adata.var_names) == ["AACS", "FSTL1", "ELMO2"]
    assert adata.uns["source"]["orientation"] == "features_x_samples"
    assert adata.X.tolist() == table.T.to_numpy().tolist()


@pytest.mark.parametrize("sep", [" ", r"\s+", "whitespace"])
def test_snf_table_with_explicit_white_space_sep(tmp_path, sep):
    path = write_snf(tmp_path / "t.txt", small_table())
    # several spaces, tabs and trailing white space are one separator too
    text = path.read_text().replace('" ', '"   ', 2).replace('" ', '"\t \t')
    path.write_text(text.replace("\n", " \n"))
    adata = read_expression(path, sep=sep)
    assert list(adata.obs_names) == BARCODES


def test_quoted_cells_after_a_space_are_unquoted(tmp_path):
    # csv keeps the quotes of a field that does not start right after the delimiter
    path = tmp_path / "t.csv"
    path.write_text('"id", "TCGA-02-0001-01C", "TCGA-02-0003-01A"\n "g1" , 1, 2\n"g2", "3", 4\n')
    adata = read_expression(path, orientation="features_x_samples")
    assert list(adata.obs_names) == ["TCGA-02-0001-01C", "TCGA-02-0003-01A"]
    assert list(adata.var_names) == ["g1", "g2"]
    assert adata.X.tolist() == [[1.0, 3.0], [2.0, 4.0]]


def test_quoted_delimiters_do_not_sway_the_sniffer(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text('"a,b;c" "TCGA-02-0001-01C" "TCGA-02-0003-01A"\n"g1" 1 2\n"g2" 3 4\n')
    adata = read_expression(path)
    assert list(adata.obs_names) == ["TCGA-02-0001-01C", "TCGA-02-0003-01A"]


def test_white_space_separated_clinical(tmp_path):
    path = tmp_path / "clinical.txt"
    path.write_text('"patient" "age"\n"TCGA-02-0001" 61\n"TCGA-02-0003" 50\n')
    frame = read_clinical(path)
    assert list(frame.index) == ["TCGA-02-0001", "TCGA-02-0003"]
    assert frame["age"].tolist() == [61, 50]


def comma_message(tmp_path, text: str) -> str:
    path = tmp_path / "t.csv"
    path.write_text(text)
    with pytest.raises(InputError) as info:
        read_expression(path, orientation="features_x_samples")
    message = str(info.value)
    assert "\n" not in message
    assert str(path) in message
    return message


def test_thousands_separator_named(tmp_path):
    message = comma_message(tmp_path, 'id,S1,S2\ng1,"4,200","12,500"\ng2,1.5,2\n')
    assert "'4,200' at row 'g1', column 'S1'" in message
    assert "thousands separator (4,200 = 4200)" in message
    assert "decimal comma" not in message


def test_grouped_millions_are_thousands_whatever_the_neighbours(tmp_path):
    message = comma_message(tmp_path, 'id,S1,S2\ng1,"1,234,567",2\ng2,3,4\n')
    assert "thousands separator (1,234,567 = 1234567)" in message


def test_decimal_comma_named(tmp_path):
    message = comma_message(tmp_path, 'id;S1;S2\ng1;"4,2";2\ng2;1;2\n')
    assert "'4,2' at row 'g1', column 'S1'" in message
    assert "decimal comma (4,2 = 4.2)" in message
    assert "thousands" not in message


def test_three_decimals_next_to_decimal_commas_read_as_decimal(tmp_path):
    message = comma_message(tmp_path, "id;S1;S2\ng1;4,200;2\ng2;1,25;2\n")
    assert "decimal comma (4,200 = 4.200)" in message
    assert "thousands" not in message


def test_ambiguous_comma_names_both(tmp_path):
    message = comma_message(tmp_path, 'id,S1,S2\ng1,"4,200",2\ng2,1,3\n')
    assert "either a thousands separator (4,200 = 4200)" in message
    assert "or a decimal comma (4,200 = 4.200)" in message


# Through `oligomet train`: two SNF-shaped views and a clinical CSV with patient barcodes.


@pytest.fixture
def snf_cohort(tmp_path):
    expression, clinical = make_cohort(
        n_samples=36, n_features=20, n_informative=4, effect_size=2.0, random_state=5
    )
    patients = [f"TCGA-02-{i:04d}" for i in range(1, len(expression) + 1)]
    aliquots = [f"{patient}-01A-01R-0177-07" for patient in patients]
    expression.index = aliquots
    mrna = expression.iloc[:, :10].T
    mirna = expression.iloc[:, 10:].T.set_axis([f"hsa-mir-{i}" for i in range(10)], axis=0)
    clinical = clinical.set_axis(pd.Index(patients, name="patient"), axis=0)
    clinical[["label"]].to_csv(tmp_path / "clinical.csv")
    return (
        write_snf(tmp_path / "GLIO_Gene_Expression.txt", mrna),
        write_snf(tmp_path / "GLIO_Mirna_Expression.txt", mirna, corner='""'),
        tmp_path / "clinical.csv",
    )


def test_train_on_snf_shaped_views(oligomet, snf_cohort, fast):
    mrna, mirna, clinical = snf_cohort
    result = oligomet(
        "train", "-e", mrna, "-e", mirna, "-c", clinical, "--label", "label", *fast, "--json"
    )
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["labels"]["n_positive"] + out["labels"]["n_negative"] == 36, out["labels"]
    assert '"' not in result.stderr


def test_train_names_a_thousands_separator(oligomet, snf_cohort, user_error):
    mrna, _, clinical = snf_cohort
    lines = mrna.read_text().splitlines()
    cells = lines[1].split(" ")
    cells[2] = '"4,200"'
    lines[1] = " ".join(cells)
    mrna.write_text("\n".join(lines) + "\n")
    result = oligomet("train", "-e", mrna, "-c", clinical, "--label", "label")
    user_error(
        result,
        str(mrna),
        "'4,200'",
        "column 'TCGA-02-0002-01A-01R-0177-07'",
        "thousands separator",
    )
