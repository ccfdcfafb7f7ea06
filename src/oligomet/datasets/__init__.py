"""Data the package can legitimately ship or generate.

* :func:`load_gse7390`: the embedded default cohort (198 breast cancers, 76 genes, time to
  distant metastasis), read from the declared dependency scikit-survival.
* :func:`make_cohort`: seeded synthetic cohorts with a known oligo/poly signal.
"""

from ._gse7390 import load_gse7390
from ._synthetic import make_cohort

__all__ = ["load_gse7390", "make_cohort"]
