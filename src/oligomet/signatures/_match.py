"""Matching a signature's feature identifiers to the columns of a data table."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .._errors import InputError
from ..io import find_mirna, mirna_key
from ._model import Signature, SignatureFeature

__all__ = ["SignatureMatch", "match_features"]

_GENE_TYPES = frozenset({"hgnc_symbol"})
_MATURE_TYPES = frozenset({"mirbase_mature"})
# A miRBase name of a mature product: 'miR' with a capital R, a stated arm, or the old star.
_MATURE_NAME = re.compile(r"miR-|-[35]p$|\*$")


@dataclass(frozen=True)
class SignatureMatch:
    """Which of a signature's features a table has, and under which column names.

    Attributes
    ----------
    signature : Signature
        The signature matched.
    found : dict
        Feature id → column label (as given, e.g. ``str`` for AnnData), in the signature's
        order.
    missing : list of str
        Feature ids without a column, in the signature's order.
    """

    signature: Signature
    found: dict[str, Any]
    missing: list[str] = field(default_factory=list)

    @property
    def n_found(self) -> int:
        """Number of features found."""
        return len(self.found)

    @property
    def n_features(self) -> int:
        """Number of features in the signature."""
        return len(self.signature.features)

    @property
    def fraction(self) -> float:
        """Fraction of the signature's features found."""
        return self.n_found / self.n_features

    @property
    def n_required(self) -> int:
        """How many must be found to score (:attr:`Signature.n_required`)."""
        return self.signature.n_required

    @property
    def columns(self) -> list[Any]:
        """Column labels of the found features, in the signature's order."""
        return list(self.found.values())

    @property
    def weights(self) -> tuple[float, ...] | None:
        """Signed weights of the found features (None for ``retrain`` signatures)."""
        weights = self.signature.weights
        if weights is None:
            return None
        by_id = dict(zip(self.signature.feature_ids, weights, strict=True))
        return tuple(by_id[feature_id] for feature_id in self.found)

    @property
    def summary(self) -> pd.DataFrame:
        """One row a feature: ``id_type``, ``weight`` (signed; NaN for retrain), ``column``."""
        signature = self.signature
        weights = signature.weights or (float("nan"),) * len(signature.features)
        return pd.DataFrame(
            {
                "id_type": [signature.id_type_of(f) for f in signature.features],
                "weight": list(weights),
                "column": [self.found.get(f.id) for f in signature.features],
            },
            index=pd.Index(signature.feature_ids, name="feature"),
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain data: signature name, counts, found mapping and missing ids."""
        return {
            "signature": self.signature.name,
            "n_features": self.n_features,
            "n_found": self.n_found,
            "n_required": self.n_required,
            "found": dict(self.found),
            "missing": list(self.missing),
        }

    def report(self) -> str:
        """A human-readable account: how many were found and which are missing.

        Examples
        --------
        >>> from oligomet.signatures import load_signature
        >>> match = match_features(load_signature("mir200c"), ["hsa-mir-200c", "hsa-mir-21"])
        >>> print(match.report())
        signature mir200c: 1 of 1 features found (need 1)
        """
        text = (
            f"signature {self.signature.name}: {self.n_found} of {self.n_features} features "
            f"found (need {self.n_required})"
        )
        if self.missing:
            text += f"; missing: {', '.join(self.missing)}"
        return text

    def check(self) -> SignatureMatch:
        """Raise unless at least :attr:`n_required` features were found; return ``self``.

        Raises
        ------
        InputError
            ``signature NAME: only K of N features found (need M); missing: ...; check the ID
            type (...) of your table``.
        """
        if self.n_found >= self.n_required:
            return self
        id_types = ", ".join(
            dict.fromkeys(self.signature.id_type_of(f) for f in self.signature.features)
        )
        raise InputError(
            f"signature {self.signature.name}: only {self.n_found} of {self.n_features} features "
            f"found (need {self.n_required}); missing: {', '.join(self.missing)}; check the ID "
            f"type ({id_types}) of your table"
        )


def _gene_candidates(symbol: str, columns: list[str]) -> list[str]:
    """Columns naming gene ``symbol``: exactly, else case-insensitively, else as ``SYMBOL|ID``."""
    exact = [column for column in columns if column == symbol]
    if exact:
        return exact
    key = symbol.casefold()
    folded = [column for column in columns if column.strip().casefold() == key]
    if folded:
        return folded
    return [c for c in columns if "|" in c and c.split("|", 1)[0].strip().casefold() == key]


def _mirna_candidates(feature_id: str, id_type: str, columns: list[str]) -> list[str]:
    """Columns naming miRNA ``feature_id`` (:func:`oligomet.io.find_mirna`), narrowed by rule.

    Several candidates are narrowed, in order, to: the column spelled exactly like the id; the
    columns of the molecule the id denotes (mature names for ``mirbase_mature`` ids, precursor or
    gene names for ``mirbase_precursor`` / ``hgnc_mirna_symbol`` ids).
    """
    candidates = find_mirna(feature_id, columns)
    if len(candidates) <= 1:
        return candidates
    exact = [c for c in candidates if c.casefold() == feature_id.casefold()]
    if len(exact) == 1:
        return exact
    want_mature = id_type in _MATURE_TYPES
    same_kind = [c for c in candidates if bool(_MATURE_NAME.search(c)) == want_mature]
    return same_kind if len(same_kind) == 1 else candidates


def match_features(signature: Signature, columns: Iterable[Any]) -> SignatureMatch:
    """Find each of a signature's features among a table's columns.

    Gene symbols (``hgnc_symbol``) match a column spelled the same, else case-insensitively,
    else a ``SYMBOL|ENTREZ`` style column (``FAP|2191``). miRNA ids (``mirbase_mature``,
    ``mirbase_precursor``, ``hgnc_mirna_symbol``) match through
    :func:`oligomet.io.find_mirna`: ``MIR21``, ``hsa-mir-21`` and ``hsa-miR-21-5p`` denote
    one miRNA; a precursor stands in for its mature products (an approximation, see
    :mod:`oligomet.io`). An id matching several columns takes the one spelled exactly like it,
    else the one of the molecule its id type names (mature vs precursor); anything else is an
    error, as is one column claimed by two features.

    Parameters
    ----------
    signature : Signature
        The signature, e.g. from :func:`~oligomet.signatures.load_signature`.
    columns : iterable
        Column names (``DataFrame.columns``, ``AnnData.var_names``).

    Returns
    -------
    SignatureMatch
        Call :meth:`SignatureMatch.check` to refuse when too few were found.

    Raises
    ------
    InputError
        If a feature matches several columns that no rule separates, or two features match
        the same column.

    Examples
    --------
    >>> from oligomet.signatures import load_signature
    >>> match = match_features(load_signature("katipally2023"), ["FAP|2191", "hsa-mir-30c-1"])
    >>> match.found
    {'FAP': 'FAP|2191', 'MIR30C1': 'hsa-mir-30c-1'}
    """
    labels = list(columns)
    names = [str(label) for label in labels]
    original = dict(zip(names, labels, strict=True))
    # Only names that are miRNAs can match a miRNA id; computing that once keeps matching linear.
    mirna_names = [name for name in names if mirna_key(name) is not None]
    found: dict[str, Any] = {}
    claimed: dict[str, str] = {}
    missing: list[str] = []
    for feature in signature.features:
        candidates = _candidates(signature, feature, names, mirna_names)
        if not candidates:
            missing.append(feature.id)
            continue
        if len(candidates) > 1:
            raise InputError(
                f"signature {signature.name}: feature {feature.id!r} matches "
                f"{len(candidates)} columns ({', '.join(candidates)}); keep one of them in the "
                "table, or give the signature a more specific id (arm -3p/-5p, locus -1/-2)"
            )
        column = candidates[0]
        if column in claimed:
            raise InputError(
                f"signature {signature.name}: features {claimed[column]!r} and {feature.id!r} "
                f"both match column {column!r}; a column can stand for one feature only (e.g. a "
                "precursor for both arms): drop one of the features or give arm-level columns"
            )
        claimed[column] = feature.id
        found[feature.id] = original[column]
    return SignatureMatch(signature=signature, found=found, missing=missing)


def _candidates(
    signature: Signature, feature: SignatureFeature, names: list[str], mirna_names: list[str]
) -> list[str]:
    id_type = signature.id_type_of(feature)
    if id_type in _GENE_TYPES:
        return _gene_candidates(feature.id, names)
    return _mirna_candidates(feature.id, id_type, mirna_names)
