import numpy as np
import pandas as pd
import pytest

from oligomet import InputError
from oligomet._errors import MissingFeaturesError
from oligomet.models import (
    FeatureAligner,
    SingleMarkerClassifier,
    TrainedClassifier,
    ViewLogTransform,
    make_model,
)


def _frame(rng, n=30, names=("a", "b", "c")):
    return pd.DataFrame(
        rng.normal(size=(n, len(names))), columns=list(names), index=[f"S{i}" for i in range(n)]
    )


def test_aligner_matches_columns_by_name_in_any_order():
    rng = np.random.default_rng(0)
    X = _frame(rng)
    aligner = FeatureAligner().fit(X)
    shuffled = X[["c", "a", "b"]].assign(extra=1.0)
    np.testing.assert_array_equal(aligner.transform(shuffled), X.to_numpy())


def test_aligner_names_missing_features():
    rng = np.random.default_rng(0)
    aligner = FeatureAligner().fit(_frame(rng))
    with pytest.raises(MissingFeaturesError, match=r"lack 2 of the model's 3 features.*'b'.*'c'"):
        aligner.transform(_frame(rng, names=("a", "z")))


def test_view_log_transform_per_view():
    counts = np.array([[10.0, 30.0, 5.0], [0.0, 100.0, 7.0]])
    step = ViewLogTransform(views=[("mirna", "log2cpm", 0, 2), ("rna", "log2", 2, 3)]).fit(counts)
    out = step.transform(counts)
    np.testing.assert_allclose(out[0, :2], np.log2(np.array([10, 30]) / 40 * 1e6 + 1))
    np.testing.assert_allclose(out[:, 2], np.log2(counts[:, 2] + 1))


def test_view_log_transform_rejects_negative_counts():
    step = ViewLogTransform(views=[("mirna", "log2cpm", 0, 2)]).fit(np.ones((2, 2)))
    with pytest.raises(InputError, match="negative value"):
        step.transform(np.array([[1.0, -2.0], [1.0, 1.0]]))


def test_single_marker_learns_direction_and_cutoff():
    marker = np.r_[np.linspace(5, 6, 20), np.linspace(1, 2, 20)]  # positives are LOW
    y = np.r_[np.zeros(20, int), np.ones(20, int)]
    model = SingleMarkerClassifier().fit(marker[:, None], y)
    assert model.sign_ == -1
    assert (model.predict(marker[:, None]) == y).all()
    proba = model.predict_proba(marker[:, None])[:, 1]
    assert proba[y == 1].min() > proba[y == 0].max()


def test_mir200c_model_finds_the_marker_by_name():
    names = ["hsa-mir-21", "hsa-mir-200c", "hsa-let-7a-1"]
    pipeline = make_model("mir200c", names)
    assert pipeline.named_steps["marker"].index == 1


def test_mir200c_absent_is_a_clear_error():
    with pytest.raises(InputError, match="miR-200c is absent"):
        make_model("mir200c", ["hsa-mir-21", "hsa-mir-141"])


def test_unknown_model_lists_choices():
    with pytest.raises(InputError, match=r"unknown model 'svm'.*logistic_enet"):
        make_model("svm", ["a"])


def test_trained_classifier_predicts_on_frame_and_anndata():
    import anndata as ad

    rng = np.random.default_rng(1)
    X = _frame(rng, n=40, names=[f"g{i}" for i in range(6)])
    y = (X["g0"] > 0).astype(int).to_numpy()
    pipeline = make_model("logistic_enet", X.columns, random_state=0).fit(X, y)
    classifier = TrainedClassifier(pipeline, positive_name="poly", negative_name="oligo")
    on_frame = classifier.predict_proba(X[X.columns[::-1]])
    on_adata = classifier.predict_proba(
        ad.AnnData(X.to_numpy(), obs=pd.DataFrame(index=X.index), var=pd.DataFrame(index=X.columns))
    )
    pd.testing.assert_frame_equal(on_frame, on_adata)
    assert list(on_frame.columns) == ["oligo", "poly"]
    assert set(classifier.predict(X)) <= {"oligo", "poly"}


def test_single_marker_cutoff_maximises_youden_on_training_data():
    from sklearn.metrics import balanced_accuracy_score

    marker = np.arange(10, 0, -1, dtype=float)
    y = np.array([1, 1, 0, 0, 0, 1, 0, 0, 0, 0])
    model = SingleMarkerClassifier(direction="higher").fit(marker[:, None], y)
    best = max(balanced_accuracy_score(y, (marker >= cut).astype(int)) for cut in np.unique(marker))
    assert model.threshold_ == 8.5
    assert balanced_accuracy_score(y, model.predict(marker[:, None])) == pytest.approx(best)


def test_view_log_transform_leaves_a_missing_view_missing():
    """A row of NaN in a view is a sample lacking it (outer join): it stays NaN, and the other
    samples of the view are transformed as they would be alone."""
    counts = np.array([[10.0, 30.0, 5.0], [np.nan, np.nan, 7.0], [1.0, 3.0, np.nan]])
    step = ViewLogTransform(views=[("mirna", "log2cpm", 0, 2), ("rna", "log2", 2, 3)])
    out = step.fit(counts).transform(counts)
    np.testing.assert_allclose(out[0, :2], np.log2(np.array([10, 30]) / 40 * 1e6 + 1))
    np.testing.assert_allclose(out[2, :2], out[0, :2])  # same proportions, same log2 CPM
    assert np.isnan(out[1, :2]).all() and np.isnan(out[2, 2])
    np.testing.assert_allclose(out[:2, 2], np.log2(counts[:2, 2] + 1))


def test_view_log_transform_refuses_a_partly_missing_view():
    step = ViewLogTransform(views=[("mirna", "log2cpm", 0, 2)]).fit(np.ones((3, 2)))
    with pytest.raises(InputError, match=r"view 'mirna': non-finite value at sample 2"):
        step.transform(np.array([[1.0, 2.0], [np.nan, np.nan], [np.nan, 1.0]]))


def test_imputation_is_fitted_after_the_per_sample_head():
    """The imputer learns from samples (medians), so it must not be part of the head that a
    cross-validation applies once to the whole cohort."""
    from oligomet.evaluation._steps import split_head

    names = [f"g{i}" for i in range(6)]
    views = [("rna", "log2", 0, 3), ("mirna", "log2cpm", 3, 6)]
    model = make_model("logistic_enet", names, views=views, impute=True)
    assert [name for name, _ in model.steps][:4] == ["align", "log", "impute", "variance"]
    head, tail = split_head(model)
    assert [name for name, _ in head.steps] == ["align", "log"]
    assert tail.steps[0][0] == "impute"
    plain = make_model("logistic_enet", names, views=views)
    assert "impute" not in dict(plain.steps)


def test_imputation_uses_training_medians_only():
    rng = np.random.default_rng(0)
    train = pd.DataFrame(rng.uniform(1, 100, size=(20, 4)), columns=list("abcd"))
    train.iloc[:5, 2:] = np.nan  # five samples lack the second view
    y = np.r_[np.zeros(10, int), np.ones(10, int)]
    model = make_model("logistic_enet", list("abcd"), views=[("v1", "log2", 0, 2),
                       ("v2", "log2", 2, 4)], impute=True, selection="none")  # fmt: skip
    model.fit(train, y)
    expected = np.nanmedian(np.log2(train.to_numpy()[:, 2:] + 1), axis=0)
    np.testing.assert_allclose(model.named_steps["impute"].statistics_[2:], expected)
    test = pd.DataFrame([[5.0, 6.0, np.nan, np.nan]], columns=list("abcd"))
    assert np.isfinite(model.predict_proba(test)).all()
