"""Per-sample log transforms of an AnnData matrix (no parameters learned across samples)."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
from anndata import AnnData
from scipy import sparse

from .._errors import InputError

__all__ = ["LogInputError", "log_transform", "log_values"]

logger = logging.getLogger(__name__)

_METHODS = ("auto", "none", "log2", "log2cpm")
# Above this maximum the values cannot be log2 intensities or log2 CPM (2**100 is absurd), so the
# data are on a linear scale: counts or normalised abundances.
_LINEAR_MAX = 100.0


class LogInputError(InputError):
    """Values a log transform cannot take; ``row``/``col`` locate the first offending cell.

    Attributes
    ----------
    kind : {"non-finite", "negative", "empty library", "overflowing library"}
    row, col : int
        Position of the first offending value (``col`` is -1 for an empty library).
    value : float
    """

    def __init__(self, kind: str, row: int, col: int, value: float) -> None:
        self.kind, self.row, self.col, self.value = kind, row, col, value
        where = f"sample {row}" + (f", feature {col}" if col >= 0 else "")
        super().__init__(f"{kind} value {value:.4g} at {where}")


def log_values(values: np.ndarray, method: str, pseudocount: float = 1.0) -> np.ndarray:
    """Apply ``"none"``, ``"log2"`` or ``"log2cpm"`` to a samples x features array.

    The one implementation of the arithmetic and its checks, shared by :func:`log_transform`
    and the in-pipeline :class:`~oligomet.models.ViewLogTransform`.

    Raises
    ------
    LogInputError
        Non-finite values; negative values under a log; a sample with no counts (or counts that
        add up to more than a float holds) under log2cpm.
    """
    values = np.array(values, dtype=np.float64)  # a copy
    finite = np.isfinite(values)
    if not finite.all():
        row, col = _first(~finite)
        raise LogInputError("non-finite", row, col, values[row, col])
    if method == "none":
        return values
    negative = values < 0
    if negative.any():
        row, col = _first(negative)
        raise LogInputError("negative", row, col, values[row, col])
    if method == "log2":
        return np.log2(values + pseudocount)
    if method != "log2cpm":
        raise ValueError(f"unknown log method {method!r}")
    with np.errstate(over="ignore"):
        library_size = values.sum(axis=1)
    empty = np.flatnonzero(library_size <= 0)
    if empty.size:
        raise LogInputError("empty library", int(empty[0]), -1, 0.0)
    overflowing = np.flatnonzero(~np.isfinite(library_size))
    if overflowing.size:
        raise LogInputError("overflowing library", int(overflowing[0]), -1, np.inf)
    return np.log2(values / library_size[:, None] * 1e6 + pseudocount)


def log_transform(
    adata: AnnData,
    *,
    method: str = "auto",
    pseudocount: float = 1.0,
    layer: str | None = None,
    copy: bool = False,
) -> AnnData | None:
    """Put expression values on a log2 scale, choosing the transform from the data if asked.

    Each sample (row) is transformed on its own: no parameter is learned across samples, so this
    may run on the whole cohort before cross-validation without leaking information between
    folds. Filtering, scaling and selection, which do learn from samples, belong inside the
    cross-validated pipeline (e.g. :class:`~oligomet.pp.VarianceFilter`).

    =============  ===================================================================
    method         values become
    =============  ===================================================================
    ``"none"``     unchanged
    ``"log2"``     ``log2(x + pseudocount)``
    ``"log2cpm"``  ``log2(cpm + pseudocount)``, ``cpm = 1e6 * x / sum(x of the sample)``
    ``"auto"``     one of the above, by the rule below
    =============  ===================================================================

    The ``"auto"`` rule looks at the whole matrix:

    1. any value < 0: already on a log or centred scale, so ``"none"``;
    2. else all values whole numbers and the maximum > 100: raw counts, so ``"log2cpm"``;
    3. else the maximum > 100: normalised linear abundances (e.g. RSEM), so ``"log2"``;
    4. else (maximum <= 100): already log-scaled intensities, so ``"none"``.

    Parameters
    ----------
    adata : anndata.AnnData
        Samples x features.
    method : {"auto", "none", "log2", "log2cpm"}, default="auto"
        Transform to apply.
    pseudocount : float, default=1.0
        Added before taking the log (> 0).
    layer : str, optional
        Transform ``adata.layers[layer]`` instead of ``adata.X``; the result replaces it.
    copy : bool, default=False
        Return a transformed copy instead of modifying ``adata`` in place.

    Returns
    -------
    anndata.AnnData or None
        The transformed copy if ``copy=True``, else ``None``. A transformed matrix becomes
        dense float64 (``"none"`` leaves it as it was), and
        ``adata.uns["oligomet"]["log_transform"]`` records ``method`` (the transform applied),
        ``requested``, ``pseudocount`` and ``layer``.

    Raises
    ------
    InputError
        If the matrix holds NaN or infinite values; if ``"log2"``/``"log2cpm"`` is requested for
        data with negative values (already log-scaled); if a sample has zero library size under
        ``"log2cpm"``; or for an unknown method, a pseudocount <= 0, or an in-place call on a view.

    References
    ----------
    Law CW, Chen Y, Shi W, Smyth GK. voom: precision weights unlock linear model analysis tools
    for RNA-seq read counts. Genome Biol 2014;15:R29. :doi:`10.1186/gb-2014-15-2-r29`

    Examples
    --------
    >>> import numpy as np, anndata
    >>> adata = anndata.AnnData(np.array([[0.0, 300.0], [100.0, 900.0]]))
    >>> log_transform(adata)
    >>> adata.uns["oligomet"]["log_transform"]["method"]
    'log2cpm'
    """
    if method not in _METHODS:
        raise InputError(f"unknown log transform {method!r}; use one of {', '.join(_METHODS)}")
    if isinstance(pseudocount, bool) or not np.isscalar(pseudocount) or not pseudocount > 0:
        raise InputError(f"pseudocount must be a number > 0, got {pseudocount!r}")
    if layer is not None and layer not in adata.layers:
        available = ", ".join(map(str, adata.layers.keys())) or "none"
        raise InputError(f"no layer '{layer}' in the data; available layers: {available}")
    if adata.is_view and not copy:
        raise InputError(
            "log_transform cannot modify a view of an AnnData in place; pass copy=True or call "
            ".copy() on the subset first"
        )
    if copy:
        adata = adata.copy()

    matrix = adata.layers[layer] if layer is not None else adata.X
    if matrix is None:
        raise InputError("the data have no expression matrix (adata.X is None)")
    values = matrix.toarray() if sparse.issparse(matrix) else np.asarray(matrix)
    values = values.astype(np.float64, copy=True)
    source = _source(adata)

    chosen = _choose(values[np.isfinite(values)]) if method == "auto" else method
    try:
        values = log_values(values, chosen, pseudocount)
    except LogInputError as problem:
        sample = adata.obs_names[problem.row]
        if problem.kind == "non-finite":
            raise InputError(
                f"{source} has a missing or infinite value at sample '{sample}', "
                f"feature '{adata.var_names[problem.col]}'; impute or remove it before "
                "transforming"
            ) from None
        if problem.kind == "negative":
            raise InputError(
                f"{source} already looks log-scaled: sample '{sample}', feature "
                f"'{adata.var_names[problem.col]}' is {problem.value:.4g} < 0; use "
                "--transform none (method='none')"
            ) from None
        if problem.kind == "overflowing library":
            raise InputError(
                f"sample '{sample}' in {source}: its values add up to more than a float can "
                f"hold (up to {np.max(values[problem.row]):.4g}), so they are not read counts; "
                "check the file, or give the transform its values need (--transform)"
            ) from None
        raise InputError(
            f"sample '{sample}' in {source} has zero library size (all counts 0); "
            "remove it before log2cpm"
        ) from None

    if chosen != "none":
        if layer is not None:
            adata.layers[layer] = values
        else:
            adata.X = values
    record: dict[str, Any] = {
        "method": chosen,
        "requested": method,
        "pseudocount": float(pseudocount),
        "layer": layer,
    }
    if not isinstance(adata.uns.get("oligomet"), dict):
        adata.uns["oligomet"] = {}
    adata.uns["oligomet"]["log_transform"] = record
    logger.info("log transform of %s: %s (requested %s)", source, chosen, method)
    return adata if copy else None


def _choose(values: np.ndarray) -> str:
    """The ``"auto"`` rule (see :func:`log_transform`)."""
    if values.size == 0 or (values < 0).any():
        return "none"
    maximum = float(values.max())
    if maximum <= _LINEAR_MAX:
        return "none"
    if np.array_equal(values, np.round(values)):
        return "log2cpm"
    return "log2"


def _first(mask: np.ndarray) -> tuple[int, int]:
    row, col = np.argwhere(mask)[0]
    return int(row), int(col)


def _source(adata: AnnData) -> str:
    source = adata.uns.get("source", {})
    path = source.get("path") if isinstance(source, dict) else None
    return f"'{path}'" if path else "the data"
