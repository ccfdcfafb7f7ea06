"""VarianceFilter: scikit-learn contract, selection, pandas output, use inside a Pipeline."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import sparse
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.utils.estimator_checks import parametrize_with_checks

from oligomet._errors import InputError
from oligomet.pp import VarianceFilter


# No expected failures: every common check passes. check_array_api_input skips itself unless
# SCIPY_ARRAY_API is set (pytest reports it as skipped).
@parametrize_with_checks([VarianceFilter(), VarianceFilter(n_top=2, threshold=0.01)])
def test_sklearn_contract(estimator, check):
    check(estimator)


@pytest.fixture
def X() -> np.ndarray:
    # variances (ddof=0): 0, 1, 4, 0.25, 4
    return np.array(
        [
            [5.0, 1.0, 0.0, 0.0, 10.0],
            [5.0, 3.0, 4.0, 1.0, 14.0],
            [5.0, 1.0, 0.0, 0.0, 10.0],
            [5.0, 3.0, 4.0, 1.0, 14.0],
        ]
    )


def test_default_drops_constant_features(X):
    selector = VarianceFilter().fit(X)
    np.testing.assert_allclose(selector.variances_, [0, 1, 4, 0.25, 4])
    np.testing.assert_array_equal(selector.get_support(), [False, True, True, True, True])
    assert selector.transform(X).shape == (4, 4)


def test_threshold_then_top_n_with_ties_in_column_order(X):
    selector = VarianceFilter(n_top=2, threshold=0.5).fit(X)
    np.testing.assert_array_equal(selector.support_, [False, False, True, False, True])
    selector = VarianceFilter(n_top=1).fit(X)
    np.testing.assert_array_equal(selector.get_support(indices=True), [2])


def test_sparse_input_gives_the_same_variances(X):
    dense = VarianceFilter(n_top=3).fit(X)
    sparse_fit = VarianceFilter(n_top=3).fit(sparse.csr_matrix(X))
    np.testing.assert_allclose(sparse_fit.variances_, dense.variances_)
    np.testing.assert_array_equal(sparse_fit.support_, dense.support_)


def test_pandas_output_keeps_feature_names(X):
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d", "e"], index=[f"S{i}" for i in range(4)])
    selector = VarianceFilter(n_top=2).set_output(transform="pandas").fit(frame)
    selected = selector.transform(frame)
    assert list(selected.columns) == ["c", "e"]
    assert list(selected.index) == list(frame.index)
    assert list(selector.get_feature_names_out()) == ["c", "e"]


def test_nothing_above_threshold_is_an_error(X):
    with pytest.raises(ValueError, match="lower the threshold"):
        VarianceFilter(threshold=10).fit(X)


@pytest.mark.parametrize(
    ("params", "match"),
    [({"n_top": 0}, "n_top"), ({"n_top": 2.5}, "n_top"), ({"threshold": -1}, "threshold")],
)
def test_bad_parameters(X, params, match):
    with pytest.raises(InputError, match=match):
        VarianceFilter(**params).fit(X)


def test_in_a_cross_validated_pipeline():
    rng = np.random.RandomState(0)
    X = rng.standard_normal((40, 30))
    y = np.repeat([0, 1], 20)
    X[:, 0] += 3 * y
    X[:, 0] *= 3  # the informative feature is also the most variable
    pipeline = make_pipeline(VarianceFilter(n_top=5), LogisticRegression())
    scores = cross_val_score(pipeline, X, y, cv=4)
    assert scores.mean() > 0.8
