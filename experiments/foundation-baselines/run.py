"""Run every config in this folder with today's code and write results.md.

    python experiments/foundation-baselines/run.py

Runs are tracked in experiments/foundation-baselines/mlflow.db (not committed); results.md lists
their run IDs. Every config uses the defaults: nested 5 x 5-fold repeated stratified CV (inner
3-fold search and threshold), 5 label permutations, 1000 bootstrap resamples, seed 0.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from _runner import run_folder  # noqa: E402

if __name__ == "__main__":
    run_folder(HERE, "foundation-baselines")
