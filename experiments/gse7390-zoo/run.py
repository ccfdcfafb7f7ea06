"""The fast model families on the embedded GSE7390 cohort (no data files needed).

    .venv/bin/python experiments/gse7390-zoo/run.py

Runs `pipelines/gse7390.yaml` with today's code (what `oligomet run` does), writes
results.md, results.json and figures/, fills the README's results table and checks every number
recorded in reference.json (if any); exit status 1 if one differs.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from _report import run_experiment  # noqa: E402

if __name__ == "__main__":
    sys.exit(1 if run_experiment(HERE, "gse7390.yaml") else 0)
