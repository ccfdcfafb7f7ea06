"""Clinical tables (one row per sample or patient) → a DataFrame indexed by sample ID."""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
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
from ._ids import harmonise_sample_ids

__all__ = ["read_clinical", "read_clinical_tables"]

logger = logging.getLogger(__name__)

#: Cells read as missing (compared after stripping white space; case-sensitive except the
#: bracketed TCGA tokens, which are compared case-insensitively).
CLINICAL_MISSING = frozenset(
    {"", "NA", "N/A", "NaN", "nan", "null", "NULL", "not reported", "Not Reported", "#N/A"}
)
_TCGA_MISSING = frozenset(
    {"[not available]", "[unknown]", "[not applicable]", "[not evaluated]", "[discrepancy]"}
)


def _is_missing(cells: pd.Series) -> pd.Series:
    return cells.isin(CLINICAL_MISSING) | cells.str.lower().isin(_TCGA_MISSING)


def _is_number(cells: pd.Series) -> pd.Series:
    return pd.to_numeric(cells, errors="coerce").notna()


def _looks_headerless(header: list[str], body: pd.DataFrame) -> bool:
    """True when the first line is data: its value cells, and the columns below, are numbers."""
    if len(header) < 2 or (len(body) and len(header) != body.shape[1]):
        return False
    first = pd.Series(header[1:], dtype=object)
    if not _is_number(first).all():
        return False
    for j in range(1, body.shape[1]):
        column = body.iloc[:, j]
        present = column[~_is_missing(column)]
        if len(present) and not _is_number(present).all():
            return False
    return True


def _value_name(path: Path) -> str:
    """``KRCCC__age.txt`` → ``age``: the file stem after its last ``__``."""
    stem = path.name
    for suffix in (".gz", ".txt", ".tsv", ".csv", ".tab"):
        stem = stem.removesuffix(suffix)
    return stem.rsplit("__", 1)[-1]


def _to_numbers_where_possible(frame: pd.DataFrame) -> pd.DataFrame:
    for column in frame.columns:
        present = frame[column].notna()
        if not present.any():
            frame[column] = frame[column].astype("float64")
            continue
        numbers = pd.to_numeric(frame[column], errors="coerce")
        if numbers[present].notna().all():
            frame[column] = numbers
    return frame


def _read_h5ad_obs(path: Path) -> pd.DataFrame:
    from ._h5 import read_h5ad

    obs = read_h5ad(path).obs.copy()
    obs.index = obs.index.astype(str)
    obs.index.name = "sample_id"
    return obs


def read_clinical(
    path: str | os.PathLike[str],
    *,
    sep: str | None = None,
    sample_column: str | None = None,
) -> pd.DataFrame:
    """Read a clinical table: one row per sample (or patient), one column per variable.

    Parameters
    ----------
    path : path-like
        Delimited text (plain or gzip) or ``.h5ad`` (its ``obs`` is returned). Cells ``NA``,
        ``NaN``, ``null``, ``not reported``, empty cells and TCGA's ``[Not Available]``,
        ``[Unknown]``, ``[Not Applicable]``, ``[Not Evaluated]``, ``[Discrepancy]`` are missing.
        Columns whose non-missing cells are all numbers become numeric.

        Header detection: a file is read as headerless when the cells of its first line after
        the first one are numbers and so are those columns' cells in every other row (e.g.
        ``KRCCC__age.txt``: ``TCGA.3Z.A93Z<TAB>69``). The value column of a headerless
        two-column file is named after the file stem after its last ``__`` (``age``); with more
        columns they are ``<name>_1``, ``<name>_2``, ….
    sep : str, optional
        Delimiter; sniffed from the first line (tab, comma, semicolon) when omitted.
    sample_column : str, optional
        Column holding the sample IDs; default the first column.

    Returns
    -------
    pandas.DataFrame
        Indexed by sample ID (strings, index name ``"sample_id"``), without the ID column.

    Raises
    ------
    InputError
        If the file cannot be read, has a single column, lacks ``sample_column``, or has empty or
        duplicate sample IDs.
    """
    path = Path(path)
    if path.suffix.lower() == ".h5ad":
        return _read_h5ad_obs(path)
    file = read_text(path)
    sep = normalise_sep(sep) or sniff_delimiter(first_line(file.text)) or "\t"
    header, body = read_string_table(file, sep, allow_empty=True)
    if body.empty and not _looks_headerless(header, body):
        raise InputError(
            f"{file.path} has a header line but no data rows; check that it is the right file"
        )
    if max(body.shape[1], len(header)) < 2:
        raise InputError(
            f"{file.path} has a single column when split on {describe_sep(sep)}; a clinical table "
            "needs a sample ID column and at least one variable; pass sep (--sep) if the "
            "delimiter is different"
        )
    if _looks_headerless(header, body):
        name = _value_name(file.path)
        values = [name] if body.shape[1] == 2 else [f"{name}_{j}" for j in range(1, body.shape[1])]
        body = pd.DataFrame(np.array([header, *body.to_numpy().tolist()], dtype=object))
        header = ["sample_id", *values]
        logger.info("%s: no header line; naming the value column(s) %s", file.path, values)
    if len(header) == body.shape[1] - 1:  # R write.table: no header cell for the row names
        header = ["", *header]
    if len(header) != body.shape[1]:
        raise InputError(
            f"{file.path}: the header has {len(header)} cells but data rows have "
            f"{body.shape[1]} (separator {describe_sep(sep)}); make them agree or pass sep (--sep)"
        )
    position = 0
    if sample_column is not None:
        if sample_column not in header:
            raise InputError(
                f"{file.path} has no column '{sample_column}' for sample IDs (columns: "
                f"{', '.join(h or '<unnamed>' for h in header[:20])}); choose one of those"
            )
        position = header.index(sample_column)
    ids = body.iloc[:, position]
    empty = np.flatnonzero((ids == "").to_numpy())
    if len(empty):
        raise InputError(
            f"{file.path}: row {int(empty[0]) + 1} of the data has an empty sample ID; fill it "
            "or remove the row"
        )
    duplicated = sorted(set(ids[ids.duplicated()]))
    if duplicated:
        shown = ", ".join(duplicated[:10]) + (" …" if len(duplicated) > 10 else "")
        raise InputError(f"{file.path}: duplicate sample IDs {shown}; keep one row per sample")
    columns = [c for j, c in enumerate(header) if j != position]
    unnamed = [j for j, c in enumerate(columns) if not c]
    for n, j in enumerate(unnamed):
        columns[j] = f"unnamed_{n + 1}"
    if len(set(columns)) != len(columns):
        repeated = sorted({c for c in columns if columns.count(c) > 1})
        raise InputError(f"{file.path}: duplicate column names {', '.join(repeated)}; rename them")
    data = body.drop(columns=body.columns[position])
    data = data.mask(data.apply(_is_missing))
    data.columns = pd.Index(columns, dtype=object)
    data.index = pd.Index(ids.tolist(), dtype=object, name="sample_id")
    data = _to_numbers_where_possible(data)
    return data


def read_clinical_tables(
    paths: Sequence[str | os.PathLike[str]],
    *,
    sep: str | None = None,
) -> pd.DataFrame:
    """Read several clinical tables (e.g. one file per variable) and join them on sample ID.

    Sample IDs are matched with :func:`harmonise_sample_ids` (so ``TCGA.3Z.A93Z`` meets
    ``TCGA-3Z-A93Z``) and the tables are outer-joined: a sample missing from one file gets NaN
    in that file's columns. The index holds the canonical IDs, in order of first appearance.

    Parameters
    ----------
    paths : sequence of path-like
        Files as accepted by :func:`read_clinical`.
    sep : str, optional
        Delimiter for all files; sniffed per file when omitted.

    Returns
    -------
    pandas.DataFrame
        Indexed by canonical sample ID (index name ``"sample_id"``).

    Raises
    ------
    InputError
        If no path is given, a file cannot be read, or two files hold a column of the same name.
    """
    paths = [Path(p) for p in paths]
    if not paths:
        raise InputError("no clinical files given; give at least one")
    frames: dict[str, pd.DataFrame] = {}
    owner: dict[str, Path] = {}
    for path in paths:
        frame = read_clinical(path, sep=sep)
        for column in frame.columns:
            if column in owner:
                raise InputError(
                    f"column '{column}' is in both {owner[column]} and {path}; rename it in one "
                    "file or leave one file out"
                )
            owner[column] = path
        frames[str(path)] = frame
    match = harmonise_sample_ids({key: frame.index for key, frame in frames.items()})
    order: dict[str, None] = {}
    renamed = []
    for key, frame in frames.items():
        frame = frame.rename(index=match.mapping[key])
        order.update(dict.fromkeys(frame.index))
        renamed.append(frame)
    index = pd.Index(list(order), dtype=object, name="sample_id")
    joined = pd.concat([frame.reindex(index) for frame in renamed], axis=1)
    joined.index.name = "sample_id"
    return joined
