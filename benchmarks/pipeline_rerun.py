"""A pipeline's first run against its unchanged rerun (and a rerun with one setting changed).

    .venv/bin/python benchmarks/pipeline_rerun.py                       # pipelines/gse7390.yaml
    .venv/bin/python benchmarks/pipeline_rerun.py --pipeline pipelines/vdv-zoo.yaml --repeats 1

Each run is a fresh ``oligomet run`` process (wall clock from spawn to exit, so imports count),
into a fresh stage cache and a fresh copy of an already-migrated MLflow store (a new store's
one-off schema migration, ~5 s, is not what a rerun saves). Target (issue 8): the unchanged
rerun takes at most half the first run's time; exits 1 if the median misses it. The last rows run
``--set model.selection=none``: the cohort stages are reused, cross-validation and the final fit
recomputed.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OLIGOMET = Path(sys.executable).with_name("oligomet")


def _store(folder: Path) -> Path:
    from mlflow import MlflowClient

    store = folder / "template.db"
    MlflowClient(tracking_uri=f"sqlite:///{store}").search_experiments()
    return store


def _run(pipeline: Path, work: Path, *extra: str) -> tuple[float, dict[str, int]]:
    command = [
        str(OLIGOMET),
        "run",
        str(pipeline),
        "--cache",
        str(work / "cache"),
        "--tracking-uri",
        f"sqlite:///{work / 'mlflow.db'}",
        *extra,
    ]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=work)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"oligomet run failed:\n{done.stderr[-3000:]}")
    counts = {"computed": 0, "reused": 0}
    for line in done.stderr.splitlines():
        if line.startswith("stage "):
            status = line.split(": ", 1)[1].split(" (")[0]
            counts[status] = counts.get(status, 0) + 1
    return seconds, counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pipeline", type=Path, default=REPO / "pipelines" / "gse7390.yaml")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--set", dest="sets", action="append", default=[])
    args = parser.parse_args()
    sets = [item for value in args.sets for item in ("--set", value)]
    times: dict[str, list[float]] = {"first run": [], "unchanged rerun": [], "--set model": []}
    stages: dict[str, dict[str, int]] = {}
    with tempfile.TemporaryDirectory() as folder:
        template = _store(Path(folder))
        for repeat in range(args.repeats):
            work = Path(folder) / f"run{repeat}"
            work.mkdir()
            shutil.copy(template, work / "mlflow.db")
            for name, extra in (
                ("first run", sets),
                ("unchanged rerun", sets),
                ("--set model", [*sets, "--set", "model.selection=none"]),
            ):
                seconds, counts = _run(args.pipeline, work, *extra)
                times[name].append(seconds)
                stages[name] = counts
    print(f"`oligomet run {args.pipeline.relative_to(REPO)} {' '.join(sets)}`".rstrip("` ") + "`")
    print()
    print("| run | median (s) | min (s) | max (s) | runs | stages computed / reused |")
    print("|---|---|---|---|---|---|")
    for name, values in times.items():
        counts = stages[name]
        print(
            f"| {name} | {statistics.median(values):.1f} | {min(values):.1f} | {max(values):.1f} "
            f"| {len(values)} | {counts['computed']} / {counts['reused']} |"
        )
    ratio = statistics.median(times["unchanged rerun"]) / statistics.median(times["first run"])
    print(f"\nunchanged rerun / first run: {ratio:.2f} (target <= 0.5)")
    return 0 if ratio <= 0.5 else 1


if __name__ == "__main__":
    sys.exit(main())
