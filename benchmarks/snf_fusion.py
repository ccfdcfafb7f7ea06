"""Similarity network fusion: oligomet against a dense textbook implementation and snfpy 0.2.2.

Synthetic data: N samples in 3 latent clusters, 2 views of 500 features (seeded); affinities with
K = 20, mu = 0.5 (squared euclidean distances on standardised features), fusion with K = 20,
t = 20. Every implementation runs in a fresh process, so that its peak resident memory
(``ru_maxrss``) is its own; the time is wall-clock for affinities + fusion, inputs already in
memory. The fused networks are compared to oligomet's (snfpy to oligomet's ``variant="snfpy"``,
the dense textbook implementation to the default ``variant="snftool"``).

snfpy 0.2.2 fails with scikit-learn >= 1.8, so it runs from its own environment::

    python3 -m venv /tmp/snfpy-venv
    /tmp/snfpy-venv/bin/pip install snfpy==0.2.2 "scikit-learn<1.8" "setuptools<81" numpy pandas
    .venv/bin/python benchmarks/snf_fusion.py --snfpy-python /tmp/snfpy-venv/bin/python

Without ``--snfpy-python`` the snfpy column is skipped. ``--memory-sizes 20000`` adds rows for
oligomet alone, through the public functions and through the private in-place path (about
4 minutes each and 12.3 / 6.7 GB at N = 20,000).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

N_FEATURES = 500
N_NEIGHBORS = 20
MU = 0.5
N_ITER = 20


def make_views(n: int, seed: int = 0) -> list[np.ndarray]:
    """Two views of ``n`` samples from 3 latent clusters (cluster means + unit noise)."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, n)
    views = []
    for _ in range(2):
        centres = rng.normal(scale=0.5, size=(3, N_FEATURES))
        views.append(centres[labels] + rng.normal(size=(n, N_FEATURES)))
    return views


# --- workers: each runs in its own process and prints one JSON line -----------------------------


def _peak_rss_gb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2  # kB on Linux


def worker_oligomet(folder: Path, variant: str, path: str) -> dict:
    import oligomet.snf as snf
    from oligomet.snf import _core

    views = [np.load(folder / f"view{v}.npy") for v in range(2)]
    start = time.perf_counter()
    # Warm-up on a tiny problem: compiles the numba kernels, or loads them from the cache.
    tiny = [
        snf.affinity_matrix(snf.pairwise_distances(snf.standardize(v[:60])), n_neighbors=5)
        for v in views
    ]
    snf.fuse(tiny, n_neighbors=5, n_iter=2, variant=variant)
    warmup = time.perf_counter() - start
    start = time.perf_counter()
    if path == "public":
        affinities = [
            snf.affinity_matrix(
                snf.pairwise_distances(snf.standardize(v)), n_neighbors=N_NEIGHBORS, mu=MU
            )
            for v in views
        ]
    else:  # the private in-place path: no copies of distances or affinities
        affinities = [
            _core._affinity_inplace(
                snf.pairwise_distances(snf.standardize(v)), n_neighbors=N_NEIGHBORS, mu=MU
            )
            for v in views
        ]
    del views
    middle = time.perf_counter()
    if path == "public":
        fused = snf.fuse(affinities, n_neighbors=N_NEIGHBORS, n_iter=N_ITER, variant=variant)
    else:
        fused = _core._fuse_inplace(
            affinities, n_neighbors=N_NEIGHBORS, n_iter=N_ITER, variant=variant
        )
    end = time.perf_counter()
    del affinities
    np.save(folder / f"fused_oligomet_{variant}_{path}.npy", fused)
    return {
        "affinity_s": middle - start,
        "fusion_s": end - middle,
        "total_s": end - start,
        "warmup_s": warmup,
        "peak_rss_gb": _peak_rss_gb(),
    }


def dense_affinities(views: list[np.ndarray]) -> list[np.ndarray]:
    """SNFtool 2.3.1's standardisation, distances and affinity, as the paper writes them."""
    eps = np.finfo(float).eps
    affinities = []
    for X in views:
        X = (X - X.mean(axis=0)) / X.std(axis=0, ddof=1)
        squares = (X**2).sum(axis=1)
        D = np.maximum(squares[:, None] + squares[None, :] - 2 * X @ X.T, 0)
        D = (D + D.T) / 2
        np.fill_diagonal(D, 0)
        nearest = np.sort(D, axis=1)[:, 1 : N_NEIGHBORS + 1]
        means = nearest.mean(axis=1) + eps
        scale = MU * np.maximum((means[:, None] + means[None, :] + D) / 3 + eps, eps)
        W = np.exp(-(D**2) / (2 * scale**2)) / (scale * np.sqrt(2 * np.pi))
        affinities.append((W + W.T) / 2)
    return affinities


def _dense_normalize(X: np.ndarray) -> np.ndarray:
    off = X.sum(axis=1) - np.diag(X)
    off[off == 0] = 1
    X = X / (2 * off[:, None])
    np.fill_diagonal(X, 0.5)
    return (X + X.T) / 2


def _dense_local_kernel(W: np.ndarray) -> np.ndarray:
    n = len(W)
    keep = np.argsort(W, axis=1, kind="stable")[:, n - N_NEIGHBORS :]
    S = np.zeros_like(W)
    np.put_along_axis(S, keep, np.take_along_axis(W, keep, axis=1), axis=1)
    return S / S.sum(axis=1, keepdims=True)


def dense_fuse(affinities: list[np.ndarray]) -> np.ndarray:
    """SNFtool 2.3.1's fusion of two views: dense matrices, two BLAS products per update."""
    networks = [_dense_normalize(W) for W in affinities]
    kernels = [_dense_local_kernel(W) for W in networks]
    for _ in range(N_ITER):
        networks = [
            _dense_normalize(kernels[0] @ networks[1] @ kernels[0].T),
            _dense_normalize(kernels[1] @ networks[0] @ kernels[1].T),
        ]
    return _dense_normalize((networks[0] + networks[1]) / 2)


def worker_dense(folder: Path) -> dict:
    """SNFtool 2.3.1's algorithm as the paper writes it: dense matrices, two BLAS products
    per update (numpy only, nothing from oligomet)."""
    views = [np.load(folder / f"view{v}.npy") for v in range(2)]
    start = time.perf_counter()
    affinities = dense_affinities(views)
    middle = time.perf_counter()
    fused = dense_fuse(affinities)
    end = time.perf_counter()
    np.save(folder / "fused_dense.npy", fused)
    return {
        "affinity_s": middle - start,
        "fusion_s": end - middle,
        "total_s": end - start,
        "peak_rss_gb": _peak_rss_gb(),
    }


def worker_snfpy(folder: Path) -> dict:
    import snf

    views = [np.load(folder / f"view{v}.npy") for v in range(2)]
    start = time.perf_counter()
    affinities = snf.make_affinity(*views, metric="sqeuclidean", K=N_NEIGHBORS, mu=MU)
    middle = time.perf_counter()
    fused = snf.snf(affinities, K=N_NEIGHBORS, t=N_ITER)
    end = time.perf_counter()
    np.save(folder / "fused_snfpy.npy", fused)
    return {
        "affinity_s": middle - start,
        "fusion_s": end - middle,
        "total_s": end - start,
        "peak_rss_gb": _peak_rss_gb(),
        "version": snf.__version__,
    }


def compile_time(python: str, variant: str) -> float:
    """Seconds for the first fusion in a process whose numba cache is empty."""
    with tempfile.TemporaryDirectory() as cache:
        code = (
            "import time, numpy as np, oligomet.snf as s; t = time.perf_counter(); "
            "A = [s.affinity_matrix(s.pairwise_distances(np.random.default_rng(v).normal("
            "size=(60, 5))), n_neighbors=5) for v in (0, 1)]; "
            f"s.fuse(A, n_neighbors=5, n_iter=2, variant={variant!r}); "
            "print(time.perf_counter() - t)"
        )
        env = {**os.environ, "NUMBA_CACHE_DIR": cache}
        out = subprocess.run(
            [python, "-c", code], env=env, check=True, capture_output=True, text=True
        )
    return float(out.stdout.strip().splitlines()[-1])


# --- driver --------------------------------------------------------------------------------------


def run_worker(python: str, name: str, folder: Path, *extra: str) -> dict:
    command = [python, __file__, "--worker", name, "--folder", str(folder), *extra]
    out = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def max_difference(folder: Path, a: str, b: str) -> float:
    return float(np.abs(np.load(folder / a) - np.load(folder / b)).max())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--sizes",
        type=int,
        nargs="+",
        default=[1000, 2000, 5000],
        help="sample counts compared across implementations",
    )
    parser.add_argument(
        "--memory-sizes",
        type=int,
        nargs="*",
        default=[],
        help="sample counts run by oligomet alone (e.g. 20000)",
    )
    parser.add_argument(
        "--dense-max",
        type=int,
        default=5000,
        help="largest N for the dense textbook implementation (N³ time)",
    )
    parser.add_argument("--snfpy-python", help="a Python with snfpy 0.2.2 installed")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--variant", default="snftool", help=argparse.SUPPRESS)
    parser.add_argument("--path", default="public", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker:
        if args.worker == "oligomet":
            result = worker_oligomet(args.folder, args.variant, args.path)
        elif args.worker == "dense":
            result = worker_dense(args.folder)
        else:
            result = worker_snfpy(args.folder)
        print(json.dumps(result))
        return

    python = sys.executable
    print(
        f"numba compile on first use (empty cache): snftool "
        f"{compile_time(python, 'snftool'):.1f} s, snfpy {compile_time(python, 'snfpy'):.1f} s",
        flush=True,
    )
    rows = []
    for n in [*args.sizes, *args.memory_sizes]:
        alone = n not in args.sizes
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            for v, X in enumerate(make_views(n)):
                np.save(folder / f"view{v}.npy", X)
            paths = ["public", "inplace"] if alone else ["public"]
            for path in paths:
                ours = run_worker(python, "oligomet", folder, "--path", path)
                rows.append(
                    {
                        "n": n,
                        "name": f"oligomet ({path} API)" if alone else "oligomet",
                        **ours,
                        "diff": 0.0,
                        "ref": ours,
                    }
                )
                print(json.dumps(rows[-1] | {"ref": None}), flush=True)
            if alone:
                continue
            if n <= args.dense_max:
                dense = run_worker(python, "dense", folder)
                diff = max_difference(
                    folder, "fused_dense.npy", "fused_oligomet_snftool_public.npy"
                )
                rows.append(
                    {
                        "n": n,
                        "name": "dense textbook (numpy/BLAS)",
                        **dense,
                        "diff": diff,
                        "ref": ours,
                    }
                )
                print(json.dumps(rows[-1] | {"ref": None}), flush=True)
            if args.snfpy_python:
                ours_snfpy = run_worker(python, "oligomet", folder, "--variant", "snfpy")
                rows.append(
                    {
                        "n": n,
                        "name": 'oligomet variant="snfpy"',
                        **ours_snfpy,
                        "diff": 0.0,
                        "ref": ours_snfpy,
                    }
                )
                theirs = run_worker(args.snfpy_python, "snfpy", folder)
                diff = max_difference(folder, "fused_snfpy.npy", "fused_oligomet_snfpy_public.npy")
                rows.append(
                    {
                        "n": n,
                        "name": f"snfpy {theirs.pop('version')}",
                        **theirs,
                        "diff": diff,
                        "ref": ours_snfpy,
                    }
                )
                print(json.dumps(rows[-1] | {"ref": None}), flush=True)
    if not args.snfpy_python:
        print("\n(snfpy skipped: give --snfpy-python)")
    print()
    print(
        "| N | implementation | affinities (s) | fusion (s) | total (s) | x oligomet time "
        "| peak RSS (GB) | max abs diff to oligomet |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for row in rows:
        ratio = row["total_s"] / row["ref"]["total_s"]
        print(
            f"| {row['n']:,} | {row['name']} | {row['affinity_s']:.2f} | {row['fusion_s']:.2f} "
            f"| {row['total_s']:.2f} | {ratio:.1f} | {row['peak_rss_gb']:.2f} "
            f"| {row['diff']:.1e} |"
        )


if __name__ == "__main__":
    main()
