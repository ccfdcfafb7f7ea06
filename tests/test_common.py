"""The estimator contract, checked by discovery.

Every scikit-learn estimator of the library (:func:`oligomet._registry.all_estimators`, which
walks the package) gets an instance with valid parameters in :data:`INSTANCES`, and every
instance runs scikit-learn's common checks (``parametrize_with_checks``) and its parameter
validation check. A check an estimator cannot pass is listed in :data:`EXPECTED_FAILURES` with the
reason. A new estimator without an instance here, or an instance of a class that no longer
exists, fails :func:`test_every_estimator_has_an_instance`.
"""

from __future__ import annotations

import pickle
import warnings
from collections.abc import Callable

import numpy as np
import pytest
from sklearn.base import BaseEstimator, clone
from sklearn.exceptions import SkipTestWarning
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler
from sklearn.utils import estimator_checks, get_tags
from sklearn.utils.estimator_checks import check_param_validation, parametrize_with_checks
from sksurv.util import Surv

from oligomet._registry import all_estimators
from oligomet.models import (
    BalancedXGBClassifier,
    ClassifierPipeline,
    ColumnPicker,
    ColumnSelector,
    ElasticNetLogistic,
    FeatureAligner,
    PenalisedCox,
    SingleMarkerClassifier,
    UnivariateCoxFilter,
    ViewLogTransform,
)
from oligomet.pp import DifferentialExpressionFilter, VarianceFilter
from oligomet.signatures import SignatureScore
from oligomet.snf import SNF, MultiViewSNF


# ------------------------------------------------------------------- adapters for the checks
def _as_survival(y):
    """scikit-learn's generic target (numbers) as all-event survival data: the times."""
    if y is None:
        return None
    time = np.abs(np.real(np.asarray(y))).astype(np.float64) + 1.0
    return Surv.from_arrays(np.ones(time.size, dtype=bool), time)


class _CheckedCox(PenalisedCox):
    """Feeds scikit-learn's generic targets (numbers) to the model as event times.

    The common checks only know classification and regression targets; this adapter, used only
    here, turns ``y`` into all-event survival data so the rest of the contract (parameters,
    cloning, pickling, n_features_in_, sample order, ...) is checked on the real estimator.
    """

    def fit(self, X, y):
        return super().fit(X, _as_survival(y))

    def score(self, X, y):
        return super().score(X, _as_survival(y))


class _CheckedFilter(UnivariateCoxFilter):
    """The same adapter for the univariate survival screen."""

    def fit(self, X, y):
        return super().fit(X, _as_survival(y))


# --------------------------------------------------------------------------------- instances
#: One instance with valid parameters for each estimator class, by qualified name.
INSTANCES: dict[str, Callable[[], BaseEstimator]] = {
    # Few rounds: the checks fit it hundreds of times.
    "oligomet.models._boost.BalancedXGBClassifier": lambda: BalancedXGBClassifier(n_estimators=5),
    "oligomet.models._cox.PenalisedCox": lambda: _CheckedCox(),
    "oligomet.models._cox.UnivariateCoxFilter": lambda: _CheckedFilter(k=2),
    "oligomet.models._data.ClassifierPipeline": lambda: ClassifierPipeline(
        [("scale", StandardScaler()), ("classifier", LogisticRegression())]
    ),
    "oligomet.models._enet.ElasticNetLogistic": lambda: ElasticNetLogistic(),
    "oligomet.models._marker.ColumnPicker": lambda: ColumnPicker(),
    # Column 0 exists in every matrix the checks use (one has a single feature).
    "oligomet.models._marker.ColumnSelector": lambda: ColumnSelector([0]),
    "oligomet.models._marker.SingleMarkerClassifier": lambda: SingleMarkerClassifier(),
    "oligomet.models._steps.FeatureAligner": lambda: FeatureAligner(),
    "oligomet.models._steps.ViewLogTransform": lambda: ViewLogTransform(),
    "oligomet.pp._de.DifferentialExpressionFilter": lambda: DifferentialExpressionFilter(k=2),
    "oligomet.pp._filter.VarianceFilter": lambda: VarianceFilter(n_top=2, threshold=0.01),
    # Unweighted: the checks feed data of varying width, and fixed weights fit one width.
    "oligomet.signatures._score.SignatureScore": lambda: SignatureScore(),
    # Two views of any matrix the checks use: its first column, and the others.
    "oligomet.snf._estimator.MultiViewSNF": lambda: MultiViewSNF(
        views=[("first", 0, 1), ("rest", 1, None)], snf_params={"n_neighbors": 5}
    ),
    "oligomet.snf._estimator.SNF": lambda: SNF(n_neighbors=5),
}

#: Checks an estimator cannot pass, by class name, each with the reason.
EXPECTED_FAILURES: dict[str, dict[str, str]] = {
    "ClassifierPipeline": {
        check: "a scikit-learn Pipeline fits the step estimators given in `steps` in place, so "
        "fit changes that parameter; scikit-learn lists the same failure for its own Pipeline "
        "(ClassifierPipeline only adds predict_frame)"
        for check in ("check_estimators_overwrite_params", "check_dont_overwrite_parameters")
    },
    "MultiViewSNF": {
        "check_estimators_pickle": "NaN is accepted only as a whole row of a view (the sample "
        "lacks that view, see SNF), hence the allow_nan tag; this check scatters NaN over single "
        "cells, which SNF refuses (a partly measured sample must be imputed first)",
    },
}


def _qualified_name(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def _instances() -> list[BaseEstimator]:
    return [factory() for _, factory in sorted(INSTANCES.items())]


def _expected_failures(estimator) -> dict[str, str]:
    return EXPECTED_FAILURES.get(type(estimator).__name__, {})


def _takes_views(estimator) -> bool:
    return not get_tags(estimator).input_tags.two_d_array


def test_every_estimator_has_an_instance():
    discovered = {_qualified_name(cls): cls for cls in all_estimators()}
    missing = sorted(set(discovered) - set(INSTANCES))
    gone = sorted(set(INSTANCES) - set(discovered))
    assert not missing, (
        f"estimators without an instance in tests/test_common.py INSTANCES: {missing}; add one "
        "with valid parameters (and list any check it cannot pass in EXPECTED_FAILURES)"
    )
    assert not gone, f"INSTANCES names classes that no longer exist: {gone}; remove them"
    for name, factory in INSTANCES.items():
        assert isinstance(factory(), discovered[name]), name


def test_expected_failures_name_known_estimators():
    names = {type(estimator).__name__ for estimator in _instances()}
    assert set(EXPECTED_FAILURES) <= names, set(EXPECTED_FAILURES) - names


# An estimator whose input is not one matrix (SNF: a list of views) declares
# ``input_tags.two_d_array = False``; scikit-learn then yields only its cloning check and warns
# that it skips the rest, which use one matrix. The checks of the API that need no data run in
# test_estimators_taking_views_keep_the_api; SNF's fit and predict are checked through
# MultiViewSNF, the same SNF on one matrix split into views.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", category=SkipTestWarning)
    _common_checks = parametrize_with_checks(
        _instances(), expected_failed_checks=_expected_failures, xfail_strict=True
    )


@_common_checks
def test_sklearn_contract(estimator, check):
    check(estimator)


@pytest.mark.parametrize("estimator", _instances(), ids=lambda e: type(e).__name__)
def test_parameters_are_validated(estimator):
    """scikit-learn's check (not among the common ones): ``_parameter_constraints`` names every
    parameter, and a value of the wrong type or outside its range fails ``fit`` with
    ``InvalidParameterError`` naming it."""
    check_param_validation(type(estimator).__name__, estimator)


_VIEW_TAKERS = [e for e in _instances() if _takes_views(e)]


@pytest.mark.parametrize(
    "check_name",
    [
        "check_estimator_cloneable",
        "check_parameters_default_constructible",
        "check_no_attributes_set_in_init",
        "check_get_params_invariance",
        "check_set_params",
        "check_estimator_repr",
        "check_estimator_tags_renamed",
        "check_valid_tag_types",
        "check_do_not_raise_errors_in_init_or_set_params",
        "check_mixin_order",
    ],
)
@pytest.mark.parametrize("estimator", _VIEW_TAKERS, ids=lambda e: type(e).__name__)
def test_estimators_taking_views_keep_the_api(estimator, check_name):
    getattr(estimator_checks, check_name)(type(estimator).__name__, estimator)


@pytest.mark.parametrize("estimator", _VIEW_TAKERS, ids=lambda e: type(e).__name__)
def test_estimators_taking_views_fit_as_the_contract_says(estimator):
    """What the data checks would test, on views: fit returns self, leaves the parameters as
    given, adds only attributes ending in ``_`` (or private ones), refits a clone identically,
    and pickles to a model that predicts the same."""
    rng = np.random.default_rng(0)
    groups = np.repeat([0, 1], 20)
    views = [rng.normal(size=(40, 4)) + 3 * groups[:, None] for _ in range(2)]
    params = estimator.get_params()
    before = set(vars(estimator))
    assert estimator.fit(views) is estimator
    assert estimator.get_params() == params
    added = set(vars(estimator)) - before
    assert all(name.endswith("_") or name.startswith("_") for name in added), added
    labels = estimator.predict(views)
    np.testing.assert_array_equal(clone(estimator).fit(views).predict(views), labels)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(estimator)).predict(views), labels)
