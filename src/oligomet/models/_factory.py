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

__all__ = ["MODELS", "ModelSpec", "make_model", "skops_trusted_types"]


@dataclass(frozen=True)
class ModelSpec:
    """A named model: what it is and how to build it for given features."""

    name: str
    description: str
    build: Callable[..., Pipeline]


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


def _mir200c(feature_names: Sequence[str], views=None, random_state=None) -> Pipeline:
    from ..io import find_mirna

    del random_state  # deterministic
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
    index = list(feature_names).index(matches[0])
    return Pipeline(
        [
            *_head(feature_names, views),
            ("marker", ColumnPicker(index=index, name=matches[0])),
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
            "and Youden-optimal cut-off learned in the training folds.",
            _mir200c,
        ),
    )
}


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
    try:
        spec = MODELS[name]
    except KeyError:
        raise InputError(
            f"unknown model {name!r}; choose one of: {', '.join(sorted(MODELS))}"
        ) from None
    return spec.build(list(map(str, feature_names)), views=views, random_state=random_state)


def skops_trusted_types() -> list[str]:
    """Fully qualified names of oligomet's estimator classes, for loading saved pipelines.

    skops refuses to load types it does not know unless they are listed as trusted; keeping the
    list here means every place that saves or loads a model uses the same one.
    """
    classes = (FeatureAligner, ViewLogTransform, ColumnPicker, SingleMarkerClassifier, VarianceFilter)
    return [f"{cls.__module__}.{cls.__qualname__}" for cls in classes]
