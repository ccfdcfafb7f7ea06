"""The SNF estimator on the reference toy data, with missing views, new patients and bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score
from sklearn.metrics import normalized_mutual_info_score as nmi

from oligomet import InputError
from oligomet.snf import (
    SNF,
    affinity_matrix,
    estimate_n_clusters,
    pairwise_distances,
    snf,
    spectral_labels,
    standardize,
)


def _read(path, **kwargs) -> np.ndarray:
    return pd.read_csv(path, header=None, **kwargs).to_numpy()


@pytest.fixture(scope="module")
def sim(shared_data):
    folder = shared_data / "snf_toy" / "sim"
    views = [_read(folder / f"data{i}.csv", sep=r"\s+") for i in (1, 2)]
    return views, _read(folder / "label.csv")[:, 0]


@pytest.fixture(scope="module")
def digits(shared_data):
    folder = shared_data / "snf_toy" / "digits"
    views = [_read(folder / f"{v}.csv") for v in ("fourier", "pixel", "profile", "zer")]
    return views, _read(folder / "label.csv")[:, 0]


def _estimate(path) -> list[int]:
    return [int(float(v)) for v in path.read_text().split()]


@pytest.mark.realdata
def test_sim_two_clusters_by_eigengap_and_perfect_nmi(sim, shared_data):
    views, truth = sim
    model = SNF(metric="euclidean", random_state=0).fit(views)
    assert model.n_clusters_ == 2
    assert nmi(truth, model.labels_) == 1.0
    estimate = model.cluster_estimate_
    reference = _estimate(shared_data / "snf_reference" / "snftool_sim_estimate.txt")
    assert [
        estimate.eigengap_best,
        estimate.eigengap_second,
        estimate.rotation_best,
        estimate.rotation_second,
    ] == reference


@pytest.mark.realdata
def test_digits_three_clusters_and_nmi_above_any_view(digits, shared_data):
    views, truth = digits
    # The reference recipe for digits: SNFtool with squared euclidean distances.
    model = SNF(preset=None, metric="sqeuclidean", random_state=0, cluster_range=(2, 6))
    model.fit(views)
    assert model.n_clusters_ == 3
    assert nmi(truth, model.labels_) >= 0.97
    estimate = model.cluster_estimate_
    reference = _estimate(shared_data / "snf_reference" / "snftool_digits_estimate.txt")
    assert [
        estimate.eigengap_best,
        estimate.eigengap_second,
        estimate.rotation_best,
        estimate.rotation_second,
    ] == reference
    single = [
        nmi(
            truth,
            spectral_labels(affinity_matrix(pairwise_distances(standardize(v))), 3, random_state=0),
        )
        for v in views
    ]
    assert nmi(truth, model.labels_) > max(single)


@pytest.mark.realdata
def test_estimates_match_snftool_on_its_own_fused_networks(shared_data):
    reference = shared_data / "snf_reference"
    for name, candidates in (("sim", range(2, 6)), ("digits", range(2, 7))):
        estimate = estimate_n_clusters(np.load(reference / f"snftool_{name}_fused.npy"), candidates)
        assert [
            estimate.eigengap_best,
            estimate.eigengap_second,
            estimate.rotation_best,
            estimate.rotation_second,
        ] == _estimate(reference / f"snftool_{name}_estimate.txt")


@pytest.mark.realdata
def test_missing_twenty_percent_of_one_view_still_recovers_the_clusters(sim):
    views, truth = sim
    missing = np.random.default_rng(0).choice(len(truth), size=len(truth) // 5, replace=False)
    partial = views[1].copy()
    partial[missing] = np.nan
    model = SNF(metric="euclidean", random_state=0).fit([views[0], partial])
    single_view = [
        nmi(
            truth,
            spectral_labels(
                affinity_matrix(pairwise_distances(standardize(v), metric="euclidean")),
                2,
                random_state=0,
            ),
        )
        for v in views
    ]
    assert model.n_clusters_ == 2
    assert nmi(truth, model.labels_) >= 0.85 > max(single_view) + 0.3
    # The patients without view 2 are placed through their neighbours in view 1.
    on_missing = model.labels_[missing] == truth[missing] - 1
    assert max(on_missing.mean(), 1 - on_missing.mean()) >= 0.9


@pytest.mark.realdata
def test_new_patients_are_assigned_without_refitting(sim):
    views, truth = sim
    held_out = np.random.default_rng(1).choice(len(truth), size=40, replace=False)
    train = np.setdiff1d(np.arange(len(truth)), held_out)
    model = SNF(metric="euclidean", n_clusters=2, random_state=0).fit([v[train] for v in views])
    predicted = model.predict([v[held_out] for v in views])
    assert nmi(truth[held_out], predicted) >= 0.9
    # Same labelling as training: a training patient predicted as itself keeps its subtype.
    assert (model.predict([v[train] for v in views]) == model.labels_).mean() >= 0.95


def _mudata():
    import anndata as ad

    from oligomet.io import assemble

    rng = np.random.default_rng(0)
    groups = np.repeat([0, 1], 25)
    samples = [f"P{i:02d}" for i in range(50)]
    views = {
        name: ad.AnnData(
            rng.normal(size=(50, 8)) + 3 * groups[:, None],
            obs=pd.DataFrame(index=samples),
            var=pd.DataFrame(index=[f"{name}{j}" for j in range(8)]),
        )
        for name in ("rna", "mirna")
    }
    mdata, _ = assemble(views)
    return mdata


def test_fit_leaves_the_mudata_alone_and_snf_writes_typed_slots():
    import mudata as md

    mdata = _mudata()
    assert isinstance(mdata, md.MuData)
    model = SNF(n_neighbors=10, random_state=0).fit(mdata)
    assert "snf_fused" not in mdata.obsp and "snf_subtype" not in mdata.obs
    assert "snf" not in mdata.uns
    assert snf(mdata, n_neighbors=10, random_state=0) is None
    assert mdata.obsp["snf_fused"].shape == (50, 50)
    np.testing.assert_array_equal(mdata.obsp["snf_fused"], model.fused_network_)
    assert isinstance(mdata.obs["snf_subtype"].dtype, pd.CategoricalDtype)
    np.testing.assert_array_equal(mdata.obs["snf_subtype"].astype(int), model.labels_)
    assert mdata.uns["snf"]["n_clusters"] == 2 and mdata.uns["snf"]["views"] == ["rna", "mirna"]
    assert mdata.uns["snf"]["params"]["cluster_range"] == [2, 5]


def test_snf_copy_returns_an_annotated_copy():
    mdata = _mudata()
    annotated = snf(mdata, n_neighbors=10, random_state=0, key_added="fused", copy=True)
    assert annotated is not mdata and "fused" not in mdata.uns
    assert annotated.obsp["fused_fused"].shape == (50, 50)
    assert annotated.uns["fused"]["n_clusters"] == 2


def test_add_subtypes_writes_a_fitted_estimators_results():
    from oligomet.snf import add_subtypes

    mdata = _mudata()
    model = SNF(n_neighbors=10, random_state=0).fit(mdata)
    assert add_subtypes(mdata, model, key_added="mine") is None
    np.testing.assert_array_equal(mdata.obs["mine_subtype"].astype(int), model.labels_)
    np.testing.assert_array_equal(mdata.obsp["mine_fused"], model.fused_network_)
    from oligomet.io._h5 import mudata_no_pull

    with mudata_no_pull():
        fewer = mdata[:49].copy()
    with pytest.raises(InputError, match="the MuData holds 49 samples, the SNF was fitted on 50"):
        add_subtypes(fewer, model)


def test_snf_takes_the_estimators_parameters_and_defaults():
    import inspect

    options = inspect.signature(snf).parameters
    for name, default in SNF().get_params().items():
        assert options[name].default == default, name


def test_one_seed_gives_the_same_subtypes():
    rng = np.random.default_rng(3)
    groups = np.repeat([0, 1, 2], 20)
    views = [rng.normal(size=(60, 6)) + 2 * groups[:, None] for _ in range(2)]
    first = SNF(n_neighbors=10, random_state=5).fit(views)
    second = SNF(n_neighbors=10, random_state=5).fit(views)
    np.testing.assert_array_equal(first.labels_, second.labels_)
    np.testing.assert_array_equal(first.fused_network_, second.fused_network_)


@pytest.fixture
def two_views():
    rng = np.random.default_rng(0)
    return [rng.normal(size=(30, 5)), rng.normal(size=(30, 4))]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("no_shared", "share no samples"),
        ("k_too_big", "n_neighbors"),
        ("constant", "constant"),
        ("nan", "some missing values"),
        ("single", "at least 2 views"),
        ("too_many_clusters", "more clusters"),
    ],
)
def test_bad_input_is_a_clear_error(two_views, change, message):
    # Without a preset a constant feature is refused (the peers set it to 0).
    views, params = [v.copy() for v in two_views], {"n_neighbors": 10, "preset": None}
    if change == "no_shared":
        views[0][15:] = np.nan
        views[1][:15] = np.nan
    elif change == "k_too_big":
        params["n_neighbors"] = 30
    elif change == "constant":
        views[1][:, 2] = 1.0
    elif change == "nan":
        views[0][3, 1] = np.nan
    elif change == "single":
        views = views[0]
    elif change == "too_many_clusters":
        params["n_clusters"] = 30
    with pytest.raises(InputError, match=message):
        SNF(**params).fit(views)


def test_fit_does_not_change_parameters_and_clones_refit_identically(two_views):
    model = SNF(n_neighbors=10, random_state=0)
    before = model.get_params()
    model.fit(two_views)
    assert model.get_params() == before
    from sklearn.base import clone

    again = clone(model).fit(two_views)
    np.testing.assert_array_equal(again.labels_, model.labels_)


@pytest.mark.parametrize("preset", ["snftool", "snfpy"])
def test_nothing_cubic_in_the_fit(monkeypatch, preset):
    """The number of clusters and the clustering come from partial (Lanczos) eigen-solves:
    no dense eigendecomposition and no shift-invert factorisation of the N x N network."""
    import numpy.linalg
    import scipy.linalg

    from oligomet.snf import _cluster

    def refuse(*args, **kwargs):
        raise AssertionError("a dense N x N eigendecomposition or factorisation was called")

    for module, name in [
        (scipy.linalg, "eigh"),
        (scipy.linalg, "lu_factor"),
        (numpy.linalg, "eig"),
        (numpy.linalg, "eigh"),
        (_cluster, "eigh"),
    ]:
        monkeypatch.setattr(module, name, refuse)
    rng = np.random.default_rng(0)
    groups = np.repeat([0, 1, 2], 200)
    views = [rng.normal(size=(600, 20)) + 2 * groups[:, None] for _ in range(2)]
    model = SNF(preset=preset, random_state=0).fit(views)
    assert model.n_clusters_ == 3
    assert adjusted_rand_score(groups, model.labels_) == 1.0


def test_bad_parameters_are_input_errors_and_sklearns(two_views):
    """scikit-learn's parameter validation, raised as an InputError: the command line prints it
    as one line; GridSearchCV and the estimator checks see scikit-learn's error."""
    from sklearn.utils._param_validation import InvalidParameterError

    for params, name in [
        ({"mu": -1}, "mu"),
        ({"n_clusters": 1}, "n_clusters"),
        ({"preset": "x"}, "preset"),
    ]:
        with pytest.raises(InputError, match=f"'{name}' parameter of SNF must be") as raised:
            SNF(**params).fit(two_views)
        assert isinstance(raised.value, InvalidParameterError)
        assert "\n" not in str(raised.value)
    with pytest.raises(InputError, match="cluster_range must be two whole numbers"):
        SNF(n_neighbors=10, cluster_range=(4, 2)).fit(two_views)


def test_predict_refuses_partly_measured_samples(two_views):
    model = SNF(n_neighbors=10, n_clusters=2, random_state=0).fit(two_views)
    new = [v[:3].copy() for v in two_views]
    new[1][0, 0] = np.nan
    with pytest.raises(InputError, match=r"view 'view1': sample 0 has some missing values \(NaN\)"):
        model.predict(new)
    new[1][0] = np.nan  # the whole row: the sample lacks that view, and is placed by the other
    assert model.predict(new).shape == (3,)


def test_multiview_snf_names_its_views_and_refuses_empty_ones():
    from oligomet.snf import MultiViewSNF

    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 6))
    fitted = MultiViewSNF([("rna", 0, 4), ("mirna", 4, None)], {"n_neighbors": 10}).fit(X)
    assert fitted.snf_.view_names_ == ["rna", "mirna"] and fitted.n_features_in_ == 6
    with pytest.raises(InputError, match=r"view 'mirna' \(columns 6:None\) selects none of the 6"):
        MultiViewSNF([("rna", 0, 6), ("mirna", 6, None)]).fit(X)
    with pytest.raises(InputError, match="'views' parameter of MultiViewSNF must be"):
        MultiViewSNF().fit(X)


def test_a_cluster_range_beyond_the_samples_is_cut_to_what_they_allow():
    """Each candidate k needs the (k+1)-th eigenvalue of the network: 40 samples allow 38."""
    rng = np.random.default_rng(0)
    views = [rng.normal(size=(40, 10)), rng.normal(size=(40, 8))]
    model = SNF(cluster_range=(2, 100)).fit(views)
    assert max(model.eigengap_) == 38 and 2 <= model.n_clusters_ <= 38


def test_estimate_n_clusters_says_how_many_candidates_the_samples_allow():
    """estimate_n_clusters itself (not only SNF) refuses a k it cannot judge (IndexError before)."""
    rng = np.random.default_rng(0)
    W = rng.uniform(size=(5, 5))
    W = W + W.T
    assert set(estimate_n_clusters(W, range(2, 4)).eigengap) == {2, 3}
    with pytest.raises(InputError, match=r"between 2 and n_samples - 2 = 3 .*got 2\.\.4"):
        estimate_n_clusters(W, range(2, 5))
