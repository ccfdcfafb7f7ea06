"""Several omics views and a clinical table → one :class:`~mudata.MuData` on shared sample IDs."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import anndata as ad
import mudata as md
import pandas as pd

from .._errors import InputError
from ._h5 import mudata_no_pull
from ._ids import SampleMatch, harmonise_sample_ids, normalise_sample_id, tcga_patient_id

__all__ = ["JOINS", "ViewCoverage", "assemble", "orient_by_samples", "view_coverage"]

logger = logging.getLogger(__name__)

CLINICAL = "clinical"
_N_EXAMPLES = 3
#: How :func:`assemble` joins the views: samples in every view, or in at least one.
JOINS = ("inner", "outer")


@dataclass(frozen=True)
class ViewCoverage:
    """Which sample has which view, after an outer join (:func:`view_coverage`).

    Attributes
    ----------
    present : pandas.DataFrame
        One row per sample (index: sample ID), one bool column per view: True where the view
        measures the sample.
    """

    present: pd.DataFrame

    @property
    def n_samples(self) -> int:
        return len(self.present)

    @property
    def n_complete(self) -> int:
        """Samples measured by every view."""
        return int(self.present.all(axis=1).sum())

    @property
    def n_lacking(self) -> dict[str, int]:
        """View name -> number of samples it does not measure."""
        return {str(view): int((~self.present[view]).sum()) for view in self.present.columns}

    def to_dict(self, *, include_ids: bool = False) -> dict[str, Any]:
        """Counts (JSON-safe); with ``include_ids``, also the samples each view lacks."""
        counts: dict[str, Any] = {
            "join": "outer",
            "n_samples": self.n_samples,
            "n_complete": self.n_complete,
            "n_lacking": self.n_lacking,
        }
        if include_ids:
            counts["lacking"] = {
                str(view): [str(s) for s in self.present.index[~self.present[view]]]
                for view in self.present.columns
            }
        return counts

    def metrics(self) -> dict[str, int]:
        """The counts as flat metric values (no IDs), named as MLflow allows."""
        return {
            "samples_with_every_view": self.n_complete,
            **{
                re.sub(r"[^\w\-./ ]", "_", f"samples_lacking_{view}"): n
                for view, n in self.n_lacking.items()
            },
        }

    def report(self) -> str:
        """One line: ``join outer: 80 samples; 64 have both views, 16 lack mirna, 0 lack rna``."""
        every = "both views" if self.present.shape[1] == 2 else "every view"
        lacking = ", ".join(f"{n} lack {view}" for view, n in self.n_lacking.items())
        return f"join outer: {self.n_samples} samples; {self.n_complete} have {every}, {lacking}"


def view_coverage(mdata: md.MuData, samples=None) -> ViewCoverage:
    """Which of ``samples`` (default: all of ``mdata``'s) each modality measures."""
    index = pd.Index(mdata.obs_names if samples is None else samples, dtype=object)
    present = {name: index.isin(mdata.mod[name].obs_names) for name in mdata.mod}
    return ViewCoverage(pd.DataFrame(present, index=index))


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
    join: Literal["inner", "outer"] = "inner",
) -> tuple[md.MuData, SampleMatch]:
    """Put omics views and clinical data on shared sample IDs in one MuData.

    Sample IDs of all views and of the clinical table are matched with
    :func:`harmonise_sample_ids` (exact, then case/separator-insensitive, then TCGA aliquot →
    sample → patient; ``sample_map`` first). With ``join="inner"`` only samples present in every
    table are kept; every dropped sample is reported: :meth:`SampleMatch.report` is logged at
    WARNING level whenever a table loses samples. With ``join="outer"`` every sample of at least
    one view is kept: a view's modality holds only the samples it measures (the MuData's way of
    saying a sample lacks a view), and the clinical columns are missing for samples the clinical
    table lacks; clinical rows without any view are left out. :func:`view_coverage` says who
    lacks what.

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
    join : {"inner", "outer"}, default="inner"
        Keep the samples present in every table, or those present in at least one view. Either
        way, at least one sample must be in every table (else the IDs do not match at all).

    Returns
    -------
    mdata : mudata.MuData
        One modality per view, with ``obs_names`` the canonical IDs (inner join: all the same,
        in the same order); each view's ``obs["original_id"]`` keeps the ID it had before (an
        existing ``original_id`` column is kept as it is). ``mdata.uns["sample_match"]`` holds
        the match's counts (:meth:`SampleMatch.to_dict` without ID lists), and for an outer join
        ``mdata.uns["view_coverage"]`` the counts of :func:`view_coverage`.
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
    if join not in JOINS:
        raise InputError(f"unknown join {join!r}; use one of {', '.join(JOINS)}")
    if clinical is not None and clinical_name in views:
        raise InputError(f"a view is named '{clinical_name}', like the clinical table; rename it")
    tables = {name: list(view.obs_names) for name, view in views.items()}
    if clinical is not None:
        tables[clinical_name] = [str(i) for i in clinical.index]
    match = harmonise_sample_ids(tables, sample_map=sample_map)
    if not match.common:
        raise InputError(_no_common_message(match))
    _log_match(match, join)
    samples = match.common if join == "inner" else _in_any_view(match, list(views))
    with mudata_no_pull():
        mdata = md.MuData(
            {name: _renamed(view, match.originals(name), samples) for name, view in views.items()}
        )
        if clinical is not None:
            mdata.obs = _with_clinical(mdata, clinical, match.originals(clinical_name))
        mdata.uns["sample_match"] = match.to_dict(include_ids=False)
        if join == "outer":
            mdata.uns["view_coverage"] = view_coverage(mdata).to_dict()
    return mdata, match


def _log_match(match: SampleMatch, join: str) -> None:
    """The match report, as a warning when some table has samples the others lack."""
    if not any(match.unmatched_ids(table) for table in match.tables):
        logger.info("%s", match.report())
    elif join == "outer":
        logger.warning(
            "samples not in every table (outer join: kept when a view measures them; clinical "
            "rows without any view left out):\n%s",
            match.report(),
        )
    else:
        logger.warning("samples dropped while assembling views:\n%s", match.report())


def _renamed(view: ad.AnnData, originals: dict[str, str], samples: list[str]) -> ad.AnnData:
    """The view's rows of those ``samples`` it has (canonical IDs), in their order, named by
    canonical ID; ``obs["original_id"]`` keeps each row's own ID."""
    kept = [canonical for canonical in samples if canonical in originals]
    ordered = [originals[canonical] for canonical in kept]
    subset = view[ordered].copy()
    if "original_id" not in subset.obs.columns:
        subset.obs["original_id"] = pd.Series(ordered, index=subset.obs_names, dtype=object)
    subset.obs_names = pd.Index(kept, dtype=object)
    return subset


def _in_any_view(match: SampleMatch, views: list[str]) -> list[str]:
    """Canonical IDs of the samples of at least one view: the first view's order, then each
    later view's new ones in its order (the MuData's order of a union)."""
    order: dict[str, None] = {}
    for name in views:
        order.update(dict.fromkeys(match.mapping[name].values()))
    return list(order)


def _with_clinical(mdata: md.MuData, clinical: pd.DataFrame, originals: dict[str, str]):
    """The MuData's ``obs`` with the clinical columns of its samples (missing for a sample the
    clinical table lacks)."""
    shared = clinical.copy()
    shared.index = pd.Index([str(i) for i in shared.index], dtype=object)
    samples = [canonical for canonical in mdata.obs_names if canonical in originals]
    shared = shared.loc[[originals[canonical] for canonical in samples]]
    shared.index = pd.Index(samples, dtype=object)
    shared = _categorical_strings(shared).reindex(mdata.obs_names)
    # One concat, not a column at a time: a clinical table can have thousands of columns.
    kept = mdata.obs.drop(columns=shared.columns, errors="ignore")
    return pd.concat([kept, shared], axis=1)


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
