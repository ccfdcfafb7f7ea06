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


@pytest.mark.parametrize("kind", ["h5ad", "h5mu"])
def test_damaged_files_give_the_package_error_only(tmp_path, kind):
    """Bytes flipped and files cut short (seeded): every failure is an InputError naming the
    file, whatever h5py or anndata raised inside (RuntimeError, IORegistryError, ...)."""
    import random

    adata = ad.AnnData(np.arange(40, dtype=float).reshape(8, 5))
    good = tmp_path / f"good.{kind}"
    if kind == "h5ad":
        adata.write_h5ad(good)
    else:
        other = adata.copy()
        other.var_names = [f"b{i}" for i in range(other.n_vars)]
        write_h5mu(assemble({"a": adata, "b": other})[0], good)
    reader = read_h5ad if kind == "h5ad" else read_h5mu
    data, rng = good.read_bytes(), random.Random(0)
    outcomes = set()
    for case in range(60):
        damaged = bytearray(data)
        for _ in range(rng.randint(1, 20)):
            damaged[rng.randrange(len(damaged))] = rng.randrange(256)
        if case % 3 == 0:
            damaged = damaged[: rng.randrange(len(damaged))]
        path = tmp_path / f"bad{case}.{kind}"
        path.write_bytes(bytes(damaged))
        try:
            reader(path)
            outcomes.add("read")
        except InputError as error:
            assert str(path) in str(error) and "\n" not in str(error)
            outcomes.add("refused")
    assert "refused" in outcomes
