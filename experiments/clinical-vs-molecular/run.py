"""Does a miRNA score add to clinical staging? TCGA KIRC, M1 vs M0.

    .venv/bin/python experiments/clinical-vs-molecular/run.py

The molecular score is the out-of-fold probability of the nested-cross-validated elastic-net
model on the tumour miRNA profile (mean over 5 repeats): the kirc-logistic_enet point of
pipelines/foundation-baselines.yaml (its permutations, which do not change the out-of-fold
predictions, left out). The clinical covariate is the primary tumour's T stage (1-4). The
comparison of clinical, molecular and combined models is a library call
(:func:`oligomet.evaluation.compare_models`). Writes results.md and checks it against
reference.md (the numbers before the rebuild of issue 8): the clinical rows exactly, the
molecular score's AUC within 0.005 (its solver changed in issue 9); exit status 1 otherwise.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pandas as pd

from oligomet.evaluation import compare_models, cross_validate
from oligomet.io import read_clinical
from oligomet.models import make_model, param_grid
from oligomet.workflow import load_cohort, load_config

HERE = Path(__file__).resolve().parent
DATA = Path(os.environ.get("OLIGOMET_DATA", HERE.parents[2] / "shared" / "data"))
KIRC = DATA / "tcga_kirc_mirna"


def markdown(frame: pd.DataFrame) -> str:
    """A DataFrame as a Markdown table (numbers to 4 significant digits)."""
    frame = frame.reset_index()
    cells = [[f"{v:.4g}" if isinstance(v, float) else str(v) for v in row] for row in frame.values]
    lines = ["| " + " | ".join(map(str, frame.columns)) + " |", "|" + "---|" * frame.shape[1]]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in cells])


def main() -> int:
    config = load_config(
        values={
            "expression": [{"path": str(KIRC / "KRCCC__KIDNEY_Mirna_Expression.txt")}],
            "clinical": [str(KIRC / "KRCCC__pathologic_M.txt")],
            "label.column": "pathologic_M",
            "label.positive": ["M1"],
            "label.negative": ["M0"],
        }
    )
    cohort = load_cohort(config)
    model = make_model("logistic_enet", cohort.X.columns, views=cohort.views, random_state=0)
    cv = cross_validate(
        model,
        cohort.X,
        cohort.y.to_numpy(),
        param_grid=param_grid("logistic_enet"),
        n_permutations=0,
        n_jobs=2,
        random_state=0,
    )
    molecular = pd.Series(cv.oof_proba.mean(axis=0), index=cohort.X.index, name="mirna_score")
    stage = read_clinical(KIRC / "KRCCC__pathologic_T.txt")["pathologic_T"]
    t_stage = stage.str.extract(r"T(\d)", expand=False).astype(float).rename("t_stage")
    clinical = t_stage.reindex(cohort.X.index).to_frame()
    comparison = compare_models(
        cohort.y, clinical=clinical, molecular=molecular, n_splits=5, n_repeats=5, random_state=0
    )
    text = [
        "Cross-validated AUC (mean ± sd over 5 repeats of 5 folds) and likelihood-ratio tests.",
        f"Molecular score: nested-CV elastic net, out-of-fold AUC {cv.metrics['roc_auc']:.3f} "
        f"[{cv.metrics['roc_auc_ci_low']:.3f}, {cv.metrics['roc_auc_ci_high']:.3f}].",
        f"Patients excluded for missing covariates: {comparison.n_excluded}.",
        "",
        markdown(comparison.summary),
        "",
        markdown(comparison.tests),
        "",
    ]
    (HERE / "results.md").write_text("\n".join(text))
    print("\n".join(text))
    return check(text, cv.metrics["roc_auc"])


def check(text: list[str], molecular_auc: float) -> int:
    """Today's table against reference.md: the rows that do not use the molecular score exactly;
    the molecular score's own AUC within 0.005 (issue 9 solved the elastic net to its optimum
    instead of by SAGA; everything computed from the score moves with it)."""
    reference = (HERE / "reference.md").read_text().splitlines()
    score_lines = ("Molecular score:", "| molecular", "| combined")
    kept = [line for line in reference if not line.startswith(score_lines)]
    today = "\n".join(text).splitlines()
    if [line for line in today if not line.startswith(score_lines)] != kept:
        print("DIFFERENT from reference.md outside the molecular score", file=sys.stderr)
        return 1
    (line,) = [line for line in reference if line.startswith("Molecular score:")]
    then = float(line.split("AUC ")[1].split(" ")[0])
    if abs(molecular_auc - then) > 0.005 + 0.0005:  # the reference is rounded to 3 digits
        print(f"DIFFERENT: molecular AUC {molecular_auc:.3f}, {then:.3f} then", file=sys.stderr)
        return 1
    print(
        f"reproduced: clinical rows exactly; molecular AUC {molecular_auc:.3f} "
        f"({then:.3f} before the solver change)",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
