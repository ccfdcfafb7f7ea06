"""The default job and a 99-permutation run, today's code against an earlier checkout's.

    git worktree add /tmp/before <commit> && python3 -m venv /tmp/before/.venv \\
        && /tmp/before/.venv/bin/pip install -e /tmp/before
    .venv/bin/python benchmarks/before_after.py --before /tmp/before/.venv/bin/oligomet

Two jobs, each a fresh ``oligomet train`` process (wall clock from spawn to exit, imports and
tracking included) into a fresh copy of an already-migrated MLflow store, each version with its
own defaults (today: folds on every core):

- ``default``: ``oligomet train``, the README's main job (embedded GSE7390 cohort, nested 5 x 5
  CV, 5 permutations);
- ``vdv-99``: ``logistic_enet`` on ``van_t_veer_78`` (event within 5 years) with 99 permuted-label
  reruns of the whole nested cross-validation, the run a quotable p-value needs.

The two versions alternate (before, today, before, today, ...), ``--pairs`` times per job, so both
see the same machine. Target (issue 9): today at least 2x faster on each.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TODAY = Path(sys.executable).with_name("oligomet")
DATA = Path(os.environ.get("OLIGOMET_DATA", REPO.parent / "shared" / "data"))
JOBS = {
    "default": [],
    "vdv-99": [
        "--expression", str(DATA / "van_t_veer_78" / "vdv.csv.gz"),
        "--clinical", str(DATA / "van_t_veer_78" / "vdv.csv.gz"),
        "--label", "event", "--time", "time", "--horizon", "5", "--n-permutations", "99",
    ],
}  # fmt: skip


def _store(folder: Path) -> Path:
    from mlflow import MlflowClient

    store = folder / "template.db"
    MlflowClient(tracking_uri=f"sqlite:///{store}").search_experiments()
    return store


def run(oligomet: Path, job: str, work: Path, template: Path) -> float:
    shutil.copy(template, work / "mlflow.db")
    command = [
        str(oligomet),
        "train",
        *JOBS[job],
        "--tracking-uri",
        f"sqlite:///{work / 'mlflow.db'}",
    ]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=work)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"{oligomet} train ({job}) failed:\n{done.stderr[-3000:]}")
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True, help="the earlier oligomet script")
    parser.add_argument("--jobs", nargs="+", default=list(JOBS), choices=list(JOBS))
    parser.add_argument("--pairs", type=int, default=2)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        template = _store(work)
        for job in args.jobs:
            times: dict[str, list[float]] = {"before": [], "today": []}
            for _ in range(args.pairs):
                times["before"].append(run(args.before, job, work, template))
                times["today"].append(run(TODAY, job, work, template))
                print(job, {k: [round(t, 1) for t in v] for k, v in times.items()}, flush=True)
            before, today = (statistics.median(times[k]) for k in ("before", "today"))
            rows.append(
                f"| {job} | {before:.1f} | {today:.1f} | {before / today:.2f} | {args.pairs} |"
            )
    print("\n| job | before (s, median) | today (s, median) | speed-up | pairs |")
    print("|---|---|---|---|---|")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
