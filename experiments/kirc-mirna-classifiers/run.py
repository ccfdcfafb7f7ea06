"""miRNA classifiers of M1 vs M0 renal carcinoma: miR-200 signatures, the Wuttig recipe, the zoo.

    .venv/bin/python experiments/kirc-mirna-classifiers/run.py

Runs `pipelines/kirc-mirna.yaml` with today's code (what `oligomet run` does), writes
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
    """The ranking, and which miRNAs the Wuttig recipe chose in how many folds."""
    recipe = next(p for p in result.points if p.point.name == "recipe:wuttig11").result
    frequency = recipe.cv.selection_frequency
    n_folds = len(recipe.cv.fold_scores)
    lines = [
        f"Selected in how many of the {n_folds} outer training folds (top 15 of "
        f"{len(frequency)} miRNAs ever chosen):",
        "",
        "| miRNA | folds | fraction |",
        "|---|---|---|",
        *(
            f"| {name} | {round(value * n_folds)} | {value:.2f} |"
            for name, value in frequency.head(15).items()
        ),
    ]
    (HERE / "selection.md").write_text("\n".join(lines) + "\n")
    return {**result.comparison.figures(), **recipe.cv.figures(recipe.title)}


if __name__ == "__main__":
    sys.exit(1 if run_experiment(HERE, "kirc-mirna.yaml", figures=figures) else 0)
