"""miRNA names: one matching key for miRBase, HGNC and accession spellings of a miRNA.

miRBase writes precursors as ``hsa-mir-200c`` and mature products as ``hsa-miR-200c-3p``
(older releases: ``hsa-miR-200c`` and ``hsa-miR-200c*``), HGNC writes the gene as ``MIR200C``,
and many tables use accessions (``MI0000650`` precursor, ``MIMAT0000617`` mature).
:func:`mirna_key` maps all names of one locus to one key, e.g. ``mir-200c``.

Matching a precursor to its mature products is an approximation: a signature published on mature
``miR-200c-3p`` meets a table of precursor ``hsa-mir-200c`` read counts, although the two are not
the same molecule (the precursor also yields ``-5p``, and a mature miRNA can come from several
loci, e.g. ``miR-30c`` from ``mir-30c-1`` and ``mir-30c-2``).
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping, Sequence

import anndata as ad
import pandas as pd

from .._errors import InputError
from ._files import read_text

__all__ = [
    "find_mirna",
    "harmonise_mirna_names",
    "mirna_key",
    "mirna_renames",
    "read_mirbase_aliases",
]

logger = logging.getLogger(__name__)

# miRBase style: optional species prefix, mir/miR/MIR or let, number, family letters, optional
# locus number, optional arm, optional star (old name of the minor arm).
_MIRBASE = re.compile(
    r"^(?:[a-z]{2,5}-)?(?P<kind>mir|let)-?(?P<number>\d+)(?P<letters>[a-z]*)"
    r"(?:-(?P<locus>\d+))?(?:-(?P<arm>[35]p))?\*?$",
    re.IGNORECASE,
)
# HGNC gene symbols: MIR200C, MIR30C1, MIR1-1, MIRLET7A1 (host genes such as MIR17HG excluded).
_HGNC = re.compile(r"^MIR(?P<kind>LET)?(?P<number>\d+)(?P<letters>[A-Z]*?)-?(?P<locus>\d+)?$")
_ACCESSION = re.compile(r"^MI(?:MAT)?\d{7}$")


def mirna_key(name: str) -> str | None:
    """The canonical matching key of a miRNA name, or None for anything that is not one.

    The species prefix (``hsa-``, ``mmu-`` …), the case of ``mir``, the arm (``-3p``, ``-5p``)
    and a star are dropped; family letters and the locus number are kept. Precursor
    (``hsa-mir-200c``) and mature (``hsa-miR-200c-3p``) names therefore share a key; this treats
    them as the same molecule for matching, an approximation (see the module notes).

    Parameters
    ----------
    name : str
        A miRBase name (``hsa-miR-200c-3p``, ``hsa-let-7a-1``), a short one (``miR-200c``) or an
        HGNC symbol (``MIR200C``, ``MIR30C1``, ``MIRLET7A1``).

    Returns
    -------
    str or None
        ``mir-<number><letters>[-<locus>]`` or ``let-7<letters>[-<locus>]``. Accessions
        (``MIMAT…``, ``MI…``) give None: translate them with :func:`harmonise_mirna_names`.

    Examples
    --------
    >>> [mirna_key(n) for n in ("hsa-mir-200c", "hsa-miR-200c-3p", "miR-200c", "MIR200C")]
    ['mir-200c', 'mir-200c', 'mir-200c', 'mir-200c']
    >>> mirna_key("MIR30C1"), mirna_key("hsa-let-7a-1"), mirna_key("TP53")
    ('mir-30c-1', 'let-7a-1', None)
    """
    name = str(name).strip()
    hgnc = _HGNC.match(name)
    if hgnc and hgnc.group("letters").endswith("HG"):
        return None  # a host gene (MIR17HG), not a miRNA
    if hgnc:
        kind = "let" if hgnc.group("kind") else "mir"
        if kind == "let" and hgnc.group("number") != "7":
            return None
        key = f"{kind}-{hgnc.group('number')}{hgnc.group('letters').lower()}"
        return f"{key}-{hgnc.group('locus')}" if hgnc.group("locus") else key
    match = _MIRBASE.match(name)
    if match is None:
        return None
    kind = match.group("kind").lower()
    key = f"{kind}-{match.group('number')}{match.group('letters').lower()}"
    return f"{key}-{match.group('locus')}" if match.group("locus") else key


def _species_and_arm(name: str) -> tuple[str | None, str | None]:
    """The species prefix and arm a miRBase-style name states (None where it states none)."""
    match = _MIRBASE.match(str(name).strip())
    if match is None:
        return None, None
    prefix = re.match(r"^([a-z]{2,5})-(?:mir|let)", str(name).strip(), re.IGNORECASE)
    species = prefix.group(1).lower() if prefix else None
    arm = match.group("arm").lower() if match.group("arm") else None
    return species, arm


def _compatible(query: str, candidate: str) -> bool:
    """Different species, or different stated arms (3p vs 5p), are different molecules."""
    query_species, query_arm = _species_and_arm(query)
    species, arm = _species_and_arm(candidate)
    if query_species and species and query_species != species:
        return False
    return not (query_arm and arm and query_arm != arm)


def _same_arm_first(query: str, names: list[str]) -> list[str]:
    """When some names state the query's arm, they are the match (not the precursor too)."""
    _, query_arm = _species_and_arm(query)
    stated = [name for name in names if query_arm and _species_and_arm(name)[1] == query_arm]
    return stated or names


def _without_locus(key: str) -> str:
    return re.sub(r"-\d+$", "", key) if key.count("-") >= 2 else key


def find_mirna(query: str, names: Sequence[str]) -> list[str]:
    """The names in ``names`` that denote the miRNA ``query``.

    Names whose :func:`mirna_key` equals the query's; if there are none, names whose key equals
    the query's with the locus number stripped (query ``mir-30c-1`` finds ``hsa-mir-30c``) or
    added (query ``miR-30c`` finds ``hsa-mir-30c-1`` and ``hsa-mir-30c-2``). Where both names
    state a species or an arm, they must agree (``miR-200c-3p`` never finds ``miR-200c-5p`` or
    ``mmu-miR-200c-3p``); a name that states the query's arm is preferred to a precursor.

    Parameters
    ----------
    query : str
        Any spelling accepted by :func:`mirna_key`.
    names : sequence of str
        Candidate names, e.g. ``adata.var_names``.

    Returns
    -------
    list of str
        Matching names in their order in ``names``; empty if none match or ``query`` is not a
        miRNA name.

    Examples
    --------
    >>> find_mirna("hsa-miR-200c-3p", ["hsa-mir-200b", "hsa-mir-200c"])
    ['hsa-mir-200c']
    >>> find_mirna("miR-30c", ["hsa-mir-30c-1", "hsa-mir-30c-2", "hsa-mir-30d"])
    ['hsa-mir-30c-1', 'hsa-mir-30c-2']
    >>> find_mirna("hsa-miR-200c-3p", ["hsa-miR-200c-5p", "hsa-miR-200c-3p", "hsa-mir-200c"])
    ['hsa-miR-200c-3p']
    """
    query_key = mirna_key(query)
    if query_key is None:
        return []
    keys = [(name, mirna_key(name)) for name in names if _compatible(query, name)]
    exact = [name for name, key in keys if key == query_key]
    if exact:
        return _same_arm_first(query, exact)
    query_base = _without_locus(query_key)
    if query_base != query_key:  # the query has a locus: try without it
        return _same_arm_first(query, [name for name, key in keys if key == query_base])
    return _same_arm_first(
        query,
        [
            name
            for name, key in keys
            if key is not None and key != _without_locus(key) and _without_locus(key) == query_key
        ],
    )


def mirna_renames(available: Sequence[str], wanted: Sequence[str]) -> dict[str, str]:
    """How to rename ``available`` columns so that missing ``wanted`` miRNAs are found.

    For each wanted miRNA absent from ``available``, the one available name that denotes it (see
    :func:`find_mirna`) is renamed to the wanted spelling; ambiguous or absent ones are left out.

    Returns
    -------
    dict
        ``{available_name: wanted_name}``.

    Examples
    --------
    >>> mirna_renames(["hsa-miR-200c-3p", "GAPDH"], ["hsa-mir-200c", "GAPDH"])
    {'hsa-miR-200c-3p': 'hsa-mir-200c'}
    """
    present = set(map(str, available))
    free = [name for name in map(str, available) if name not in set(map(str, wanted))]
    renames: dict[str, str] = {}
    for name in map(str, wanted):
        if name in present or mirna_key(name) is None:
            continue
        candidates = [c for c in find_mirna(name, free) if c not in renames]
        if len(candidates) == 1:
            renames[candidates[0]] = name
    return renames


def read_mirbase_aliases(path: str | os.PathLike[str]) -> dict[str, list[str]]:
    """Read miRBase's ``aliases.txt``: accession → names it has carried.

    Parameters
    ----------
    path : path-like
        Tab-separated lines ``MIMAT0000062<TAB>hsa-let-7a;hsa-let-7a-5p;``, plain or gzip.

    Returns
    -------
    dict of str to list of str
        Names in file order (miRBase lists the current name last).

    Raises
    ------
    InputError
        If the file cannot be read or a line does not have two tab-separated fields.
    """
    file = read_text(path)
    aliases: dict[str, list[str]] = {}
    for number, line in enumerate(file.text.splitlines(), 1):
        if not line.strip():
            continue
        fields = line.rstrip("\r\n").split("\t")
        if len(fields) < 2 or not fields[0].strip():
            raise InputError(
                f"{file.path}, line {number}: expected '<accession><TAB><name>;<name>;', got "
                f"{line[:60]!r}; give miRBase's aliases.txt"
            )
        names = [n.strip() for n in fields[1].split(";") if n.strip()]
        aliases.setdefault(fields[0].strip(), []).extend(names)
    return aliases


def harmonise_mirna_names(
    adata: ad.AnnData,
    *,
    aliases: Mapping[str, Sequence[str]] | None = None,
    copy: bool = False,
) -> ad.AnnData | None:
    """Add miRNA names and matching keys to ``adata.var``.

    Parameters
    ----------
    adata : anndata.AnnData
        Data whose ``var_names`` are miRNA names or miRBase accessions.
    aliases : mapping of str to sequence of str, optional
        Accession → names, from :func:`read_mirbase_aliases`. Accessions (``MIMAT…``, ``MI…``)
        are translated to the last name listed (the current one in miRBase's file); an
        accession absent from ``aliases`` keeps no name.
    copy : bool, default=False
        Return a modified copy instead of changing ``adata`` in place.

    Returns
    -------
    anndata.AnnData or None
        The copy when ``copy=True``, else None. Sets ``var["mirna_name"]`` (the translated or
        original name; missing for untranslated accessions) and ``var["mirna_key"]``
        (:func:`mirna_key` of that name; missing for non-miRNA features).
    """
    adata = adata.copy() if copy else adata
    names: list[str | None] = []
    untranslated = 0
    for feature in adata.var_names:
        if _ACCESSION.match(feature):
            candidates = list(aliases.get(feature, ())) if aliases else []
            names.append(candidates[-1] if candidates else None)
            untranslated += not candidates
        else:
            names.append(feature)
    keys = [mirna_key(name) if name is not None else None for name in names]
    adata.var["mirna_name"] = pd.Series(names, index=adata.var_names, dtype=object)
    adata.var["mirna_key"] = pd.Series(keys, index=adata.var_names, dtype=object)
    n_keyed = sum(key is not None for key in keys)
    logger.info(
        "miRNA names: %d of %d features have a matching key (%d accessions without a name%s)",
        n_keyed,
        adata.n_vars,
        untranslated,
        "" if aliases else "; pass aliases from read_mirbase_aliases to translate them",
    )
    return adata if copy else None
