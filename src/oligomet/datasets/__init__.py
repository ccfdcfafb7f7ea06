"""Data the package can legitimately ship or generate.

* :func:`load_gse7390`: the embedded default cohort (198 breast cancers, 76 genes, time to
  distant metastasis), read from the declared dependency scikit-survival.
* :func:`make_cohort`: seeded synthetic cohorts with a known oligo/poly signal.
* :func:`download`: one file of a published cohort into the local cache
  (:func:`default_cache_dir`), resumed, retried and checked against its sha256; it returns a
  :class:`DownloadRecord`.
"""

from ._download import DownloadRecord, default_cache_dir, download, mirror_base
from ._gse7390 import load_gse7390
from ._synthetic import make_cohort

__all__ = [
    "DownloadRecord",
    "default_cache_dir",
    "download",
    "load_gse7390",
    "make_cohort",
    "mirror_base",
]
