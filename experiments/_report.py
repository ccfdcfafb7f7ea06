"""Run an experiment's pipeline with today's code; write its tables and figures; check the numbers.

Each experiment's ``run.py`` calls :func:`run_experiment`. The pipeline runs in-process
(:func:`oligomet.workflow.run_pipeline`, exactly what ``oligomet run`` calls), tracked in the
folder's own ``mlflow.db`` with its stage cache in ``.oligomet-cache`` (neither is committed).
The results table goes into ``results.md`` and between the ``<!-- results -->`` markers of the
folder's README; figures into ``figures/``. Where the folder holds ``reference.json`` (numbers
recorded before the rebuild of issue 8), every recorded number is compared with today's: exactly,
except where a change listed in :data:`CHANGES` moved a model family's numbers on purpose (then
the numbers it names are held within its tolerance and the rest reported). The script exits 1 on
any other difference.
"""

from __future__ import annotations

import json
import math
import os
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MARKERS = re.compile(r"(<!-- results -->\n).*?(<!-- /results -->)", re.S)


def _ci(m: dict, name: str) -> str:
    return f"{m[name]:.3f} [{m[f'{name}_ci_low']:.3f}, {m[f'{name}_ci_high']:.3f}]"


TRAIN_HEADER = (
    "| point | positive / negative | ROC AUC [95% CI] | PR AUC | balanced accuracy | "
    "sensitivity / specificity | Brier | calibration slope | AUC on permuted labels "
    "(mean ± sd) | permutation p | run |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|"
)
CLUSTER_HEADER = (
    "| point | K used | best K: eigengap / rotation | subtype sizes | NMI to COC | ARI to COC | "
    "stage IV association p (Fisher/chi2) | log-rank p | run |\n"
    "|---|---|---|---|---|---|---|---|---|"
)


def train_row(name: str, out: dict) -> str:
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


def _g(value) -> str:
    return "" if value is None else f"{value:.3g}"


def cluster_row(name: str, out: dict) -> str:
    """One results-table row of a clustering run."""
    coc = out["comparisons"].get("COC", {})
    association = out["association"] or {}
    estimate = out["cluster_estimate"]
    return (
        f"| {name} | {out['n_clusters']} | {estimate['eigengap_best']} / "
        f"{estimate['rotation_best']} | {', '.join(map(str, out['subtype_sizes'].values()))} | "
        f"{_g(coc.get('nmi'))} | {_g(coc.get('ari'))} | {_g(association.get('p_value'))} | "
        f"{_g(out['logrank_p'])} | `{out['run_id'][:8]}` |"
    )


def results_table(result) -> str:
    """The results table of a pipeline run (its points in the pipeline's order)."""
    train = result.pipeline.spec.workflow == "train"
    rows = [
        (train_row if train else cluster_row)(point.point.name, point.result.to_dict())
        for point in result.points
    ]
    return (TRAIN_HEADER if train else CLUSTER_HEADER) + "\n" + "\n".join(rows) + "\n"


def _differences(reference, today, path="") -> list[str]:
    """Where two JSON-like values differ (floats compared exactly; NaN equals NaN)."""
    if isinstance(reference, dict):
        found = []
        for key, value in reference.items():
            if key not in today:
                found.append(f"{path}{key}: missing today")
            else:
                found += _differences(value, today[key], f"{path}{key}.")
        return found
    if isinstance(reference, list):
        if not isinstance(today, list) or len(today) != len(reference):
            return [f"{path[:-1]}: {reference!r} then, {today!r} today"]
        return [d for a, b in zip(reference, today, strict=True) for d in _differences(a, b, path)]
    both_nan = isinstance(reference, float) and isinstance(today, float)
    if both_nan and math.isnan(reference) and math.isnan(today):
        return []
    return [] if reference == today else [f"{path[:-1]}: {reference!r} then, {today!r} today"]


#: What changed on purpose since ``reference.json`` was recorded (the numbers before the
#: rebuild of issue 8), by model family: why, and which numbers are still held to the reference,
#: within what (every other number of that family is reported, not held). Families not listed
#: must reproduce every number exactly.
CHANGES: dict[str, tuple[str, dict[str, float]]] = {
    "logistic_enet": (
        "issue 9: the elastic net is solved to its optimum (proximal Newton), not by SAGA",
        {"roc_auc": 0.005},
    ),
    "random_forest": ("issue 9: class weights per training fold, not per bootstrap sample", {}),
    "signature": (
        "issue 9: signature scores added in one memory order (last-digit differences)",
        {"*": 1e-12},
    ),
    "snf": ("issue 9: SNF follows SNFtool 2.3.1's whole pipeline by default", {}),
}


#: Renamed on purpose since ``reference.json`` was recorded: the embedded GSE7390 cohort's probe
#: sets carry GEO's IDs (issue 11: "200726_at", not R's "X200726_at"). The names enter the
#: dataset digest; no number moves. The reference is read with the new names and digest.
RENAMED_DATASETS = {
    "GSE7390": (
        "issue 11: GEO probe set IDs (R's X prefix dropped)",
        re.compile(r"^X(?=\d)"),
    ),
}


def _renamed(record: dict, new: dict) -> dict:
    """``record`` with the renames of :data:`RENAMED_DATASETS` applied (feature names; the
    digest, which the names enter, taken from today's run)."""
    dataset = str(record.get("dataset", ""))
    for name, (why, prefix) in RENAMED_DATASETS.items():
        if dataset.startswith(name):
            record = dict(record)
            if "selection_frequency" in record:
                record["selection_frequency"] = {
                    prefix.sub("", k): v for k, v in record["selection_frequency"].items()
                }
            if record.get("dataset_digest") != new.get("dataset_digest"):
                print(f"RENAMED {dataset}: dataset digest ({why})", file=sys.stderr)
                record["dataset_digest"] = new.get("dataset_digest")
    return record


def _family(record: dict) -> str:
    model = record.get("model") or "snf"
    return "signature" if str(model).startswith("signature:") else str(model)


def _held(name: str, record: dict, new: dict) -> tuple[list[str], list[str]]:
    """Differences that fail the check, and those a declared change explains."""
    found = [f"{name}: {d}" for d in _differences(record, new)]
    change = CHANGES.get(_family(record))
    if change is None:
        return found, []
    why, held = change
    failing = []
    for metric, tolerance in held.items():
        pairs = record.get("metrics", {}).items() if metric == "*" else [(metric, None)]
        for key, _ in pairs:
            then, now = record["metrics"][key], new["metrics"][key]
            both_nan = isinstance(then, float) and math.isnan(then) and math.isnan(now)
            if not both_nan and abs(now - then) > tolerance:
                failing.append(f"{name}: metrics.{key} moved {now - then:+.2g} ({why})")
    if not found:
        return failing, []
    held_now = ", ".join(
        f"{key} {record['metrics'][key]:.4g} then, {new['metrics'][key]:.4g} today"
        for key in held
        if key != "*"
    )
    summary = f"{name}: {len(found)} numbers moved ({why})" + (f"; {held_now}" if held_now else "")
    return failing, [summary]


def check_reference(folder: Path, result) -> int:
    """Compare today's numbers with ``reference.json`` (see :data:`CHANGES`); the number of
    differences no declared change allows."""
    path = folder / "reference.json"
    if not path.is_file():
        return 0
    reference = json.loads(path.read_text())
    today = {point.point.name: point.result.to_dict() for point in result.points}
    problems, explained, changed_points = [], [], set()
    for name, record in reference.items():
        if name not in today:
            problems.append(f"{name}: not a point of the pipeline today")
            continue
        new = today[name]
        record = {
            k: v for k, v in record.items() if k not in ("config", "n_features_ever_selected")
        }
        record = _renamed(record, new)
        if "selection_frequency" in record:
            top = list(new["selection_frequency"].items())[: len(record["selection_frequency"])]
            new = {**new, "selection_frequency": dict(top)}
        failing, changed = _held(name, record, new)
        problems += failing
        explained += changed
        if changed:
            changed_points.add(name)
    for line in explained:
        print("CHANGED", line, file=sys.stderr)
    for problem in problems:
        print("DIFFERENT", problem, file=sys.stderr)
    exact = len(reference) - len(changed_points)
    print(
        f"{len(reference)} reference points: {exact} reproduced exactly, "
        f"{len(reference) - exact} changed as declared; "
        + ("nothing else differs" if not problems else f"{len(problems)} differences"),
        file=sys.stderr,
    )
    return len(problems)


def write_results(folder: Path, result) -> None:
    table = results_table(result)
    (folder / "results.md").write_text(table)
    readme = folder / "README.md"
    if readme.is_file():
        text = readme.read_text()
        if MARKERS.search(text):
            readme.write_text(_filled(text, table))
    points = {}
    for point in result.points:
        record = point.result.to_dict()
        if "selection_frequency" in record:  # the 100 most often selected features
            record["selection_frequency"] = dict(list(record["selection_frequency"].items())[:100])
        points[point.point.name] = record
    summary = {
        "parent_run_id": result.parent_run_id,
        "points": points,
        "comparison": None if result.comparison is None else result.comparison.to_dict(),
    }
    (folder / "results.json").write_text(json.dumps(summary, indent=1, default=str) + "\n")


def save_figures(folder: Path, figures: dict) -> None:
    target = folder / "figures"
    target.mkdir(exist_ok=True)
    for name, figure in figures.items():
        figure.savefig(target / f"{name}.png", dpi=110)


def run_experiment(folder: Path, pipeline: str, *, figures=None) -> int:
    """Run ``pipelines/PIPELINE`` for the experiment in ``folder``; 0 when every reference number
    reproduced. ``figures(result)`` returns the figures to save, by file stem."""
    from oligomet.workflow import run_pipeline

    os.chdir(folder)  # MLflow keeps the artifacts of a fresh store in ./mlruns
    result = run_pipeline(
        REPO / "pipelines" / pipeline,
        sets=[f"tracking.tracking_uri=sqlite:///{folder / 'mlflow.db'}"],
        cache_dir=folder / ".oligomet-cache",
        progress=lambda message: print(message, file=sys.stderr, flush=True),
    )
    result.print_summary()
    write_results(folder, result)
    if figures is not None:
        save_figures(folder, figures(result))
    elif result.comparison is not None:
        save_figures(folder, result.comparison.figures())
    return check_reference(folder, result)


def _filled(text: str, table: str) -> str:
    """A README with its results table between the ``<!-- results -->`` markers."""
    return MARKERS.sub(lambda m: m.group(1) + table.rstrip() + "\n" + m.group(2), text)


def update_main_readme() -> None:
    """Fill the repository README's results tables, and each experiment README's, from each
    experiment's ``results.md``."""
    for results in sorted((REPO / "experiments").glob("*/results.md")):
        readme = results.with_name("README.md")
        if readme.is_file() and MARKERS.search(readme.read_text()):
            readme.write_text(_filled(readme.read_text(), results.read_text()))
    readme = REPO / "README.md"
    text = readme.read_text()

    def table(match: re.Match) -> str:
        results = (REPO / "experiments" / match.group(1) / "results.md").read_text().rstrip()
        return f"<!-- experiment:{match.group(1)} -->\n{results}\n<!-- /experiment -->"

    pattern = re.compile(r"<!-- experiment:([\w-]+) -->\n.*?<!-- /experiment -->", re.S)
    readme.write_text(pattern.sub(table, text))


if __name__ == "__main__":
    update_main_readme()  # python experiments/_report.py: the README's tables from the experiments
