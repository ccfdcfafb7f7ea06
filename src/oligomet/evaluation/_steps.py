"""Work done once instead of once per fit, with identical results.

Two kinds of step are fitted far more often than they need to be in a nested cross-validation:

* **Per-sample steps** at the head of a pipeline (columns matched by name, a view's log2 CPM)
  learn nothing from the samples: each sample's output depends on that sample's own values only.
  They are applied once to the whole cohort (:func:`split_head`), and the rest of the pipeline
  is cross-validated on the resulting NumPy array. A step declares itself per-sample with the
  class attribute ``_per_sample = True``; the saved model keeps the whole pipeline.
* **Steps before the classifier** (variance filter, scaling, feature selection) do not depend on
  the classifier's hyperparameters, so an inner search fits them once per inner training fold
  and only the classifier once per candidate (:class:`SharedPrefix`), as scikit-learn's
  ``Pipeline(memory=...)`` would, without the disk.

Both give bit-for-bit the numbers of fitting every step every time: the same deterministic fits on
the same rows, in another order.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone

__all__ = [
    "SharedPrefix",
    "check_candidates",
    "fit_quietly",
    "plain_fits",
    "rows",
    "split_head",
]

#: Switched off by :func:`plain_fits`.
_SHORTCUTS = {"enabled": True}


@contextlib.contextmanager
def plain_fits() -> Iterator[None]:
    """Fit every step every time, with every check (the computation the shortcuts of this
    module must reproduce; the tests compare the two)."""
    before = _SHORTCUTS["enabled"]
    _SHORTCUTS["enabled"] = False
    try:
        yield
    finally:
        _SHORTCUTS["enabled"] = before


def rows(X, index) -> Any:
    """Rows of a DataFrame or an array."""
    return X.iloc[index] if isinstance(X, pd.DataFrame) else X[index]


def _touched(param_grid: Mapping[str, Sequence] | None) -> set[str]:
    """Names of the pipeline steps that a search space sets parameters of."""
    return {key.split("__", 1)[0] for key in (param_grid or {})}


def split_head(estimator, param_grid=None) -> tuple[Any, Any]:
    """The leading per-sample steps of a pipeline and the rest of it.

    Returns ``(head, tail)``: ``head`` is a Pipeline of the leading steps whose class sets
    ``_per_sample = True`` and whose parameters the search space leaves alone (None when there
    are none), ``tail`` a Pipeline of the remaining steps with their names (so search-space keys
    still apply), or the estimator itself when there is no head.
    """
    from sklearn.pipeline import Pipeline

    steps = getattr(estimator, "steps", None)
    if not _SHORTCUTS["enabled"] or not isinstance(estimator, Pipeline) or not steps:
        return None, estimator
    if estimator.memory is not None:
        return None, estimator
    touched = _touched(param_grid)
    n_head = 0
    for name, step in steps[:-1]:
        if not getattr(type(step), "_per_sample", False) or name in touched:
            break
        n_head += 1
    if n_head == 0:
        return None, estimator
    return Pipeline(steps[:n_head]), Pipeline(steps[n_head:])


def apply_head(head, X) -> tuple[np.ndarray, pd.Index]:
    """The head fitted to (and applied to) the whole cohort: the values and their names."""
    head = clone(head)
    values = np.asarray(head.fit_transform(X), dtype=np.float64)
    names = head.get_feature_names_out(
        np.asarray(X.columns, dtype=object) if isinstance(X, pd.DataFrame) else None
    )
    return values, pd.Index(names)


class SharedPrefix:
    """An inner search that fits the steps before the classifier once per training fold.

    Usable when the estimator is a Pipeline and every candidate sets parameters of its last step
    only; :meth:`of` returns None otherwise.
    """

    def __init__(self, estimator) -> None:
        self.prefix = clone(estimator[:-1])
        self.final_name, self.final = estimator.steps[-1]
        # A classifier that declares a regularisation path (``_path_parameter``) and takes
        # ``warm_start`` starts each fit from the previous candidate's solution on the same
        # fold, with the same other parameters (the optimum does not depend on the start).
        path = getattr(type(self.final), "_path_parameter", None)
        self._path = path if path and "warm_start" in self.final.get_params() else None
        self._warm: dict[tuple, Any] = {}

    @classmethod
    def of(cls, estimator, candidates: Sequence[Mapping[str, Any]]) -> SharedPrefix | None:
        from sklearn.pipeline import Pipeline

        if not _SHORTCUTS["enabled"] or not isinstance(estimator, Pipeline):
            return None
        if estimator.memory is not None or len(estimator.steps) < 2:
            return None
        last = estimator.steps[-1][0]
        if any(key.split("__", 1)[0] != last or "__" not in key for c in candidates for key in c):
            return None
        return cls(estimator)

    def fold(self, X_train, y_train, X_test) -> tuple[Any, Any]:
        """The prefix fitted on one training fold: transformed training and test samples."""
        prefix = clone(self.prefix)
        return prefix.fit_transform(X_train, y_train), prefix.transform(X_test)

    def classifier(self, params: Mapping[str, Any], fold: int | None = None):
        """The last step with a candidate's parameters: an unfitted copy, or on a fold along a
        regularisation path the one fitted for the previous value of the path parameter."""
        own = {key.split("__", 1)[1]: value for key, value in params.items()}
        if self._path is None or fold is None:
            return clone(self.final).set_params(**own)
        key = (fold, repr(sorted((k, v) for k, v in own.items() if k != self._path)))
        if key not in self._warm:
            self._warm[key] = clone(self.final).set_params(warm_start=True)
        return self._warm[key].set_params(**own)


def check_candidates(estimator, param_grid) -> None:
    """Validate every candidate's hyperparameters once, before any fold is fitted.

    The folds then fit with scikit-learn's parameter validation switched off
    (:func:`fit_quietly`); an invalid value still raises scikit-learn's
    ``InvalidParameterError``, here, naming the parameter.
    """
    from sklearn.base import BaseEstimator
    from sklearn.model_selection import ParameterGrid

    for params in ParameterGrid(param_grid) if param_grid else [{}]:
        candidate = clone(estimator).set_params(**params)
        nested = [
            v for v in candidate.get_params(deep=True).values() if isinstance(v, BaseEstimator)
        ]
        for part in [candidate, *nested]:
            if hasattr(part, "_parameter_constraints"):
                part._validate_params()


def fit_quietly(function, *args, finite: bool, **kwargs):
    """Call ``function`` with scikit-learn's per-fit checks that were done once already skipped:
    parameter validation (:func:`check_candidates`) and, for data checked finite at entry, the
    scan for NaN and infinity."""
    from sklearn import config_context

    if not _SHORTCUTS["enabled"]:
        return function(*args, **kwargs)
    with config_context(skip_parameter_validation=True, assume_finite=finite):
        return function(*args, **kwargs)
