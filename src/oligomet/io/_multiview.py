"""Several omics views and a clinical table → one :class:`~mudata.MuData` on shared sample IDs."""

from __future__ import annotations

import logging
from collections.abc import Mapping

import anndata as ad
import mudata as md
import pandas as pd

from .._errors import InputError
from ._h5 import mudata_no_pull
from ._ids import SampleMatch, harmonise_sample_ids

__all__ = ["assemble"]

logger = logging.getLogger(__name__)

CLINICAL = "clinical"
_N_EXAMPLES = 3


def _no_common_message(match: SampleMatch) -> str:
    examples = "; ".join(
        f"{table}: {', '.join(list(ids)[:_N_EXAMPLES])}" for table, ids in match.mapping.items()
    )
    return (
        f"no samples in common between {', '.join(match.tables)} (e.g. {examples}); check that "
        "the tables describe the same cohort, or pass a sample map (--sample-map) from their IDs "
        "to shared ones"
    )


def _categorical_strings(frame: pd.DataFrame) -> pd.DataFrame:
    """Text columns as categoricals (typed labels in ``obs``; what h5mu stores anyway)."""
    frame = frame.copy()
    for column in frame.columns:
        if frame[column].dtype == object:
            frame[column] = pd.Categorical(frame[column])
    return frame


def assemble(
    views: Mapping[str, ad.AnnData],
    clinical: pd.DataFrame | None = None,
    *,
    sample_map: Mapping[str, str] | None = None,
) -> tuple[md.MuData, SampleMatch]:
    """Put omics views and clinical data on shared sample IDs in one MuData.

    Sample IDs of all views and of the clinical table are matched with
    :func:`harmonise_sample_ids` (exact, then case/separator-insensitive, then TCGA aliquot →
    sample → patient; ``sample_map`` first), and only samples present in every table are kept
    (an inner join). Every dropped sample is reported: :meth:`SampleMatch.report` is logged at
    WARNING level whenever a table loses samples.

    Parameters
    ----------
    views : mapping of str to anndata.AnnData
        Modality name → samples x features data, e.g. ``{"rna": ..., "mirna": ...}``. A single
        view is allowed.
    clinical : pandas.DataFrame, optional
        Indexed by sample ID (see :func:`read_clinical`); it takes part in the match under the
        name ``"clinical"``, and its columns become the MuData's shared ``obs`` (text columns as
        categoricals).
    sample_map : mapping of str to str, optional
        Explicit original → canonical IDs (see :func:`read_sample_map`).

    Returns
    -------
    mdata : mudata.MuData
        One modality per view, all with ``obs_names`` equal to the canonical IDs in the same
        order; each view's ``obs["original_id"]`` keeps the ID it had before (an existing
        ``original_id`` column is kept as it is). ``mdata.uns["sample_match"]`` holds the
        match's counts (:meth:`SampleMatch.to_dict` without ID lists).
    match : SampleMatch
        The full match, including the IDs that were dropped.

    Raises
    ------
    InputError
        If no view is given, a view is called ``"clinical"`` while a clinical table is given,
        IDs collide under the matching rule, or no sample is in every table.
    """
    if not views:
        raise InputError("no views to assemble; give at least one AnnData")
    if clinical is not None and CLINICAL in views:
        raise InputError(
            f"a view is named '{CLINICAL}', which is reserved for the clinical table; rename it"
        )
    tables = {name: list(view.obs_names) for name, view in views.items()}
    if clinical is not None:
        tables[CLINICAL] = [str(i) for i in clinical.index]
    match = harmonise_sample_ids(tables, sample_map=sample_map)
    if not match.common:
        raise InputError(_no_common_message(match))
    if any(match.unmatched_ids(table) for table in match.tables):
        logger.warning("samples dropped while assembling views:\n%s", match.report())
    else:
        logger.info("%s", match.report())

    common = match.common
    modalities: dict[str, ad.AnnData] = {}
    for name, view in views.items():
        originals = match.originals(name)
        ordered = [originals[canonical] for canonical in common]
        subset = view[ordered].copy()
        if "original_id" not in subset.obs.columns:
            subset.obs["original_id"] = pd.Series(ordered, index=subset.obs_names, dtype=object)
        subset.obs_names = pd.Index(common, dtype=object)
        modalities[name] = subset

    with mudata_no_pull():
        mdata = md.MuData(modalities)
        if clinical is not None:
            originals = match.originals(CLINICAL)
            shared = clinical.copy()
            shared.index = pd.Index([str(i) for i in shared.index], dtype=object)
            shared = shared.loc[[originals[canonical] for canonical in common]]
            shared.index = pd.Index(common, dtype=object)
            shared = _categorical_strings(shared)
            for column in shared.columns:
                mdata.obs[column] = shared[column].reindex(mdata.obs_names)
        mdata.uns["sample_match"] = match.to_dict(include_ids=False)
    return mdata, match
