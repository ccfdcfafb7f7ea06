"""Run every config in this folder with today's code and write results.md.

    python experiments/foundation-baselines/run.py

Runs are tracked in experiments/foundation-baselines/mlflow.db (not committed); results.md lists
their run IDs. Every config uses the defaults: 5 x 5-fold repeated stratified CV, 5 label
permutations, 1000 bootstrap resamples, seed 0.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    oligomet = str(Path(sys.executable).with_name("oligomet"))
    rows = []
    for config in sorted(HERE.glob("*.yaml")):
        completed = subprocess.run(
            [
                oligomet,
                "train",
                "--config",
                str(config),
                "--json",
                "--tracking-uri",
                f"sqlite:///{HERE / 'mlflow.db'}",
                "--experiment",
                "foundation-baselines",
            ],
            capture_output=True,
            text=True,
            cwd=HERE,
            check=False,
        )
        if completed.returncode != 0:
            sys.exit(f"{config.name} failed:\n{completed.stderr}")
        out = json.loads(completed.stdout)
        m, labels = out["metrics"], out["labels"]
        rows.append(
            f"| {config.stem} | {labels['n_positive']} / {labels['n_negative']} "
            f"({labels['n_excluded']} excluded) | {m['roc_auc']:.3f} "
            f"[{m['roc_auc_ci_low']:.3f}, {m['roc_auc_ci_high']:.3f}] | "
            f"{m['balanced_accuracy']:.3f} | "
            f"{m['null_roc_auc']:.3f} ± {m['null_roc_auc_sd']:.3f} | "
            f"{m['permutation_p']:.3f} | `{out['run_id'][:8]}` |"
        )
        print(rows[-1], flush=True)
    header = (
        "| config | positive / negative | ROC AUC [95% CI] | balanced accuracy | "
        "AUC on permuted labels (mean ± sd, 5) | permutation p | run |\n"
        "|---|---|---|---|---|---|---|"
    )
    (HERE / "results.md").write_text(header + "\n" + "\n".join(rows) + "\n")


if __name__ == "__main__":
    main()
