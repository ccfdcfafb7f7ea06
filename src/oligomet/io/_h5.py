"""HDF5 files: ``.h5ad`` (AnnData) and ``.h5mu`` (MuData), with atomic writes."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import anndata as ad
import mudata as md
import pandas as pd

from .._errors import InputError
from ._files import check_file

__all__ = ["read_h5ad", "read_h5mu", "write_csv", "write_h5ad", "write_h5mu"]


@contextlib.contextmanager
def mudata_no_pull() -> Iterator[None]:
    """Run MuData's ``update()`` with the behaviour that becomes the default in mudata 0.4.

    mudata 0.3 warns (FutureWarning) on every ``update()`` unless ``pull_on_update`` is set; the
    new behaviour (``False``) keeps modality ``obs`` columns in the modalities instead of copying
    them, prefixed, into the global ``obs``. We set it for the duration of our own calls and
    restore the user's setting; ``set_options`` is used as a plain call rather than as a context
    manager because its ``__enter__``/``__exit__`` log through the root logger, which would
    configure logging behind the application's back.
    """
    previous = md.set_options(pull_on_update=False).opts
    try:
        yield
    finally:
        md.set_options(**previous)


def _read(path: str | os.PathLike[str], reader: Callable[[Path], object], kind: str):
    path = check_file(path)
    if not os.access(path, os.R_OK):
        raise InputError(f"cannot read {path}: permission denied; check the file's permissions")
    try:
        return reader(path)
    except PermissionError as exc:
        raise InputError(
            f"cannot read {path}: permission denied; check the file's permissions"
        ) from exc
    except InputError:
        raise
    except Exception as exc:
        # h5py, anndata and mudata fail on a damaged file with OSError, KeyError, RuntimeError
        # ("bad symbol table node signature"), ValueError, TypeError or anndata's
        # IORegistryError: whatever the reader raises, the file is unusable.
        first = str(exc).splitlines()[0] if str(exc) else "corrupt"
        raise InputError(
            f"{path} is not a readable {kind} file ({type(exc).__name__}: {first[:200]}); "
            "re-create or re-download it"
        ) from exc


def read_h5ad(path: str | os.PathLike[str]) -> ad.AnnData:
    """Read an ``.h5ad`` file into memory.

    Raises
    ------
    InputError
        If the file is missing, a directory, unreadable or not an h5ad file.
    """
    return _read(path, ad.read_h5ad, ".h5ad")


def read_h5mu(path: str | os.PathLike[str]) -> md.MuData:
    """Read an ``.h5mu`` file into memory.

    Raises
    ------
    InputError
        If the file is missing, a directory, unreadable or not an h5mu file.
    """

    def reader(file: Path) -> md.MuData:
        with mudata_no_pull():
            return md.read_h5mu(file)

    return _read(path, reader, ".h5mu")


def _write_atomically(path: str | os.PathLike[str], writer: Callable[[Path], None]) -> Path:
    """Write through a temporary file in the target folder, then rename it over ``path``.

    The rename is atomic on POSIX and Windows, so readers never see a half-written file and a
    failed write leaves any previous file untouched.
    """
    path = Path(path)
    folder = path.parent
    if not folder.is_dir():
        raise InputError(f"cannot write {path}: folder {folder} does not exist; create it first")
    if path.is_dir():
        raise InputError(f"cannot write {path}: it is a directory; give a file name")
    try:
        handle, temporary = tempfile.mkstemp(
            dir=folder, prefix=f".{path.name}.", suffix=f".tmp{path.suffix}"
        )
    except PermissionError as exc:
        raise InputError(
            f"cannot write {path}: permission denied in {folder}; choose another folder"
        ) from exc
    os.close(handle)
    temporary_path = Path(temporary)
    try:
        writer(temporary_path)
        os.replace(temporary_path, path)
    except BaseException:
        temporary_path.unlink(missing_ok=True)
        raise
    return path


def write_csv(frame: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write a DataFrame as CSV atomically (temporary file + rename): no partial file on failure.

    Returns
    -------
    pathlib.Path
        The written file.
    """
    return _write_atomically(path, lambda file: frame.to_csv(file))


def write_h5ad(adata: ad.AnnData, path: str | os.PathLike[str]) -> Path:
    """Write an AnnData to ``.h5ad`` atomically (temporary file + rename).

    Parameters
    ----------
    adata : anndata.AnnData
    path : path-like
        Target file; replaced if it exists.

    Returns
    -------
    pathlib.Path
        The written file.
    """
    return _write_atomically(path, adata.write_h5ad)


def write_h5mu(mdata: md.MuData, path: str | os.PathLike[str]) -> Path:
    """Write a MuData to ``.h5mu`` atomically (temporary file + rename).

    Parameters
    ----------
    mdata : mudata.MuData
    path : path-like
        Target file; replaced if it exists.

    Returns
    -------
    pathlib.Path
        The written file.
    """

    def writer(file: Path) -> None:
        with mudata_no_pull():
            md.write_h5mu(file, mdata)

    return _write_atomically(path, writer)
