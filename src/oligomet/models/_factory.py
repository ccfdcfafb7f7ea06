"""The model zoo: named scikit-learn pipelines with every fitted step inside.

Every pipeline starts with :class:`~oligomet.models.FeatureAligner` (columns matched by name) and
:class:`~oligomet.models.ViewLogTransform` (per-sample log transforms of raw values), so the fitted
model takes the raw table the user trained from. Everything fitted to the samples (variance filter,
scaling, feature selection, the classifier itself, a marker's cut-off) comes after them, inside the
pipeline, so cross-validating the pipeline refits all of it in each training fold.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sklearn.feature_selection import SelectKBest, f_classif
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from .._errors import InputError
from ..pp import VarianceFilter
from ._marker import ColumnPicker, SingleMarkerClassifier
from ._steps import FeatureAligner, ViewLogTransform

__all__ = ["MODELS", "ModelSpec", "make_model", "model_inputs"]


@dataclass(frozen=True)
class ModelSpec:
    """A named model: what it is, how to build it, and which input columns it needs.

    ``inputs(feature_names, views)`` returns the columns the saved model will require, when that
    is fewer than all (a single-marker model needs its marker, plus the rest of the marker's
    view only when that view is library-size normalised). ``None`` means every column.
    """

    name: str
    description: str
    build: Callable[..., Pipeline]
    inputs: Callable[[list[str], list], list[str]] | None = None


def _head(feature_names: Sequence[str], views) -> list[tuple[str, object]]:
    del feature_names  # the aligner learns the names in fit
    return [("align", FeatureAligner()), ("log", ViewLogTransform(views=views))]


def _logistic_enet(
    feature_names: Sequence[str],
    views=None,
    random_state=None,
    *,
    n_select: int = 100,
    C: float = 0.1,
    l1_ratio: float = 0.5,
) -> Pipeline:
    n_select = min(n_select, len(feature_names))
    return Pipeline(
        [
            *_head(feature_names, views),
            # Constant features carry no information and make the F-test divide by zero.
            ("variance", VarianceFilter(threshold=0.0)),
            ("scale", StandardScaler()),
            ("select", SelectKBest(f_classif, k=n_select)),
            (
                "classifier",
                LogisticRegression(
                    C=C,
                    l1_ratio=l1_ratio,
                    solver="saga",
                    max_iter=10_000,
                    class_weight="balanced",
                    random_state=random_state,
                ),
            ),
        ]
    )


MIR200C = "hsa-miR-200c-3p"


def _find_mir200c(feature_names: Sequence[str]) -> str:
    from ..io import find_mirna

    matches = find_mirna(MIR200C, list(feature_names))
    if not matches:
        mirna_like = [n for n in feature_names if "mir" in str(n).lower()][:5]
        hint = (
            f"miRNA-like features seen: {', '.join(mirna_like)}"
            if mirna_like
            else "no feature name looks like a miRNA"
        )
        raise InputError(
            f"miR-200c is absent from the data ({len(feature_names)} features; {hint}); "
            "the mir200c model needs a miRNA view that measures it"
        )
    if len(matches) > 1:
        raise InputError(
            f"several features match miR-200c ({', '.join(matches)}); keep one of them"
        )
    return matches[0]


def _mir200c_inputs(feature_names: list[str], views) -> list[str]:
    marker = _find_mir200c(feature_names)
    position = feature_names.index(marker)
    for _name, method, start, stop in views or []:
        if start <= position < stop and method == "log2cpm":
            return feature_names[start:stop]  # counts per million need the whole library
    return [marker]


def _mir200c(feature_names: Sequence[str], views=None, random_state=None) -> Pipeline:
    del random_state  # deterministic
    marker = _find_mir200c(feature_names)
    index = list(feature_names).index(marker)
    return Pipeline(
        [
            *_head(feature_names, views),
            ("marker", ColumnPicker(index=index, name=marker)),
            ("classifier", SingleMarkerClassifier(direction="auto")),
        ]
    )


MODELS: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec(
            "logistic_enet",
            "Elastic-net logistic regression (C=0.1, l1_ratio=0.5, balanced class weights) on the "
            "100 features with the largest F statistic, after dropping constant features and "
            "standardising; all fitted inside the training folds.",
            _logistic_enet,
        ),
        ModelSpec(
            "mir200c",
            "miR-200c alone (Lussier et al. 2011, 2012): score = its (log) expression; direction "
            "and Youden-optimal cut-off learned in the training folds. Needs only miR-200c "
            "(its whole miRNA view when that is raw counts, for the library size).",
            _mir200c,
            _mir200c_inputs,
        ),
    )
}


def _spec(name: str) -> ModelSpec:
    try:
        return MODELS[name]
    except KeyError:
        raise InputError(
            f"unknown model {name!r}; choose one of: {', '.join(sorted(MODELS))}"
        ) from None


def model_inputs(name: str, feature_names: Sequence[str], views=None) -> tuple[list[str], list]:
    """The columns the named model needs, and the view ranges re-indexed to them.

    Parameters
    ----------
    name : str
        A key of :data:`MODELS`.
    feature_names : sequence of str
        All available columns, in order.
    views : list of (str, str, int, int) or None
        Per-view ``(name, method, start, stop)`` ranges over ``feature_names``.

    Returns
    -------
    names : list of str
        The required columns, in their original order.
    views : list of (str, str, int, int)
        The view ranges over ``names`` (views left without columns are dropped).
    """
    names = list(map(str, feature_names))
    views = list(views or [])
    spec = _spec(name)
    if spec.inputs is None:
        return names, views
    keep = set(spec.inputs(names, views))
    kept, new_views = [], []
    for view, method, start, stop in views:
        block = [f for f in names[start:stop] if f in keep]
        if block:
            new_views.append((view, method, len(kept), len(kept) + len(block)))
            kept.extend(block)
    if not views:
        kept = [f for f in names if f in keep]
    return kept, new_views


def make_model(
    name: str,
    feature_names: Sequence[str],
    *,
    views=None,
    random_state=None,
) -> Pipeline:
    """Build the named model for a training matrix with the given feature names.

    Parameters
    ----------
    name : str
        A key of :data:`MODELS` (``oligomet models`` lists them).
    feature_names : sequence of str
        Columns of the training matrix, in order.
    views : list of (str, str, int, int) or None, default=None
        Per-view log transforms, passed to :class:`~oligomet.models.ViewLogTransform`.
    random_state : int, RandomState or None, default=None
        Seed for the model's own randomness (solver order), where it has any.

    Returns
    -------
    sklearn.pipeline.Pipeline
        An unfitted pipeline.

    Raises
    ------
    InputError
        For an unknown model name, or when the model cannot be built on these features (for
        example miR-200c absent).
    """
    return _spec(name).build(list(map(str, feature_names)), views=views, random_state=random_state)
