"""Ingest: expression tables, GEO series matrices, clinical tables, h5ad/h5mu → AnnData / MuData.

Every reader raises :class:`oligomet._errors.InputError` with a one-line message for problems the
user can fix (missing file, wrong delimiter, non-numeric cell, duplicate IDs …).

Readers
    :func:`read_expression`, :func:`read_series_matrix`, :func:`read_clinical`,
    :func:`read_clinical_tables`, :func:`read_sample_map`, :func:`read_mirbase_aliases`,
    :func:`read_h5ad`, :func:`read_h5mu`
Writers
    :func:`write_csv`, :func:`write_h5ad`, :func:`write_h5mu` (atomic)
Harmonisation
    :func:`normalise_sample_id`, :func:`tcga_patient_id`, :func:`harmonise_sample_ids`
    (→ :class:`SampleMatch`), :func:`mirna_key`, :func:`find_mirna`,
    :func:`harmonise_mirna_names`, :func:`assemble` (inner or outer join; →
    :func:`view_coverage`), :func:`orient_by_samples`
"""

from ._clinical import read_clinical, read_clinical_tables
from ._geo import read_series_matrix
from ._h5 import read_h5ad, read_h5mu, write_csv, write_h5ad, write_h5mu
from ._ids import (
    SampleMatch,
    harmonise_sample_ids,
    normalise_sample_id,
    read_sample_map,
    tcga_patient_id,
)
from ._mirna import (
    find_mirna,
    harmonise_mirna_names,
    mirna_key,
    mirna_renames,
    read_mirbase_aliases,
)
from ._multiview import ViewCoverage, assemble, orient_by_samples, view_coverage
from ._tables import read_expression

__all__ = [
    "SampleMatch",
    "ViewCoverage",
    "assemble",
    "find_mirna",
    "harmonise_mirna_names",
    "harmonise_sample_ids",
    "mirna_key",
    "mirna_renames",
    "normalise_sample_id",
    "orient_by_samples",
    "read_clinical",
    "read_clinical_tables",
    "read_expression",
    "read_h5ad",
    "read_h5mu",
    "read_mirbase_aliases",
    "read_sample_map",
    "read_series_matrix",
    "tcga_patient_id",
    "view_coverage",
    "write_csv",
    "write_h5ad",
    "write_h5mu",
]
