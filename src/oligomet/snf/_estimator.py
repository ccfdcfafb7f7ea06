"""The SNF estimator: fuse views, find subtypes, assign new patients to them."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from numbers import Integral, Real
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClusterMixin, _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from .._errors import InputError
from .._registry import saved_model_kind
from .._validation import ParameterValidation
from ._cluster import (
    ASSIGN,
    EIGENGAPS,
    estimate_n_clusters,
    max_candidate,
    spectral_embedding,
    spectral_labels,
)
from ._core import (
    _EPS,
    VARIANTS,
    _affinity_inplace,
    _fuse_inplace,
    pairwise_distances,
    standardize,
)

__all__ = ["PRESETS", "SNF", "MultiViewSNF", "SubtypeModel"]

#: Each peer's whole pipeline: constant features, distance, fusion rule, eigengap and
#: clustering. ``None`` (no preset) takes SNFtool's values for whatever is not given and refuses
#: constant features.
PRESETS: dict[str | None, dict[str, str]] = {
    # SNFtool 2.3.1 as its documentation runs it: standardNormalization, dist2(x, x)^(1/2),
    # affinityMatrix, SNF, estimateNumberOfClustersGivenGraph, spectralClustering.
    "snftool": {"metric": "euclidean", "variant": "snftool", "eigengap": "plain",
                "assign": "snftool", "constant": "zero"},
    # snfpy 0.2.2 as its README runs it: make_affinity (z-scores, squared euclidean), snf,
    # get_n_clusters, sklearn.cluster.spectral_clustering (k-means).
    "snfpy": {"metric": "sqeuclidean", "variant": "snfpy", "eigengap": "weighted",
              "assign": "kmeans", "constant": "zero"},
    None: {"metric": "euclidean", "variant": "snftool", "eigengap": "plain",
           "assign": "snftool", "constant": "raise"},
}  # fmt: skip

logger = logging.getLogger(__name__)


def _views_from(X) -> tuple[list[np.ndarray], list[str]]:
    """Views as float arrays aligned on samples (NaN rows = sample missing from a view)."""
    mod = getattr(X, "mod", None)
    if mod is not None:
        samples = pd.Index(X.obs_names)
        arrays, names = [], []
        for name in mod:
            adata = mod[name]
            values = adata.X.toarray() if hasattr(adata.X, "toarray") else np.asarray(adata.X)
            frame = pd.DataFrame(values, index=adata.obs_names).reindex(samples)
            arrays.append(frame.to_numpy(dtype=np.float64))
            names.append(str(name))
        return arrays, names
    if (isinstance(X, np.ndarray) and X.ndim == 2) or isinstance(X, pd.DataFrame):
        raise InputError("SNF fuses at least 2 views, got a single matrix; pass a list of views")
    if not isinstance(X, list | tuple):
        raise InputError(f"expected a list of views or a MuData, got {type(X).__name__}")
    arrays = [np.asarray(v, dtype=np.float64) for v in X]
    return arrays, [f"view{i}" for i in range(len(arrays))]


def _check_view(array: np.ndarray, name: str, n_samples: int) -> None:
    """A view is samples x features, each sample's row complete or all NaN (missing), finite."""
    if array.ndim != 2 or array.shape[0] != n_samples:
        raise InputError(f"view {name!r} must be samples x features with {n_samples} samples")
    missing = np.isnan(array)
    partly = missing.any(axis=1) & ~missing.all(axis=1)
    if partly.any():
        raise InputError(
            f"view {name!r}: sample {int(np.flatnonzero(partly)[0])} has some missing values "
            "(NaN); impute them, or mark the whole sample as missing from the view (a row of NaN)"
        )
    if np.isinf(array).any():
        raise InputError(f"view {name!r} has infinite values")


class SNF(ClusterMixin, ParameterValidation, BaseEstimator):
    """Similarity network fusion with spectral subtypes (Wang et al. 2014).

    Parameters
    ----------
    n_neighbors : int, default=20
        Number of nearest neighbours ("K" in Wang et al. 2014), for the affinities and the local
        kernel of the fusion.
    mu : float, default=0.5
        Scale of the exponential kernel ("mu"; ``sigma``/``alpha`` in SNFtool), 0.3-0.8 advised.
    n_iter : int, default=20
        Diffusion iterations ("t").
    n_clusters : int or "auto", default="auto"
        Number of subtypes; ``"auto"`` takes the best weighted eigengap among ``cluster_range``.
    metric : {"sqeuclidean", "euclidean"} or None, default=None
        Distance between standardised samples.
    variant : {"snftool", "snfpy"} or None, default=None
        Fusion update rule (see :mod:`oligomet.snf`).
    standardize : bool, default=True
        Scale every feature to mean 0, sd 1 first (SNFtool's ``standardNormalization``).
    cluster_range : tuple of int, default=(2, 5)
        Smallest and largest number of clusters considered by ``"auto"`` (inclusive).
    eigengap : {"plain", "weighted"} or None, default=None
        The eigengap that ``"auto"`` maximises (:func:`~oligomet.snf.estimate_n_clusters`).
    assign : {"snftool", "discretize", "kmeans"} or None, default=None
        How the spectral embedding becomes subtypes (:func:`~oligomet.snf.spectral_labels`).
    preset : {"snftool", "snfpy"} or None, default="snftool"
        A peer's whole pipeline (:data:`PRESETS`), reproduced to its labels: its treatment of
        constant features (set to 0), ``metric``, ``variant``, ``eigengap`` and ``assign``.
        ``"snftool"`` (default): SNFtool 2.3.1, the method's authors' package, as its
        documentation runs it (euclidean distances, its fusion rule and plain eigengap, its own
        deterministic spectral clustering). ``"snfpy"``: snfpy 0.2.2 with scikit-learn's
        spectral clustering (squared euclidean distances, the 2014 MATLAB fusion rule, the
        weighted eigengap, k-means seeded by ``random_state``). Settings given with a preset must
        agree with it; ``preset=None`` combines them freely (unset ones take SNFtool's values)
        and refuses constant features.
    random_state : int, RandomState or None, default=None
        Seed of the spectral clustering (``"discretize"``, ``"kmeans"``).

    Attributes
    ----------
    fused_network_ : ndarray of shape (n_samples, n_samples)
    labels_ : ndarray of shape (n_samples,)
        Subtype of each training sample (0 = the largest subtype).
    n_clusters_ : int
    eigengap_ : dict of int to float
        Weighted eigengap of each candidate number of clusters.
    cluster_estimate_ : ClusterEstimate
        Best and second-best K by eigengap and by rotation cost (SNFtool's estimates).
    view_names_ : list of str

    See Also
    --------
    snf : Fit on a MuData and write the subtypes into it (scanpy-style).
    MultiViewSNF : The same on one matrix whose column ranges are the views (in a pipeline).

    Notes
    -----
    ``predict`` assigns new samples without refitting the fusion: each view's affinities of the
    new sample to the training samples are computed with the training standardisation and
    neighbourhood scales, its K strongest links form a local kernel row, the rows are averaged
    over the views that measure the sample, diffused once through the fused network, and the
    sample joins the subtype with the largest total similarity. SNFtool's ``groupPredict`` instead
    re-fuses training and new samples together.

    References
    ----------
    Wang B et al. Similarity network fusion for aggregating data types on a genomic scale.
    Nat Methods 2014;11:333-337. :doi:`10.1038/nmeth.2810`

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> groups = np.repeat([0, 1], 30)
    >>> views = [rng.normal(size=(60, 5)) + 3 * groups[:, None] for _ in range(2)]
    >>> SNF(n_neighbors=10, n_clusters=2, random_state=0).fit(views).n_clusters_
    2
    """

    def __init__(
        self,
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
    ) -> None:
        self.n_neighbors = n_neighbors
        self.mu = mu
        self.n_iter = n_iter
        self.n_clusters = n_clusters
        self.metric = metric
        self.variant = variant
        self.standardize = standardize
        self.cluster_range = cluster_range
        self.eigengap = eigengap
        self.assign = assign
        self.preset = preset
        self.random_state = random_state

    _parameter_constraints: ClassVar[dict] = {
        "n_neighbors": [Interval(Integral, 1, None, closed="left")],
        "mu": [Interval(Real, 0, None, closed="neither")],
        "n_iter": [Interval(Integral, 1, None, closed="left")],
        "n_clusters": [Interval(Integral, 2, None, closed="left"), StrOptions({"auto"})],
        "metric": [StrOptions({"sqeuclidean", "euclidean"}), None],
        "variant": [StrOptions(set(VARIANTS)), None],
        "standardize": ["boolean"],
        "cluster_range": [tuple, list],
        "eigengap": [StrOptions(set(EIGENGAPS)), None],
        "assign": [StrOptions(set(ASSIGN)), None],
        "preset": [StrOptions({p for p in PRESETS if p}), None],
        "random_state": ["random_state"],
    }

    def _settings(self) -> dict[str, str]:
        """metric, variant, eigengap, assign and constant-feature handling: the preset's, with
        the values given (which must agree with a preset)."""
        settings = dict(PRESETS[self.preset])
        for name in ("metric", "variant", "eigengap", "assign"):
            given = getattr(self, name)
            if given is None:
                continue
            if self.preset is not None and given != settings[name]:
                raise InputError(
                    f"preset {self.preset!r} uses {name}={settings[name]!r}, not {given!r}; "
                    f"leave {name} unset, or set preset=None to combine settings yourself"
                )
            settings[name] = given
        if self.preset is not None and not self.standardize:
            raise InputError(f"preset {self.preset!r} standardises the features; drop one")
        return settings

    def _check_params(self, n_samples: int) -> None:
        """What ``_parameter_constraints`` cannot say: bounds set by the number of samples, and
        the shape of ``cluster_range``."""
        if self.n_neighbors >= n_samples:
            raise InputError(
                f"n_neighbors (K) must be an integer between 1 and n_samples - 1 = "
                f"{n_samples - 1}, got {self.n_neighbors}"
            )
        if self.n_clusters != "auto" and self.n_clusters >= n_samples:
            raise InputError(
                f"more clusters ({self.n_clusters}) than samples allow ({n_samples}); "
                "ask for fewer clusters"
            )
        bounds = tuple(self.cluster_range)
        if not (
            len(bounds) == 2
            and all(isinstance(b, Integral) and not isinstance(b, bool) for b in bounds)
            and bounds[0] <= bounds[1]
        ):
            raise InputError(
                "cluster_range must be two whole numbers (smallest, largest) with smallest <= "
                f"largest, got {self.cluster_range!r}"
            )

    def _prepare(
        self, arrays: list[np.ndarray], names: list[str], constant: str = "raise"
    ) -> list[np.ndarray]:
        if len(arrays) < 2:
            raise InputError(f"SNF fuses at least 2 views, got {len(arrays)}")
        n = arrays[0].shape[0]
        for array, name in zip(arrays, names, strict=True):
            _check_view(array, name, n)
        observed = [~np.isnan(a).all(axis=1) for a in arrays]
        if not np.logical_or.reduce(observed).all():
            raise InputError("some samples are missing from every view")
        common = np.logical_and.reduce(observed)
        if not any((o & p).sum() > 1 for i, o in enumerate(observed) for p in observed[i + 1 :]):
            raise InputError("the views share no samples; they must describe the same patients")
        if common.sum() == 0:
            logger.warning("no sample is measured in every view; fusing over the views they have")
        return [
            standardize(a, name=nm, constant=constant) if self.standardize else a
            for a, nm in zip(arrays, names, strict=True)
        ]

    def _affinity(self, view: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Affinity over the samples the view observes, embedded with zero rows for the rest."""
        present = ~np.isnan(view).all(axis=1)
        n = len(view)
        if present.sum() <= self.n_neighbors:
            raise InputError(
                f"a view measures only {int(present.sum())} samples, not more than n_neighbors "
                f"(K = {self.n_neighbors}); lower K"
            )
        distances = pairwise_distances(view[present], metric=self.metric_)
        # In place: the distances become the affinities (one N x N matrix, not two).
        W, means = _affinity_inplace(
            distances, n_neighbors=self.n_neighbors, mu=self.mu, return_means=True
        )
        if present.all():
            return W, means
        full = np.zeros((n, n))
        full[np.ix_(present, present)] = W
        full_means = np.full(n, np.nan)
        full_means[present] = means
        return full, full_means

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, *, progress: Callable[[int, int], None] | None = None):
        """Fuse the views of ``X`` and cluster the fused network.

        Parameters
        ----------
        X : list of array-like of shape (n_samples, n_features_v), or MuData
            Views with samples in the same order; a sample missing from a view is a row of NaN
            (or absent from that MuData modality). The MuData is not changed: :func:`snf` writes
            the results into it (:func:`add_subtypes` those of a fitted estimator).
        y : ignored
        progress : callable or None, default=None
            ``progress(done, n_iter)`` after each diffusion iteration (see
            :func:`~oligomet.snf.fuse`). A fit argument, not a hyperparameter: it changes
            nothing in the result and is not saved with the model.

        Returns
        -------
        self
        """
        arrays, names = _views_from(X)
        n = arrays[0].shape[0] if arrays else 0
        settings = self._settings()
        self._check_params(n)
        self.metric_, self.variant_ = settings["metric"], settings["variant"]
        self.eigengap_rule_, self.assign_ = settings["eigengap"], settings["assign"]
        views = self._prepare(arrays, names, settings["constant"])
        affinities, means = zip(*(self._affinity(v) for v in views), strict=True)
        # The affinities are this fit's own: fused in place, no copies (N = 20,000 with 2 views
        # needs 2 x 3.2 GB instead of 4 x).
        self.fused_network_ = _fuse_inplace(
            [np.ascontiguousarray(W) for W in affinities],
            n_neighbors=self.n_neighbors,
            n_iter=self.n_iter,
            variant=self.variant_,
            progress=progress,
        )
        del affinities
        self._cluster(n)
        self.view_names_ = names
        # What predict needs: training views (standardised) and their scales.
        self._train_views = views
        self._train_means = list(means)
        self._centers = [np.nanmean(a, axis=0) for a in arrays] if self.standardize else None
        # A constant feature (kept only by a preset) was set to 0: scale 1 keeps new samples finite.
        self._scales = (
            [np.where(sd > 0, sd, 1.0) for sd in (np.nanstd(a, axis=0, ddof=1) for a in arrays)]
            if self.standardize
            else None
        )
        return self

    def _cluster(self, n: int) -> None:
        """Number of subtypes and the subtypes, from one partial eigen-solve of the network."""
        low, high = self.cluster_range
        candidates = range(max(2, low), min(high, max_candidate(n)) + 1)  # cut to the samples
        fixed = None if self.n_clusters == "auto" else int(self.n_clusters)
        needed = max([*candidates, (fixed or 0) - 1]) + 1
        # One partial eigen-solve of the (exactly symmetric) fused network serves the estimate
        # and scikit-learn's clusterings. SNFtool's clustering solves another matrix (with the
        # diagonal), so for it the estimate needs eigenvalues only: to ~1e-15 at tol 1e-8.
        embedding = spectral_embedding(
            self.fused_network_,
            min(needed, n - 1),
            tol=1e-8 if self.assign_ == "snftool" else 0.0,
            symmetric=True,
        )
        self.cluster_estimate_ = (
            estimate_n_clusters(
                self.fused_network_, candidates, eigengap=self.eigengap_rule_, embedding=embedding
            )
            if len(candidates) >= 2
            else None
        )
        self.eigengap_ = self.cluster_estimate_.eigengap if self.cluster_estimate_ else {}
        if fixed is None:
            if self.cluster_estimate_ is None:
                raise InputError(f"too few samples ({n}) to choose a number of clusters")
            self.n_clusters_ = self.cluster_estimate_.eigengap_best
        else:
            self.n_clusters_ = fixed
        seed = check_random_state(self.random_state).randint(0, 2**31 - 1)
        self.labels_ = spectral_labels(
            self.fused_network_,
            self.n_clusters_,
            assign=self.assign_,
            random_state=seed,
            embedding=None if self.assign_ == "snftool" else embedding,
            symmetric=True,
        )

    def fit_predict(self, X, y=None, **kwargs):
        return self.fit(X, **kwargs).labels_

    def predict(self, X) -> np.ndarray:
        """Assign new samples to the fitted subtypes (see Notes); the fusion is not refitted."""
        check_is_fitted(self, "labels_")
        arrays, _ = _views_from(X)
        if len(arrays) != len(self._train_views):
            raise InputError(
                f"expected {len(self._train_views)} views ({', '.join(self.view_names_)}), "
                f"got {len(arrays)}"
            )
        m = arrays[0].shape[0]
        n_train = len(self.labels_)
        kernel_rows = np.zeros((m, n_train))
        n_views = np.zeros(m)
        for v, array in enumerate(arrays):
            _check_view(array, self.view_names_[v], m)
            train = self._train_views[v]
            if array.shape[1] != train.shape[1]:
                raise InputError(
                    f"view {self.view_names_[v]!r}: {array.shape[1]} features, the model was "
                    f"fitted on {train.shape[1]}"
                )
            present = ~np.isnan(array).all(axis=1)
            if self.standardize:
                array = (array - self._centers[v]) / self._scales[v]
            observed = ~np.isnan(train).all(axis=1)
            rows = self._kernel_rows(
                array[present], train[observed], self._train_means[v][observed]
            )
            block = np.zeros((present.sum(), n_train))
            block[:, observed] = rows
            kernel_rows[present] += block
            n_views[present] += 1
        if (n_views == 0).any():
            raise InputError(
                f"sample {int(np.flatnonzero(n_views == 0)[0])} is missing from every view"
            )
        kernel_rows /= n_views[:, None]
        similarity = kernel_rows @ self.fused_network_
        scores = np.column_stack(
            [similarity[:, self.labels_ == c].sum(axis=1) for c in range(self.n_clusters_)]
        )
        return scores.argmax(axis=1)

    def _kernel_rows(
        self, new: np.ndarray, train: np.ndarray, train_means: np.ndarray
    ) -> np.ndarray:
        squares = np.einsum("ij,ij->i", train, train)
        distances = (
            np.einsum("ij,ij->i", new, new)[:, None] + squares[None, :] - 2.0 * new @ train.T
        )
        np.maximum(distances, 0.0, out=distances)
        if getattr(self, "metric_", self.metric) == "euclidean":
            np.sqrt(distances, out=distances)
        k = self.n_neighbors
        nearest = np.partition(distances, k - 1, axis=1)[:, :k]
        new_means = nearest.mean(axis=1) + _EPS
        scale = self.mu * ((new_means[:, None] + train_means[None, :] + distances) / 3 + _EPS)
        affinity = np.exp(-(distances**2) / (2 * scale**2)) / (scale * np.sqrt(2 * np.pi))
        # The K strongest links, normalised: the new sample's row of the local kernel.
        cut = np.partition(affinity, -k, axis=1)[:, -k][:, None]
        local = np.where(affinity >= cut, affinity, 0.0)
        return local / local.sum(axis=1, keepdims=True)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False  # a list of views, not one matrix
        tags.non_deterministic = False
        return tags

    def to_dict(self) -> dict[str, Any]:
        check_is_fitted(self, "labels_")
        sizes = np.bincount(self.labels_, minlength=self.n_clusters_)
        return {
            "n_clusters": int(self.n_clusters_),
            "subtype_sizes": {str(c): int(s) for c, s in enumerate(sizes)},
            "cluster_estimate": self.cluster_estimate_.to_dict()
            if self.cluster_estimate_
            else None,
        }


class MultiViewSNF(ClusterMixin, ParameterValidation, BaseEstimator):
    """SNF on one samples x features matrix whose column ranges are the views.

    The form a pipeline (and so a saved model) needs: ``views`` names the column range of each
    view, every other parameter is passed to :class:`SNF`.

    Parameters
    ----------
    views : list of (str, int, int or None)
        ``(name, start, stop)`` for each view: columns ``start:stop`` of ``X`` (Python's slice,
        so ``stop=None`` runs to the last column). Required; the default None is refused.
    snf_params : dict or None, default=None
        Parameters of :class:`SNF` (its defaults when None).

    Attributes
    ----------
    snf_ : SNF
        The fitted SNF, its ``view_names_`` the names in ``views``.
    labels_ : ndarray of shape (n_samples,)
        Subtype of each training sample.
    n_clusters_ : int
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when fitted on a DataFrame with string column names.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> groups = np.repeat([0, 1], 30)
    >>> X = rng.normal(size=(60, 8)) + 3 * groups[:, None]
    >>> views = [("rna", 0, 5), ("mirna", 5, None)]
    >>> MultiViewSNF(views, {"n_neighbors": 10, "n_clusters": 2}).fit(X).n_clusters_
    2
    """

    _parameter_constraints: ClassVar[dict] = {
        "views": [list, tuple],
        "snf_params": [dict, None],
    }

    def __init__(self, views=None, snf_params=None) -> None:
        self.views = views
        self.snf_params = snf_params

    def _split(self, X: np.ndarray) -> list[np.ndarray]:
        n_features = X.shape[1]
        arrays = []
        for view in self.views:
            if not (
                isinstance(view, list | tuple)
                and len(view) == 3
                and all(isinstance(i, Integral | None) for i in view[1:])
            ):
                raise InputError(f"each view must be (name, start, stop), got {view!r}")
            name, start, stop = view
            if not range(n_features)[start:stop]:
                raise InputError(
                    f"view {name!r} (columns {start}:{stop}) selects none of the "
                    f"{n_features} feature(s) of X"
                )
            arrays.append(X[:, start:stop])
        return arrays

    def _validate(self, X, *, reset: bool) -> np.ndarray:
        # NaN rows are samples missing from a view (see SNF); anything else not finite is refused.
        # Fusing needs several samples; one new sample can be assigned.
        return validate_data(
            self, X, reset=reset, dtype=np.float64, ensure_all_finite="allow-nan",
            ensure_min_samples=2 if reset else 1,
        )  # fmt: skip

    @_fit_context(prefer_skip_nested_validation=False)  # snf_params: validated by SNF's fit
    def fit(self, X, y=None, *, progress: Callable[[int, int], None] | None = None):
        """Fit :class:`SNF` on the views of ``X``; ``progress`` as in :meth:`SNF.fit` (in a
        pipeline: ``pipeline.fit(X, snf__progress=...)``)."""
        X = self._validate(X, reset=True)
        self.snf_ = SNF(**(self.snf_params or {})).fit(self._split(X), progress=progress)
        self.snf_.view_names_ = [str(view[0]) for view in self.views]
        self.labels_ = self.snf_.labels_
        self.n_clusters_ = self.snf_.n_clusters_
        return self

    def predict(self, X) -> np.ndarray:
        """Assign new samples to the fitted subtypes (:meth:`SNF.predict`)."""
        check_is_fitted(self, "snf_")
        return self.snf_.predict(self._split(self._validate(X, reset=False)))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True  # a row of NaN in a view: the sample lacks that view
        return tags


@saved_model_kind("subtypes")
@dataclass
class SubtypeModel:
    """A fitted SNF subtype pipeline that assigns new samples to the subtypes.

    Returned by :func:`oligomet.load_model` for models saved by ``oligomet cluster``. Accepts the
    same inputs as :class:`~oligomet.models.TrainedClassifier` (DataFrame with features matched by
    name, AnnData, MuData of the training views).
    """

    pipeline: Any
    metadata: dict[str, Any] = field(default_factory=dict)

    #: The pipeline method MLflow's pyfunc flavour calls: the subtype of each sample.
    pyfunc_predict_fn = "predict"

    @property
    def feature_names(self) -> list[str]:
        return [str(f) for f in self.pipeline.feature_names_in_]

    def saved_metadata(self) -> dict[str, Any]:
        """What is saved beside the pipeline: the kind, the views and SNF settings."""
        return {"kind": self.kind, **self.metadata}

    @classmethod
    def from_saved(cls, pipeline, metadata: dict[str, Any]) -> SubtypeModel:
        """Rebuild from a loaded pipeline and its :meth:`saved_metadata`."""
        return cls(pipeline, dict(metadata))

    def predict(self, data, *, layer: str | None = None) -> pd.Series:
        from ..models import as_frame

        frame = as_frame(data, layer=layer)
        subtypes = np.asarray(self.pipeline.predict(frame)).astype(int)
        return pd.Series(subtypes, index=frame.index, name="subtype")

    def predict_table(self, data, *, layer: str | None = None) -> pd.DataFrame:
        table = self.predict(data, layer=layer).to_frame()
        # A renamed copy of the index: the input's own (an AnnData's obs_names) stays as it was.
        return table.rename_axis("sample_id")
