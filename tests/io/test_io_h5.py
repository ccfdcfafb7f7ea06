"""h5ad / h5mu round trips and atomic writes."""

from __future__ import annotations

import anndata as ad
import mudata as md
import numpy as np
import pandas as pd
import pytest

from oligomet._errors import InputError
from oligomet.io import assemble, read_expression, read_h5ad, read_h5mu, write_h5ad, write_h5mu


def small() -> ad.AnnData:
    return ad.AnnData(
        X=np.arange(6, dtype=np.float64).reshape(3, 2),
        obs=pd.DataFrame(
            {"group": pd.Categorical(["a", "b", "a"])}, index=pd.Index(["s1", "s2", "s3"])
        ),
        var=pd.DataFrame(index=pd.Index(["g1", "g2"])),
    )


def test_h5ad_round_trip_keeps_source(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("id,GSM1,GSM2\ng1,1,2\ng2,3,4\n")
    adata = read_expression(path, drop_columns=("g2",))
    back = read_h5ad(write_h5ad(adata, tmp_path / "t.h5ad"))
    np.testing.assert_array_equal(back.X, adata.X)
    assert back.uns["source"]["sha256"] == adata.uns["source"]["sha256"]
    assert list(back.uns["source"]["dropped_features"]) == ["g2"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.csv", "t.h5ad"]


def test_h5mu_round_trip(tmp_path):
    mdata, _ = assemble({"rna": small()})
    assert isinstance(mdata, md.MuData)
    back = read_h5mu(write_h5mu(mdata, tmp_path / "x.h5mu"))
    assert back["rna"].shape == (3, 2)


def test_failed_write_leaves_no_file_and_keeps_the_old_one(tmp_path, monkeypatch):
    target = write_h5ad(small(), tmp_path / "x.h5ad")
    before = target.read_bytes()

    def broken(self, filename, **kwargs):
        with open(filename, "wb") as handle:
            handle.write(b"partial")
        raise RuntimeError("disk full")

    monkeypatch.setattr(ad.AnnData, "write_h5ad", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        write_h5ad(small(), target)
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["x.h5ad"]
    with pytest.raises(RuntimeError):
        write_h5ad(small(), tmp_path / "new.h5ad")
    assert not (tmp_path / "new.h5ad").exists()


def test_read_not_an_h5ad(tmp_path):
    path = tmp_path / "x.h5ad"
    path.write_text("not hdf5")
    with pytest.raises(InputError, match=r"not a readable \.h5ad") as info:
        read_h5ad(path)
    assert str(path) in str(info.value)


def test_read_missing_h5mu(tmp_path):
    with pytest.raises(InputError, match="not found"):
        read_h5mu(tmp_path / "x.h5mu")


def test_write_into_missing_folder(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        write_h5ad(small(), tmp_path / "no" / "x.h5ad")
