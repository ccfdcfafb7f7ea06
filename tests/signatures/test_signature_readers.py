"""User signature files: CSV/TSV tables and GMT gene sets (with UP/DN pairing)."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from oligomet import InputError
from oligomet.signatures import infer_id_type, load_signature, read_signature


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_csv_with_weights(tmp_path):
    path = _write(tmp_path, "my_genes.csv", "feature,weight\nFAP,0.5\n# a comment\nMITF,-2\n")
    signature = read_signature(path)
    assert signature.name == "my_genes"
    assert signature.scoring == "weighted_mean"
    assert signature.weights == (0.5, -2.0)
    assert signature.provenance == "user"
    assert signature.id_type == "hgnc_symbol"
    assert load_signature(path) == signature


def test_tsv_with_directions_and_mixed_id_types(tmp_path):
    text = "Feature\tDirection\nFAP\tup\nhsa-miR-200c-3p\tDOWN\nMIR21\tdown\nTP53\tup\n"
    signature = read_signature(_write(tmp_path, "mixed.tsv", text), name="mixed_sig")
    assert signature.name == "mixed_sig"
    assert signature.weights == (1.0, -1.0, -1.0, 1.0)
    assert signature.id_type == "hgnc_symbol"  # the most common
    assert [f.id_type for f in signature.features] == [
        None,
        "mirbase_mature",
        "hgnc_mirna_symbol",
        None,
    ]


def test_gzipped_table(tmp_path):
    path = tmp_path / "genes.csv.gz"
    path.write_bytes(gzip.compress(b"feature\nFAP\nMITF\n"))
    signature = read_signature(path)
    assert signature.name == "genes"
    assert signature.feature_ids == ["FAP", "MITF"]


def test_plain_list_is_retrained_unless_asked(tmp_path):
    path = _write(tmp_path, "plain.csv", "feature\nFAP\nMITF\n")
    signature = read_signature(path)
    assert signature.scoring == "retrain" and signature.weights is None
    assert "refitted" in signature.provenance_note
    scored = read_signature(path, scoring="weighted_mean")
    assert scored.weights == (1.0, 1.0)
    assert "every feature scored up" in scored.provenance_note


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("gene,weight\nFAP,1\n", r"line 1: the header must name a 'feature' column"),
        ("FAP\nMITF\n", r"line 1: the header must name a 'feature' column"),
        ("feature,weight\nFAP,1\nMITF,high\n", r"line 3: weight 'high' is not a number"),
        ("feature,direction\nFAP,up\nMITF,sideways\n", r"line 3 \(direction\): Input should"),
        ("feature,weight,direction\nFAP,1,up\n", r"line 1: give a weight column or a direction"),
        ("feature,wieght\nFAP,1\n", r"line 1: unknown column\(s\) 'wieght'"),
        ("feature,weight\nFAP,1\n,2\n", r"line 3: empty feature"),
        ("feature,weight\nFAP,1\nfap,2\n", r"duplicate feature id 'fap'"),
        ("feature\n", r"a header line but no features"),
        ("feature,weight\nFAP,1,3\n", r"line 2: 3 fields but the header has 2"),
    ],
)
def test_table_errors_name_file_and_line(tmp_path, text, words):
    path = _write(tmp_path, "bad.csv", text)
    with pytest.raises(InputError, match=words) as error:
        read_signature(path)
    assert str(path) in str(error.value)


def test_reader_options_are_checked(tmp_path):
    path = _write(tmp_path, "plain.csv", "feature\nFAP\n")
    with pytest.raises(InputError, match="scoring must be one of"):
        read_signature(path, scoring="mean")
    with pytest.raises(InputError, match="id_type must be one of"):
        read_signature(path, id_type="entrez")
    assert read_signature(path, id_type="hgnc_symbol").id_type == "hgnc_symbol"


GMT = (
    "EMT_UP\thttp://example.org/emt\tVIM\tZEB1\tSNAI2\t\n"
    "EMT_DN\thttp://example.org/emt\tCDH1\tEPCAM\n"
    "HYPOXIA\tplain set\tVEGFA\tCA9\n"
    "INVASION_DOWN\tlone half\tTIMP3\n"
)


def test_gmt_pairs_up_and_down_halves(tmp_path):
    path = _write(tmp_path, "sets.gmt", GMT)
    signature = read_signature(path, name="EMT")
    assert signature.name == "EMT"
    assert signature.feature_ids == ["VIM", "ZEB1", "SNAI2", "CDH1", "EPCAM"]
    assert signature.weights == (1.0, 1.0, 1.0, -1.0, -1.0)
    assert signature.scoring == "weighted_mean"
    assert "http://example.org/emt" in signature.description


def test_gmt_plain_set_and_single_halves(tmp_path):
    path = _write(tmp_path, "sets.gmt", GMT)
    plain = read_signature(path, name="HYPOXIA")
    assert plain.scoring == "retrain" and plain.feature_ids == ["VEGFA", "CA9"]
    assert read_signature(path, name="HYPOXIA", scoring="weighted_mean").weights == (1.0, 1.0)
    down = read_signature(path, name="INVASION_DOWN")
    assert down.weights == (-1.0,)
    up_half = read_signature(path, name="EMT_UP")  # one half of a pair, by its own name
    assert up_half.weights == (1.0, 1.0, 1.0)


def test_gmt_single_signature_needs_no_name(tmp_path):
    path = _write(tmp_path, "one.gmt", "A_UP\t\tG1\tG2\nA_DN\t\tG3\n")
    signature = read_signature(path)
    assert signature.name == "A" and signature.weights == (1.0, 1.0, -1.0)


@pytest.mark.parametrize(
    ("text", "name", "words"),
    [
        (GMT, None, r"3 signatures in the file \(EMT, HYPOXIA, INVASION_DOWN\); choose one"),
        (GMT, "NOPE", r"no set named 'NOPE'"),
        ("A\tdesc\n", None, r"line 1: expected 'name<TAB>description<TAB>gene"),
        ("A\tdesc\tG1\nA\tdesc\tG2\n", None, r"line 2: set 'A' already given on line 1"),
        ("A_UP\t\tG1\tG2\nA_DN\t\tG2\n", None, r"line 2: 'G2' is listed twice \(in 'A_UP' and"),
        ("A_DN\t\tG1\nA_DOWN\t\tG2\n", None, r"both the down half of 'A'"),
    ],
)
def test_gmt_errors(tmp_path, text, name, words):
    path = _write(tmp_path, "bad.gmt", text)
    with pytest.raises(InputError, match=words) as error:
        read_signature(path, name=name)
    assert str(path) in str(error.value)


def test_infer_id_type():
    assert infer_id_type("hsa-miR-21-5p") == "mirbase_mature"
    assert infer_id_type("miR-21") == "mirbase_mature"
    assert infer_id_type("hsa-mir-30c-1") == "mirbase_precursor"
    assert infer_id_type("hsa-let-7a-1") == "mirbase_precursor"
    assert infer_id_type("MIRLET7A1") == "hgnc_mirna_symbol"
    assert infer_id_type("MIR17HG") == "hgnc_symbol"  # a host gene, not a miRNA
    assert infer_id_type("FAP") == "hgnc_symbol"
