"""Every model family on van 't Veer's 78 breast cancers.

    .venv/bin/python experiments/vdv-model-zoo/run.py

Runs `pipelines/vdv-zoo.yaml` with today's code (what `oligomet run` does), writes
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
    """The ranking, and the ROC curves of the best model."""
    best = result.comparison.runs.iloc[0]["name"]
    point = next(p for p in result.points if p.point.name == best)
    return {
        **result.comparison.figures(),
        f"roc-{best}": point.result.cv.figures(point.result.title)["roc"],
    }


if __name__ == "__main__":
    sys.exit(1 if run_experiment(HERE, "vdv-zoo.yaml", figures=figures) else 0)
