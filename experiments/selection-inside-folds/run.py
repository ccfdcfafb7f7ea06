"""Genes chosen on all patients, then cross-validated, against genes chosen inside the folds.

    .venv/bin/python experiments/selection-inside-folds/run.py

The classic van 't Veer pipeline (standardise + nearest centroid on 70 genes) evaluated twice by
5 x 10-fold CV with 19 label permutations: once with the 70 genes chosen on all 78 patients
before cross-validation (leaky, as published), once with the same choice inside each training
fold. oligomet's own pipelines cannot be made leaky, so this experiment builds both with
scikit-learn and evaluates them with oligomet's cross-validation engine. Writes results.md and
checks it against reference.md (the numbers before the rebuild); exit status 1 if they differ.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pandas as pd
from sklearn.feature_selection import SelectKBest, f_classif
from sklearn.neighbors import NearestCentroid
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from oligomet.evaluation import cross_validate

HERE = Path(__file__).resolve().parent
DATA = Path(os.environ.get("OLIGOMET_DATA", HERE.parents[2] / "shared" / "data"))


def inflation_table() -> str:
    """70 genes chosen on all 78 patients, then cross-validated, vs chosen inside each fold."""
    table = pd.read_csv(DATA / "van_t_veer_78" / "vdv.csv.gz", index_col=0)
    y = table.pop("event").to_numpy()
    table.pop("time")
    settings = dict(n_splits=10, n_repeats=5, n_permutations=19, n_bootstrap=1000, random_state=0)
    classifier = make_pipeline(StandardScaler(), NearestCentroid())
    genes = SelectKBest(f_classif, k=70).fit(table, y).get_support()
    leaky = cross_validate(classifier, table.loc[:, genes], y, n_jobs=2, **settings).metrics
    honest_pipeline = make_pipeline(
        StandardScaler(), SelectKBest(f_classif, k=70), NearestCentroid()
    )
    honest = cross_validate(honest_pipeline, table, y, n_jobs=2, **settings).metrics
    lines = [
        "| pipeline | ROC AUC [95% CI] | balanced accuracy | correct (of 78, at the in-fold "
        "threshold) | AUC on permuted labels | permutation p |",
        "|---|---|---|---|---|---|",
    ]
    for name, m in (
        ("70 genes chosen on all 78 patients, then 10-fold CV", leaky),
        ("70 genes chosen inside each training fold", honest),
    ):
        correct = m["sensitivity"] * y.sum() + m["specificity"] * (y.size - y.sum())
        lines.append(
            f"| {name} | {m['roc_auc']:.3f} [{m['roc_auc_ci_low']:.3f}, "
            f"{m['roc_auc_ci_high']:.3f}] | {m['balanced_accuracy']:.3f} | {correct:.1f} | "
            f"{m['null_roc_auc']:.3f} | {m['permutation_p']:.3f} |"
        )
    return "\n".join(lines) + "\n"


def main() -> int:
    text = inflation_table()
    (HERE / "results.md").write_text(text)
    print(text)
    same = text == (HERE / "reference.md").read_text()
    print("reproduced exactly" if same else "DIFFERENT from reference.md", file=sys.stderr)
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
