"""Training from the other input formats: several clinical files, .h5mu, GEO series matrix."""

from __future__ import annotations

import gzip
import json

import pytest

from oligomet.datasets import make_cohort
from oligomet.io import assemble, write_h5mu


@pytest.fixture
def cohort():
    return make_cohort(
        n_samples=36, n_features=20, n_informative=4, effect_size=2.0, random_state=5
    )


def test_several_clinical_files_are_joined(oligomet, cohort, tmp_path, fast):
    expression, clinical = cohort
    expression.to_csv(tmp_path / "expression.csv")
    clinical[["label"]].to_csv(tmp_path / "study__label.tsv", sep="\t")
    clinical[["n_metastases"]].to_csv(tmp_path / "study__count.tsv", sep="\t")
    result = oligomet(
        "train",
        "-e",
        tmp_path / "expression.csv",
        "-c",
        tmp_path / "study__label.tsv",
        "-c",
        tmp_path / "study__count.tsv",
        "--label",
        "n_metastases",
        "--oligo-max",
        "5",
        *fast,
        "--json",
    )
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["labels"]["n_positive"] == int(clinical["label"].sum())
    assert out["labels"]["rule"]["kind"] == "count"


def test_h5mu_with_clinical_obs_trains_without_clinical_file(oligomet, cohort, tmp_path, fast):
    import anndata as ad
    import pandas as pd

    expression, clinical = cohort
    views = {
        "rna": ad.AnnData(
            expression.iloc[:, :10].to_numpy(),
            obs=pd.DataFrame(index=expression.index),
            var=pd.DataFrame(index=expression.columns[:10]),
        ),
        "mirna": ad.AnnData(
            expression.iloc[:, 10:].to_numpy(),
            obs=pd.DataFrame(index=expression.index),
            var=pd.DataFrame(index=expression.columns[10:]),
        ),
    }
    mdata, _ = assemble(views, clinical)
    write_h5mu(mdata, tmp_path / "cohort.h5mu")
    result = oligomet("train", "-e", tmp_path / "cohort.h5mu", "--label", "label", *fast, "--json")
    assert result.exit_code == 0, result.stderr
    assert "view rna: 10 features" in result.stderr and "view mirna: 10 features" in result.stderr


def _series_matrix(expression, clinical) -> str:
    samples = [f"GSM{100 + i}" for i in range(len(expression))]
    quoted = lambda values: "\t".join(f'"{v}"' for v in values)  # noqa: E731
    lines = [
        '!Series_title\t"A synthetic metastasis cohort"',
        '!Series_geo_accession\t"GSE0"',
        f"!Sample_title\t{quoted(expression.index)}",
        f"!Sample_geo_accession\t{quoted(samples)}",
        "!Sample_characteristics_ch1\t"
        + quoted(f"metastasis: {'poly' if y else 'oligo'}" for y in clinical["label"]),
        "!Sample_characteristics_ch1\t"
        + quoted(f"age: {50 + i % 20}" for i in range(len(samples))),
        "!series_matrix_table_begin",
        f'"ID_REF"\t{quoted(samples)}',
    ]
    for probe in expression.columns:
        lines.append(f'"{probe}"\t' + "\t".join(f"{v:.6f}" for v in expression[probe]))
    lines.append("!series_matrix_table_end")
    return "\n".join(lines) + "\n"


def test_geo_series_matrix_with_characteristics_as_labels(oligomet, cohort, tmp_path, fast):
    expression, clinical = cohort
    path = tmp_path / "GSE0_series_matrix.txt.gz"
    path.write_bytes(gzip.compress(_series_matrix(expression, clinical).encode()))
    result = oligomet(
        "train",
        "-e",
        path,
        "--label",
        "metastasis",
        "--positive",
        "poly",
        "--negative",
        "oligo",
        *fast,
        "--json",
    )
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["labels"]["n_positive"] == int(clinical["label"].sum())
    assert out["metrics"]["roc_auc"] > 0.7
