"""SNF end to end, as a user runs it: oligomet's ``SNF(n_clusters="auto").fit`` against snfpy's
pipeline and a dense NumPy implementation, with the fusion's floors.

    python3 -m venv /tmp/snfpy-venv   # snfpy 0.2.2 needs scikit-learn < 1.8: its own venv
    /tmp/snfpy-venv/bin/pip install snfpy==0.2.2 "scikit-learn<1.8" "setuptools<81" numpy pandas
    .venv/bin/python benchmarks/snf_fit.py --snfpy-python /tmp/snfpy-venv/bin/python
    .venv/bin/python benchmarks/snf_fit.py --sizes 1000 3000 --rounds 2     # quicker
    .venv/bin/python benchmarks/snf_fit.py --sizes --memory-sizes 20000     # memory only

Data: N samples from 3 latent clusters, 2 views of 500 features (``snf_fusion.make_views``,
seeded). K = 20, mu = 0.5, t = 20, number of clusters chosen among 2..5 by the eigengap, then
spectral clustering. Every measurement is a fresh process (peak RSS its own, ``ru_maxrss``,
including ~0.3 GB of imports), inputs already in memory, kernels compiled (oligomet warms up on a
tiny problem first). Rounds alternate the implementations so that each sees the same machine.

- **oligomet**: ``SNF(n_clusters="auto", random_state=0).fit(views)``: affinities, fusion,
  number of clusters and clustering (one partial eigen-solve), timed by stage.
- **snfpy 0.2.2**: ``make_affinity`` + ``snf`` + ``get_n_clusters`` +
  ``sklearn.cluster.spectral_clustering`` (its README's pipeline), in its own environment.
- **dense NumPy**: the textbook algorithm with SNFtool 2.3.1's update (two BLAS products per
  update), the eigengap from a full ``numpy.linalg.eigh``, then scikit-learn's spectral
  clustering (``assign_labels="discretize"``).
- **floors** of the fusion (2 views x t updates): arithmetic, ``2 t N^2 K`` multiply-adds at
  one per core per cycle-pair (measured as a fused multiply-add rate of this machine), and
  memory, one read and one write of the ``N x N`` network per update at the copy bandwidth
  measured here (``numpy.copyto`` of an ``N x N`` matrix).

Labels are compared with oligomet's (adjusted Rand index). The table ends with the growth of each
implementation's total time between the smallest and largest N (exponent of a power law).
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from snf_fusion import MU, N_ITER, N_NEIGHBORS, dense_affinities, dense_fuse, make_views


def _peak_rss_gb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def worker_oligomet(folder: Path) -> dict:
    from oligomet.snf import SNF, _estimator

    views = [np.load(folder / f"view{v}.npy") for v in range(2)]
    SNF(n_neighbors=5, n_iter=2, random_state=0).fit([v[:500] for v in views])  # warm-up
    stages: dict[str, float] = {}
    fuse, cluster = _estimator._fuse_inplace, _estimator.SNF._cluster

    def timed_fuse(*args, **kwargs):
        start = time.perf_counter()
        try:
            return fuse(*args, **kwargs)
        finally:
            stages["fusion"] = time.perf_counter() - start

    def timed_cluster(self, n):
        start = time.perf_counter()
        try:
            return cluster(self, n)
        finally:
            stages["clusters"] = time.perf_counter() - start

    _estimator._fuse_inplace, _estimator.SNF._cluster = timed_fuse, timed_cluster
    start = time.perf_counter()
    model = SNF(n_clusters="auto", random_state=0).fit(views)
    total = time.perf_counter() - start
    np.save(folder / "labels_oligomet.npy", model.labels_)
    return {
        "affinity_s": total - stages["fusion"] - stages["clusters"],
        "fusion_s": stages["fusion"],
        "clusters_s": stages["clusters"],
        "total_s": total,
        "k": int(model.n_clusters_),
        "peak_rss_gb": _peak_rss_gb(),
    }


def worker_snfpy(folder: Path) -> dict:
    from sklearn.cluster import spectral_clustering

    import snf

    views = [np.load(folder / f"view{v}.npy") for v in range(2)]
    start = time.perf_counter()
    affinities = snf.make_affinity(*views, metric="sqeuclidean", K=N_NEIGHBORS, mu=MU)
    middle = time.perf_counter()
    fused = snf.snf(affinities, K=N_NEIGHBORS, t=N_ITER)
    fused_at = time.perf_counter()
    best, _ = snf.get_n_clusters(fused)
    labels = spectral_clustering(fused, n_clusters=int(best), random_state=0)
    end = time.perf_counter()
    np.save(folder / "labels_snfpy.npy", labels)
    return {
        "affinity_s": middle - start,
        "fusion_s": fused_at - middle,
        "clusters_s": end - fused_at,
        "total_s": end - start,
        "k": int(best),
        "peak_rss_gb": _peak_rss_gb(),
        "version": snf.__version__,
    }


def worker_dense(folder: Path) -> dict:
    """The textbook algorithm (SNFtool's rule), NumPy and BLAS only."""
    from sklearn.cluster import spectral_clustering

    views = [np.load(folder / f"view{v}.npy") for v in range(2)]
    start = time.perf_counter()
    affinities = dense_affinities(views)
    middle = time.perf_counter()
    fused = dense_fuse(affinities)
    fused_at = time.perf_counter()
    graph = fused.copy()
    np.fill_diagonal(graph, 0)
    scale = 1 / np.sqrt(graph.sum(axis=1))
    values = np.linalg.eigvalsh(np.eye(len(graph)) - scale[:, None] * graph * scale[None, :])
    gaps = np.abs(np.diff(values)) * (1 - values[:-1]) / (1 - values[1:])
    best = int(2 + np.argmax(gaps[1:5]))
    labels = spectral_clustering(fused, n_clusters=best, assign_labels="discretize", random_state=0)
    end = time.perf_counter()
    np.save(folder / "labels_dense.npy", labels)
    return {
        "affinity_s": middle - start,
        "fusion_s": fused_at - middle,
        "clusters_s": end - fused_at,
        "total_s": end - start,
        "k": best,
        "peak_rss_gb": _peak_rss_gb(),
    }


def worker_floor(folder: Path) -> dict:
    """The fusion's arithmetic and memory floors, measured on this machine."""
    n = int((folder / "n.txt").read_text())
    updates = 2 * N_ITER
    a = np.ones((n, n))
    b = np.empty_like(a)
    np.copyto(b, a)
    start = time.perf_counter()
    for _ in range(5):
        np.copyto(b, a)
    copy_s = (time.perf_counter() - start) / 5  # one read + one write of N^2 doubles
    m = 2048
    x, y = np.random.default_rng(0).random((2, m, m))
    x @ y
    start = time.perf_counter()
    x @ y
    flops = 2 * m**3 / (time.perf_counter() - start)  # the machine's dense (BLAS) rate
    arithmetic_s = updates * 2 * n * n * N_NEIGHBORS * 2 / flops  # S@P and (S@P)@S.T
    return {"memory_s": updates * copy_s, "arithmetic_s": arithmetic_s}


WORKERS = {"oligomet": worker_oligomet, "snfpy": worker_snfpy, "dense": worker_dense}


def run_worker(python: str, name: str, folder: Path) -> dict:
    command = [python, __file__, "--worker", name, "--folder", str(folder)]
    out = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _ari(folder: Path, name: str) -> float:
    from sklearn.metrics import adjusted_rand_score

    ours = np.load(folder / "labels_oligomet.npy")
    return float(adjusted_rand_score(ours, np.load(folder / f"labels_{name}.npy")))


def _row(n: int, name: str, r: dict, ours: dict, ari: float | str) -> str:
    ratio = r["total_s"] / ours["total_s"]
    ari_text = ari if isinstance(ari, str) else f"{ari:.3f}"
    return (
        f"| {n:,} | {name} | {r['affinity_s']:.2f} | {r['fusion_s']:.2f} | "
        f"{r['clusters_s']:.2f} | {r['total_s']:.2f} | {ratio:.1f} | {r['k']} | "
        f"{r['peak_rss_gb']:.2f} | {ari_text} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 3000, 5000])
    parser.add_argument("--memory-sizes", type=int, nargs="*", default=[])
    parser.add_argument("--rounds", type=int, default=1, help="alternating rounds per size")
    parser.add_argument("--dense-max", type=int, default=5000)
    parser.add_argument("--snfpy-python", help="a Python with snfpy 0.2.2")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker = worker_floor if args.worker == "floor" else WORKERS[args.worker]
        print(json.dumps(worker(args.folder)))
        return

    python = sys.executable
    header = (
        "| N | implementation | affinities (s) | fusion (s) | K estimate + clustering (s) | "
        "total (s) | x oligomet | K | peak RSS (GB) | ARI to oligomet |\n"
        "|---|---|---|---|---|---|---|---|---|---|"
    )
    lines, floors, totals = [], [], {}
    for n in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            for v, X in enumerate(make_views(n)):
                np.save(folder / f"view{v}.npy", X)
            (folder / "n.txt").write_text(str(n))
            runs: dict[str, list[dict]] = {}
            for _ in range(args.rounds):
                runs.setdefault("oligomet", []).append(run_worker(python, "oligomet", folder))
                if args.snfpy_python:
                    runs.setdefault("snfpy", []).append(
                        run_worker(args.snfpy_python, "snfpy", folder)
                    )
                if n <= args.dense_max:
                    runs.setdefault("dense", []).append(run_worker(python, "dense", folder))
            median = {
                name: {
                    key: statistics.median(r[key] for r in rs) if key != "version" else rs[0][key]
                    for key in rs[0]
                }
                for name, rs in runs.items()
            }
            ours = median["oligomet"]
            lines.append(_row(n, "oligomet `SNF.fit`", ours, ours, "1"))
            for name, label in (("snfpy", "snfpy 0.2.2 pipeline"), ("dense", "dense NumPy")):
                if name in median:
                    lines.append(_row(n, label, median[name], ours, _ari(folder, name)))
            for name, r in median.items():
                totals.setdefault(name, {})[n] = r["total_s"]
            floor = run_worker(python, "floor", folder)
            floors.append(
                f"| {n:,} | {ours['fusion_s']:.2f} | {floor['memory_s']:.2f} | "
                f"{ours['fusion_s'] / floor['memory_s']:.1f} | {floor['arithmetic_s']:.2f} | "
                f"{ours['fusion_s'] / floor['arithmetic_s']:.1f} |"
            )
            print(lines[-1], flush=True)
    for n in args.memory_sizes:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            for v, X in enumerate(make_views(n)):
                np.save(folder / f"view{v}.npy", X)
            ours = run_worker(python, "oligomet", folder)
            lines.append(_row(n, "oligomet `SNF.fit`", ours, ours, "1"))
            print(lines[-1], flush=True)
    print()
    print(header)
    print("\n".join(lines))
    if floors:
        print()
        print(
            "| N | oligomet fusion (s) | memory floor (s) | x memory floor | arithmetic floor "
            "(s) | x arithmetic floor |\n|---|---|---|---|---|---|"
        )
        print("\n".join(floors))
    if len(args.sizes) >= 2:
        low, high = min(args.sizes), max(args.sizes)
        print()
        for name, by_n in totals.items():
            if low not in by_n or high not in by_n:
                continue
            exponent = math.log(by_n[high] / by_n[low]) / math.log(high / low)
            print(f"- {name}: total time grows as N^{exponent:.2f} from {low:,} to {high:,}")


if __name__ == "__main__":
    main()
