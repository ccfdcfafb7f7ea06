"""log_transform: explicit methods on hand-worked values, the auto rule, and input errors."""

from __future__ import annotations

import anndata as ad
import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from oligomet._errors import InputError
from oligomet.pp import log_transform


def _adata(values, *, source: str | None = None) -> ad.AnnData:
    values = np.asarray(values, dtype=np.float64)
    adata = ad.AnnData(
        values,
        obs=pd.DataFrame(index=[f"S{i}" for i in range(1, values.shape[0] + 1)]),
        var=pd.DataFrame(index=[f"g{j}" for j in range(1, values.shape[1] + 1)]),
    )
    if source is not None:
        adata.uns["source"] = {"path": source}
    return adata


def test_log2_hand_worked():
    adata = _adata([[0.0, 1.0, 3.0], [7.0, 15.0, 255.0]])
    log_transform(adata, method="log2")
    np.testing.assert_allclose(adata.X, [[0, 1, 2], [3, 4, 8]])
    assert adata.uns["oligomet"]["log_transform"] == {
        "method": "log2",
        "requested": "log2",
        "pseudocount": 1.0,
        "layer": None,
    }


def test_log2cpm_hand_worked():
    # library sizes 4 and 2e6: CPM 250000/750000 and 500000/500000
    adata = _adata([[1.0, 3.0], [1e6, 1e6]])
    log_transform(adata, method="log2cpm", pseudocount=0.5)
    expected = np.log2(np.array([[250000, 750000], [500000, 500000]]) + 0.5)
    np.testing.assert_allclose(adata.X, expected)


@pytest.mark.parametrize(
    ("values", "chosen"),
    [
        ([[-0.5, 2.0], [1.0, 3.0]], "none"),  # centred / log values
        ([[0.0, 250.0], [12.0, 1000.0]], "log2cpm"),  # raw counts
        ([[0.5, 250.25], [12.0, 1000.0]], "log2"),  # RSEM-like normalised abundances
        ([[0.5, 14.4], [3.0, 9.0]], "none"),  # log2 intensities
        ([[0.0, 5.0], [12.0, 90.0]], "none"),  # small integers: not treated as counts
    ],
)
def test_auto_rule(values, chosen):
    adata = _adata(values)
    before = adata.X.copy()
    log_transform(adata)
    record = adata.uns["oligomet"]["log_transform"]
    assert record["method"] == chosen and record["requested"] == "auto"
    if chosen == "none":
        np.testing.assert_array_equal(adata.X, before)
    else:
        assert not np.allclose(adata.X, before)


def test_copy_returns_new_object_and_leaves_input_alone():
    adata = _adata([[0.0, 300.0], [5.0, 900.0]])
    result = log_transform(adata, method="log2", copy=True)
    assert result is not None and result is not adata
    assert adata.X[1, 1] == 900.0 and "oligomet" not in adata.uns
    assert log_transform(adata, method="log2") is None


def test_layer_and_sparse_input():
    adata = _adata([[1.0, 2.0], [3.0, 4.0]])
    adata.layers["counts"] = sparse.csr_matrix(np.array([[0.0, 3.0], [1.0, 0.0]]))
    log_transform(adata, method="log2", layer="counts")
    np.testing.assert_allclose(adata.layers["counts"], [[0, 2], [1, 0]])
    np.testing.assert_array_equal(adata.X, [[1, 2], [3, 4]])
    assert adata.uns["oligomet"]["log_transform"]["layer"] == "counts"


@pytest.mark.parametrize("method", ["log2", "log2cpm"])
def test_negative_values_under_explicit_log_name_source_sample_and_feature(method):
    adata = _adata([[1.0, 2.0], [3.0, -0.25]], source="data/kirc_mirna.tsv")
    with pytest.raises(InputError) as error:
        log_transform(adata, method=method)
    message = str(error.value)
    assert "'data/kirc_mirna.tsv' already looks log-scaled" in message
    assert "sample 'S2', feature 'g2'" in message and "--transform none" in message
    assert "\n" not in message


def test_negative_values_without_source_say_the_data():
    with pytest.raises(InputError, match=r"^the data already looks log-scaled"):
        log_transform(_adata([[-1.0, 2.0]]), method="log2")


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_nan_or_inf_is_an_error(bad):
    with pytest.raises(InputError, match="sample 'S1', feature 'g2'"):
        log_transform(_adata([[1.0, bad], [3.0, 4.0]]), method="none")


def test_zero_library_size_names_the_sample():
    with pytest.raises(InputError, match=r"sample 'S2'.*zero library size"):
        log_transform(_adata([[1.0, 2.0], [0.0, 0.0]]), method="log2cpm")


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"method": "ln"}, "unknown log transform 'ln'"),
        ({"pseudocount": 0}, "pseudocount"),
        ({"layer": "raw"}, "no layer 'raw'"),
    ],
)
def test_bad_options(options, match):
    with pytest.raises(InputError, match=match):
        log_transform(_adata([[1.0, 2.0]]), **options)


def test_view_needs_copy():
    adata = _adata([[1.0, 200.0], [3.0, 400.0], [5.0, 600.0]])
    with pytest.raises(InputError, match="copy=True"):
        log_transform(adata[:2], method="log2")
    result = log_transform(adata[:2], method="log2", copy=True)
    assert result.shape == (2, 2) and not result.is_view
