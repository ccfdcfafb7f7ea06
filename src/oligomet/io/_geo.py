"""GEO series-matrix files (``GSExxxx_series_matrix.txt.gz``) → :class:`~anndata.AnnData`.

The format: ``!Series_…`` lines (one value each), ``!Sample_…`` lines (one quoted cell per
sample), then the expression table between ``!series_matrix_table_begin`` and
``!series_matrix_table_end`` with probes as rows and GSM accessions as columns.
"""

from __future__ import annotations

import logging
import os

import anndata as ad
import pandas as pd

from .._errors import InputError
from ._files import TextFile, read_string_table, read_text, split_line
from ._tables import build_anndata, split_labels

__all__ = ["read_series_matrix"]

logger = logging.getLogger(__name__)

_TABLE_BEGIN = "!series_matrix_table_begin"
_TABLE_END = "!series_matrix_table_end"


def _characteristics(path, rows: list[list[str]], accessions: list[str]) -> pd.DataFrame:
    """``"key: value"`` cells (keys may differ between samples of one line) → one column per key."""
    records: list[dict[str, str]] = [{} for _ in accessions]
    for row in rows:
        if len(row) != len(accessions):
            raise InputError(
                f"{path}: a !Sample_characteristics line has {len(row)} cells for "
                f"{len(accessions)} samples; repair the file or re-download it from GEO"
            )
        for record, cell in zip(records, row, strict=True):
            if not cell:
                continue
            key, found, value = cell.partition(":")
            key, value = (key.strip(), value.strip()) if found else ("characteristics", cell)
            if not value:
                continue
            record[key] = f"{record[key]}; {value}" if key in record else value
    frame = pd.DataFrame.from_records(records, index=pd.Index(accessions, dtype=object))
    return frame


def _numeric_where_possible(frame: pd.DataFrame) -> pd.DataFrame:
    """Convert columns whose non-missing cells all parse as numbers."""
    for column in frame.columns:
        present = frame[column].notna()
        numbers = pd.to_numeric(frame[column], errors="coerce")
        if present.any() and numbers[present].notna().all():
            frame[column] = numbers.astype("float64")
    return frame


def read_series_matrix(path: str | os.PathLike[str], *, allow_missing: bool = False) -> ad.AnnData:
    """Read a GEO series-matrix file.

    Parameters
    ----------
    path : path-like
        ``GSExxxx_series_matrix.txt`` file, plain or gzip-compressed.
    allow_missing : bool, default=False
        Keep missing expression values (``null`` or empty cells, common in GEO) as NaN instead
        of raising.

    Returns
    -------
    anndata.AnnData
        Samples (GSM accessions from ``!Sample_geo_accession``) x probes. ``obs`` holds
        ``title`` (``!Sample_title``), ``source_name`` (``!Sample_source_name_ch1``) when present,
        and one column per key of the ``"key: value"`` cells of the
        ``!Sample_characteristics_ch*`` lines (keys may differ between the samples of one line;
        empty cells are missing; columns whose values are all numbers become float).
        ``uns["source"]`` is as in :func:`read_expression` (orientation
        ``"features_x_samples"``); ``uns["geo"]`` holds the ``!Series_…`` fields (``title``,
        ``geo_accession``, …), a list where a field has several lines.

    Raises
    ------
    InputError
        If the file cannot be read, has no (or an empty) table block, or its samples disagree
        between the header lines and the table.
    """
    file = read_text(path)
    lines = file.text.splitlines()
    begin, block = _table_block(file, lines)
    series, sample_fields = _header_fields(lines[:begin])
    # Blank lines in place of the header keep line numbers in error messages right.
    text = "\n" * (begin + 1) + "\n".join(block)
    table = TextFile(path=file.path, text=text, sha256=file.sha256)
    header, body = read_string_table(table, "\t")
    row_labels, column_labels, values = split_labels(table, header, body, "\t")
    adata = build_anndata(
        table,
        row_labels=row_labels,
        column_labels=column_labels,
        values=values,
        orientation="features_x_samples",
        name=None,
        allow_missing=allow_missing,
    )
    adata.obs = _sample_annotations(file.path, sample_fields, adata)
    adata.uns["geo"] = {
        key: values[0] if len(values) == 1 else values for key, values in series.items()
    }
    logger.info(
        "%s: GEO series %s, %d samples x %d probes",
        file.path,
        adata.uns["geo"].get("geo_accession", "?"),
        adata.n_obs,
        adata.n_vars,
    )
    return adata


def _table_block(file: TextFile, lines: list[str]) -> tuple[int, list[str]]:
    """Where the table block begins, and its lines."""
    try:
        begin = next(i for i, line in enumerate(lines) if line.strip().lower() == _TABLE_BEGIN)
    except StopIteration:
        raise InputError(
            f"{file.path} has no '{_TABLE_BEGIN}' line, so no expression table; give a GEO "
            "series-matrix file (GSExxxx_series_matrix.txt.gz) that includes its data table"
        ) from None
    end = next(
        (i for i in range(begin + 1, len(lines)) if lines[i].strip().lower() == _TABLE_END),
        len(lines),
    )
    block = lines[begin + 1 : end]
    if sum(bool(line.strip()) for line in block) < 2:
        raise InputError(
            f"{file.path}: the series-matrix table block is empty (no probe rows between "
            f"'{_TABLE_BEGIN}' and '{_TABLE_END}'); GEO leaves it empty for RNA-seq series, whose "
            "counts are in supplementary files, so read those instead"
        )
    return begin, block


def _header_fields(header: list[str]) -> tuple[dict[str, list[str]], dict[str, list[list[str]]]]:
    """The ``!Series_…`` fields, and the ``!Sample_…`` lines (one list of cells per line)."""
    series: dict[str, list[str]] = {}
    sample_fields: dict[str, list[list[str]]] = {}
    for line in header:
        if not line.startswith("!"):
            continue
        cells = split_line(line, "\t")
        key, values = cells[0], [value.strip() for value in cells[1:]]
        if key.startswith("!Series_"):
            series.setdefault(key.removeprefix("!Series_"), []).extend(values)
        elif key.startswith("!Sample_"):
            sample_fields.setdefault(key.removeprefix("!Sample_"), []).append(values)
    return series, sample_fields


def _sample_annotations(path, sample_fields, adata: ad.AnnData) -> pd.DataFrame:
    """Title, source and characteristics of each sample, in the table's sample order."""
    accessions = sample_fields.get("geo_accession", [list(adata.obs_names)])[0]
    if set(accessions) != set(adata.obs_names) or len(accessions) != adata.n_obs:
        raise InputError(
            f"{path}: the !Sample_geo_accession line lists {len(accessions)} samples but the "
            f"table has columns for {adata.n_obs} different ones; re-download the file from GEO"
        )
    obs = pd.DataFrame(index=pd.Index(accessions, dtype=object))
    for field, column in (("title", "title"), ("source_name_ch1", "source_name")):
        if field in sample_fields and len(sample_fields[field][0]) == len(accessions):
            obs[column] = [value or None for value in sample_fields[field][0]]
    characteristic_rows = [
        row
        for field, rows in sample_fields.items()
        if field.startswith("characteristics_ch")
        for row in rows
    ]
    if characteristic_rows:
        characteristics = _characteristics(path, characteristic_rows, accessions)
        clashing = [c for c in characteristics.columns if c in obs.columns]
        characteristics = characteristics.rename(
            columns={c: f"{c}_characteristic" for c in clashing}
        )
        obs = obs.join(characteristics)
    obs = _numeric_where_possible(obs)
    return obs.loc[list(adata.obs_names)]
