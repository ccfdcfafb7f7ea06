"""Matching signature features to table columns: gene symbols, miRNA spellings, refusals."""

from __future__ import annotations

import math

import pytest

from oligomet import InputError
from oligomet.signatures import Signature, load_signature, match_features

KATIPALLY_GENES = [
    "JAML", "PREX2", "FAP", "MITF", "LDB2", "LRRC8C", "DDR2", "TSSC4", "CRIPT", "TCIRG1", "PKD2",
    "ITPR1", "ERF", "CFAP97", "RARS2", "PIK3CA", "ATAD1", "CEBPZ", "RYK", "REST", "RIF1", "USP34",
    "INO80D", "RBMX",
]  # fmt: skip
KATIPALLY_MIRNAS = ["MIR548X", "MIR21", "MIR8072", "MIR762", "MIR92B", "MIR7515", "MIR30C1"]


def _signature(features, id_type="mirbase_mature", **extra) -> Signature:
    return Signature.from_mapping(
        {
            "name": "test",
            "description": "test",
            "scoring": "weighted_mean",
            "organism": "Homo sapiens",
            "id_type": id_type,
            "provenance": "user",
            "features": [{"id": f, "direction": "up"} for f in features],
            **extra,
        }
    )


def test_katipally_mirna_symbols_against_precursor_columns():
    columns = [
        "hsa-mir-21", "hsa-mir-30c-1", "hsa-mir-30c-2", "hsa-mir-548x", "hsa-mir-92b",
        "hsa-mir-92a-1", "hsa-mir-200c",
    ]  # fmt: skip
    match = match_features(load_signature("katipally2023"), columns)
    assert match.found == {
        "MIR548X": "hsa-mir-548x",
        "MIR21": "hsa-mir-21",
        "MIR92B": "hsa-mir-92b",
        "MIR30C1": "hsa-mir-30c-1",  # the locus, not hsa-mir-30c-2
    }
    assert match.missing == [*KATIPALLY_GENES, "MIR8072", "MIR762", "MIR7515"]
    assert match.n_found == 4 and match.n_features == 31
    assert math.isclose(match.fraction, 4 / 31)


def test_mature_columns_and_the_precursor_preferred_for_a_gene_symbol():
    katipally = load_signature("katipally2023")
    assert match_features(katipally, ["hsa-miR-21-5p"]).found == {"MIR21": "hsa-miR-21-5p"}
    # HGNC MIR21 is the gene (precursor locus): with both spellings present, the precursor.
    both = match_features(katipally, ["hsa-miR-21-5p", "hsa-mir-21"])
    assert both.found == {"MIR21": "hsa-mir-21"}


def test_gene_symbols_match_case_insensitively_and_symbol_pipe_id():
    katipally = load_signature("katipally2023")
    match = match_features(katipally, ["fap", "MITF|4286", "Ldb2", "FAPP", "XMITF"])
    assert match.found == {"FAP": "fap", "MITF": "MITF|4286", "LDB2": "Ldb2"}
    # An exact spelling wins over other cases.
    assert match_features(katipally, ["Fap", "FAP"]).found == {"FAP": "FAP"}
    with pytest.raises(InputError, match=r"'FAP' matches 2 columns \(FAP\|2191, FAP\|9999\)"):
        match_features(katipally, ["FAP|2191", "FAP|9999"])


def test_mature_ids_against_mixed_spellings():
    mir200c = load_signature("mir200c")  # hsa-miR-200c-3p
    assert match_features(mir200c, ["hsa-miR-200c-5p", "hsa-mir-200c"]).found == {
        "hsa-miR-200c-3p": "hsa-mir-200c"  # never the other arm
    }
    assert match_features(mir200c, ["hsa-mir-200c", "hsa-miR-200c-3p"]).found == {
        "hsa-miR-200c-3p": "hsa-miR-200c-3p"  # the exact mature name over the precursor
    }
    assert match_features(mir200c, ["MIR200C"]).found == {"hsa-miR-200c-3p": "MIR200C"}
    assert match_features(mir200c, ["hsa-miR-200c-5p"]).missing == ["hsa-miR-200c-3p"]


def test_ambiguous_mirna_is_an_error_naming_the_columns():
    no_arm = _signature(["hsa-miR-21"])
    with pytest.raises(InputError, match=r"'hsa-miR-21' matches 2 columns .*-3p/-5p"):
        match_features(no_arm, ["hsa-miR-21-5p", "hsa-miR-21-3p"])
    no_locus = _signature(["hsa-mir-30c"], id_type="mirbase_precursor")
    with pytest.raises(InputError, match=r"\(hsa-mir-30c-1, hsa-mir-30c-2\)"):
        match_features(no_locus, ["hsa-mir-30c-1", "hsa-mir-30c-2"])


def test_one_column_cannot_stand_for_two_features():
    both_arms = _signature(["hsa-miR-200c-3p", "hsa-miR-200c-5p"])
    with pytest.raises(InputError, match=r"both match column 'hsa-mir-200c'"):
        match_features(both_arms, ["hsa-mir-200c"])
    found = match_features(both_arms, ["hsa-miR-200c-3p", "hsa-miR-200c-5p"]).found
    assert found == {"hsa-miR-200c-3p": "hsa-miR-200c-3p", "hsa-miR-200c-5p": "hsa-miR-200c-5p"}


def test_report_and_refusal_below_the_minimum():
    katipally = load_signature("katipally2023")
    match = match_features(katipally, ["FAP", "MITF", "hsa-mir-21"])
    missing = [g for g in KATIPALLY_GENES if g not in ("FAP", "MITF")] + [
        m for m in KATIPALLY_MIRNAS if m != "MIR21"
    ]
    assert match.report() == (
        f"signature katipally2023: 3 of 31 features found (need 16); missing: {', '.join(missing)}"
    )
    with pytest.raises(InputError) as error:
        match.check()
    assert str(error.value) == (
        f"signature katipally2023: only 3 of 31 features found (need 16); missing: "
        f"{', '.join(missing)}; check the ID type (hgnc_symbol, hgnc_mirna_symbol) of your table"
    )
    enough = match_features(katipally, KATIPALLY_GENES[:16])
    assert enough.check() is enough


def test_min_features_and_weights_of_the_found_features():
    signature = Signature.from_mapping(
        {
            "name": "three",
            "description": "three genes",
            "scoring": "weighted_mean",
            "organism": "Homo sapiens",
            "id_type": "hgnc_symbol",
            "provenance": "user",
            "min_features": 2,
            "features": [
                {"id": "A", "weight": 2.0},
                {"id": "B", "weight": -1.0},
                {"id": "C", "weight": 0.5},
            ],
        }
    )
    match = match_features(signature, ["C", "A", "other"])
    assert match.columns == ["A", "C"]  # the signature's order, not the table's
    assert match.weights == (2.0, 0.5)
    assert match.check() is match
    with pytest.raises(InputError, match=r"only 1 of 3 features found \(need 2\); missing: B, C"):
        match_features(signature, ["A"]).check()
    summary = match.summary
    assert summary.index.tolist() == ["A", "B", "C"]
    assert summary["column"].tolist() == ["A", None, "C"]
    assert summary["weight"].tolist() == [2.0, -1.0, 0.5]
    assert match.to_dict() == {
        "signature": "three",
        "n_features": 3,
        "n_found": 2,
        "n_required": 2,
        "found": {"A": "A", "C": "C"},
        "missing": ["B"],
    }


def test_non_string_columns_are_compared_as_text():
    signature = _signature(["7"], id_type="hgnc_symbol")
    match = match_features(signature, [7, 8])
    assert match.found == {"7": 7}  # the label as the table has it, to index the table with
