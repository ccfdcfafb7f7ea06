"""Run every training config of an experiment folder with today's code; write results.md.

Each experiment's ``run.py`` calls :func:`run_folder`. Configs run through the command line
(``oligomet train --config ... --json``), exactly as a user would, tracked in the folder's own
``mlflow.db`` (not committed).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def train(config: Path, experiment: str, folder: Path) -> dict:
    """``oligomet train --config CONFIG --json``, tracked in ``folder/mlflow.db``."""
    oligomet = str(Path(sys.executable).with_name("oligomet"))
    completed = subprocess.run(
        [
            oligomet,
            "train",
            "--config",
            str(config),
            "--json",
            "--n-jobs",
            "2",
            "--tracking-uri",
            f"sqlite:///{folder / 'mlflow.db'}",
            "--experiment",
            experiment,
        ],
        capture_output=True,
        text=True,
        cwd=folder,
        check=False,
    )
    if completed.returncode != 0:
        sys.exit(f"{config.name} failed:\n{completed.stderr}")
    return json.loads(completed.stdout)


def _ci(m: dict, name: str) -> str:
    return f"{m[name]:.3f} [{m[f'{name}_ci_low']:.3f}, {m[f'{name}_ci_high']:.3f}]"


HEADER = (
    "| config | positive / negative | ROC AUC [95% CI] | PR AUC | balanced accuracy | "
    "sensitivity / specificity | Brier | calibration slope | AUC on permuted labels "
    "(mean ± sd) | permutation p | run |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|"
)


def row(name: str, out: dict) -> str:
    """One results-table row of a classification run."""
    m, labels = out["metrics"], out["labels"]
    return (
        f"| {name} | {labels['n_positive']} / {labels['n_negative']} "
        f"({labels['n_excluded']} excluded) | {_ci(m, 'roc_auc')} | {m['pr_auc']:.3f} | "
        f"{m['balanced_accuracy']:.3f} | {m['sensitivity']:.2f} / {m['specificity']:.2f} | "
        f"{m['brier']:.3f} | {m['calibration_slope']:.2f} | "
        f"{m['null_roc_auc']:.3f} ± {m['null_roc_auc_sd']:.3f} | {m['permutation_p']:.3f} | "
        f"`{out['run_id'][:8]}` |"
    )


def run_folder(folder: Path, experiment: str, *, pattern: str = "*.yaml") -> dict[str, dict]:
    """Train every config in ``folder``; write ``results.md``; return the outputs by name."""
    outputs, rows = {}, []
    for config in sorted(folder.glob(pattern)):
        outputs[config.stem] = out = train(config, experiment, folder)
        rows.append(row(config.stem, out))
        print(rows[-1], flush=True)
    (folder / "results.md").write_text(HEADER + "\n" + "\n".join(rows) + "\n")
    return outputs
