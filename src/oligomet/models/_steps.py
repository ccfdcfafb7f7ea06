"""Pipeline steps that make a saved model safe to use on new data.

A model trained by oligomet starts with two steps that learn nothing from the labels:

* :class:`FeatureAligner` matches the input's columns to the training features by *name* (any
  column order; extra columns ignored; missing ones a clear error), so a saved model can be applied
  to a table laid out differently from the training table.
* :class:`ViewLogTransform` applies each view's per-sample log transform (for example log2 CPM of
  raw miRNA counts), so the saved model takes the same raw values the user trained from.
"""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Real
from typing import ClassVar

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted, validate_data

from .._errors import InputError, MissingFeaturesError
from .._validation import ParameterValidation
from ..pp import LogInputError, log_values

__all__ = ["LOG_METHODS", "FeatureAligner", "ViewLogTransform", "head_steps"]

LOG_METHODS = ("none", "log2", "log2cpm")


def _format_names(names: Sequence[str], limit: int = 8) -> str:
    shown = ", ".join(repr(str(n)) for n in names[:limit])
    return shown + (f" … and {len(names) - limit} more" if len(names) > limit else "")


class FeatureAligner(TransformerMixin, ParameterValidation, BaseEstimator):
    """Select and order input columns by the feature names seen in ``fit``.

    Parameters
    ----------
    allow_extra : bool, default=True
        Ignore columns that were not seen during ``fit`` (a new cohort usually measures more
        features than a model needs). If False, extra columns raise :class:`InputError`.

    Attributes
    ----------
    feature_names_in_ : ndarray of str
        Names of the training features, in training order. Only set when ``fit`` received a
        DataFrame.
    n_features_in_ : int
        Number of training features.

    Notes
    -----
    Given a DataFrame at ``transform`` time, columns are matched by name, so their order does not
    matter; an absent feature raises :class:`~oligomet._errors.MissingFeaturesError` that lists
    them. Given an array, it must have the training columns in training order.
    """

    #: Learns nothing from the samples: a nested cross-validation applies it once to the whole
    #: cohort (see :mod:`oligomet.evaluation`).
    _per_sample = True

    _parameter_constraints: ClassVar[dict] = {"allow_extra": ["boolean"]}

    def __init__(self, allow_extra: bool = True) -> None:
        self.allow_extra = allow_extra

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        validate_data(self, X, reset=True, ensure_all_finite="allow-nan")
        return self

    def transform(self, X):
        check_is_fitted(self, "n_features_in_")
        names = getattr(self, "feature_names_in_", None)
        if isinstance(X, pd.DataFrame) and names is not None:
            columns = pd.Index(X.columns.astype(str))
            if columns.has_duplicates:
                duplicated = columns[columns.duplicated()].unique().tolist()
                raise InputError(
                    f"duplicate feature names in the data: {_format_names(duplicated)}"
                )
            position = columns.get_indexer(names)
            if (position < 0).any():
                missing = [str(n) for n in names[position < 0]]
                raise MissingFeaturesError(
                    f"the data lack {len(missing)} of the model's {len(names)} features "
                    f"({_format_names(missing)}); supply a table that has them",
                    missing,
                )
            if not self.allow_extra and len(columns) > len(names):
                extra = columns[~columns.isin(names)].tolist()
                raise InputError(f"unexpected features {_format_names(extra)}")
            values = X.to_numpy(dtype=np.float64)
            return (
                values if np.array_equal(position, np.arange(len(columns))) else values[:, position]
            )
        X = validate_data(self, X, reset=False, ensure_all_finite="allow-nan")
        return np.asarray(X, dtype=np.float64)

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self, "n_features_in_")
        names = getattr(self, "feature_names_in_", None)
        if names is None:
            return np.asarray([f"x{i}" for i in range(self.n_features_in_)], dtype=object)
        return np.asarray(names, dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags


class ViewLogTransform(TransformerMixin, ParameterValidation, BaseEstimator):
    """Per-sample log transforms applied view by view.

    Parameters
    ----------
    views : list of (str, str, int, int) or None, default=None
        One ``(name, method, start, stop)`` entry per view: columns ``start:stop`` of the input
        belong to view ``name`` and are transformed by ``method``, one of ``"none"``, ``"log2"``
        (``log2(x + pseudocount)``) or ``"log2cpm"`` (counts per million of the view's own library
        size, then ``log2(cpm + pseudocount)``). ``None`` leaves every column unchanged.
    pseudocount : float, default=1.0
        Added before taking logarithms (> 0).

    Notes
    -----
    Each sample is transformed using only its own values, so nothing is learned from the training
    samples: the step is safe outside cross-validation, and it sits in the pipeline so that a saved
    model accepts the same raw values it was trained from.

    A sample whose values of a view are all NaN lacks that view (an outer join of the views): its
    row of that view stays NaN, for the next step to handle (SNF fuses over the views a sample
    has; a classifier's pipeline imputes in the training folds). A sample with only some values
    of a view missing is refused.
    """

    #: Learns nothing from the samples: a nested cross-validation applies it once to the whole
    #: cohort (see :mod:`oligomet.evaluation`).
    _per_sample = True

    _parameter_constraints: ClassVar[dict] = {
        "views": [list, tuple, None],
        "pseudocount": [Interval(Real, 0, None, closed="neither")],
    }

    def __init__(self, views=None, pseudocount: float = 1.0) -> None:
        self.views = views
        self.pseudocount = pseudocount

    def _checked_views(self, n_features: int):
        views = [] if self.views is None else list(self.views)
        for name, method, start, stop in views:
            if method not in LOG_METHODS:
                raise ValueError(f"view {name!r}: unknown log method {method!r}; use {LOG_METHODS}")
            if not 0 <= start <= stop <= n_features:
                raise ValueError(f"view {name!r}: columns {start}:{stop} outside 0:{n_features}")
        return views

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        X = validate_data(self, X, reset=True, ensure_all_finite="allow-nan")
        self._checked_views(X.shape[1])
        return self

    def transform(self, X):
        check_is_fitted(self, "n_features_in_")
        X = validate_data(
            self, X, reset=False, copy=True, dtype=np.float64, ensure_all_finite="allow-nan"
        )
        for name, method, start, stop in self._checked_views(X.shape[1]):
            block = X[:, start:stop]
            # Samples lacking the view (all NaN) stay NaN; a partly missing row is refused.
            present = ~np.isnan(block).all(axis=1) if stop > start else np.ones(len(X), bool)
            try:
                X[present, start:stop] = log_values(block[present], method, self.pseudocount)
            except LogInputError as problem:
                problem.row = int(np.flatnonzero(present)[problem.row])
                where = f"sample {problem.row}" + (
                    f", feature {start + problem.col}" if problem.col >= 0 else ""
                )
                hint = {
                    "negative": "the data look log-scaled already (use transform 'none')",
                    "empty library": "counts per million are undefined (no counts)",
                    "non-finite": "impute or remove it",
                    "overflowing library": "the values add up to more than a float holds",
                }[problem.kind]
                raise InputError(
                    f"view {name!r}: {problem.kind} value at {where}, so {method} cannot be "
                    f"applied; {hint}"
                ) from None
        return X

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True  # a row of NaN in a view: the sample lacks that view
        return tags

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self, "n_features_in_")
        if input_features is not None:
            return np.asarray(input_features, dtype=object)
        names = getattr(self, "feature_names_in_", None)
        if names is not None:
            return np.asarray(names, dtype=object)
        return np.asarray([f"x{i}" for i in range(self.n_features_in_)], dtype=object)


def head_steps(feature_names: Sequence[str], views=None) -> list[tuple[str, object]]:
    """The first two steps of every oligomet pipeline: align columns by name, then log-transform
    each view (both learn nothing from the labels)."""
    del feature_names  # the aligner learns the names in fit
    return [("align", FeatureAligner()), ("log", ViewLogTransform(views=views))]
