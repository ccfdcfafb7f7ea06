"""Expression tables (CSV/TSV/TXT, plain or gzip, either orientation) → AnnData."""

from __future__ import annotations

import logging
import os
import re
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path

import anndata as ad
import numpy as np
import pandas as pd

from .._errors import InputError
from ._files import (
    DELIMITERS,
    TextFile,
    delimiter_hint,
    describe_sep,
    first_line,
    normalise_sep,
    read_string_table,
    read_text,
    sniff_delimiter,
)

__all__ = ["read_expression"]

logger = logging.getLogger(__name__)

ORIENTATIONS = ("auto", "features_x_samples", "samples_x_features")

#: Cell values read as missing in expression tables (NaN is then an error unless allowed).
MISSING_VALUES = frozenset({"", "NA", "NaN", "nan", "NAN", "null", "NULL", "N/A", "n/a", "#N/A"})

# Label patterns that identify what a dimension holds. A dimension "matches" when at least half
# of its labels match one pattern of a kind.
_SAMPLE_PATTERNS: dict[str, re.Pattern[str]] = {
    "TCGA barcodes": re.compile(r"^TCGA[-._][A-Z0-9]{2}[-._][A-Z0-9]{4}", re.IGNORECASE),
    "GEO sample accessions (GSM…)": re.compile(r"^GSM\d+$"),
}
_FEATURE_PATTERNS: dict[str, re.Pattern[str]] = {
    "miRNA names": re.compile(
        r"^(?:[a-z]{2,5}-)?(?:mi[rR]-?\d|let-7)|^MIR\d|^MIRLET7|^MIMAT\d+$|^MI\d{7}$"
    ),
    "Ensembl IDs": re.compile(r"^ENS[A-Z]*[GT]\d{6,}"),
    "microarray probe IDs": re.compile(r"^\d+(?:_[a-z])?_at$|_[sx]_at$|^ILMN_\d+$|^A_\d+_P\d+$"),
}
_MATCH_FRACTION = 0.5


def _fraction_matching(labels: Sequence[str], pattern: re.Pattern[str]) -> float:
    labels = [label for label in labels if label]
    if not labels:
        return 0.0
    return sum(bool(pattern.search(label)) for label in labels) / len(labels)


def _kind_of(labels: Sequence[str]) -> tuple[str | None, str]:
    """Whether labels look like sample IDs or feature names, and which pattern said so."""
    for kind, patterns in (("samples", _SAMPLE_PATTERNS), ("features", _FEATURE_PATTERNS)):
        for description, pattern in patterns.items():
            if _fraction_matching(labels, pattern) >= _MATCH_FRACTION:
                return kind, description
    return None, ""


def infer_orientation(row_labels: Sequence[str], column_labels: Sequence[str]) -> tuple[str, str]:
    """Decide the orientation of a table from its labels (see :func:`read_expression`).

    Returns
    -------
    orientation : str
        ``"features_x_samples"`` or ``"samples_x_features"``.
    reason : str
        Why, for the log.
    """
    column_kind, column_why = _kind_of(column_labels)
    row_kind, row_why = _kind_of(row_labels)
    votes: dict[str, list[str]] = {"features_x_samples": [], "samples_x_features": []}
    if column_kind == "samples":
        votes["features_x_samples"].append(f"column labels look like {column_why}")
    if column_kind == "features":
        votes["samples_x_features"].append(f"column labels look like {column_why}")
    if row_kind == "features":
        votes["features_x_samples"].append(f"row labels look like {row_why}")
    if row_kind == "samples":
        votes["samples_x_features"].append(f"row labels look like {row_why}")
    decided = [orientation for orientation, reasons in votes.items() if reasons]
    if len(decided) == 1:
        return decided[0], " and ".join(votes[decided[0]])
    n_rows, n_columns = len(row_labels), len(column_labels)
    prefix = "labels are contradictory; " if len(decided) == 2 else "no known ID pattern; "
    if n_columns > n_rows:
        return "samples_x_features", (
            f"{prefix}{n_columns} columns > {n_rows} rows and a cohort has more features than "
            "samples"
        )
    return "features_x_samples", (
        f"{prefix}{n_rows} rows >= {n_columns} columns and a cohort has more features than samples"
    )


def split_labels(
    file: TextFile, header: list[str], body: pd.DataFrame, sep: str
) -> tuple[list[str], list[str], pd.DataFrame]:
    """Split a string table into row labels, column labels and value cells.

    Handles an empty corner cell (``""`` or nothing before the first delimiter), R's
    ``write.table`` layout (one header cell fewer than the data rows) and a trailing delimiter.
    """
    n_columns = body.shape[1]
    if n_columns < 2:
        raise InputError(
            f"{file.path} has a single column when split on {describe_sep(sep)}; "
            f"{delimiter_hint(first_line(file.text), sep)}"
        )
    if (
        len(header) == n_columns
        and header[-1] == ""
        and len(header) > 2
        and (body.iloc[:, -1] == "").all()
    ):
        # "a,b,c," style lines: a trailing delimiter makes an empty last column.
        header, body = header[:-1], body.iloc[:, :-1]
        n_columns -= 1
    line = first_line(file.text)
    if len(header) == 1 and any(char in line for char in DELIMITERS if char != sep):
        raise InputError(
            f"{file.path}: the header is a single cell when split on {describe_sep(sep)}; "
            f"{delimiter_hint(line, sep)}"
        )
    if len(header) == n_columns:
        column_labels = header[1:]
    elif len(header) == n_columns - 1:
        column_labels = header
    else:
        raise InputError(
            f"{file.path}: the header has {len(header)} cells but data rows have {n_columns} "
            f"(separator {describe_sep(sep)}); make them agree or pass sep (--sep)"
        )
    row_labels = body.iloc[:, 0].tolist()
    values = body.iloc[:, 1:].set_axis(pd.RangeIndex(body.shape[1] - 1), axis=1)
    return row_labels, column_labels, values


def _check_labels(path: Path, labels: Sequence[str], *, where: str, what: str) -> None:
    """Labels must be non-empty and unique; ``where`` is "row"/"column", ``what`` their meaning."""
    for position, label in enumerate(labels):
        if not label:
            location = f"line {position + 2}" if where == "row" else f"header cell {position + 2}"
            raise InputError(
                f"{path}: {where} label at {location} is empty; give every {where} a "
                f"{what[:-1]} name"
            )
    counts = pd.Index(labels).value_counts()
    duplicated = counts[counts > 1]
    if len(duplicated):
        shown = ", ".join(f"'{label}' ({n}x)" for label, n in duplicated.head(5).items())
        more = f" … and {len(duplicated) - 5} more" if len(duplicated) > 5 else ""
        raise InputError(
            f"{path}: duplicate {what[:-1]} IDs in the {where} labels: {shown}{more}; "
            f"make the {what} unique (aggregate or rename them)"
        )


# Numbers written with a comma: "4,200" may group thousands or be a decimal comma (4.2 with
# three decimals); "4,2" and "0,125" are decimal commas; "1,234,567" and "4,200.5" group thousands.
_GROUPED = re.compile(r"[-+]?[1-9]\d{0,2}(?:,\d{3})+(?:\.\d*)?")
_SURELY_GROUPED = re.compile(
    r"[-+]?[1-9]\d{0,2}(?:,\d{3}){2,}(?:\.\d*)?|[-+]?[1-9]\d{0,2},\d{3}\.\d*"
)
_DECIMAL_COMMA = re.compile(r"[-+]?\d*,\d+")
_DECIMAL_POINT = re.compile(r"[-+]?\d*\.\d+(?:[eE][-+]?\d+)?")


def _comma_kind(value: str, neighbours: Sequence[object]) -> str | None:
    """How a comma in a number reads: "thousands", "decimal", "either" or None (no such comma).

    A value only a decimal comma can explain (``4,2``) is one; one only digit grouping can explain
    (``1,234,567``) is the other. ``4,200`` is decided by the other cells of its row and column
    (``neighbours``): decimal commas there say decimal; grouped numbers (``12,500``) or numbers
    with a decimal point say thousands; neither, or both, leave it ambiguous.
    """
    if not _GROUPED.fullmatch(value):
        return "decimal" if _DECIMAL_COMMA.fullmatch(value) else None
    if _SURELY_GROUPED.fullmatch(value):
        return "thousands"
    cells = [str(cell) for cell in neighbours]
    decimal = any(_DECIMAL_COMMA.fullmatch(c) and not _GROUPED.fullmatch(c) for c in cells)
    grouped = any(_GROUPED.fullmatch(c) or _DECIMAL_POINT.fullmatch(c) for c in cells)
    if decimal == grouped:
        return "either"
    return "decimal" if decimal else "thousands"


def _comma_hint(value: str, kind: str) -> str:
    grouped, decimal = value.replace(",", ""), value.replace(",", ".")
    if kind == "thousands":
        return (
            f"the comma is a thousands separator ({value} = {grouped}); write numbers without "
            "thousands separators (save without digit grouping)"
        )
    if kind == "decimal":
        return (
            f"the comma is a decimal comma ({value} = {decimal}); decimal commas are not "
            "supported: write numbers with a decimal point"
        )
    return (
        f"the comma is either a thousands separator ({value} = {grouped}) or a decimal comma "
        f"({value} = {decimal}); write numbers with a decimal point and no thousands separators"
    )


def _bad_cell_message(
    path: Path,
    value: str,
    row: str,
    column: str,
    *,
    features_by_rows: bool,
    neighbours: Sequence[object] = (),
) -> str:
    hint = "fix the cell"
    if not features_by_rows:
        hint += (
            f", or leave column '{column}' out of the features if it is not expression "
            "(--exclude-feature on the command line, drop_columns in Python)"
        )
    kind = _comma_kind(value, neighbours)
    if kind is not None:
        hint = _comma_hint(value, kind)
    return f"{path}: non-numeric value {value!r} at row '{row}', column '{column}'; {hint}"


def to_float_matrix(
    path: Path,
    values: pd.DataFrame,
    row_labels: Sequence[str],
    column_labels: Sequence[str],
    *,
    allow_missing: bool,
    features_by_rows: bool = True,
    missing_values: Iterable[str] = MISSING_VALUES,
) -> np.ndarray:
    """Convert a frame of strings to float64, naming the first offending cell on failure."""
    cells = values.to_numpy(dtype=object)
    missing = np.isin(cells, list(missing_values))
    cells = np.where(missing, "nan", cells)
    try:
        matrix = cells.astype(np.float64)
    except ValueError:
        for j in range(cells.shape[1]):
            for i in range(cells.shape[0]):
                try:
                    float(cells[i, j])
                except ValueError:
                    raise InputError(
                        _bad_cell_message(
                            path,
                            str(cells[i, j]),
                            row_labels[i],
                            column_labels[j],
                            features_by_rows=features_by_rows,
                            neighbours=[*np.delete(cells[i], j), *np.delete(cells[:, j], i)],
                        )
                    ) from None
        raise  # pragma: no cover - numpy rejected what float() accepts
    infinite = np.isinf(matrix)
    if infinite.any():
        i, j = np.argwhere(infinite)[0]
        raise InputError(
            f"{path}: {int(infinite.sum())} infinite value(s), the first at row '{row_labels[i]}', "
            f"column '{column_labels[j]}' ({values.iat[i, j]!r}); replace them with finite numbers"
        )
    nan = np.isnan(matrix)
    if nan.any() and not allow_missing:
        i, j = np.argwhere(nan)[0]
        raise InputError(
            f"{path}: {int(nan.sum())} missing value(s), the first at row '{row_labels[i]}', "
            f"column '{column_labels[j]}' ({values.iat[i, j]!r}); the models need complete data: "
            "impute or remove them first"
        )
    return matrix


def build_anndata(
    file: TextFile,
    *,
    row_labels: Sequence[str],
    column_labels: Sequence[str],
    values: pd.DataFrame,
    orientation: str,
    name: str | None,
    drop_columns: Iterable[str] = (),
    allow_missing: bool = False,
) -> ad.AnnData:
    """Validate a labelled string table and turn it into an AnnData (samples x features)."""
    path = file.path
    features_by_rows = orientation == "features_x_samples"
    _check_labels(path, row_labels, where="row", what="features" if features_by_rows else "samples")
    _check_labels(
        path, column_labels, where="column", what="samples" if features_by_rows else "features"
    )
    row_labels, column_labels = list(row_labels), list(column_labels)

    drop = set(drop_columns)
    dropped: list[str] = []
    if drop:
        features = row_labels if features_by_rows else column_labels
        keep = [i for i, feature in enumerate(features) if feature not in drop]
        dropped = [feature for feature in features if feature in drop]
        if features_by_rows:
            values = values.iloc[keep, :]
            row_labels = [row_labels[i] for i in keep]
        else:
            values = values.iloc[:, keep]
            column_labels = [column_labels[i] for i in keep]
        absent = sorted(drop - set(dropped))
        if absent:
            logger.info("%s: features to drop not present: %s", path, ", ".join(absent))

    matrix = to_float_matrix(
        path,
        values,
        row_labels,
        column_labels,
        allow_missing=allow_missing,
        features_by_rows=features_by_rows,
    )
    if features_by_rows:
        matrix = matrix.T
        samples, features = column_labels, row_labels
    else:
        samples, features = row_labels, column_labels
    if not features:
        raise InputError(f"{path}: no feature columns left after dropping {', '.join(dropped)}")
    adata = ad.AnnData(
        X=np.ascontiguousarray(matrix, dtype=np.float64),
        obs=pd.DataFrame(index=pd.Index(samples, dtype=object)),
        var=pd.DataFrame(index=pd.Index(features, dtype=object)),
    )
    adata.uns["source"] = {
        "path": str(path),
        "orientation": orientation,
        "sha256": file.sha256,
        "name": name or _stem(path),
        "dropped_features": dropped,
    }
    return adata


def _read_h5ad_expression(path: Path, *, allow_missing: bool) -> ad.AnnData:
    """An ``.h5ad`` file as it is, after the checks a text table gets: an expression matrix with
    samples and features, unique IDs, numbers, finite (and complete unless ``allow_missing``)."""
    from ._h5 import read_h5ad

    with warnings.catch_warnings():
        # Checked below, with the file and the names.
        warnings.filterwarnings(
            "ignore", r"(Observation|Variable) names are not unique", category=UserWarning
        )
        adata = read_h5ad(path)
    if adata.X is None:
        raise InputError(
            f"{path} holds no expression matrix (its X is empty); store the values in X"
        )
    if adata.n_obs == 0 or adata.n_vars == 0:
        raise InputError(
            f"{path} holds {adata.n_obs} samples x {adata.n_vars} features; give a file with data"
        )
    for names, what, slot in (
        (adata.obs_names, "sample", "obs_names"),
        (adata.var_names, "feature", "var_names"),
    ):
        names = pd.Index([str(name).strip() for name in names], dtype=object)
        empty = np.flatnonzero(names == "")
        if len(empty):
            raise InputError(
                f"{path}: {slot} has an empty {what} ID at position {int(empty[0]) + 1}; give "
                f"every {what} a name"
            )
        duplicated = names[names.duplicated()].unique()
        if len(duplicated):
            shown = ", ".join(f"'{name}'" for name in duplicated[:5])
            more = f" … and {len(duplicated) - 5} more" if len(duplicated) > 5 else ""
            raise InputError(
                f"{path}: duplicate {what} IDs in {slot}: {shown}{more}; make the {what}s unique "
                "(aggregate or rename them)"
            )
    matrix = adata.X
    if not np.issubdtype(matrix.dtype, np.number) and matrix.dtype != bool:
        raise InputError(f"{path}: X holds {matrix.dtype} values, not numbers")
    sparse = hasattr(matrix, "tocoo")
    values = matrix.data if sparse else np.asarray(matrix)  # a sparse matrix: its stored values
    for test, what, advice in (
        (np.isinf, "infinite", "replace them with finite numbers"),
        (np.isnan, "missing", "impute or remove them first"),
    ):
        bad = test(values)
        if not bad.any() or (what == "missing" and allow_missing):
            continue
        if sparse:
            stored = matrix.tocoo()
            first = np.flatnonzero(test(stored.data))[0]
            i, j = stored.row[first], stored.col[first]
        else:
            i, j = np.argwhere(bad)[0]
        raise InputError(
            f"{path}: {int(bad.sum())} {what} value(s) in X, the first at sample "
            f"'{adata.obs_names[i]}', feature '{adata.var_names[j]}'; {advice}"
        )
    return adata


def _stem(path: Path) -> str:
    name = path.name
    for suffix in (".gz", ".txt", ".tsv", ".csv", ".tab", ".h5ad"):
        name = name.removesuffix(suffix)
    return name


def drop_features(adata: ad.AnnData, drop_columns: Iterable[str], path) -> ad.AnnData:
    """``adata`` without the features named in ``drop_columns`` (those present), listed in
    ``uns["source"]["dropped_features"]``: for an AnnData read whole (.h5ad, a .h5mu modality,
    a series matrix), as :func:`build_anndata` does while parsing a table."""
    drop = [f for f in adata.var_names if f in set(drop_columns)]
    if not drop:
        return adata
    if len(drop) == adata.n_vars:
        raise InputError(f"{path}: no feature columns left after dropping {', '.join(drop)}")
    adata = adata[:, ~adata.var_names.isin(drop)].copy()
    adata.uns.setdefault("source", {})["dropped_features"] = drop
    return adata


def _is_series_matrix(path: Path) -> bool:
    return re.search(r"_series_matrix\.txt(?:\.gz)?$", path.name, re.IGNORECASE) is not None


def read_expression(
    path: str | os.PathLike[str],
    *,
    orientation: str = "auto",
    sep: str | None = None,
    name: str | None = None,
    drop_columns: Iterable[str] = (),
    allow_missing: bool = False,
) -> ad.AnnData:
    """Read an expression table into an AnnData with samples as observations.

    Parameters
    ----------
    path : path-like
        CSV/TSV/TXT file, plain or gzip-compressed (recognised by content). ``.h5ad`` files are
        read as they are, after the checks a table gets (an ``X`` of numbers, unique non-empty
        sample and feature IDs, finite values, none missing unless ``allow_missing``);
        ``*_series_matrix.txt(.gz)`` files go to :func:`read_series_matrix`.
        The first line is the header; the first column holds the row labels (its header cell
        may be empty, ``""`` or absent as in R's ``write.table``). Every other cell is a number;
        ``NA``, ``NaN``, ``null`` and empty cells are missing values.
    orientation : {"auto", "features_x_samples", "samples_x_features"}, default="auto"
        What the rows hold. ``"auto"`` decides from the labels, in this order:

        1. strong ID patterns: if at least half of the column labels are TCGA barcodes
           (``TCGA[-._]XX[-._]XXXX…``) or GEO sample accessions (``GSM\\d+``), columns are
           samples; if at least half are miRNA names (``hsa-``/``mmu-`` …, ``miR``, ``let-7``,
           ``MIR200C``), miRBase accessions (``MIMAT\\d+``, ``MI\\d{7}``), Ensembl IDs
           (``ENSG…``) or probe IDs (``\\d+_at``, ``_s_at``, ``ILMN_…``), columns are features;
           the same patterns in the row labels give the opposite orientation;
        2. if no pattern decides (or row and column patterns contradict each other), the
           larger dimension holds the features, since a cohort has more features than samples
           (ties: rows are features).

        The decision and its reason are logged at INFO level.
    sep : str, optional
        Delimiter. Sniffed from the first line when omitted: the most frequent of tab, comma and
        semicolon outside double quotes; with none of them, runs of white space (R's
        ``write.table`` default; also chosen by ``" "``, ``"\\s+"`` or ``"whitespace"``).
        Cells enclosed in double quotes are unquoted.
    name : str, optional
        Name of the data set, stored in ``uns["source"]["name"]``; defaults to the file name
        without its extensions.
    drop_columns : iterable of str, default=()
        Feature names to remove if present, e.g. outcome columns sharing a file with expression
        (``("event", "time")`` in van 't Veer's ``vdv.csv.gz``). Those removed are listed in
        ``uns["source"]["dropped_features"]``.
    allow_missing : bool, default=False
        Keep missing values as NaN instead of raising.

    Returns
    -------
    anndata.AnnData
        ``obs_names`` are the sample IDs and ``var_names`` the feature names, as strings exactly
        as written in the file (surrounding white space stripped); ``X`` is dense float64.
        ``uns["source"]`` holds ``path``, ``orientation``, ``sha256`` (of the file's bytes),
        ``name`` and ``dropped_features``.

    Raises
    ------
    InputError
        If the file is missing, unreadable, empty, not a consistent table (e.g. read with the
        wrong delimiter), has empty or duplicate labels, a non-numeric or infinite cell, or a
        missing value without ``allow_missing``.

    Examples
    --------
    >>> adata = read_expression("KRCCC__KIDNEY_Mirna_Expression.txt")  # doctest: +SKIP
    >>> adata.shape  # doctest: +SKIP
    (184, 791)
    """
    if orientation not in ORIENTATIONS:
        raise InputError(
            f"orientation must be one of {', '.join(ORIENTATIONS)}, not {orientation!r}"
        )
    if isinstance(drop_columns, str):
        drop_columns = (drop_columns,)
    path = Path(path)
    if path.suffix.lower() == ".h5ad":
        adata = _read_h5ad_expression(path, allow_missing=allow_missing)
        return drop_features(adata, drop_columns, path)
    if _is_series_matrix(path):
        from ._geo import read_series_matrix

        adata = read_series_matrix(path, allow_missing=allow_missing)
        if name:
            adata.uns["source"]["name"] = name
        return drop_features(adata, drop_columns, path)

    file = read_text(path)
    sep = normalise_sep(sep) or sniff_delimiter(first_line(file.text)) or "\t"
    header, body = read_string_table(file, sep)
    row_labels, column_labels, values = split_labels(file, header, body, sep)
    if orientation == "auto":
        orientation, reason = infer_orientation(row_labels, column_labels)
        logger.info("%s: reading as %s because %s", file.path, orientation, reason)
    return build_anndata(
        file,
        row_labels=row_labels,
        column_labels=column_labels,
        values=values,
        orientation=orientation,
        name=name,
        drop_columns=drop_columns,
        allow_missing=allow_missing,
    )
