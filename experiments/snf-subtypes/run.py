"""Run every config in this folder with today's code and write results.md.

    python experiments/snf-subtypes/run.py

Runs are tracked in this folder's mlflow.db (not committed). Defaults: K = 20, mu = 0.5, t = 20,
SNFtool update rule, seed 0.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _format(value, digits=3):
    return "" if value is None else f"{value:.{digits}g}"


def main() -> None:
    oligomet = str(Path(sys.executable).with_name("oligomet"))
    rows = []
    for config in sorted(HERE.glob("*.yaml")):
        completed = subprocess.run(
            [
                oligomet,
                "cluster",
                "--config",
                str(config),
                "--json",
                "--tracking-uri",
                f"sqlite:///{HERE / 'mlflow.db'}",
                "--experiment",
                "snf-subtypes",
            ],
            capture_output=True,
            text=True,
            cwd=HERE,
            check=False,
        )
        if completed.returncode != 0:
            sys.exit(f"{config.name} failed:\n{completed.stderr}")
        out = json.loads(completed.stdout)
        coc = out["comparisons"].get("COC", {})
        association = out["association"] or {}
        estimate = out["cluster_estimate"]
        rows.append(
            f"| {config.stem} | {out['n_clusters']} | "
            f"{estimate['eigengap_best']} / {estimate['rotation_best']} | "
            f"{', '.join(map(str, out['subtype_sizes'].values()))} | "
            f"{_format(coc.get('nmi'))} | {_format(coc.get('ari'))} | "
            f"{_format(association.get('p_value'))} | {_format(out['logrank_p'])} | "
            f"`{out['run_id'][:8]}` |"
        )
        print(rows[-1], flush=True)
    header = (
        "| config | K used | best K: eigengap / rotation | subtype sizes | NMI to COC | "
        "ARI to COC | stage IV association p (Fisher/chi2) | log-rank p | run |\n"
        "|---|---|---|---|---|---|---|---|---|"
    )
    (HERE / "results.md").write_text(header + "\n" + "\n".join(rows) + "\n")


if __name__ == "__main__":
    main()
