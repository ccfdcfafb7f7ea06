"""oligomet's nested cross-validation against a plain scikit-learn loop of the same design.

    .venv/bin/python benchmarks/nested_cv.py                       # GSE7390 and van 't Veer
    .venv/bin/python benchmarks/nested_cv.py --cohorts gse7390 --pairs 3

The design (issue 9): ``logistic_enet`` with its defaults, outer repeated stratified 5 x 5-fold
CV, inner 3-fold search over the model's 6 settings (C x l1_ratio), refit on the outer training
fold, no permutations: 25 x (6 x 3 + 1) = 475 model fits. The plain loop is what a careful user
writes with scikit-learn alone: ``RepeatedStratifiedKFold``, ``GridSearchCV(scoring="roc_auc")``
around ``Pipeline(VarianceThreshold, StandardScaler, [SelectKBest(f_classif, k=100)],
LogisticRegression(saga, elastic net, balanced))``. oligomet also chooses a decision threshold
from the inner out-of-fold probabilities (no extra fits).

Each measurement is a fresh process (imports and data loading excluded from the figures): CPU
seconds of the process (``time.process_time``, every thread) and wall seconds of the
cross-validation alone. oligomet and the plain loop alternate, ``--pairs`` times, so that both
see the same machine load. With ``--check FILE`` the script also stores oligomet's out-of-fold
probabilities (first run) or compares them with the stored ones (later runs).

``--permutations N`` times oligomet's whole default evaluation with N permuted-label reruns
(nothing to compare with: the plain loop has no permutation null).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("OLIGOMET_DATA", REPO.parent / "shared" / "data"))


def _cohort(name: str):
    """The labelled cohort of the foundation-baselines point ``NAME-logistic_enet``."""
    os.environ.setdefault("OLIGOMET_DATA", str(DATA))
    from oligomet.workflow import load_pipeline
    from oligomet.workflow._cache import Stages
    from oligomet.workflow._train import cohort_stages

    pipeline = load_pipeline(REPO / "pipelines" / "foundation-baselines.yaml")
    (point,) = [p for p in pipeline.points if p.name == f"{name}-logistic_enet"]
    cohort, _ = cohort_stages(point.config, Stages(say=lambda _: None), model="logistic_enet")
    return point.config, cohort


def _oligomet(name: str, permutations: int, n_jobs: int):
    from oligomet.workflow._modelling import build_model, cross_validate_model

    config, cohort = _cohort(name)
    cv = config.cv.model_copy(update={"n_permutations": permutations})
    plan = build_model(cohort, config.model, seed=config.seed)
    cpu, wall = time.process_time(), time.perf_counter()
    result = cross_validate_model(plan, cohort, cv, seed=config.seed, n_jobs=n_jobs)
    return time.process_time() - cpu, time.perf_counter() - wall, result.oof_proba


def _sklearn(name: str, n_jobs: int):
    import numpy as np
    from sklearn.feature_selection import SelectKBest, VarianceThreshold, f_classif
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV, RepeatedStratifiedKFold, StratifiedKFold
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    _, cohort = _cohort(name)
    X, y = cohort.X.to_numpy(dtype=np.float64), cohort.y.to_numpy()
    select = [("select", SelectKBest(f_classif, k=100))] if X.shape[1] > 100 else []
    pipeline = Pipeline(
        [
            ("variance", VarianceThreshold(1e-12)),
            ("scale", StandardScaler()),
            *select,
            (
                "classifier",
                LogisticRegression(
                    C=0.1,
                    l1_ratio=0.5,
                    solver="saga",
                    max_iter=10_000,
                    class_weight="balanced",
                    random_state=0,
                ),
            ),
        ]
    )
    grid = {"classifier__C": [0.01, 0.1, 1.0], "classifier__l1_ratio": [0.2, 0.8]}
    outer = RepeatedStratifiedKFold(n_splits=5, n_repeats=5, random_state=0)
    proba = np.zeros((5, y.size))
    cpu, wall = time.process_time(), time.perf_counter()
    for index, (train, test) in enumerate(outer.split(X, y)):
        inner = StratifiedKFold(n_splits=3, shuffle=True, random_state=index)
        search = GridSearchCV(pipeline, grid, scoring="roc_auc", cv=inner, n_jobs=n_jobs)
        search.fit(X[train], y[train])
        proba[index // 5, test] = search.predict_proba(X[test])[:, 1]
    return time.process_time() - cpu, time.perf_counter() - wall, proba


def _child(args) -> None:
    if args.impl == "oligomet":
        cpu, wall, proba = _oligomet(args.cohort, args.permutations, args.n_jobs)
    else:
        cpu, wall, proba = _sklearn(args.cohort, args.n_jobs)
    print(json.dumps({"cpu": cpu, "wall": wall, "proba": proba.tolist()}))


def _measure(impl: str, cohort: str, permutations: int, n_jobs: int) -> dict:
    command = [sys.executable, __file__, "--child", impl, "--cohort", cohort]
    command += ["--permutations", str(permutations), "--n-jobs", str(n_jobs)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"{impl} on {cohort} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _check(path: Path, cohort: str, proba) -> str:
    import numpy as np

    stored = json.loads(path.read_text()) if path.is_file() else {}
    if cohort not in stored:
        stored[cohort] = proba
        path.write_text(json.dumps(stored))
        return "stored"
    difference = float(np.max(np.abs(np.asarray(stored[cohort]) - np.asarray(proba))))
    return "identical" if difference == 0 else f"max abs difference {difference:.3g}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cohorts", nargs="+", default=["gse7390", "van_t_veer"])
    parser.add_argument("--pairs", type=int, default=3, help="oligomet/plain pairs per cohort")
    parser.add_argument("--permutations", type=int, default=0)
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--check", type=Path, help="store or compare oligomet's OOF predictions")
    parser.add_argument("--child", choices=["oligomet", "sklearn"], help=argparse.SUPPRESS)
    parser.add_argument("--cohort", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        args.impl = args.child
        _child(args)
        return 0
    print("| cohort | implementation | CPU s (median) | wall s (median) | runs | CPU ratio |")
    print("|---|---|---|---|---|---|")
    for cohort in args.cohorts:
        times: dict[str, list[dict]] = {"oligomet": [], "sklearn": []}
        for _ in range(args.pairs):
            times["oligomet"].append(_measure("oligomet", cohort, args.permutations, args.n_jobs))
            if not args.permutations:
                times["sklearn"].append(_measure("sklearn", cohort, 0, args.n_jobs))
        if args.check:
            print(f"<!-- {cohort}: {_check(args.check, cohort, times['oligomet'][0]['proba'])} -->")
        medians = {
            impl: (
                statistics.median(r["cpu"] for r in runs),
                statistics.median(r["wall"] for r in runs),
            )
            for impl, runs in times.items()
            if runs
        }
        for impl, (cpu, wall) in medians.items():
            ratio = cpu / medians["sklearn"][0] if "sklearn" in medians else float("nan")
            label = "oligomet" if impl == "oligomet" else "plain scikit-learn loop"
            runs = len(times[impl])
            print(f"| {cohort} | {label} | {cpu:.1f} | {wall:.1f} | {runs} | {ratio:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
