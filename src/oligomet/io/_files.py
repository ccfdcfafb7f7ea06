"""Reading files from disk and turning every user-fixable failure into an :class:`InputError`.

Every reader in :mod:`oligomet.io` goes through :func:`read_text`, so "file not found", "is a
directory", "permission denied", "empty file", "not valid gzip" and "not text" are worded the
same way everywhere.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import os
import re
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .._errors import InputError, check_file

_GZIP_MAGIC = b"\x1f\x8b"

#: Delimiters recognised when sniffing, in the order that breaks ties.
DELIMITERS: dict[str, str] = {"\t": "tab", ",": "comma", ";": "semicolon"}

#: The delimiter meaning "runs of white space" (R's ``write.table`` default, ``sep=""`` in
#: ``read.table``); the other spellings users type for it are in :data:`_WHITESPACE_ALIASES`.
WHITESPACE = " "
_WHITESPACE_ALIASES = frozenset({" ", r"\s+", "whitespace", "space", "spaces"})
_QUOTED = re.compile(r'"[^"]*"')


@dataclass(frozen=True)
class TextFile:
    """The decoded content of a file with its provenance.

    Attributes
    ----------
    path : pathlib.Path
        The file as given by the user.
    text : str
        The decoded (and, for gzip files, decompressed) content.
    sha256 : str
        Hex SHA-256 digest of the file's bytes as stored on disk.
    """

    path: Path
    text: str
    sha256: str


def _open_binary(path: Path):
    # A seam for tests: running as root makes chmod-based permission tests impossible.
    return open(path, "rb")


def read_bytes(path: str | os.PathLike[str]) -> tuple[Path, bytes]:
    """Read a file's raw bytes, turning OS errors into :class:`InputError`."""
    path = check_file(path)
    try:
        with _open_binary(path) as handle:
            raw = handle.read()
    except PermissionError as exc:
        raise InputError(
            f"cannot read {path}: permission denied; check the file's permissions"
        ) from exc
    except IsADirectoryError as exc:  # a race with check_file; keep the message the same
        raise InputError(
            f"{path} is a directory, not a file; give the path of a file inside it"
        ) from exc
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from exc
    return path, raw


def read_text(path: str | os.PathLike[str]) -> TextFile:
    """Read a plain or gzip-compressed text file.

    Compression is recognised by the gzip magic bytes, not the file name, so a mis-named file
    still reads. A UTF-8 byte-order mark is dropped; bytes that are not UTF-8 are read as Latin-1
    (old GEO and vendor files), but a file with NUL bytes is rejected as binary.

    Raises
    ------
    InputError
        If the file is missing, unreadable, empty, corrupt gzip or binary.
    """
    path, raw = read_bytes(path)
    digest = hashlib.sha256(raw).hexdigest()
    if raw[:2] == _GZIP_MAGIC:
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as exc:
            raise InputError(
                f"{path} looks gzip-compressed but cannot be decompressed ({exc}); "
                "re-download or re-compress it"
            ) from exc
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):  # UTF-16 with a byte-order mark (Excel exports)
        raw = raw.decode("utf-16").encode("utf-8")
    if b"\x00" in raw[:8192]:
        raise InputError(
            f"{path} is a binary file, not a text table; give a CSV/TSV file (or .h5ad)"
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    if not text.strip():
        raise InputError(f"{path} is empty; give a file with a header line and data rows")
    return TextFile(path=path, text=text, sha256=digest)


def first_line(text: str) -> str:
    """The first non-blank line of ``text`` without its line ending."""
    for line in text.splitlines():
        if line.strip():
            return line
    return ""


def normalise_sep(sep: str | None) -> str | None:
    """Map the spellings of "white space" (``" "``, ``\\s+``, ``whitespace``) to ``WHITESPACE``,
    and ``\\t`` or ``tab`` to a tab.

    Raises
    ------
    InputError
        For a delimiter of several characters (other than those spellings): tables are split on
        one character.
    """
    if sep is not None and sep.lower() in _WHITESPACE_ALIASES:
        return WHITESPACE
    if sep is not None and sep.lower() in ("\\t", "tab"):  # as typed in a shell
        return "\t"
    if sep is not None and len(sep) > 1:
        raise InputError(
            f"the delimiter (sep / --sep) must be one character, got {sep!r}; use e.g. ',', ';', "
            "tab (\\t) or whitespace"
        )
    return sep


def sniff_delimiter(line: str) -> str | None:
    """Guess the delimiter of a table from one line: the most frequent of tab, comma, semicolon.

    Delimiters inside double quotes do not count. Ties go to tab, then comma, then semicolon.
    A line with none of them but several white-space separated cells (R's ``write.table``
    default) gives :data:`WHITESPACE`. Returns None when the line is a single cell.
    """
    unquoted = _QUOTED.sub('""', line)
    counts = {sep: unquoted.count(sep) for sep in DELIMITERS}
    best = max(counts, key=lambda sep: counts[sep])  # dict order breaks ties
    if counts[best] > 0:
        return best
    return WHITESPACE if len(unquoted.split()) > 1 else None


def describe_sep(sep: str) -> str:
    """A readable name for a delimiter, for messages."""
    return "white space" if sep == WHITESPACE else DELIMITERS.get(sep, repr(sep))


def unquote(cell: str) -> str:
    """A cell without surrounding white space and one pair of enclosing double quotes.

    The csv module already removes quotes that open a field; this catches the ones it keeps,
    e.g. after a space that follows the delimiter (``a, "b"``) or around a field it split on
    white space.
    """
    cell = cell.strip()
    if len(cell) >= 2 and cell[0] == cell[-1] == '"':
        cell = cell[1:-1].replace('""', '"').strip()
    return cell


def delimiter_hint(line: str, sep: str) -> str:
    """Advice for a table that does not split well on ``sep``, from its first line."""
    for char, name in DELIMITERS.items():
        if char != sep and char in line:
            return f"its first line contains {name}s; pass sep={char!r} (--sep {char!r})"
    return "check that it is a delimited table and pass the delimiter with sep (--sep)"


def _reader(text: str, sep: str):
    """A csv reader on ``sep``; for :data:`WHITESPACE`, on runs of spaces and tabs."""
    if sep == WHITESPACE:
        stripped = (line.strip().replace("\t", " ") for line in text.splitlines())
        lines = io.StringIO("\n".join(stripped))
        return csv.reader(lines, delimiter=" ", quotechar='"', skipinitialspace=True)
    return csv.reader(io.StringIO(text), delimiter=sep, quotechar='"')


def split_line(line: str, sep: str) -> list[str]:
    """Split one line on ``sep`` honouring double quotes, as pandas does."""
    return next(_reader(line, sep), [])


def read_string_table(
    file: TextFile, sep: str, *, header: bool = True, allow_empty: bool = False
) -> tuple[list[str], pd.DataFrame]:
    """Parse delimited text into its header cells and a frame of strings (no NA conversion).

    Parameters
    ----------
    file
        The decoded file.
    sep
        Delimiter.
    header
        Whether the first non-blank line is a header.
    allow_empty
        Return an empty body instead of raising when there are no data rows.

    Returns
    -------
    header : list of str
        The header cells, stripped and unquoted (empty when ``header=False``).
    body : pandas.DataFrame
        Every data cell as a stripped, unquoted string, columns numbered from 0.

    Raises
    ------
    InputError
        If rows have different numbers of cells or there are no data rows.
    """
    # The csv module, not pandas: as fast on these sizes, much faster on wide files (pandas
    # builds one column object per sample), and it gives the line of a ragged row directly.
    reader = _reader(file.text, sep)
    header_cells: list[str] | None = None if header else []
    rows: list[list[str]] = []
    width = 0
    try:
        for row in reader:
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            cells = [unquote(cell) for cell in row]
            if header_cells is None:
                header_cells = cells
                continue
            if not rows:
                width = len(cells)
            elif len(cells) != width:
                raise InputError(
                    f"{file.path}, line {reader.line_num}: {len(cells)} cells where the first "
                    f"data row has {width} (separator {describe_sep(sep)}); "
                    + _ragged_hint(first_line(file.text), sep)
                )
            rows.append(cells)
    except csv.Error as exc:
        raise InputError(
            f"{file.path}, line {reader.line_num}: cannot be parsed ({exc}); check quoting and the "
            "delimiter (sep / --sep)"
        ) from exc
    if not rows and allow_empty:
        return header_cells or [], pd.DataFrame(np.empty((0, len(header_cells or [])), object))
    if not rows:
        raise InputError(
            f"{file.path} has a header line but no data rows; check that it is the right file"
        )
    body = pd.DataFrame(np.array(rows, dtype=object))
    return header_cells or [], body


def _ragged_hint(line: str, sep: str) -> str:
    if any(char != sep and char in line for char in DELIMITERS):
        return delimiter_hint(line, sep)
    return "make every row have the same number of cells"
