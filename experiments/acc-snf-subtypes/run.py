"""SNF subtypes of TCGA ACC against the published COC clusters and stage IV.

    .venv/bin/python experiments/acc-snf-subtypes/run.py

Runs `pipelines/acc-snf.yaml` with today's code (what `oligomet run` does), writes
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
    """Eigengap curve and fused network of the ACC subtypes."""
    return result.points[0].result.figures()


if __name__ == "__main__":
    sys.exit(1 if run_experiment(HERE, "acc-snf.yaml", figures=figures) else 0)
