"""Published cohorts by accession: the catalogue (``data/catalogue.toml``), and a fetched series
as a labelled MuData.

A fetched cohort lives in the cache (:func:`~oligomet.datasets.default_cache_dir`), one folder
per accession: the files as downloaded (verified against their sha256), ``NAME.sha256`` beside
each (the digest pinned by its first download when the catalogue gives none: trust on first
use), and ``ACCESSION.h5mu``, the parsed cohort (written once, atomically).
"""

from __future__ import annotations

import functools
import json
import logging
import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from .._errors import InputError

__all__ = ["Dataset", "DatasetFile", "cached_dataset", "dataset_info", "fetch", "list_datasets"]

logger = logging.getLogger(__name__)

_TYPES = ("int", "float", "category", "str")


@dataclass(frozen=True)
class DatasetFile:
    """One file of a cohort: its path on the host (a mirror serves the same path)."""

    host: str
    path: str
    sha256: str = ""

    @property
    def url(self) -> str:
        return self.host.rstrip("/") + "/" + self.path.lstrip("/")

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class Dataset:
    """A catalogue entry: what the cohort is, where its files are, how it is labelled.

    ``columns`` maps a characteristic of the series to a typed clinical column
    (``name``, ``type`` in int/float/category/str, ``unit``, ``description``); ``label`` holds
    the rule that reproduces the paper's groups (the fields of ``oligomet train``'s label
    section) with its ``description`` and whether it was ``verified`` against the series.
    """

    accession: str
    title: str
    disease: str
    organism: str
    assay: str
    platform: str
    view: str
    transform: str
    n_samples: int
    outcome: str
    citation: str
    doi: str
    licence: str
    verified: str
    files: tuple[DatasetFile, ...]
    label: Mapping[str, Any] = field(default_factory=dict)
    columns: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    groups: str = ""
    embedded: str = ""

    def label_rule(self) -> dict[str, Any]:
        """The label rule as settings of ``oligomet train``'s label section."""
        keys = ("column", "positive", "negative", "time", "horizon", "oligo_max", "poly_min")
        return {key: self.label[key] for key in keys if key in self.label}

    def to_dict(self) -> dict[str, Any]:
        return {
            "accession": self.accession,
            "title": self.title,
            "disease": self.disease,
            "organism": self.organism,
            "assay": self.assay,
            "platform": self.platform,
            "n_samples": self.n_samples or None,
            "groups": self.groups,
            "outcome": self.outcome,
            "label": dict(self.label),
            "columns": {key: dict(value) for key, value in self.columns.items()},
            "files": [{"url": f.url, "sha256": f.sha256 or None} for f in self.files],
            "citation": self.citation,
            "doi": self.doi,
            "licence": self.licence,
            "verified": self.verified,
            "embedded": self.embedded,
        }


def _entry(accession: str, raw: Mapping[str, Any]) -> Dataset:
    files = tuple(DatasetFile(**f) for f in raw.get("files", []))
    for spec in raw.get("columns", {}).values():
        if spec.get("type", "str") not in _TYPES:
            raise ValueError(f"catalogue {accession}: column type must be one of {_TYPES}")
    fields = {k: v for k, v in raw.items() if k not in ("files",)}
    return Dataset(accession=accession, files=files, **fields)


@functools.cache
def _catalogue() -> dict[str, Dataset]:
    """The catalogue, read once per process (callers must not change it)."""
    text = resources.files("oligomet.datasets").joinpath("data/catalogue.toml").read_bytes()
    raw = tomllib.loads(text.decode("utf-8"))
    return {name: _entry(name, entry) for name, entry in raw["datasets"].items()}


def list_datasets() -> list[Dataset]:
    """The cohorts of the catalogue, in its order."""
    return list(_catalogue().values())


def dataset_info(accession: str) -> Dataset:
    """The catalogue entry of ``accession`` (case-insensitive: ``gse7390`` is GSE7390).

    Raises
    ------
    InputError
        For an accession the catalogue does not hold (the message lists those it does).
    """
    catalogue = _catalogue()
    key = str(accession).strip().upper()
    if key not in catalogue:
        raise InputError(
            f"unknown dataset {accession!r}: the catalogue holds {', '.join(catalogue)} "
            "(`oligomet datasets list`); for another GEO series, download its series matrix "
            "and train with --expression FILE"
        )
    return catalogue[key]


def _cache_folder(accession: str, cache_dir: str | os.PathLike[str] | None) -> Path:
    from ._download import default_cache_dir

    return (Path(cache_dir) if cache_dir is not None else default_cache_dir()) / accession


def cached_dataset(accession: str, *, cache_dir: str | os.PathLike[str] | None = None) -> Path:
    """The parsed cohort (``ACCESSION.h5mu``) in the cache.

    Raises
    ------
    InputError
        When the cohort has not been fetched (the message gives the command that fetches it).
    """
    entry = dataset_info(accession)
    path = _cache_folder(entry.accession, cache_dir) / f"{entry.accession}.h5mu"
    if not path.is_file():
        where = f" --cache {cache_dir}" if cache_dir is not None else ""
        raise InputError(
            f"dataset {entry.accession} is not in the cache ({path.parent}); fetch it first: "
            f"oligomet datasets fetch {entry.accession}{where} (a cache elsewhere: set "
            "OLIGOMET_DATA_DIR to it)"
        )
    return path


def _download_files(entry: Dataset, folder: Path, *, mirror, offline, progress) -> list:
    """Each file of the cohort in ``folder``, verified against the catalogue's digest, else
    against the one pinned beside it by its first download (``NAME.sha256``)."""
    from ._download import download

    return [
        download(
            file.url,
            folder / file.name,
            sha256=file.sha256 or None,
            mirror=mirror,
            offline=offline,
            progress=progress,
            fetch_command=f"oligomet datasets fetch {entry.accession}",
        )
        for file in entry.files
    ]


def fetch(
    accession: str,
    *,
    cache_dir: str | os.PathLike[str] | None = None,
    mirror: str | None = None,
    offline: bool = False,
    progress: Callable[[int, int | None], None] | None = None,
):
    """Download a published cohort (once), verify it, and read it as a labelled MuData.

    ================  ======================================================================
    Cohorts           ``oligomet datasets list`` (``list_datasets()``): GSE7390 (TRANSBIG,
                      breast), GSE38698 (lung metastases, miRNA), GSE22541 (renal cell
                      carcinoma pulmonary metastases)
    Files             GEO series matrices, by HTTPS from NCBI, or from a mirror serving the
                      same paths (``mirror``, ``OLIGOMET_DATASETS_MIRROR``)
    Cache             ``cache_dir/ACCESSION`` (default cache ``OLIGOMET_DATA_DIR``, else
                      ``~/.cache/oligomet/datasets``): the files, their pinned digests, and
                      the parsed ``ACCESSION.h5mu``
    ================  ======================================================================

    Parameters
    ----------
    accession : str
        A catalogue accession, e.g. ``"GSE38698"``.
    cache_dir : path-like or None
        The cache; this cohort's files go to its folder ``ACCESSION``.
    mirror : str or None
        Base URL of a mirror (same paths as the original host).
    offline : bool, default=False
        Use the cache only; a file not there is an error that says so.
    progress : callable or None
        ``progress(bytes_done, bytes_total)`` while a file downloads.

    Returns
    -------
    mudata.MuData
        One modality (the catalogue's ``view``) of samples x features; ``obs`` the series'
        characteristics, those the catalogue types as named clinical columns;
        ``uns["dataset"]``: accession, title, citation, DOI, licence, the files' URLs and
        sha256, the label rule and whether it was verified.

    Raises
    ------
    InputError
        Unknown accession; a download that fails (after retries) or does not match its
        digest; offline without the files; a label rule naming a characteristic the series
        lacks.
    """
    entry = dataset_info(accession)
    folder = _cache_folder(entry.accession, cache_dir)
    records = _download_files(entry, folder, mirror=mirror, offline=offline, progress=progress)
    parsed = folder / f"{entry.accession}.h5mu"
    digests = [r.sha256 for r in records]
    if parsed.is_file():
        from ..io import read_h5mu

        mdata = read_h5mu(parsed)
        if list(mdata.uns.get("dataset", {}).get("sha256", [])) == digests:  # read back: array
            return mdata
    mdata = _parse(entry, [r.path for r in records], digests, [r.url for r in records])
    from ..io import write_h5mu

    write_h5mu(mdata, parsed)  # atomically
    logger.info("%s: %d samples, written to %s", entry.accession, mdata.n_obs, parsed)
    return mdata


def _typed(frame, entry: Dataset):
    """The characteristics the catalogue names, renamed and typed; the others as they are."""
    import pandas as pd

    frame = frame.copy()
    for key, spec in entry.columns.items():
        if key not in frame.columns:
            continue
        values = frame.pop(key)
        kind = spec.get("type", "str")
        if kind in ("int", "float"):
            numbers = pd.to_numeric(values, errors="coerce")
            bad = values.notna() & numbers.isna()
            if bad.any():
                sample = bad[bad].index[0]
                raise InputError(
                    f"dataset {entry.accession}: characteristic {key!r} of sample {sample!r} is "
                    f"{values[sample]!r}, not a number; the catalogue's column type is wrong"
                )
            values = numbers.astype("Int64" if kind == "int" else "float64")
        else:  # as written: the series matrix reader made numbers of "0"/"1" (0.0, 1.0)
            values = _as_written(values)
            values = values.astype("category") if kind == "category" else values
        frame[spec["name"]] = values
    return frame


def _as_written(values):
    """A characteristic as text: whole numbers without the ".0" a float column gives them."""
    import pandas as pd

    if pd.api.types.is_float_dtype(values) and (values.dropna() % 1 == 0).all():
        values = values.astype("Int64")
    return values.astype("string")


def _check_label(entry: Dataset, obs) -> None:
    rule = entry.label_rule()
    missing = [rule[k] for k in ("column", "time") if rule.get(k) and rule[k] not in obs.columns]
    if missing:
        state = "" if entry.label.get("verified") else " (unverified)"
        raise InputError(
            f"dataset {entry.accession}: the catalogue's label rule{state} names "
            f"{', '.join(map(repr, missing))}, which the series does not have; its sample "
            f"annotations are: {', '.join(map(repr, obs.columns))}. Train with --label "
            "COLUMN --positive ... --negative ..., and please report the right rule"
        )


def _parse(entry: Dataset, paths: list[Path], digests: list[str], urls: list[str]):
    import mudata as md

    from ..io import read_series_matrix
    from ..io._h5 import mudata_no_pull

    if len(paths) != 1:
        raise InputError(f"dataset {entry.accession}: one series matrix expected")
    adata = read_series_matrix(paths[0], allow_missing=True)
    obs = _typed(adata.obs, entry)
    _check_label(entry, obs)
    adata.obs = obs.iloc[:, :0]
    with mudata_no_pull():
        mdata = md.MuData({entry.view: adata})
        mdata.obs = obs.loc[mdata.obs_names]
    mdata.uns["dataset"] = {
        "accession": entry.accession,
        "title": entry.title,
        "citation": entry.citation,
        "doi": entry.doi,
        "licence": entry.licence,
        "urls": urls,
        "sha256": digests,
        "label": json.dumps(entry.label_rule()),
        "label_verified": bool(entry.label.get("verified")),
    }
    return mdata
