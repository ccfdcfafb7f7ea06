"""The fast SNF path (numba kernels, in-place buffers) against the references and against a dense
textbook implementation written here."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from oligomet import InputError
from oligomet.snf import affinity_matrix, dominant_set, fuse, pairwise_distances, standardize
from oligomet.snf._core import (
    _affinity_inplace,
    _diffuse,
    _fuse_inplace,
    _gram,
    _normalize_snftool,
)

# --- a dense textbook implementation (SNFtool 2.3.1 / snfpy 0.2.2 rules, module-doc missing-view
# rule), everything N x N and dense -------------------------------------------------------------


def _dense_local_kernel(W: np.ndarray, k: int) -> np.ndarray:
    n = len(W)
    keep = np.argsort(W, axis=1, kind="stable")[:, n - k :]
    S = np.zeros_like(W)
    np.put_along_axis(S, keep, np.take_along_axis(W, keep, axis=1), axis=1)
    totals = S.sum(axis=1, keepdims=True)
    totals[totals == 0] = 1.0
    return S / totals


def _dense_normalize(X: np.ndarray) -> np.ndarray:
    off = X.sum(axis=1) - np.diag(X)
    off[off == 0] = 1.0
    X = X / (2 * off[:, None])
    np.fill_diagonal(X, 0.5)
    return (X + X.T) / 2


def _dense_fuse(affinities, k=20, t=20, variant="snftool") -> np.ndarray:
    networks = [np.nan_to_num(np.array(W, dtype=float)) for W in affinities]
    n, m = len(networks[0]), len(networks)
    present = [W.any(axis=1) for W in networks]
    if variant == "snftool":
        networks = [_dense_normalize(W) for W in networks]
        for W, p in zip(networks, present, strict=True):
            W[~p, :] = 0
            W[:, ~p] = 0
    else:
        networks = [W / np.where(W.sum(1) == 0, 1, W.sum(1))[:, None] for W in networks]
        networks = [(W + W.T) / 2 for W in networks]
    kernels = [_dense_local_kernel(W, k) for W in networks]
    pairs = [np.outer(p, p).astype(float) for p in present]
    for _ in range(t):
        total = sum(networks)
        updated = []
        for j in range(m):
            others = sum(pairs) - pairs[j]
            P = (total - networks[j]) / np.maximum(others, 1)
            nxt = kernels[j] @ P @ kernels[j].T
            if variant == "snftool":
                nxt = _dense_normalize(nxt)
            else:
                nxt = nxt + np.eye(n)
                nxt = (nxt + nxt.T) / 2
            updated.append(nxt)
        networks = updated
    observed = sum((W > 0).astype(float) for W in networks)
    fused = sum(networks) / np.maximum(observed, 1)
    if variant == "snftool":
        return _dense_normalize(fused)
    fused = fused / fused.sum(axis=1, keepdims=True)
    return (fused + fused.T + np.eye(n)) / 2


def _dense_affinity(D: np.ndarray, k: int = 20, mu: float = 0.5) -> np.ndarray:
    eps = np.finfo(float).eps
    D = (D + D.T) / 2
    np.fill_diagonal(D, 0)
    means = np.sort(D, axis=1)[:, 1 : k + 1].mean(axis=1) + eps
    scale = mu * np.maximum((means[:, None] + means[None, :] + D) / 3 + eps, eps)
    W = np.exp(-(D**2) / (2 * scale**2)) / (scale * np.sqrt(2 * np.pi))
    return (W + W.T) / 2


def _random_affinities(n: int, n_views: int, seed: int, k: int = 20) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, n)
    views = []
    for p in (40, 25, 60)[:n_views]:
        X = rng.normal(size=(3, p))[labels] + rng.normal(scale=1.5, size=(n, p))
        views.append(affinity_matrix(pairwise_distances(standardize(X)), n_neighbors=k))
    return views


def _drop(W: np.ndarray, missing: np.ndarray) -> np.ndarray:
    W = W.copy()
    W[missing, :] = 0
    W[:, missing] = 0
    return W


# --- the fast path equals the dense one ---------------------------------------------------------


@pytest.mark.parametrize("n", [7, 65, 300])
def test_diffusion_equals_dense_product(n):
    rng = np.random.default_rng(n)
    P = rng.random((n, n))
    P = (P + P.T) / 2
    S = dominant_set(rng.random((n, n)), min(20, n))
    dense = S.toarray() @ P @ S.toarray().T
    fast = _diffuse(S, P)
    np.testing.assert_allclose(fast, dense, rtol=0, atol=1e-12 * np.abs(dense).max())
    assert np.array_equal(fast, fast.T)


@pytest.mark.parametrize("variant", ["snftool", "snfpy"])
@pytest.mark.parametrize("n_views", [2, 3])
def test_fusion_equals_dense_textbook(variant, n_views):
    affinities = _random_affinities(300, n_views, seed=n_views)
    fast = fuse(affinities, variant=variant)
    dense = _dense_fuse(affinities, variant=variant)
    assert np.abs(fast - dense).max() <= 1e-12


@pytest.mark.parametrize("variant", ["snftool", "snfpy"])
@pytest.mark.parametrize("n_views", [2, 3])
def test_fusion_with_missing_samples_equals_dense_textbook(variant, n_views):
    rng = np.random.default_rng(10 + n_views)
    affinities = _random_affinities(300, n_views, seed=n_views)
    affinities[0] = _drop(affinities[0], rng.random(300) < 0.2)
    affinities[-1] = _drop(affinities[-1], rng.random(300) < 0.1)
    fast = fuse(affinities, variant=variant)
    dense = _dense_fuse(affinities, variant=variant)
    assert np.abs(fast - dense).max() <= 1e-12


def test_fuse_leaves_its_inputs_alone_and_in_place_path_matches():
    affinities = _random_affinities(130, 2, seed=5)
    before = [W.copy() for W in affinities]
    fused = fuse(affinities, n_neighbors=10, n_iter=5)
    for W, original in zip(affinities, before, strict=True):
        assert np.array_equal(W, original)
    owned = _fuse_inplace(
        [W.copy() for W in affinities], n_neighbors=10, n_iter=5, variant="snftool"
    )
    assert np.array_equal(owned, fused)


def test_local_kernel_breaks_ties_like_a_stable_sort():
    rng = np.random.default_rng(3)
    W = rng.integers(0, 4, size=(50, 50)).astype(float)  # many ties
    W[7] = 0.0  # an all-zero row (a sample missing from the view)
    for k in (1, 5, 20, 50):
        np.testing.assert_allclose(
            dominant_set(W, k).toarray(), _dense_local_kernel(W, k), rtol=0, atol=1e-15
        )


def test_in_place_distances_and_affinity_match_the_textbook():
    X = np.random.default_rng(4).normal(size=(270, 12))
    for metric in ("sqeuclidean", "euclidean"):
        squares = np.einsum("ij,ij->i", X, X)
        textbook = np.maximum(squares[:, None] + squares[None, :] - 2.0 * (X @ X.T), 0)
        if metric == "euclidean":
            textbook = np.sqrt(textbook)
        D = pairwise_distances(X, metric=metric)
        np.testing.assert_array_equal(D, textbook)
        kept = D.copy()
        W = affinity_matrix(D, n_neighbors=15)
        assert np.array_equal(D, kept)  # the public function copies
        np.testing.assert_allclose(W, _dense_affinity(D, 15), rtol=1e-13, atol=0)
        assert np.array_equal(_affinity_inplace(D, n_neighbors=15, mu=0.5), W)


def test_gram_matrix_in_row_blocks_is_exactly_symmetric():
    X = np.random.default_rng(9).normal(size=(250, 30))
    gram = _gram(X, block=64)
    assert np.array_equal(gram, gram.T)
    np.testing.assert_allclose(gram, X @ X.T, rtol=0, atol=1e-12)


@pytest.mark.parametrize("n", [1, 5, 37, 410])
def test_symmetric_matvec_reads_the_upper_triangle_and_ignores_threads(n):
    """The product the eigen-solves use: ``W @ x`` from the upper triangle alone (the lower one
    is garbage here), the same bits with one thread or two."""
    import numba

    from oligomet.snf import _kernel

    rng = np.random.default_rng(n)
    upper = np.triu(rng.random((n, n)))
    W = upper + np.triu(upper, 1).T
    x = rng.normal(size=n)
    garbage = W.copy()
    garbage[np.tril_indices(n, -1)] = np.nan
    y = _kernel.symmetric_matvec(garbage, x)
    np.testing.assert_allclose(y, W @ x, rtol=1e-13, atol=1e-13)
    threads = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        single = _kernel.symmetric_matvec(garbage, x)
    finally:
        numba.set_num_threads(threads)
    assert np.array_equal(single, y)


def test_normalize_snftool_rows_sum_to_one_with_half_diagonal():
    X = np.random.default_rng(6).random((70, 70))
    expected = _dense_normalize(X)
    out = _normalize_snftool(X)
    assert out is X
    np.testing.assert_array_equal(out, expected)


def test_too_many_neighbours_is_an_input_error():
    affinities = _random_affinities(30, 2, seed=1, k=5)
    with pytest.raises(InputError, match="n_neighbors"):
        fuse(affinities, n_neighbors=31)


def test_fused_network_is_symmetric():
    for variant in ("snftool", "snfpy"):
        fused = fuse(_random_affinities(100, 2, seed=2), n_neighbors=10, variant=variant)
        assert np.array_equal(fused, fused.T)


# --- parity with SNFtool 2.3.1 and snfpy 0.2.2 on their toy data --------------------------------


def _read(path, **kwargs) -> np.ndarray:
    return pd.read_csv(path, header=None, **kwargs).to_numpy()


def _toy(shared_data, name):
    folder = shared_data / "snf_toy" / name
    if name == "sim":
        views = [_read(folder / f"data{i}.csv", sep=r"\s+") for i in (1, 2)]
        return views, "euclidean", ["view1", "view2"]
    names = ["fourier", "pixel", "profile", "zer"]
    return [_read(folder / f"{v}.csv") for v in names], "sqeuclidean", names


@pytest.mark.realdata
@pytest.mark.parametrize("name", ["sim", "digits"])
def test_parity_with_snftool_and_snfpy(shared_data, name):
    views, metric, view_names = _toy(shared_data, name)
    reference = shared_data / "snf_reference"
    affinities = [
        affinity_matrix(pairwise_distances(standardize(X), metric=metric), n_neighbors=20, mu=0.5)
        for X in views
    ]
    for W, view in zip(affinities, view_names, strict=True):
        expected = np.load(reference / f"snftool_{name}_affinity_{view}.npy")
        assert np.abs(W - expected).max() <= 1e-9
    for variant in ("snftool", "snfpy"):
        fused = fuse(affinities, n_neighbors=20, n_iter=20, variant=variant)
        expected = np.load(reference / f"{variant}_{name}_fused.npy")
        assert np.abs(fused - expected).max() <= 1e-9, variant


def test_sparse_input_kernel_accepted_by_diffuse():
    rng = np.random.default_rng(8)
    P = rng.random((40, 40))
    P = P + P.T
    S = sparse.random(40, 40, density=0.2, random_state=1, format="coo")
    np.testing.assert_allclose(_diffuse(S, P), S.toarray() @ P @ S.toarray().T, rtol=0, atol=1e-12)
