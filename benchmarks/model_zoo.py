"""Every model family's default ``oligomet train`` on an NKI-70-sized cohort, timed.

    .venv/bin/python benchmarks/model_zoo.py                  # every family, once
    .venv/bin/python benchmarks/model_zoo.py --models random_forest xgboost --repeats 3

The cohort is written by the script: 140 samples x 70 features (the size of the NKI-70 gene
signature on a metastasis-within-5-years cohort), 35% positives, 10 informative features with an
effect of 0.8 standard deviations, seeded (``oligomet.datasets.make_cohort``). Five of the
features are named after the miR-200 family, so that the single-marker and miR-200 signature
models have their inputs. Each run is a fresh ``oligomet train`` process with the family's
defaults (nested 5 x 5-fold CV, inner 3-fold search, 5 permutations, final fit, tracked into a
copy of an already-migrated MLflow store and the model registered); ``cox_enet`` takes the
survival endpoint (``--time``), the others the label ``event within 5 years``. Wall-clock time
from spawn to exit. Target (issue 9): every family within 5 minutes.
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

OLIGOMET = Path(sys.executable).with_name("oligomet")
FAMILIES = [
    "logistic_enet",
    "linear_svm",
    "random_forest",
    "xgboost",
    "shrunken_centroid",
    "knn",
    "mir200c",
    "signature:mir200_family",
    "recipe:wuttig11",
    "cox_enet",
]
MIR200 = ["hsa-miR-200c-3p", "hsa-miR-200a-3p", "hsa-miR-200b-3p", "hsa-miR-141-3p", "hsa-miR-429"]


def write_cohort(folder: Path) -> tuple[Path, Path]:
    """The NKI-70-sized cohort as the two tables a user would have."""
    from oligomet.datasets import make_cohort

    expression, clinical = make_cohort(
        n_samples=140,
        n_features=70,
        n_informative=10,
        effect_size=0.8,
        positive_fraction=0.35,
        informative_names=MIR200,
        random_state=0,
    )
    expression.index.name = clinical.index.name = "sample_id"
    paths = folder / "expression.csv", folder / "clinical.csv"
    expression.to_csv(paths[0])
    clinical[["time", "event"]].to_csv(paths[1])
    return paths


def _store(folder: Path) -> Path:
    from mlflow import MlflowClient

    store = folder / "template.db"
    MlflowClient(tracking_uri=f"sqlite:///{store}").search_experiments()
    return store


def run(model: str, cohort: tuple[Path, Path], work: Path, template: Path) -> float:
    shutil.copy(template, work / "mlflow.db")
    target = ["--label", "event", "--time", "time"]
    if model != "cox_enet":
        target += ["--horizon", "5"]
    command = [
        str(OLIGOMET), "train", "--expression", str(cohort[0]), "--clinical", str(cohort[1]),
        *target, "--model", model, "--tracking-uri", f"sqlite:///{work / 'mlflow.db'}",
    ]  # fmt: skip
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=work)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"oligomet train --model {model} failed:\n{done.stderr[-3000:]}")
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=FAMILIES)
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        cohort = write_cohort(work)
        template = _store(work)
        print("| model | median (s) | min (s) | max (s) | runs | within 5 min |")
        print("|---|---|---|---|---|---|")
        worst = 0.0
        for model in args.models:
            times = [run(model, cohort, work, template) for _ in range(args.repeats)]
            median = statistics.median(times)
            worst = max(worst, max(times))
            print(
                f"| `{model}` | {median:.1f} | {min(times):.1f} | {max(times):.1f} | "
                f"{len(times)} | {'yes' if max(times) <= 300 else 'NO'} |",
                flush=True,
            )
    return 0 if worst <= 300 else 1


if __name__ == "__main__":
    sys.exit(main())
