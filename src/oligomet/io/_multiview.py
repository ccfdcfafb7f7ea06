"""Several omics views and a clinical table → one :class:`~mudata.MuData` on shared sample IDs."""

from __future__ import annotations

import logging
from collections.abc import Mapping

import anndata as ad
import mudata as md
import pandas as pd

from .._errors import InputError
from ._h5 import mudata_no_pull
from ._ids import SampleMatch, harmonise_sample_ids, normalise_sample_id, tcga_patient_id

__all__ = ["assemble", "orient_by_samples"]

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
    clinical_name: str = CLINICAL,
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
        name ``clinical_name``, and its columns become the MuData's shared ``obs`` (text columns as
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
    if clinical is not None and clinical_name in views:
        raise InputError(f"a view is named '{clinical_name}', like the clinical table; rename it")
    tables = {name: list(view.obs_names) for name, view in views.items()}
    if clinical is not None:
        tables[clinical_name] = [str(i) for i in clinical.index]
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
            originals = match.originals(clinical_name)
            shared = clinical.copy()
            shared.index = pd.Index([str(i) for i in shared.index], dtype=object)
            shared = shared.loc[[originals[canonical] for canonical in common]]
            shared.index = pd.Index(common, dtype=object)
            shared = _categorical_strings(shared).reindex(mdata.obs_names)
            # One concat, not a column at a time: a clinical table can have thousands of columns.
            kept = mdata.obs.drop(columns=shared.columns, errors="ignore")
            mdata.obs = pd.concat([kept, shared], axis=1)
        mdata.uns["sample_match"] = match.to_dict(include_ids=False)
    return mdata, match


def _id_keys(ids) -> set[str]:
    keys: set[str] = set()
    for sample_id in map(str, ids):
        keys.add(normalise_sample_id(sample_id))
        patient = tcga_patient_id(sample_id)
        if patient is not None:
            keys.add(patient)
    return keys


def orient_by_samples(adata: ad.AnnData, sample_ids) -> ad.AnnData:
    """Transpose ``adata`` when its features, not its samples, carry the given sample IDs.

    An auto-detected orientation can be wrong for a table without recognisable ID patterns and
    with more samples than features (a small panel measured on a large cohort). When the sample
    IDs of another table (usually the clinical one) are known, they settle it: the axis whose
    labels match more of them (case-, separator- and TCGA-aliquot-insensitively) holds the
    samples.

    Parameters
    ----------
    adata : anndata.AnnData
        As returned by :func:`read_expression` with ``orientation="auto"``.
    sample_ids : iterable of str
        Sample IDs of another table of the same cohort.

    Returns
    -------
    anndata.AnnData
        ``adata`` itself, or its transpose with ``uns["source"]["orientation"]`` updated.
    """
    reference = _id_keys(sample_ids)
    in_obs = len(_id_keys(adata.obs_names) & reference)
    in_var = len(_id_keys(adata.var_names) & reference)
    if in_var <= in_obs:
        return adata
    flipped = ad.AnnData(
        X=adata.X.T.copy(),
        obs=pd.DataFrame(index=adata.var_names.copy()),
        var=pd.DataFrame(index=adata.obs_names.copy()),
        uns=dict(adata.uns),
    )
    source = dict(flipped.uns.get("source", {}))
    if source:
        was = source.get("orientation")
        source["orientation"] = (
            "samples_x_features" if was == "features_x_samples" else "features_x_samples"
        )
        flipped.uns["source"] = source
    logger.info(
        "%s: %d of its column labels but %d of its row labels are known sample IDs; "
        "reading it the other way round",
        source.get("path", "table"),
        in_var,
        in_obs,
    )
    return flipped
