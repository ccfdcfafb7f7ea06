"""Where the folds run: one core, every core, a Dask LocalCluster of one or two workers.

    .venv/bin/python benchmarks/scale.py [--rounds 1] [--jobs default vdv-99]

Two jobs, as ``oligomet train`` runs them (``train(config)``, nothing tracked):

- ``default``: the README's main job (embedded GSE7390 cohort, nested 5 x 5 CV, 5 permutations);
- ``vdv-99``: ``logistic_enet`` on ``van_t_veer_78`` (event within 5 years) with 99 permuted-label
  reruns of the whole nested cross-validation.

Each on four executors, each measurement in a fresh process (imports and numba kernels warmed
first, outside the timing):

- ``local, 1 core``: in-process folds, the process pinned to one core (``taskset``) and every
  thread pool capped at 1;
- ``local, all cores``: ``LocalExecutor()`` (joblib worker processes on every core);
- ``dask, 1 worker`` / ``dask, 2 workers``: ``DaskExecutor(n_workers=...)``, a LocalCluster of
  single-threaded worker processes; its start-up is timed apart.

The executors alternate within each round, so all see the same machine. The table gives the
median wall time of the run, the speed-up against one core (and from one to two Dask workers:
target >= 1.8x, issue 10) and what 999 permutations would take at that rate (the real
evaluation plus each permutation cost the same: time x 1000 / (1 + permutations)).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("OLIGOMET_DATA", REPO.parent / "shared" / "data"))
VDV = DATA / "van_t_veer_78" / "vdv.csv.gz"
JOBS = {
    "default": ({}, 5),
    "vdv-99": (
        {
            "read": {"expression": [{"path": str(VDV)}], "clinical": [str(VDV)]},
            "label": {"column": "event", "time": "time", "horizon": 5},
            "cv": {"n_permutations": 99},
        },
        99,
    ),
}
EXECUTORS = ["local, 1 core", "local, all cores", "dask, 1 worker", "dask, 2 workers"]


def worker(job: str, executor_name: str) -> dict:
    """One measurement (in a fresh process)."""
    from oligomet.parallel import DaskExecutor, LocalExecutor
    from oligomet.workflow import TrainConfig, train

    overrides, _ = JOBS[job]
    config = TrainConfig.model_validate(overrides)
    start = time.perf_counter()
    if executor_name == "local, 1 core":
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)
        executor = LocalExecutor(1)
    elif executor_name == "local, all cores":
        executor = LocalExecutor()
    else:
        executor = DaskExecutor(n_workers=1 if "1 worker" in executor_name else 2)
    started = time.perf_counter() - start
    # Warm-up outside the timing: imports, numba kernels, the workers' imports.
    warm = TrainConfig.model_validate(
        {"cv": {"n_repeats": 1, "n_splits": 3, "n_permutations": 1}, "model": {"search": False}}
    )
    train(warm, track=False, executor=executor)
    start = time.perf_counter()
    result = train(config, track=False, executor=executor)
    seconds = time.perf_counter() - start
    if hasattr(executor, "close"):
        executor.close()
    return {
        "seconds": seconds,
        "start_s": started,
        "workers": executor.n_workers,
        "roc_auc": result.cv.metrics["roc_auc"],
        "null_roc_auc": result.cv.metrics.get("null_roc_auc"),
    }


def measure(job: str, executor_name: str) -> dict:
    command = [sys.executable, __file__, "--worker", job, executor_name]
    env = {**os.environ}
    env.pop("OLIGOMET_N_JOBS", None)
    if executor_name == "local, 1 core":
        if shutil.which("taskset"):
            command = ["taskset", "-c", "0", *command]
        env.update({name: "1" for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                                           "MKL_NUM_THREADS", "NUMBA_NUM_THREADS")})  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        sys.exit(f"{job} on {executor_name} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", nargs="+", default=list(JOBS), choices=list(JOBS))
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(*args.worker)))
        return 0
    rows, missed = [], False
    for job in args.jobs:
        runs: dict[str, list[dict]] = {name: [] for name in EXECUTORS}
        for _ in range(args.rounds):
            for name in EXECUTORS:
                runs[name].append(measure(job, name))
                print(job, name, runs[name][-1], file=sys.stderr, flush=True)
        seconds = {name: statistics.median(r["seconds"] for r in rs) for name, rs in runs.items()}
        aucs = {(r["roc_auc"], r["null_roc_auc"]) for rs in runs.values() for r in rs}
        if len(aucs) != 1:
            sys.exit(f"{job}: the executors disagree on the numbers: {aucs}")
        permutations = JOBS[job][1]
        one = seconds["local, 1 core"]
        for name in EXECUTORS:
            start = statistics.median(r["start_s"] for r in runs[name])
            speedup = one / seconds[name]
            note = ""
            if name == "dask, 2 workers":
                ratio = seconds["dask, 1 worker"] / seconds[name]
                note = f"{ratio:.2f}x over 1 worker"
                missed |= ratio < 1.8
            rows.append(
                f"| {job} | {name} | {start:.1f} | {seconds[name]:.1f} | {speedup:.2f}x | "
                f"{note} | {seconds[name] * 1000 / (1 + permutations) / 60:.1f} |"
            )
    auc, null = next(iter(aucs))
    print(
        "| job | executor | start-up (s) | run (s) | speed-up vs 1 core | Dask 2 vs 1 worker "
        "| 999 permutations (min) |\n|---|---|---|---|---|---|---|"
    )
    print("\n".join(rows))
    print(f"\nEvery executor gave the same numbers (last job: AUC {auc:.4f}, null {null:.4f}).")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
