"""The model zoo: named scikit-learn pipelines with every fitted step inside.

Every pipeline starts with :class:`~oligomet.models.FeatureAligner` (columns matched by name) and
:class:`~oligomet.models.ViewLogTransform` (per-sample log transforms of raw values), so the fitted
model takes the raw table the user trained from. Everything fitted to the samples (variance filter,
scaling, feature selection, the classifier itself, a marker's cut-off) comes after them, inside the
pipeline, so cross-validating the pipeline refits all of it in each training fold.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import RandomForestClassifier
from sklearn.feature_selection import SelectFromModel, SelectKBest, f_classif
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier, NearestCentroid
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC
from sklearn.utils import check_random_state

from .._errors import InputError
from ..pp import CONSTANT_VARIANCE, DifferentialExpressionFilter, VarianceFilter
from ._boost import BalancedXGBClassifier
from ._cox import COX_PARAM_GRID, make_cox_model
from ._enet import ElasticNetLogistic
from ._marker import ColumnPicker, ColumnSelector, SingleMarkerClassifier
from ._steps import head_steps as _head

__all__ = [
    "MODELS",
    "RECIPE_LABELS",
    "ModelSpec",
    "available_models",
    "make_model",
    "model_inputs",
    "param_grid",
]

logger = logging.getLogger(__name__)

#: Objects the zoo's pipelines hold that skops does not trust by default: the score function
#: SelectKBest keeps, scikit-learn's private calibration classes (linear_svm), trees (random
#: forests) and the dtype a median imputer records (``SimpleImputer._fit_dtype``).
SKOPS_TRUSTED = (
    f_classif,
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
    "sklearn.tree._tree.Tree",
    "numpy.dtype",
)


@dataclass(frozen=True)
class ModelSpec:
    """A named model: what it is, how to build it, its search space, and the inputs it needs.

    ``build(feature_names, views=, random_state=, selection=, n_select=)`` returns an unfitted
    Pipeline whose last step is named ``"classifier"``. ``param_grid`` is the default search space
    (keys are Pipeline parameters), explored by the inner folds of a nested cross-validation.
    ``inputs(feature_names, views)`` returns the columns the saved model will require, when that
    is fewer than all (a single-marker model needs its marker, plus the rest of the marker's
    view only when that view is library-size normalised). ``None`` means every column.
    ``selection`` is the family's default feature selection. ``task`` is ``"classification"``
    (0/1 labels, ``predict_proba``) or ``"survival"`` (a structured time/event target, risk
    scores from ``predict``).
    """

    name: str
    description: str
    build: Callable[..., Pipeline]
    inputs: Callable[[list[str], list], list[str]] | None = None
    param_grid: dict[str, list] | None = None
    selection: str = "univariate"
    task: str = "classification"


SELECTIONS = ("univariate", "l1", "none")


def _selection(selection: str, n_select: int, n_features: int, random_state) -> list:
    """Feature selection steps, fitted inside each training fold like everything else."""
    if selection not in SELECTIONS:
        raise InputError(
            f"unknown feature selection {selection!r}; choose one of: {', '.join(SELECTIONS)}"
        )
    if selection == "none" or n_select >= n_features:
        return []
    if selection == "univariate":
        return [("select", SelectKBest(f_classif, k=n_select))]
    # The n_select features with the largest |coefficient| in an L1 logistic fit (a lasso
    # screen); a threshold of -inf keeps exactly n_select even when fewer are non-zero.
    lasso = LogisticRegression(
        C=0.5,
        l1_ratio=1.0,
        solver="liblinear",
        class_weight="balanced",
        random_state=random_state,
    )
    return [("select", SelectFromModel(lasso, threshold=-np.inf, max_features=n_select))]


def _standard(feature_names, views, random_state, selection, n_select) -> list:
    """Head, constant-feature filter, standardisation and feature selection."""
    return [
        *_head(feature_names, views),
        # Constant features carry no information and make the F-test divide by zero; "constant"
        # includes rounding noise (a z-scored table writes one value in several spellings).
        ("variance", VarianceFilter(threshold=CONSTANT_VARIANCE)),
        ("scale", StandardScaler()),
        *_selection(selection, n_select, len(feature_names), random_state),
    ]


def _logistic_enet(
    feature_names: Sequence[str],
    views=None,
    random_state=None,
    *,
    selection: str = "univariate",
    n_select: int = 100,
) -> Pipeline:
    # scikit-learn's elastic-net logistic regression (balanced class weights), solved to the
    # optimum by proximal Newton instead of SAGA (benchmarks/README.md compares the two).
    classifier = ElasticNetLogistic(C=0.1, l1_ratio=0.5, class_weight="balanced")
    return Pipeline(
        [
            *_standard(feature_names, views, random_state, selection, n_select),
            ("classifier", classifier),
        ]
    )


def _linear_svm(
    feature_names, views=None, random_state=None, *, selection="univariate", n_select=100
) -> Pipeline:
    svm = LinearSVC(C=0.01, class_weight="balanced", max_iter=20_000, random_state=random_state)
    # Platt scaling on internal folds of the training data gives probabilities.
    classifier = CalibratedClassifierCV(svm, method="sigmoid", cv=3)
    return Pipeline(
        [
            *_standard(feature_names, views, random_state, selection, n_select),
            ("classifier", classifier),
        ]
    )


def _random_forest(
    feature_names, views=None, random_state=None, *, selection="univariate", n_select=100
) -> Pipeline:
    classifier = RandomForestClassifier(
        n_estimators=300,
        min_samples_leaf=1,
        max_features="sqrt",
        # Class weights from the training fold, as every other family: "balanced_subsample"
        # recomputes them for each of the 300 bootstrap samples, 40% of the fitting time.
        class_weight="balanced",
        random_state=random_state,
        n_jobs=1,
    )
    return Pipeline(
        [
            *_standard(feature_names, views, random_state, selection, n_select),
            ("classifier", classifier),
        ]
    )


def _xgboost(
    feature_names, views=None, random_state=None, *, selection="univariate", n_select=100
) -> Pipeline:
    seed = None if random_state is None else int(check_random_state(random_state).randint(2**31))
    classifier = BalancedXGBClassifier(random_state=seed)
    return Pipeline(
        [
            *_standard(feature_names, views, random_state, selection, n_select),
            ("classifier", classifier),
        ]
    )


def _shrunken_centroid(
    feature_names, views=None, random_state=None, *, selection="none", n_select=100
) -> Pipeline:
    # Uniform priors: the nearest-centroid rule does not favour the larger class.
    classifier = NearestCentroid(shrink_threshold=1.0, priors="uniform")
    return Pipeline(
        [
            *_standard(feature_names, views, random_state, selection, n_select),
            ("classifier", classifier),
        ]
    )


def _knn(
    feature_names, views=None, random_state=None, *, selection="univariate", n_select=50
) -> Pipeline:
    classifier = KNeighborsClassifier(n_neighbors=11)
    return Pipeline(
        [
            *_standard(feature_names, views, random_state, selection, n_select),
            ("classifier", classifier),
        ]
    )


def _wuttig11(
    feature_names, views=None, random_state=None, *, selection="none", n_select=11
) -> Pipeline:
    del selection  # the recipe's selection is its differential-expression screen
    classifier = LogisticRegression(C=1.0, class_weight="balanced", max_iter=10_000)
    return Pipeline(
        [
            *_head(feature_names, views),
            ("variance", VarianceFilter(threshold=CONSTANT_VARIANCE)),
            ("select", DifferentialExpressionFilter(k=min(n_select, len(feature_names)))),
            ("scale", StandardScaler()),
            ("classifier", classifier),
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
    return _view_inputs([_find_mir200c(feature_names)], feature_names, views)


def _mir200c(feature_names: Sequence[str], views=None, random_state=None, **_) -> Pipeline:
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


def _view_inputs(columns: list[str], feature_names: list[str], views) -> list[str]:
    """``columns`` plus, for raw-count views, every column of their view (the library size)."""
    keep = set(columns)
    for _name, method, start, stop in views or []:
        block = feature_names[start:stop]
        if method == "log2cpm" and keep & set(block):
            keep |= set(block)
    return [f for f in feature_names if f in keep]


SIGNATURE_PREFIX = "signature:"
RECIPE_PREFIX = "recipe:"


def _signature_match(name: str, feature_names: Sequence[str]):
    from ..signatures import load_signature, match_features

    signature = load_signature(name)
    return signature, match_features(signature, list(feature_names)).check()


def _signature_spec(name: str) -> ModelSpec:
    from ..signatures import load_signature

    signature = load_signature(name)

    def build(feature_names, views=None, random_state=None, **_):
        from ..signatures import signature_estimator

        _, match = _signature_match(name, feature_names)
        if match.missing:
            logger.warning(match.report())  # said once, when the model is built
        columns = [str(c) for c in match.columns]
        indices = [list(feature_names).index(c) for c in columns]
        # The match, not the signature: weights follow the features actually found.
        return Pipeline(
            [
                *_head(feature_names, views),
                ("signature", ColumnSelector(indices=indices, names=columns)),
                ("classifier", signature_estimator(match, random_state=random_state)),
            ]
        )

    def inputs(feature_names, views):
        _, match = _signature_match(name, feature_names)
        return _view_inputs([str(c) for c in match.columns], feature_names, views)

    rule = (
        "weights refitted in each training fold (not published)"
        if signature.scoring == "retrain"
        else "weighted mean of z-scored features with the published directions"
    )
    grid = {"classifier__classify__C": [0.01, 0.1, 1.0]} if signature.scoring == "retrain" else None
    return ModelSpec(
        f"{SIGNATURE_PREFIX}{signature.name}",
        f"{signature.description.strip().splitlines()[0]} ({len(signature.feature_ids)} "
        f"features; {rule}).",
        build,
        inputs,
        param_grid=grid,
        selection="none",
    )


MODELS: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec(
            "logistic_enet",
            "Elastic-net logistic regression (balanced class weights) on standardised features; "
            "C and l1_ratio tuned in inner folds.",
            _logistic_enet,
            param_grid={"classifier__C": [0.01, 0.1, 1.0], "classifier__l1_ratio": [0.2, 0.8]},
        ),
        ModelSpec(
            "linear_svm",
            "Linear support vector machine (balanced class weights), probabilities by Platt "
            "scaling on internal folds; C tuned in inner folds.",
            _linear_svm,
            param_grid={"classifier__estimator__C": [0.001, 0.01, 0.1]},
        ),
        ModelSpec(
            "random_forest",
            "Random forest, 300 trees, balanced class weights; minimum leaf size tuned "
            "in inner folds.",
            _random_forest,
            param_grid={"classifier__min_samples_leaf": [1, 5]},
        ),
        ModelSpec(
            "xgboost",
            "Gradient-boosted trees (XGBoost, 200 rounds, learning rate 0.05, minority class "
            "up-weighted in each training fold); tree depth tuned in inner folds.",
            _xgboost,
            param_grid={"classifier__max_depth": [1, 3]},
        ),
        ModelSpec(
            "shrunken_centroid",
            "Nearest shrunken centroids (PAM; Tibshirani et al. 2002) on standardised features, "
            "uniform class priors; the shrinkage threshold, which selects the features, tuned in "
            "inner folds.",
            _shrunken_centroid,
            param_grid={"classifier__shrink_threshold": [0.5, 1.0, 2.0, 4.0]},
            selection="none",
        ),
        ModelSpec(
            "knn",
            "k-nearest neighbours on standardised features (50 selected); k tuned in inner "
            "folds. No class weights: the in-fold decision threshold absorbs the imbalance.",
            _knn,
            param_grid={"classifier__n_neighbors": [5, 11, 21]},
        ),
        ModelSpec(
            "mir200c",
            "miR-200c alone (Lussier et al. 2011, 2012): score = its (log) expression; direction "
            "and Youden-optimal cut-off learned in the training folds. Needs only miR-200c "
            "(its whole miRNA view when that is raw counts, for the library size).",
            _mir200c,
            _mir200c_inputs,
            selection="none",
        ),
        ModelSpec(
            f"{RECIPE_PREFIX}wuttig11",
            "Renal 11-gene recipe (Wuttig et al. 2009): label few (<8) vs many (>16) metastases, "
            "keep the 11 features with the smallest Welch t-test p-value in each training fold, "
            "fit an L2 logistic regression (balanced). The gene list is learned, not published.",
            _wuttig11,
            selection="none",
        ),
    )
}


def _cox_enet(feature_names, views=None, random_state=None, *, selection="none", n_select=None):
    del selection  # the elastic net selects; n_select adds a univariate Cox screen
    return make_cox_model(feature_names, views, random_state, n_select=n_select)


MODELS["cox_enet"] = ModelSpec(
    "cox_enet",
    "Penalised (elastic-net) Cox regression for a time-to-event endpoint (--label EVENT --time "
    "TIME, no --horizon); alpha and l1_ratio tuned in inner folds by Harrell's C.",
    _cox_enet,
    param_grid={key: list(values) for key, values in COX_PARAM_GRID.items()},
    selection="none",
    task="survival",
)

#: Label thresholds a recipe implies for a count column (few < 8 vs many > 16 metastases).
RECIPE_LABELS: dict[str, dict[str, float]] = {
    f"{RECIPE_PREFIX}wuttig11": {"oligo_max": 7, "poly_min": 17},
}


def available_models() -> dict[str, ModelSpec]:
    """Every model name usable on the command line: the zoo, recipes and shipped signatures."""
    from ..signatures import list_signatures

    models = dict(MODELS)
    for name in list_signatures():
        spec = _signature_spec(name)
        models[spec.name] = spec
    return models


def _spec(name: str) -> ModelSpec:
    if name.startswith(SIGNATURE_PREFIX):
        signature = name.removeprefix(SIGNATURE_PREFIX)
        if not signature:
            raise InputError("give a signature name or file after 'signature:'")
        return _signature_spec(signature)
    try:
        return MODELS[name]
    except KeyError:
        raise InputError(
            f"unknown model {name!r}; choose one of: {', '.join(sorted(MODELS))}, or "
            "signature:NAME (a shipped signature, or a YAML/CSV/GMT file); `oligomet models` "
            "lists them"
        ) from None


def param_grid(name: str) -> dict[str, list] | None:
    """The default search space of the named model (None: nothing to tune)."""
    grid = _spec(name).param_grid
    return None if grid is None else {key: list(values) for key, values in grid.items()}


def model_inputs(name: str, feature_names: Sequence[str], views=None) -> tuple[list[str], list]:
    """The columns the named model needs, and the view ranges re-indexed to them.

    Parameters
    ----------
    name : str
        A model name (see :func:`available_models`).
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
    selection: str | None = None,
    n_select: int | None = None,
    impute: bool = False,
) -> Pipeline:
    """Build the named model for a training matrix with the given feature names.

    Parameters
    ----------
    name : str
        A model name: ``logistic_enet``, ``linear_svm``, ``random_forest``, ``xgboost``,
        ``shrunken_centroid``, ``knn``, ``mir200c``, ``recipe:wuttig11`` or ``signature:NAME``
        (``oligomet models`` lists them).
    feature_names : sequence of str
        Columns of the training matrix, in order.
    views : list of (str, str, int, int) or None, default=None
        Per-view log transforms, passed to :class:`~oligomet.models.ViewLogTransform`.
    random_state : int, RandomState or None, default=None
        Seed for the model's own randomness, where it has any.
    selection : {"univariate", "l1", "none"} or None, default=None
        Feature selection inside the pipeline: the top ``n_select`` features by F statistic, by
        the magnitude of an L1-logistic coefficient, or none. None: the family's default
        (``ModelSpec.selection``). Ignored by models that pick their own features (markers,
        signatures, recipes).
    n_select : int or None, default=None
        Number of features kept by ``selection`` (default 100; 50 for ``knn``; 11 for the
        Wuttig recipe).
    impute : bool, default=False
        For samples that lack a view (rows of NaN from an outer join of the views): a step
        ``"impute"`` right after the log transform fills each missing value with the median of
        that feature over the training samples that have it
        (:class:`~sklearn.impute.SimpleImputer`). Fitted like every later step, on the training
        folds only, so a cross-validation's test samples never inform it.

    Returns
    -------
    sklearn.pipeline.Pipeline
        An unfitted pipeline whose last step is ``"classifier"``.

    Raises
    ------
    InputError
        For an unknown model name, or when the model cannot be built on these features (for
        example miR-200c absent, or too few of a signature's features).
    """
    spec = _spec(name)
    options: dict[str, object] = {"selection": selection or spec.selection}
    if n_select is not None:
        if n_select < 1:
            raise InputError(f"n_select must be at least 1, got {n_select}")
        options["n_select"] = n_select
    pipeline = spec.build(
        list(map(str, feature_names)), views=views, random_state=random_state, **options
    )
    return with_imputation(pipeline) if impute else pipeline


def with_imputation(pipeline: Pipeline) -> Pipeline:
    """``pipeline`` with a median imputer right after its per-sample head (align, log)."""
    from sklearn.impute import SimpleImputer

    position = [name for name, _ in pipeline.steps].index("log") + 1  # every model's head_steps
    # keep_empty_features: a feature no training sample has stays a column (of zeros), so the
    # column positions the later steps index (a marker, a signature) do not move.
    imputer = SimpleImputer(strategy="median", keep_empty_features=True)
    steps = [*pipeline.steps[:position], ("impute", imputer), *pipeline.steps[position:]]
    return type(pipeline)(steps)
