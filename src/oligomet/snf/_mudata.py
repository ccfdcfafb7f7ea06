"""Scanpy-style functions: SNF subtypes written into the MuData of the views."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pandas as pd
from sklearn.utils.validation import check_is_fitted

from .._errors import InputError
from ._estimator import SNF

if TYPE_CHECKING:
    import mudata as md

__all__ = ["add_subtypes", "snf"]


def snf(
    mdata: md.MuData,
    *,
    n_neighbors: int = 20,
    mu: float = 0.5,
    n_iter: int = 20,
    n_clusters: int | str = "auto",
    metric: str | None = None,
    variant: str | None = None,
    standardize: bool = True,
    cluster_range: tuple[int, int] = (2, 5),
    eigengap: str | None = None,
    assign: str | None = None,
    preset: str | None = "snftool",
    random_state=None,
    key_added: str = "snf",
    progress: Callable[[int, int], None] | None = None,
    copy: bool = False,
) -> md.MuData | None:
    """Fuse the modalities of a MuData with :class:`SNF` and write the subtypes into it.

    Writes ``obsp[f"{key_added}_fused"]`` (the fused network), ``obs[f"{key_added}_subtype"]``
    (categorical) and ``uns[key_added]`` (parameters, number of subtypes, view names,
    eigengaps); see :func:`add_subtypes`. A sample absent from a modality is fused over the
    modalities that measure it.

    Parameters
    ----------
    mdata : mudata.MuData
        One modality per view, samples shared (``obs_names``).
    n_neighbors, mu, n_iter, n_clusters, metric, variant, standardize, cluster_range, eigengap, \
assign, preset, random_state
        Parameters of :class:`SNF`, with its defaults.
    key_added : str, default="snf"
        Prefix of the ``obs`` and ``obsp`` keys, and the ``uns`` key.
    progress : callable or None, default=None
        ``progress(done, n_iter)`` after each diffusion iteration (:meth:`SNF.fit`).
    copy : bool, default=False
        Return an annotated copy instead of writing into ``mdata``.

    Returns
    -------
    mudata.MuData or None
        The annotated copy when ``copy`` is True, else None.

    See Also
    --------
    SNF : The estimator, which also assigns new samples to the subtypes (``predict``); fit it
        and call :func:`add_subtypes` to keep both.

    Examples
    --------
    >>> import anndata as ad
    >>> import numpy as np
    >>> from oligomet.io import assemble
    >>> rng = np.random.default_rng(0)
    >>> groups = np.repeat([0, 1], 30)
    >>> mdata, _ = assemble({
    ...     view: ad.AnnData(
    ...         rng.normal(size=(60, 5)) + 3 * groups[:, None],
    ...         obs=pd.DataFrame(index=[f"P{i}" for i in range(60)]),
    ...         var=pd.DataFrame(index=[f"{view}{j}" for j in range(5)]),
    ...     )
    ...     for view in ("rna", "mirna")
    ... })
    >>> snf(mdata, n_neighbors=10, random_state=0)
    >>> mdata.uns["snf"]["n_clusters"], mdata.obsp["snf_fused"].shape
    (2, (60, 60))
    """
    estimator = SNF(
        n_neighbors=n_neighbors,
        mu=mu,
        n_iter=n_iter,
        n_clusters=n_clusters,
        metric=metric,
        variant=variant,
        standardize=standardize,
        cluster_range=cluster_range,
        eigengap=eigengap,
        assign=assign,
        preset=preset,
        random_state=random_state,
    ).fit(mdata, progress=progress)
    return add_subtypes(mdata, estimator, key_added=key_added, copy=copy)


def add_subtypes(mdata: md.MuData, snf: SNF, *, key_added: str = "snf", copy: bool = False):
    """Write a fitted SNF's results into a MuData of the same samples, scanpy-style.

    ``obsp[f"{key_added}_fused"]`` (the fused network), ``obs[f"{key_added}_subtype"]``
    (categorical) and ``uns[key_added]`` (parameters, number of subtypes, view names,
    eigengaps).

    Parameters
    ----------
    mdata : mudata.MuData
        Holds the samples ``snf`` was fitted on, in the same order.
    snf : SNF
        Fitted.
    key_added : str, default="snf"
        Prefix of the ``obs`` and ``obsp`` keys, and the ``uns`` key.
    copy : bool, default=False
        Return an annotated copy instead of writing into ``mdata``.

    Returns
    -------
    mudata.MuData or None
        The copy, when ``copy`` is True.
    """
    check_is_fitted(snf, "labels_")
    if mdata.n_obs != len(snf.labels_):
        raise InputError(
            f"the MuData holds {mdata.n_obs} samples, the SNF was fitted on {len(snf.labels_)}"
        )
    if copy:
        from ..io._h5 import mudata_no_pull

        with mudata_no_pull():
            target = mdata.copy()
    else:
        target = mdata
    target.obsp[f"{key_added}_fused"] = snf.fused_network_
    target.obs[f"{key_added}_subtype"] = pd.Categorical(snf.labels_.astype(str))
    target.uns[key_added] = {
        "params": {
            k: (list(v) if isinstance(v, tuple) else v)
            for k, v in snf.get_params().items()
            if k != "random_state"
        }
        | {"random_state": str(snf.random_state)},
        "n_clusters": int(snf.n_clusters_),
        "views": list(snf.view_names_),
        "eigengap": {str(k): float(v) for k, v in snf.eigengap_.items()},
    }
    return target if copy else None
