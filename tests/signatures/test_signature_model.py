"""Signature files: the schema, the shipped signatures, and errors that name file and field."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest
import yaml

from oligomet import InputError
from oligomet.signatures import (
    Signature,
    list_signatures,
    load_signature,
    read_signature,
    schema_yaml,
    signature_schema,
)

SHIPPED = resources.files("oligomet.signatures")

VALID = """\
name: toy
description: Two genes.
scoring: weighted_mean
organism: Homo sapiens
id_type: hgnc_symbol
provenance: user
features:
  - id: FAP
    direction: up
  - id: MITF
    direction: down
"""


def _write(tmp_path: Path, text: str, name: str = "toy.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_shipped_schema_is_generated_from_the_model():
    shipped = SHIPPED.joinpath("schema.yaml").read_text(encoding="utf-8")
    assert shipped == schema_yaml(), (
        "schema.yaml is stale; regenerate it with the command in its header"
    )
    document = yaml.safe_load(shipped)
    assert document == signature_schema()
    assert document["additionalProperties"] is False
    assert set(document["required"]) == {
        "name",
        "description",
        "scoring",
        "organism",
        "id_type",
        "provenance",
        "features",
    }
    feature = document["$defs"]["SignatureFeature"]
    assert feature["additionalProperties"] is False
    assert feature["properties"]["direction"]["anyOf"][0]["enum"] == ["up", "down"]


@pytest.mark.parametrize("name", ["mir200c", "mir200_family", "katipally2023"])
def test_every_shipped_signature_validates_and_follows_the_schema(name):
    assert name in list_signatures()
    text = SHIPPED.joinpath("data", f"{name}.yaml").read_text(encoding="utf-8")
    raw = yaml.safe_load(text)
    signature = load_signature(name)
    assert signature.name == name  # the file is named after the signature
    schema = signature_schema()
    assert set(schema["required"]) <= set(raw)
    assert set(raw) <= set(schema["properties"])
    enums = {"scoring": ["weighted_mean", "retrain"], "provenance": None, "id_type": None}
    for field in enums:
        allowed = schema["properties"][field]["enum"]
        assert raw[field] in allowed
    assert signature.citation and signature.doi and signature.provenance_note


def test_all_shipped_files_are_listed_and_load():
    files = sorted(
        entry.name[: -len(".yaml")]
        for entry in SHIPPED.joinpath("data").iterdir()
        if entry.name.endswith(".yaml")
    )
    assert list_signatures() == files
    for name in files:
        assert isinstance(load_signature(name), Signature)


def test_shipped_contents():
    mir200c = load_signature("mir200c")
    assert mir200c.feature_ids == ["hsa-miR-200c-3p"]
    assert mir200c.weights == (1.0,)
    family = load_signature("mir200_family")
    assert family.feature_ids == [
        "hsa-miR-200a-3p",
        "hsa-miR-200b-3p",
        "hsa-miR-200c-3p",
        "hsa-miR-141-3p",
        "hsa-miR-429",
    ]
    assert family.weights == (1.0,) * 5
    assert family.n_required == 3  # ceil(0.5 * 5)
    katipally = load_signature("katipally2023")
    assert len(katipally.features) == 31
    assert katipally.scoring == "retrain" and katipally.weights is None
    assert katipally.provenance == "published_features_retrained"
    assert katipally.doi == "10.1001/jamaoncol.2023.2535"
    assert katipally.reference_labels == ["canonical", "immune", "stromal"]
    mirnas = [f.id for f in katipally.features if f.id_type == "hgnc_mirna_symbol"]
    assert mirnas == ["MIR548X", "MIR21", "MIR8072", "MIR762", "MIR92B", "MIR7515", "MIR30C1"]
    assert katipally.n_required == 16  # ceil(0.5 * 31)


def test_round_trip_through_yaml(tmp_path):
    for name in list_signatures():
        signature = load_signature(name)
        again = read_signature(_write(tmp_path, signature.to_yaml(), f"{name}.yaml"))
        assert again == signature


def test_a_valid_user_yaml(tmp_path):
    signature = read_signature(_write(tmp_path, VALID))
    assert signature.weights == (1.0, -1.0)
    assert signature.n_required == 1
    renamed = read_signature(_write(tmp_path, VALID), name="other")
    assert renamed.name == "other"


@pytest.mark.parametrize(
    ("old", "new", "field", "words"),
    [
        ("name: toy\n", "", "name", "required field is missing"),
        ("direction: down", "direction: downwards", "features[1].direction", "'down'"),
        ("scoring: weighted_mean", "scoring: weighted_sum", "scoring", "'retrain'"),
        ("    direction: up", "    direction: up\n    weight: 2.0", "features[0]", "not both"),
        ("id: MITF", "id: fap", "features", "duplicate feature id 'fap'"),
        ("organism: Homo sapiens", "organism: Homo sapiens\ncolour: red", "colour", "unknown"),
        ("name: toy", "name: 12", "name", "valid string"),
        ("name: toy", "name: two words", "name", "pattern"),
        ("id_type: hgnc_symbol", "id_type: ensembl", "id_type", "hgnc_symbol"),
        ("provenance: user", "provenance: user\nmin_features: 3", "min_features", "more than"),
        ("provenance: user", "provenance: user\nmin_fraction: 1.5", "min_fraction", "1"),
        ("provenance: user", "provenance: published", "citation", "required"),
        ("provenance: user", "provenance: user\ndoi: doi:10.1/x", "doi", "pattern"),
        ("    direction: up\n", "    weight: 0.5\n", "features[1].direction", "not a mixture"),
        ("    direction: up\n", "", "features[0]", "needs a weight or a direction"),
        ("scoring: weighted_mean", "scoring: retrain", "features[0]", None),
    ],
)
def test_each_bad_field_is_named_with_the_file(tmp_path, old, new, field, words):
    assert old in VALID
    text = VALID.replace(old, new, 1)
    if field == "features[0]" and words is None:  # retrain with weights: must not list weights
        text = text.replace("direction: up", "weight: 1.5").replace("direction: down", "")
        field, words = "features[0].weight", "must not list any"
    path = _write(tmp_path, text)
    with pytest.raises(InputError) as error:
        read_signature(path)
    message = str(error.value)
    assert str(path) in message
    assert field in message
    assert words in message


def test_retrain_cannot_claim_published_weights(tmp_path):
    text = VALID.replace("scoring: weighted_mean", "scoring: retrain").replace(
        "provenance: user", "provenance: published\ncitation: A paper."
    )
    with pytest.raises(InputError, match="provenance: a 'retrain' signature"):
        read_signature(_write(tmp_path, text))


def test_yaml_errors_name_the_line(tmp_path):
    twice = VALID.replace("organism: Homo sapiens", "organism: Homo sapiens\nname: again")
    with pytest.raises(InputError, match=r"toy.yaml, line 5: .*'name' is given twice"):
        read_signature(_write(tmp_path, twice))
    broken = VALID.replace("  - id: MITF", "  - id: [MITF")
    with pytest.raises(InputError, match=r"toy.yaml, line \d+: not valid YAML"):
        read_signature(_write(tmp_path, broken))
    with pytest.raises(InputError, match="must be a mapping"):
        read_signature(_write(tmp_path, "- FAP\n- MITF\n"))
    with pytest.raises(InputError, match=r"toy.yaml: not valid YAML: nested too deeply"):
        read_signature(_write(tmp_path, "genes: " + "[" * 5000 + "]" * 5000))


def test_unknown_names_and_files(tmp_path):
    with pytest.raises(InputError, match=r"unknown signature 'mir-200c'.*mir200c"):
        load_signature("mir-200c")
    with pytest.raises(InputError, match="no such file"):
        load_signature(tmp_path / "absent.yaml")
    with pytest.raises(InputError, match=r"unknown signature file type '\.xlsx'"):
        read_signature(_write(tmp_path, "x", "genes.xlsx"))
    with pytest.raises(InputError, match="empty"):
        read_signature(_write(tmp_path, "\n", "empty.yaml"))


def test_n_required():
    base = yaml.safe_load(VALID)
    four = {**base, "features": [{"id": g, "direction": "up"} for g in "ABCD"]}
    assert Signature.from_mapping(four).n_required == 2
    assert Signature.from_mapping({**four, "min_fraction": 0.6}).n_required == 3  # 2.4 -> 3
    assert Signature.from_mapping({**four, "min_fraction": 0.75}).n_required == 3
    assert Signature.from_mapping({**four, "min_features": 4}).n_required == 4
    with pytest.raises(InputError, match="not both"):
        Signature.from_mapping({**four, "min_features": 1, "min_fraction": 0.5})
