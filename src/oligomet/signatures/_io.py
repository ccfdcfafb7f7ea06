"""Reading signatures: the shipped YAML files, and user files in YAML, CSV/TSV or GMT."""

from __future__ import annotations

import csv
import gzip
import io
import logging
import os
import re
import zlib
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from .._errors import InputError
from .._yaml import load_strict, yaml_problem
from ._model import ID_TYPES, SCORINGS, Signature

__all__ = ["infer_id_type", "list_signatures", "load_signature", "read_signature"]

logger = logging.getLogger(__name__)

_PACKAGE = "oligomet.signatures"
_YAML_SUFFIXES = (".yaml", ".yml")
_TABLE_SUFFIXES = {".csv": ",", ".tsv": "\t", ".tab": "\t", ".txt": "\t"}
_TABLE_COLUMNS = ("feature", "weight", "direction", "id_type")
# MSigDB-style halves of one signature: NAME_UP / NAME_DN (or NAME_DOWN).
_HALF = re.compile(r"^(?P<base>.+?)_(?P<half>UP|DN|DOWN)$", re.IGNORECASE)


def _read_text(path: Path) -> str:
    """The text of a plain or gzip-compressed UTF-8 file; every failure as an InputError."""
    if path.is_dir():
        raise InputError(f"{path} is a directory; give the path of a signature file")
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(
            f"{path}: no such file; give a shipped signature name "
            f"({', '.join(list_signatures())}) or the path of a signature file"
        ) from None
    except OSError as error:
        raise InputError(f"{path}: cannot read the file ({error.strerror})") from None
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error):
            raise InputError(f"{path}: not a valid gzip file") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(
            f"{path}: not UTF-8 text (byte {error.start}); save the file as UTF-8"
        ) from None
    if not text.strip():
        raise InputError(f"{path}: the file is empty")
    return text


def _parse_yaml(text: str, source: str, *, name: str | None = None) -> Signature:
    try:
        mapping, _ = load_strict(text)  # a SafeLoader: no arbitrary Python objects
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        if mark is not None and getattr(error, "problem", None):
            problem = f", line {mark.line + 1}: not valid YAML: {error.problem}"
        else:
            problem = f": not valid YAML: {yaml_problem(error)}"
        raise InputError(f"{source}{problem}") from None
    if name is not None and isinstance(mapping, dict):
        mapping = {**mapping, "name": name}
    return Signature.from_mapping(mapping, source=source)


def list_signatures() -> list[str]:
    """Names of the signatures shipped with oligomet.

    Returns
    -------
    list of str
        Sorted names, each loadable with :func:`load_signature`.

    Examples
    --------
    >>> list_signatures()
    ['katipally2023', 'mir200_family', 'mir200c']
    """
    folder = resources.files(_PACKAGE).joinpath("data")
    return sorted(
        entry.name.rsplit(".", 1)[0]
        for entry in folder.iterdir()
        if entry.is_file() and entry.name.endswith(".yaml")
    )


def load_signature(name_or_path: str | os.PathLike[str] | Signature) -> Signature:
    """A shipped signature by name, or a user's signature file by path.

    Parameters
    ----------
    name_or_path : str, path-like or Signature
        A name from :func:`list_signatures` (e.g. ``"mir200c"``), or the path of a file that
        :func:`read_signature` reads (a shipped name wins over a file of the same name in the
        working directory). A :class:`Signature` is returned as it is.

    Returns
    -------
    Signature

    Raises
    ------
    InputError
        If the name is neither shipped nor an existing file, or the file is invalid (the
        message names the file and the field).

    Examples
    --------
    >>> signature = load_signature("mir200c")
    >>> signature.feature_ids, signature.weights
    (['hsa-miR-200c-3p'], (1.0,))
    """
    if isinstance(name_or_path, Signature):
        return name_or_path
    if isinstance(name_or_path, str) and name_or_path in list_signatures():
        resource = resources.files(_PACKAGE).joinpath("data", f"{name_or_path}.yaml")
        return _parse_yaml(
            resource.read_text(encoding="utf-8"), f"{_PACKAGE}/data/{name_or_path}.yaml"
        )
    path = Path(name_or_path)
    if not path.exists() and path.suffix == "" and os.sep not in str(name_or_path):
        raise InputError(
            f"unknown signature {str(name_or_path)!r}: not a shipped signature "
            f"({', '.join(list_signatures())}) and no such file"
        )
    return read_signature(path)


def _file_kind(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    suffix = suffixes[-1] if suffixes else ""
    if suffix in _YAML_SUFFIXES:
        return "yaml"
    if suffix == ".gmt":
        return "gmt"
    if suffix in _TABLE_SUFFIXES:
        return suffix
    raise InputError(
        f"{path}: unknown signature file type {suffix or '(no extension)'!r}; use .yaml, .csv, "
        ".tsv or .gmt (optionally gzipped)"
    )


def _stem(path: Path) -> str:
    name = path.name
    for suffix in (".gz", *_YAML_SUFFIXES, ".gmt", *_TABLE_SUFFIXES):
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
    return name


def read_signature(
    path: str | os.PathLike[str],
    *,
    name: str | None = None,
    scoring: str | None = None,
    id_type: str | None = None,
    organism: str = "Homo sapiens",
) -> Signature:
    """Read a user's signature file: YAML, CSV/TSV or GMT (plain or gzipped).

    Parameters
    ----------
    path : path-like
        ``.yaml``/``.yml``
            All fields of a signature (see ``oligomet/signatures/schema.yaml``).
        ``.csv`` (comma), ``.tsv``/``.tab``/``.txt`` (tab)
            A header line naming a ``feature`` column and optionally ``weight`` *or*
            ``direction`` (``up``/``down``: higher/lower in the positive class) and ``id_type``;
            one feature a line. Lines starting with ``#`` are comments.
        ``.gmt``
            Gene sets, one a line: ``name<TAB>description<TAB>gene<TAB>gene…``. Sets named
            ``X_UP`` and ``X_DN`` (or ``X_DOWN``) form one signature ``X`` whose features have
            directions up and down; a lone ``_UP``/``_DN`` set gives all features that direction;
            any other set has no directions.
    name : str, optional
        YAML: replaces the file's name. CSV/TSV: the signature's name (default: the file name
        without extensions). GMT: which set (or ``X`` of an ``X_UP``/``X_DN`` pair) to read;
        needed when the file holds more than one.
    scoring : {"weighted_mean", "retrain"}, optional
        CSV/TSV/GMT only. Default: ``weighted_mean`` when weights or directions are given, else
        ``retrain`` (no weights to score with: a classifier is refitted in each training fold).
        ``"weighted_mean"`` on a set without directions scores every feature as ``up``.
    id_type : str, optional
        CSV/TSV/GMT only: identifier type of the features (one of
        ``hgnc_symbol, mirbase_mature, mirbase_precursor, hgnc_mirna_symbol``). Default:
        inferred per feature (``hsa-miR-…`` mature, ``hsa-mir-…`` precursor, ``MIR21`` HGNC miRNA
        gene, anything else a gene symbol).
    organism : str, default="Homo sapiens"
        CSV/TSV/GMT only.

    Returns
    -------
    Signature
        CSV/TSV/GMT signatures have provenance ``user``.

    Raises
    ------
    InputError
        Naming the file and the line (CSV/TSV/GMT) or field (YAML) that is wrong.
    """
    path = Path(path)
    kind = _file_kind(path)
    text = _read_text(path)
    if kind == "yaml":
        for option, value in (("scoring", scoring), ("id_type", id_type)):
            if value is not None:
                raise InputError(
                    f"{path}: {option} is set in the YAML file itself, not by read_signature"
                )
        return _parse_yaml(text, str(path), name=name)
    if scoring is not None and scoring not in SCORINGS:
        raise InputError(f"scoring must be one of {', '.join(SCORINGS)}, got {scoring!r}")
    if id_type is not None and id_type not in ID_TYPES:
        raise InputError(f"id_type must be one of {', '.join(ID_TYPES)}, got {id_type!r}")
    if kind == "gmt":
        signature = _read_gmt(
            text, path, name=name, scoring=scoring, id_type=id_type, organism=organism
        )
    else:
        signature = _read_table(
            text,
            path,
            sep=_TABLE_SUFFIXES[kind],
            name=name,
            scoring=scoring,
            id_type=id_type,
            organism=organism,
        )
    logger.info(
        "signature %s: %d features (scoring %s) read from %s",
        signature.name,
        len(signature.features),
        signature.scoring,
        path,
    )
    return signature


def infer_id_type(feature_id: str) -> str:
    """The identifier type a feature id is written in (see :func:`read_signature`).

    Examples
    --------
    >>> [infer_id_type(i) for i in ("hsa-miR-200c-3p", "hsa-mir-200c", "MIR30C1", "FAP")]
    ['mirbase_mature', 'mirbase_precursor', 'hgnc_mirna_symbol', 'hgnc_symbol']
    """
    from ..io import mirna_key

    if mirna_key(feature_id) is None:
        return "hgnc_symbol"
    if re.match(r"^MIR", feature_id):  # HGNC writes miRNA genes in capitals: MIR21, MIRLET7A1
        return "hgnc_mirna_symbol"
    if re.search(r"miR-|-[35]p$|\*$", feature_id):
        return "mirbase_mature"
    return "mirbase_precursor"


def _with_id_types(
    features: list[dict[str, Any]], id_type: str | None
) -> tuple[str, list[dict[str, Any]]]:
    """The signature's id_type, and features carrying their own where they differ from it."""
    if id_type is not None:
        return id_type, features
    inferred = [feature.get("id_type") or infer_id_type(feature["id"]) for feature in features]
    common = max(ID_TYPES, key=inferred.count)
    return common, [
        {**feature, "id_type": kind} if kind != common else feature
        for feature, kind in zip(features, inferred, strict=True)
    ]


def _user_signature(
    *,
    name: str,
    description: str,
    features: list[dict[str, Any]],
    has_signs: bool,
    scoring: str | None,
    id_type: str | None,
    organism: str,
    source: Path,
    lines: Sequence[int],
) -> Signature:
    scoring = scoring or ("weighted_mean" if has_signs else "retrain")
    if scoring == "weighted_mean" and not has_signs:
        features = [{**feature, "direction": "up"} for feature in features]
        note = f"read from {source.name}; no weights or directions given, every feature scored up"
    elif scoring == "retrain":
        note = f"read from {source.name}; no published weights: refitted in each training fold"
        if has_signs:
            features = [{k: v for k, v in f.items() if k != "weight"} for f in features]
    else:
        note = f"read from {source.name}"
    common, features = _with_id_types(features, id_type)
    mapping = {
        "name": name,
        "description": description,
        "scoring": scoring,
        "organism": organism,
        "id_type": common,
        "provenance": "user",
        "provenance_note": note,
        "features": features,
    }

    def locate(location: tuple[Any, ...]) -> str | None:
        if len(location) >= 2 and location[0] == "features" and isinstance(location[1], int):
            return f"line {lines[location[1]]}" + (f" ({location[2]})" if len(location) > 2 else "")
        return None

    return Signature.from_mapping(mapping, source=str(source), locate=locate)


def _read_table(
    text: str,
    path: Path,
    *,
    sep: str,
    name: str | None,
    scoring: str | None,
    id_type: str | None,
    organism: str,
) -> Signature:
    lines = io.StringIO(text, newline=None)  # "\r\n" and old Macs' bare "\r" read as "\n"
    rows = [
        (number, row)
        for number, row in enumerate(csv.reader(lines, delimiter=sep), 1)
        if row and any(cell.strip() for cell in row) and not row[0].lstrip().startswith("#")
    ]
    if not rows:
        raise InputError(f"{path}: no header line and no features")
    header_line, header = rows[0]
    columns = [cell.strip().lower() for cell in header]
    if "feature" not in columns:
        separator = "tab" if sep == "\t" else "comma"
        raise InputError(
            f"{path}, line {header_line}: the header must name a 'feature' column "
            f"({separator}-separated; optional: weight or direction, id_type), got {header!r}"
        )
    unknown = [c for c in columns if c not in _TABLE_COLUMNS]
    if unknown:
        raise InputError(
            f"{path}, line {header_line}: unknown column(s) {', '.join(map(repr, unknown))}; "
            f"allowed: {', '.join(_TABLE_COLUMNS)}"
        )
    if len(set(columns)) != len(columns):
        raise InputError(f"{path}, line {header_line}: a column is named twice in {header!r}")
    if "weight" in columns and "direction" in columns:
        raise InputError(
            f"{path}, line {header_line}: give a weight column or a direction column, not both"
        )
    features: list[dict[str, Any]] = []
    lines: list[int] = []
    for number, row in rows[1:]:
        if len(row) > len(columns):
            raise InputError(
                f"{path}, line {number}: {len(row)} fields but the header has {len(columns)}; "
                f"check the delimiter ({'tab' if sep == chr(9) else 'comma'})"
            )
        cells = dict(zip(columns, (cell.strip() for cell in row), strict=False))
        feature: dict[str, Any] = {"id": cells.get("feature", "")}
        if not feature["id"]:
            raise InputError(f"{path}, line {number}: empty feature")
        if cells.get("weight"):
            try:
                feature["weight"] = float(cells["weight"])
            except ValueError:
                raise InputError(
                    f"{path}, line {number}: weight {cells['weight']!r} is not a number"
                ) from None
        if cells.get("direction"):
            feature["direction"] = cells["direction"].lower()
        if cells.get("id_type"):
            feature["id_type"] = cells["id_type"]
        features.append(feature)
        lines.append(number)
    if not features:
        raise InputError(f"{path}: a header line but no features")
    has_signs = any("weight" in f or "direction" in f for f in features)
    return _user_signature(
        name=name or _stem(path),
        description=f"User signature of {len(features)} features read from {path.name}.",
        features=features,
        has_signs=has_signs,
        scoring=scoring,
        id_type=id_type,
        organism=organism,
        source=path,
        lines=lines,
    )


def _gmt_sets(text: str, path: Path) -> dict[str, tuple[int, str, list[str]]]:
    """Each set of a GMT file: its line, description and genes."""
    sets: dict[str, tuple[int, str, list[str]]] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = [field.strip() for field in line.rstrip("\r\n").split("\t")]
        genes = [gene for gene in fields[2:] if gene]
        if len(fields) < 3 or not fields[0] or not genes:
            raise InputError(
                f"{path}, line {number}: expected 'name<TAB>description<TAB>gene<TAB>...' with "
                f"at least one gene, got {line[:60]!r}"
            )
        if fields[0] in sets:
            raise InputError(
                f"{path}, line {number}: set {fields[0]!r} already given on line "
                f"{sets[fields[0]][0]}"
            )
        sets[fields[0]] = (number, fields[1], genes)
    return sets


def _gmt_signatures(sets, path: Path) -> dict[str, list[tuple[str, str | None]]]:
    """Signatures by name, each its (set, direction) members: ``X_UP`` pairs with ``X_DN`` or
    ``X_DOWN``; every other set stands alone."""
    halves: dict[str, dict[str, str]] = {}
    for set_name in sets:
        match = _HALF.match(set_name)
        if match:
            half = "up" if match["half"].upper() == "UP" else "down"
            group = halves.setdefault(match["base"], {})
            if half in group:
                raise InputError(
                    f"{path}, line {sets[set_name][0]}: {set_name!r} and {group[half]!r} are both "
                    f"the {half} half of {match['base']!r}"
                )
            group[half] = set_name
    signatures: dict[str, list[tuple[str, str | None]]] = {}
    for base, group in halves.items():
        if len(group) == 2:
            signatures[base] = [(group["up"], "up"), (group["down"], "down")]
    for set_name in sets:
        match = _HALF.match(set_name)
        paired = match is not None and match["base"] in signatures
        if not paired:
            direction = None
            if match is not None:
                direction = "up" if match["half"].upper() == "UP" else "down"
            signatures[set_name] = [(set_name, direction)]
    return signatures


def _chosen_members(signatures, sets, name: str | None, path: Path):
    """The chosen signature's name and members (the file's only one when no name is given)."""
    if name is None:
        if len(signatures) != 1:
            raise InputError(
                f"{path}: {len(signatures)} signatures in the file "
                f"({', '.join(sorted(signatures))}); choose one with name=..."
            )
        name = next(iter(signatures))
    if name not in signatures and name in sets:  # one half of a pair, asked for by its own name
        match = _HALF.match(name)
        signatures[name] = [(name, "up" if match["half"].upper() == "UP" else "down")]
    if name not in signatures:
        raise InputError(
            f"{path}: no set named {name!r}; the file holds {', '.join(sorted(signatures))}"
        )
    return name, signatures[name]


def _gmt_features(members, sets, path: Path) -> tuple[list[dict[str, Any]], list[int]]:
    """Features (with directions) of the members, and the line each came from."""
    features: list[dict[str, Any]] = []
    lines: list[int] = []
    first_seen: dict[str, str] = {}
    for set_name, direction in members:
        number, _, genes = sets[set_name]
        for gene in genes:
            if gene in first_seen:
                where = first_seen[gene]
                within = (
                    f" (in {where!r} and {set_name!r})" if where != set_name else f" in {where!r}"
                )
                raise InputError(f"{path}, line {number}: {gene!r} is listed twice{within}")
            first_seen[gene] = set_name
            features.append({"id": gene} | ({"direction": direction} if direction else {}))
            lines.append(number)
    return features, lines


def _read_gmt(
    text: str,
    path: Path,
    *,
    name: str | None,
    scoring: str | None,
    id_type: str | None,
    organism: str,
) -> Signature:
    sets = _gmt_sets(text, path)
    name, members = _chosen_members(_gmt_signatures(sets, path), sets, name, path)
    features, lines = _gmt_features(members, sets, path)
    descriptions = [sets[set_name][1] for set_name, _ in members if sets[set_name][1]]
    description = f"Gene set {name} read from {path.name}"
    if descriptions:
        description += f" ({'; '.join(dict.fromkeys(descriptions))})"
    return _user_signature(
        name=name,
        description=description + ".",
        features=features,
        has_signs=any(direction for _, direction in members),
        scoring=scoring,
        id_type=id_type,
        organism=organism,
        source=path,
        lines=lines,
    )
