"""Elastic-net logistic solvers on the problems a nested cross-validation poses, side by side.

    .venv/bin/pip install -e ".[bench]"          # skglm, glum and celer, for this comparison only
    .venv/bin/python benchmarks/solvers.py

The problems: for GSE7390 (189 x 76) and van 't Veer (78 x 4,705), the 15 inner training folds
of the first repeat of ``logistic_enet``'s nested cross-validation (5 outer x 3 inner, seed 0),
each standardised and, for van 't Veer, cut to its 100 features with the largest F statistic,
exactly as the pipeline does; on each, the 6 candidates of the search (C in 0.01, 0.1, 1;
l1_ratio in 0.2, 0.8) with balanced class weights. The optimum is the solution of lowest
objective among SAGA, glum and oligomet's solver run to tolerances near machine precision. For
each solver: CPU time for the 6 candidates of a fold (median over folds, after one warm-up fit),
the largest distance of its coefficients from the optimum, and what it costs a fresh process
before its first fit (import and compilation).

- ``ElasticNetLogistic`` (oligomet): proximal Newton + coordinate descent, cold starts, and warm
  starts along C as the inner search runs it;
- scikit-learn ``LogisticRegression(solver="saga", max_iter=10_000)``: the solver before;
- glum ``GeneralizedLinearRegressor(family="binomial")``: sample weights, alpha = 1 / (C sum(w));
- skglm ``GeneralizedLinearEstimator(Logistic(), L1_plus_L2, ProxNewton)``: its logistic datafit
  takes no sample weights, so it is timed on the unweighted problem and compared with that
  problem's optimum;
- celer: its logistic regression has an L1 penalty only (no elastic net): not applicable.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

GRID = [(C, l1) for C in (0.01, 0.1, 1.0) for l1 in (0.2, 0.8)]


def problems(cohort: str) -> list[tuple[np.ndarray, np.ndarray]]:
    """The standardised (and screened) inner training folds of the first repeat."""
    from nested_cv import _cohort
    from sklearn.feature_selection import SelectKBest, f_classif
    from sklearn.preprocessing import StandardScaler
    from sklearn.utils import check_random_state

    from oligomet.evaluation._cv import _splits

    _, labelled = _cohort(cohort)
    X, y = labelled.X.to_numpy(dtype=np.float64), labelled.y.to_numpy()
    seed = int(check_random_state(0).randint(0, 2**31 - 1))
    out = []
    inner_seeds = check_random_state(seed).randint(0, 2**31 - 1, size=5)
    for fold, (train, _) in enumerate(_splits(y, 5, seed, None)):
        inner_seed = int(check_random_state(int(inner_seeds[fold])).randint(2**31 - 1))
        for inner_train, _ in _splits(y[train], 3, inner_seed, None):
            Xi, yi = X[train][inner_train], y[train][inner_train]
            Xi = StandardScaler().fit_transform(Xi)
            if Xi.shape[1] > 100:
                Xi = SelectKBest(f_classif, k=100).fit_transform(Xi, yi)
            out.append((np.ascontiguousarray(Xi), yi))
    return out


def _weights(y, balanced=True):
    return (y.size / (2 * np.bincount(y).astype(float)))[y] if balanced else np.ones(y.size)


def objective(w, X, y, C, l1, balanced=True):
    """scikit-learn's objective: C sum_i s_i loss_i + l1 |w|_1 + (1 - l1) / 2 |w|^2."""
    eta = w[0] + X @ w[1:]
    loss = np.logaddexp(0, eta) - y * eta
    penalty = l1 * np.abs(w[1:]).sum() + (1 - l1) / 2 * (w[1:] ** 2).sum()
    return C * (_weights(y, balanced) * loss).sum() + penalty


def optimum(X, y, C, l1, balanced=True):
    """The lowest-objective solution that three solvers reach at tolerances near machine
    precision (SAGA alone stops short where nothing is selected: its intercept lags)."""
    from sklearn.linear_model import LogisticRegression

    from oligomet.models import ElasticNetLogistic

    saga = LogisticRegression(
        C=C, l1_ratio=l1, solver="saga", tol=1e-12, max_iter=2_000_000,
        class_weight="balanced" if balanced else None, random_state=0,
    ).fit(X, y)  # fmt: skip
    ours = ElasticNetLogistic(
        C=C, l1_ratio=l1, tol=1e-12, class_weight="balanced" if balanced else None
    ).fit(X, y)
    found = [np.r_[m.intercept_, m.coef_.ravel()] for m in (saga, ours)]
    try:
        from glum import GeneralizedLinearRegressor

        w = _weights(y, balanced)
        glum = GeneralizedLinearRegressor(
            family="binomial", alpha=1 / (C * w.sum()), l1_ratio=l1, gradient_tol=1e-12,
            scale_predictors=False, max_iter=10_000,
        ).fit(X, y, sample_weight=w)  # fmt: skip
        found.append(np.r_[glum.intercept_, glum.coef_.ravel()])
    except ImportError:
        pass
    return min(found, key=lambda w: objective(w, X, y, C, l1, balanced))


def fit_ours(X, y, warm):
    from oligomet.models import ElasticNetLogistic

    out, models = [], {}
    for C, l1 in GRID:
        model = models.get(l1) if warm else None
        if model is None:
            model = ElasticNetLogistic(warm_start=warm)
            models[l1] = model
        model.set_params(C=C, l1_ratio=l1).fit(X, y)
        out.append(np.r_[model.intercept_, model.coef_.ravel()])
    return out


def fit_saga(X, y):
    from sklearn.linear_model import LogisticRegression

    out = []
    for C, l1 in GRID:
        model = LogisticRegression(
            C=C, l1_ratio=l1, solver="saga", max_iter=10_000, class_weight="balanced",
            random_state=0,
        ).fit(X, y)  # fmt: skip
        out.append(np.r_[model.intercept_, model.coef_.ravel()])
    return out


def fit_glum(X, y):
    from glum import GeneralizedLinearRegressor

    w = _weights(y)
    out = []
    for C, l1 in GRID:
        model = GeneralizedLinearRegressor(
            family="binomial", alpha=1 / (C * w.sum()), l1_ratio=l1, gradient_tol=1e-8,
            scale_predictors=False,
        ).fit(X, y, sample_weight=w)  # fmt: skip
        out.append(np.r_[model.intercept_, model.coef_.ravel()])
    return out


def fit_skglm(X, y):
    from skglm import GeneralizedLinearEstimator
    from skglm.datafits import Logistic
    from skglm.penalties import L1_plus_L2
    from skglm.solvers import ProxNewton

    X = np.asfortranarray(X)
    out = []
    for C, l1 in GRID:
        model = GeneralizedLinearEstimator(
            Logistic(), L1_plus_L2(1 / (C * y.size), l1), ProxNewton(tol=1e-8, fit_intercept=True)
        ).fit(X, 2.0 * y - 1)
        out.append(np.r_[model.intercept_, np.ravel(model.coef_)])
    return out


SOLVERS = {
    "oligomet ElasticNetLogistic (warm starts along C)": (lambda X, y: fit_ours(X, y, True), True),
    "oligomet ElasticNetLogistic (cold starts)": (lambda X, y: fit_ours(X, y, False), True),
    "scikit-learn SAGA (max_iter 10,000)": (fit_saga, True),
    "glum 3.4 (IRLS-CD)": (fit_glum, True),
    "skglm 0.5 ProxNewton (unweighted)": (fit_skglm, False),
}
IMPORTS = {
    "oligomet ElasticNetLogistic (warm starts along C)": "from oligomet.models import "
    "ElasticNetLogistic as E; import numpy as n; E().fit(n.eye(4), [0, 1, 0, 1])",
    "scikit-learn SAGA (max_iter 10,000)": "from sklearn.linear_model import LogisticRegression",
    "glum 3.4 (IRLS-CD)": "import glum",
    "skglm 0.5 ProxNewton (unweighted)": "import numpy as n; from skglm import "
    "GeneralizedLinearEstimator as G; from skglm.datafits import Logistic; from "
    "skglm.penalties import L1_plus_L2 as P; from skglm.solvers import ProxNewton; "
    "G(Logistic(), P(0.1, 0.5), ProxNewton(fit_intercept=True)).fit(n.asfortranarray("
    "n.random.default_rng(0).normal(size=(20, 3))), n.r_[[1.0] * 10, [-1.0] * 10])",
}


def start_up(code: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cohorts", nargs="+", default=["gse7390", "van_t_veer"])
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    baseline = start_up("pass")
    print(
        "| cohort | solver | CPU ms per fold (6 candidates, median) | max abs distance to the "
        "optimum | first fit in a fresh process (s) |"
    )
    print("|---|---|---|---|---|")
    for cohort in args.cohorts:
        folds = problems(cohort)
        optima = {
            balanced: [[optimum(X, y, C, l1, balanced) for C, l1 in GRID] for X, y in folds]
            for balanced in (True, False)
        }
        for name, (fit, balanced) in SOLVERS.items():
            try:
                fit(*folds[0])  # warm-up (imports, compilation)
            except ImportError:
                print(f"| {cohort} | {name} | not installed | | |")
                continue
            times, distance = [], 0.0
            for (X, y), best in zip(folds, optima[balanced], strict=True):
                start = time.process_time()
                found = fit(X, y)
                times.append((time.process_time() - start) * 1000)
                distance = max(
                    distance, *(np.abs(a - b).max() for a, b in zip(found, best, strict=True))
                )
            first = start_up(IMPORTS[name]) - baseline if name in IMPORTS else float("nan")
            print(
                f"| {cohort} | {name} | {statistics.median(times):.1f} | {distance:.1e} | "
                f"{first:.1f} |",
                flush=True,
            )
    print(json.dumps({"python_start_s": baseline}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
