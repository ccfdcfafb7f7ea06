"""load_gse7390: the embedded cohort read from scikit-survival."""

from __future__ import annotations

import json

import numpy as np
import pytest

from oligomet.datasets import load_gse7390


@pytest.fixture(scope="module")
def adata():
    return load_gse7390()


def test_shape_and_matrix(adata):
    assert adata.shape == (198, 76)
    assert adata.X.dtype == np.float64
    assert adata.var_names[0] == "200726_at"  # GEO's probe set ID, not R's "X200726_at"
    assert not any(name.startswith("X") for name in adata.var_names)
    assert adata.var["probe_id"].iloc[0] == "200726_at"
    assert adata.obs_names[0] == "GSE7390_000" and adata.obs_names[-1] == "GSE7390_197"


def test_outcome(adata):
    obs = adata.obs
    assert obs["distant_metastasis"].dtype == np.int64
    assert obs["distant_metastasis"].sum() == 51
    np.testing.assert_allclose(
        obs["time_to_distant_metastasis_years"], obs["time_to_distant_metastasis_days"] / 365.25
    )
    assert {"age", "er", "grade", "size"} <= set(obs.columns)
    assert "unkown" not in obs["grade"].cat.categories
    assert obs["grade"].isna().sum() == 2


def test_provenance(adata):
    dataset = adata.uns["dataset"]
    assert dataset["name"] == "GSE7390"
    assert dataset["doi"] == "10.1158/1078-0432.CCR-06-2765"
    assert {"source", "citation", "licence", "url"} <= set(dataset)
    json.dumps(dataset)


def test_as_frame():
    expression, clinical = load_gse7390(as_frame=True)
    assert expression.shape == (198, 76) and len(clinical) == 198
    assert expression.index.equals(clinical.index)
