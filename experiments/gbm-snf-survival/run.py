"""SNF subtypes of TCGA GBM and overall survival by subtype, K = 2..5.

    .venv/bin/python experiments/gbm-snf-survival/run.py

Runs `pipelines/gbm-snf.yaml` with today's code (what `oligomet run` does), writes
results.md, results.json and figures/, fills the README's results table and checks every number
recorded in reference.json (if any); exit status 1 if one differs.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from _report import run_experiment  # noqa: E402


def figures(result):
    """Kaplan-Meier curves by subtype for each K, and the eigengap curve."""
    found = {
        f"kaplan_meier-{p.point.name.replace('=', '')}": p.result.figures()["kaplan_meier"]
        for p in result.points
    }
    found["eigengap"] = result.points[0].result.figures()["eigengap"]
    return found


if __name__ == "__main__":
    sys.exit(1 if run_experiment(HERE, "gbm-snf.yaml", figures=figures) else 0)
