"""miR-200 signatures, miR-200c alone and the Wuttig recipe on ACC stage IV vs I-III.

    .venv/bin/python experiments/acc-mirna-signatures/run.py

Runs `pipelines/acc-mirna.yaml` with today's code (what `oligomet run` does), writes
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
    sys.exit(1 if run_experiment(HERE, "acc-mirna.yaml") else 0)
