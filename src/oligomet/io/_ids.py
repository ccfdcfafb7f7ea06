"""Sample-ID harmonisation across tables (expression views, clinical data).

Public cohorts write the same patient in many ways: ``TCGA.3Z.A93Z`` and ``TCGA-3Z-A93Z``; a
patient barcode ``TCGA-OR-A5J1`` in the clinical table and aliquot barcodes
``TCGA-OR-A5J1-01A-11R-A29S-07`` / ``…-A29W-13`` in two assays. :func:`harmonise_sample_ids`
maps every table's IDs to one canonical ID with the least aggressive rule that matches the
tables best, and refuses to guess when a rule would merge two samples of one table.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from .._errors import InputError
from ._files import (
    describe_sep,
    first_line,
    normalise_sep,
    read_string_table,
    read_text,
    sniff_delimiter,
)

__all__ = [
    "SampleMatch",
    "harmonise_sample_ids",
    "normalise_sample_id",
    "read_sample_map",
    "tcga_patient_id",
]

logger = logging.getLogger(__name__)

_SEPARATOR = re.compile(r"[._\s-]")
# On a normalised ID: project (TCGA), tissue source site (2), participant (4), then optional
# sample type (2 digits) + vial letter, portion + analyte, plate, centre.
_TCGA = re.compile(r"^(TCGA-[A-Z0-9]{2}-[A-Z0-9]{4})(?:-(\d{2})[A-Z]?(?:-.*)?)?$")
_N_SHOWN = 10


def normalise_sample_id(sample_id: str) -> str:
    """Case- and separator-insensitive form of a sample ID.

    Surrounding white space is stripped, letters are upper-cased, and each ``.``, ``_``,
    white-space character and ``-`` becomes ``-``.

    Parameters
    ----------
    sample_id : str
        The ID as written in a file.

    Returns
    -------
    str

    Examples
    --------
    >>> normalise_sample_id("TCGA.3z.a93z")
    'TCGA-3Z-A93Z'
    """
    return _SEPARATOR.sub("-", str(sample_id).strip().upper())


def tcga_patient_id(sample_id: str) -> str | None:
    """The patient part of a TCGA barcode (project, tissue source site, participant).

    Parameters
    ----------
    sample_id : str
        Any sample ID; separators and case are normalised first.

    Returns
    -------
    str or None
        ``TCGA-XX-XXXX`` for a TCGA barcode of any length, None for anything else.

    Examples
    --------
    >>> tcga_patient_id("TCGA-OR-A5J1-01A-11R-A29S-07")
    'TCGA-OR-A5J1'
    >>> tcga_patient_id("TCGA.OR.A5J1.01A")
    'TCGA-OR-A5J1'
    >>> tcga_patient_id("GSM12345") is None
    True
    """
    match = _TCGA.match(normalise_sample_id(sample_id))
    return match.group(1) if match else None


def _tcga_sample_id(sample_id: str) -> str | None:
    """Patient plus sample type (``TCGA-OR-A5J1-01``: 01 primary tumour, 11 normal tissue…)."""
    match = _TCGA.match(normalise_sample_id(sample_id))
    if match is None or match.group(2) is None:
        return None
    return f"{match.group(1)}-{match.group(2)}"


def _key_exact(sample_id: str) -> str:
    return sample_id


def _key_normalised(sample_id: str) -> str:
    return normalise_sample_id(sample_id)


def _key_tcga_sample(sample_id: str) -> str:
    return _tcga_sample_id(sample_id) or normalise_sample_id(sample_id)


def _key_tcga_patient(sample_id: str) -> str:
    return tcga_patient_id(sample_id) or normalise_sample_id(sample_id)


#: Matching rules, from the least to the most aggressive.
_RULES: dict[str, Callable[[str], str]] = {
    "exact": _key_exact,
    "normalised": _key_normalised,
    "tcga_sample": _key_tcga_sample,
    "tcga_patient": _key_tcga_patient,
}


def _preview(ids: Sequence[str], n: int = _N_SHOWN) -> str:
    shown = ", ".join(str(i) for i in ids[:n])
    return f"{shown} … and {len(ids) - n} more" if len(ids) > n else shown


@dataclass
class SampleMatch:
    """How the sample IDs of several tables were matched.

    Attributes
    ----------
    mapping : dict of str to dict of str to str
        For each table, its original IDs mapped to canonical IDs.
    common : list of str
        Canonical IDs present in every table, in the first table's order.
    rule : str
        The matching rule applied: ``"exact"``, ``"normalised"``, ``"tcga_sample"`` or
        ``"tcga_patient"`` (see :func:`harmonise_sample_ids`).
    used_sample_map : bool
        Whether an explicit sample map translated any ID.
    """

    mapping: dict[str, dict[str, str]]
    common: list[str]
    rule: str = "exact"
    used_sample_map: bool = False

    @property
    def tables(self) -> list[str]:
        """Table names, in the order given."""
        return list(self.mapping)

    def originals(self, table: str) -> dict[str, str]:
        """Canonical ID → original ID for one table (one-to-one by construction)."""
        return {canonical: original for original, canonical in self.mapping[table].items()}

    @property
    def summary(self) -> pd.DataFrame:
        """One row per canonical ID (index ``sample_id``), one bool column per table."""
        order: dict[str, None] = {}
        for ids in self.mapping.values():
            order.update(dict.fromkeys(ids.values()))
        index = pd.Index(list(order), dtype=object, name="sample_id")
        return pd.DataFrame(
            {table: index.isin(list(ids.values())) for table, ids in self.mapping.items()},
            index=index,
        )

    @property
    def unmatched(self) -> pd.DataFrame:
        """Rows of :attr:`summary` for IDs present in some tables but not in all."""
        summary = self.summary
        return summary.loc[~summary.all(axis=1)]

    def unmatched_ids(self, table: str) -> list[str]:
        """Original IDs of ``table`` whose canonical ID is missing from another table."""
        common = set(self.common)
        return [orig for orig, canon in self.mapping[table].items() if canon not in common]

    def report(self) -> str:
        """A short human-readable account: counts per table and the IDs left unmatched."""
        lines = [
            f"Sample matching across {len(self.mapping)} table(s) by rule '{self.rule}'"
            + (" after applying the sample map" if self.used_sample_map else "")
            + f": {len(self.common)} sample(s) in all tables."
        ]
        for table, ids in self.mapping.items():
            missing = self.unmatched_ids(table)
            line = f"  {table}: {len(ids)} sample(s), {len(ids) - len(missing)} matched"
            if missing:
                line += f"; not in every other table: {_preview(missing)}"
            lines.append(line)
        return "\n".join(lines)

    def to_dict(self, *, include_ids: bool = True) -> dict[str, Any]:
        """A JSON-safe dictionary of the match.

        Parameters
        ----------
        include_ids : bool, default=True
            Include the common and unmatched ID lists and the full mapping; without them the
            dictionary holds counts only (small enough for ``uns``).
        """
        tables: dict[str, Any] = {}
        for table, ids in self.mapping.items():
            missing = self.unmatched_ids(table)
            entry: dict[str, Any] = {
                "n_samples": len(ids),
                "n_matched": len(ids) - len(missing),
                "n_unmatched": len(missing),
            }
            if include_ids:
                entry["unmatched"] = missing
                entry["mapping"] = dict(ids)
            tables[table] = entry
        result: dict[str, Any] = {
            "rule": self.rule,
            "used_sample_map": self.used_sample_map,
            "n_common": len(self.common),
            "tables": tables,
        }
        if include_ids:
            result["common"] = list(self.common)
        return result


def _apply_sample_map(
    ids: Sequence[str], sample_map: Mapping[str, str] | None
) -> tuple[list[str], bool]:
    if not sample_map:
        return list(ids), False
    by_normalised = {normalise_sample_id(k): v for k, v in sample_map.items()}
    mapped, used = [], False
    for sample_id in ids:
        target = sample_map.get(sample_id)
        if target is None:
            target = by_normalised.get(normalise_sample_id(sample_id))
        used |= target is not None
        mapped.append(str(target) if target is not None else sample_id)
    return mapped, used


def _check_unique(table: str, ids: Sequence[str]) -> None:
    seen: set[str] = set()
    duplicated = [i for i in ids if i in seen or seen.add(i)]
    if duplicated:
        raise InputError(
            f"table '{table}' has duplicate sample IDs: {_preview(sorted(set(duplicated)))}; "
            "make each sample ID unique"
        )


def harmonise_sample_ids(
    tables: Mapping[str, Sequence[str]],
    *,
    sample_map: Mapping[str, str] | None = None,
) -> SampleMatch:
    """Match the sample IDs of several tables to canonical IDs.

    The rule: first, IDs listed in ``sample_map`` (original → canonical; looked up exactly, then
    case/separator-insensitively) are replaced by their canonical ID. Then each of these keys is
    tried, for all tables at once, from the least to the most aggressive:

    1. ``exact``: the ID itself;
    2. ``normalised``: :func:`normalise_sample_id` (``TCGA.3Z.A93Z`` = ``tcga-3z-a93z``);
    3. ``tcga_sample``: TCGA barcodes cut to patient + sample type (``TCGA-OR-A5J1-01``), so
       aliquots of one tumour sample from different assays meet; other IDs normalised;
    4. ``tcga_patient``: TCGA barcodes cut to the patient (``TCGA-OR-A5J1``), so aliquots meet a
       patient-level clinical table; other IDs normalised.

    The first rule that reaches the largest number of IDs common to all tables is kept (so IDs
    are never rewritten when they already match). If that rule maps two IDs of one table to the
    same canonical ID (say a tumour ``-01A`` and a normal ``-11A`` aliquot of one patient), an
    :class:`InputError` is raised: one sample is never picked silently.

    Parameters
    ----------
    tables : mapping of str to sequence of str
        Table name → its sample IDs (e.g. ``{"rna": adata.obs_names, "clinical": df.index}``).
    sample_map : mapping of str to str, optional
        Explicit original → canonical IDs (see :func:`read_sample_map`), applied first.

    Returns
    -------
    SampleMatch

    Raises
    ------
    InputError
        If no table is given, a table has duplicate IDs, or the chosen rule merges two IDs of
        one table.

    Examples
    --------
    >>> match = harmonise_sample_ids(
    ...     {"rna": ["TCGA-OR-A5J1-01A-11R-A29S-07"], "clinical": ["TCGA-OR-A5J1", "TCGA-OR-A5J2"]}
    ... )
    >>> match.rule, match.common
    ('tcga_patient', ['TCGA-OR-A5J1'])
    """
    if not tables:
        raise InputError("no tables given to match sample IDs across; give at least one")
    originals = {name: [str(i) for i in ids] for name, ids in tables.items()}
    for name, ids in originals.items():
        _check_unique(name, ids)
    mapped: dict[str, list[str]] = {}
    used_map = False
    for name, ids in originals.items():
        mapped[name], used = _apply_sample_map(ids, sample_map)
        used_map |= used

    best_rule, best_keys, best_n = "exact", {}, -1
    for rule, key in _RULES.items():
        keys = {name: [key(i) for i in ids] for name, ids in mapped.items()}
        n_common = len(set.intersection(*(set(k) for k in keys.values())))
        if n_common > best_n:
            best_rule, best_keys, best_n = rule, keys, n_common

    mapping: dict[str, dict[str, str]] = {}
    for name, ids in originals.items():
        keys = best_keys[name]
        groups: dict[str, list[str]] = {}
        for original, canonical in zip(ids, keys, strict=True):
            groups.setdefault(canonical, []).append(original)
        collisions = {c: o for c, o in groups.items() if len(o) > 1}
        if collisions:
            examples = "; ".join(
                f"{' and '.join(o)} → {c}" for c, o in list(collisions.items())[:3]
            )
            raise InputError(
                f"table '{name}': {len(collisions)} canonical sample ID(s) would hold more than "
                f"one sample under rule '{best_rule}' ({examples}); keep one sample per patient "
                "(e.g. drop normal-tissue aliquots) or pass a sample map (--sample-map) giving "
                "each a distinct ID"
            )
        mapping[name] = dict(zip(ids, keys, strict=True))

    in_all = set.intersection(*(set(m.values()) for m in mapping.values()))
    first = next(iter(mapping.values()))
    common = [canonical for canonical in first.values() if canonical in in_all]
    match = SampleMatch(mapping=mapping, common=common, rule=best_rule, used_sample_map=used_map)
    logger.info(
        "matched sample IDs of %s by rule '%s': %d in common",
        ", ".join(mapping),
        best_rule,
        len(common),
    )
    return match


def read_sample_map(
    path: str | os.PathLike[str],
    *,
    sep: str | None = None,
    from_column: str | None = None,
    to_column: str | None = None,
) -> dict[str, str]:
    """Read a table mapping original sample IDs to canonical ones.

    Parameters
    ----------
    path : path-like
        Delimited text file (plain or gzip) with a header line and at least two columns.
    sep : str, optional
        Delimiter; sniffed from the header line (tab, comma, semicolon) when omitted.
    from_column, to_column : str, optional
        Columns holding original and canonical IDs. Defaults: ``colname`` → ``primary`` when
        both exist (Bioconductor MultiAssayExperiment ``sampleMap``, with an ``assay``
        column that is ignored), else the first → the second column.

    Returns
    -------
    dict of str to str
        Original ID → canonical ID.

    Raises
    ------
    InputError
        If the file cannot be read, has fewer than two columns, names an absent column, or maps
        one original ID to two different canonical IDs.
    """
    file = read_text(path)
    sep = normalise_sep(sep) or sniff_delimiter(first_line(file.text)) or ","
    header, body = read_string_table(file, sep)
    if len(header) != body.shape[1] or body.shape[1] < 2:
        raise InputError(
            f"{file.path}: a sample map needs a header line and at least two columns "
            f"(found {body.shape[1]} with separator {describe_sep(sep)}); pass sep / --sep if "
            "the delimiter is different"
        )
    if from_column is None and to_column is None and {"colname", "primary"} <= set(header):
        from_column, to_column = "colname", "primary"
    from_column = from_column or header[0]
    to_column = to_column or header[1]
    for column in (from_column, to_column):
        if column not in header:
            raise InputError(
                f"{file.path} has no column '{column}' (columns: {', '.join(header)}); "
                "choose one of those"
            )
    originals = body.iloc[:, header.index(from_column)]
    canonicals = body.iloc[:, header.index(to_column)]
    result: dict[str, str] = {}
    for row, (original, canonical) in enumerate(zip(originals, canonicals, strict=True), 2):
        if not original or not canonical:
            continue
        previous = result.setdefault(original, canonical)
        if previous != canonical:
            raise InputError(
                f"{file.path}, line {row}: sample '{original}' is mapped to both '{previous}' "
                f"and '{canonical}'; keep one mapping per sample"
            )
    return result
