"""miRNA name keys, lookup, miRBase aliases."""

from __future__ import annotations

import gzip

import anndata as ad
import numpy as np
import pandas as pd
import pytest

from oligomet._errors import InputError
from oligomet.io import find_mirna, harmonise_mirna_names, mirna_key, read_mirbase_aliases

ALIASES = (
    "MIMAT0000062\thsa-let-7a;hsa-let-7a-5p;\n"
    "MI0000063\thsa-let-7b;\n"
    "MIMAT0000617\thsa-miR-200c;hsa-miR-200c-3p;\n"
)


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("hsa-mir-200c", "mir-200c"),
        ("hsa-miR-200c-3p", "mir-200c"),
        ("miR-200c", "mir-200c"),
        ("MIR200C", "mir-200c"),
        ("hsa-miR-200c*", "mir-200c"),
        ("MIR30C1", "mir-30c-1"),
        ("hsa-mir-30c-1", "mir-30c-1"),
        ("hsa-miR-30c-1-3p", "mir-30c-1"),
        ("MIR1-1", "mir-1-1"),
        ("hsa-let-7a-1", "let-7a-1"),
        ("MIRLET7A1", "let-7a-1"),
        ("mmu-miR-21a-5p", "mir-21a"),
        ("hsa-mir-548aa-1", "mir-548aa-1"),
        ("MIR17HG", None),
        ("TP53", None),
        ("MIMAT0000062", None),
        ("MIRO1", None),
    ],
)
def test_mirna_key(name, key):
    assert mirna_key(name) == key


def test_find_mirna_exact_then_locus():
    names = ["hsa-mir-30c-1", "hsa-mir-30c-2", "hsa-mir-30d", "hsa-mir-200c"]
    assert find_mirna("hsa-miR-200c-3p", names) == ["hsa-mir-200c"]
    assert find_mirna("miR-30c", names) == ["hsa-mir-30c-1", "hsa-mir-30c-2"]
    assert find_mirna("hsa-mir-200c-1", names) == ["hsa-mir-200c"]
    assert find_mirna("miR-31", names) == []
    assert find_mirna("TP53", names) == []


@pytest.mark.parametrize("suffix", ["txt", "txt.gz"])
def test_read_mirbase_aliases(tmp_path, suffix):
    path = tmp_path / f"aliases.{suffix}"
    data = ALIASES.encode()
    path.write_bytes(gzip.compress(data) if suffix.endswith("gz") else data)
    aliases = read_mirbase_aliases(path)
    assert aliases["MIMAT0000062"] == ["hsa-let-7a", "hsa-let-7a-5p"]
    assert aliases["MI0000063"] == ["hsa-let-7b"]


def test_read_mirbase_aliases_bad_line(tmp_path):
    path = tmp_path / "aliases.txt"
    path.write_text("MIMAT0000062 hsa-let-7a\n")
    with pytest.raises(InputError, match="line 1") as info:
        read_mirbase_aliases(path)
    assert str(path) in str(info.value)


def _adata(names):
    return ad.AnnData(
        X=np.zeros((2, len(names))),
        obs=pd.DataFrame(index=pd.Index(["s1", "s2"])),
        var=pd.DataFrame(index=pd.Index(names)),
    )


def test_harmonise_mirna_names_with_aliases(tmp_path):
    path = tmp_path / "aliases.txt"
    path.write_text(ALIASES)
    adata = _adata(["MIMAT0000062", "MI0000063", "MIMAT9999999", "hsa-mir-21"])
    result = harmonise_mirna_names(adata, aliases=read_mirbase_aliases(path))
    assert result is None
    assert adata.var["mirna_name"].tolist()[:2] == ["hsa-let-7a-5p", "hsa-let-7b"]
    assert adata.var["mirna_key"].tolist() == ["let-7a", "let-7b", None, "mir-21"]
    assert pd.isna(adata.var.loc["MIMAT9999999", "mirna_name"])


def test_harmonise_mirna_names_copy():
    adata = _adata(["hsa-miR-200c-3p", "GAPDH"])
    copied = harmonise_mirna_names(adata, copy=True)
    assert "mirna_key" not in adata.var.columns
    assert copied.var["mirna_key"].tolist() == ["mir-200c", None]


def test_find_mirna_respects_arm_and_species():
    from oligomet.io import find_mirna

    assert find_mirna("hsa-miR-200c-3p", ["hsa-miR-200c-5p"]) == []
    assert find_mirna("hsa-miR-200c-3p", ["mmu-miR-200c-3p", "hsa-mir-200c"]) == ["hsa-mir-200c"]
    both = ["hsa-miR-200c-5p", "hsa-miR-200c-3p", "hsa-mir-200c"]
    assert find_mirna("hsa-miR-200c-3p", both) == ["hsa-miR-200c-3p"]
    assert find_mirna("hsa-miR-200c-3p", ["MIR200C"]) == ["MIR200C"]
    assert find_mirna("miR-200c-3p", ["mmu-miR-200c-3p"]) == ["mmu-miR-200c-3p"]
