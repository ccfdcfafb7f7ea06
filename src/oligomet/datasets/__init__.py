"""Data the package can legitimately ship, generate or fetch.

* :func:`load_gse7390`: the embedded default cohort (198 breast cancers, 76 genes, time to
  distant metastasis), read from the declared dependency scikit-survival.
* :func:`make_cohort`: seeded synthetic cohorts with a known oligo/poly signal.
* :func:`list_datasets`, :func:`dataset_info`, :func:`fetch`: published cohorts by accession
  (the catalogue ``data/catalogue.toml``), downloaded once into a cache, verified, and read as a
  labelled MuData; :func:`cached_dataset` is the parsed cohort ``oligomet train --dataset``
  reads.
* :func:`download`: one file into the cache, resumed (HTTP Range), retried with back-off,
  verified against its sha256 and moved into place only when complete; :func:`mirror_base`,
  :func:`default_cache_dir`.
"""

from ._catalogue import Dataset, DatasetFile, cached_dataset, dataset_info, fetch, list_datasets
from ._download import DownloadRecord, default_cache_dir, download, mirror_base
from ._gse7390 import load_gse7390
from ._synthetic import make_cohort

__all__ = [
    "Dataset",
    "DatasetFile",
    "DownloadRecord",
    "cached_dataset",
    "dataset_info",
    "default_cache_dir",
    "download",
    "fetch",
    "list_datasets",
    "load_gse7390",
    "make_cohort",
    "mirror_base",
]
