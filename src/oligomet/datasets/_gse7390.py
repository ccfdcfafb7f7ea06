"""The embedded default cohort: GSE7390, as shipped by scikit-survival."""

from __future__ import annotations

import logging
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd
from anndata import AnnData

__all__ = ["load_gse7390"]

logger = logging.getLogger(__name__)

_DAYS_PER_YEAR = 365.25


def load_gse7390(*, as_frame: bool = False) -> AnnData | tuple[pd.DataFrame, pd.DataFrame]:
    """Load GSE7390: 198 node-negative breast cancers, 76 genes, time to distant metastasis.

    The data are read from the declared dependency scikit-survival
    (:func:`sksurv.datasets.load_breast_cancer`); nothing is downloaded.

    =================  ===================================================================
    Samples            198 node-negative, untreated breast cancers (TRANSBIG series)
    Features           76 Affymetrix HG-U133A probe sets (the Wang et al. 2005 signature),
                       log2 intensities; clinical: age, er, grade, size
    Outcome            distant metastasis, 51 events (25.8 %); time in days and years
    Source             NCBI GEO GSE7390, via scikit-survival ``load_breast_cancer``
    Licence            GEO: no NCBI restrictions on use; scikit-survival: GPL-3.0-or-later
    Citation           Desmedt et al. 2007, Clin Cancer Res 13:3207,
                       doi:10.1158/1078-0432.CCR-06-2765
    =================  ===================================================================

    Distant metastasis is the endpoint, not the number of metastases: use it as the positive
    class (1) of "metastatic progression", e.g. with
    ``label_by_time(obs["time_to_distant_metastasis_years"], obs["distant_metastasis"],
    horizon=5)``.

    Parameters
    ----------
    as_frame : bool, default=False
        Return ``(expression, clinical)`` DataFrames (samples as rows in both) instead of an
        AnnData.

    Returns
    -------
    anndata.AnnData or tuple of pandas.DataFrame
        ``X``: the 76 probe sets (float64), ``var_names`` the Affymetrix probe set IDs as
        GEO gives them (``"200726_at"``; scikit-survival's copy carries R's ``X`` prefix, which
        is removed), also in ``var["probe_id"]``. ``obs``: ``age``, ``er``, ``grade``
        (categorical; the source's ``"unkown"`` grade becomes missing), ``size`` (cm),
        ``distant_metastasis`` (0/1), ``time_to_distant_metastasis_days`` and
        ``time_to_distant_metastasis_years`` (days / 365.25). ``obs_names`` are ``"GSE7390_000"``
        ... in the source's order (the source has no patient identifiers).
        ``uns["dataset"]``: name, title, source, URL, citation, DOI, licence.

    References
    ----------
    Desmedt C, Piette F, Loi S, et al. Strong time dependence of the 76-gene prognostic signature
    for node-negative breast cancer patients in the TRANSBIG multicenter independent validation
    series. Clin Cancer Res 2007;13:3207-3214. :doi:`10.1158/1078-0432.CCR-06-2765`

    Wang Y, Klijn JGM, Zhang Y, et al. Gene-expression profiles to predict distant metastasis of
    lymph-node-negative primary breast cancer. Lancet 2005;365:671-679.
    :doi:`10.1016/S0140-6736(05)17947-1`
    """
    from sksurv.datasets import load_breast_cancer  # heavy import, only when asked for

    features, outcome = load_breast_cancer()
    sample_ids = pd.Index([f"GSE7390_{i:03d}" for i in range(len(features))], name=None)
    probes = [str(c) for c in features.columns if str(c).endswith("_at")]
    clinical_columns = [c for c in features.columns if c not in probes]

    expression = features[probes].astype(np.float64)
    expression.index = sample_ids
    # scikit-survival keeps R's make.names "X" before names that start with a digit
    # ("X200726_at"); the probe set IDs of GEO and of users' own tables have none.
    expression.columns = [_probe_id(p) for p in probes]

    clinical = features[clinical_columns].copy()
    clinical.index = sample_ids
    if "grade" in clinical and "unkown" in clinical["grade"].cat.categories:
        # The source spells a missing grade "unkown"; as a category it would pass as a real grade.
        clinical["grade"] = clinical["grade"].cat.remove_categories("unkown")
    days = np.asarray(outcome["t.tdm"], dtype=np.float64)
    clinical["distant_metastasis"] = np.asarray(outcome["e.tdm"], dtype=bool).astype(np.int64)
    clinical["time_to_distant_metastasis_days"] = days
    clinical["time_to_distant_metastasis_years"] = days / _DAYS_PER_YEAR

    if as_frame:
        return expression, clinical
    var = pd.DataFrame({"probe_id": list(expression.columns)}, index=expression.columns)
    adata = AnnData(X=expression.to_numpy(), obs=clinical, var=var)
    adata.uns["dataset"] = _description("gse7390")
    logger.info("loaded GSE7390: %d samples x %d probe sets", adata.n_obs, adata.n_vars)
    return adata


def _probe_id(name: str) -> str:
    """``"X200726_at"`` -> ``"200726_at"``: R's make.names prefix removed."""
    return name[1:] if name.startswith("X") and name[1:2].isdigit() else name


def _description(name: str) -> dict[str, Any]:
    import yaml

    description = resources.files(__package__).joinpath("descr").joinpath(f"{name}.yaml")
    text = description.read_text(encoding="utf-8")
    return dict(yaml.safe_load(text))
