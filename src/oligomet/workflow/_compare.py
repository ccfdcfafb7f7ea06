"""Runs side by side: ranked by a metric with its interval, the permuted-label null, which runs
cannot be told apart from the best, and a paired test of each against the best."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._errors import InputError
from .._render import Display, Rendered, format_number, interval_text

__all__ = ["Comparison", "compare_results", "compare_runs"]

#: Metrics for which lower is better.
_LOWER_IS_BETTER = {"brier"}
_NULL_OF = {"roc_auc": "null_roc_auc", "c_index": "null_c_index"}
COLUMNS = [
    "rank",
    "name",
    "run_id",
    "cohort",
    "model",
    "estimate",
    "ci_low",
    "ci_high",
    "null",
    "permutation_p",
    "overlaps_best",
]


def rank(rows: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Rows ranked by ``estimate`` (best first); ``overlaps_best`` marks the runs whose interval
    overlaps the best run's (they cannot be told apart from it by their intervals)."""
    if rows.empty:
        return pd.DataFrame(columns=COLUMNS)
    ascending = metric in _LOWER_IS_BETTER
    rows = rows.sort_values("estimate", ascending=ascending, na_position="last", kind="stable")
    rows = rows.reset_index(drop=True)
    best = rows.iloc[0]
    rows["overlaps_best"] = (rows["ci_low"] <= best["ci_high"]) & (
        rows["ci_high"] >= best["ci_low"]
    )
    rows.loc[0, "overlaps_best"] = True
    rows.insert(0, "rank", np.arange(1, len(rows) + 1))
    return rows[COLUMNS]


@dataclass
class Comparison(Rendered):
    """Runs ranked by one metric, with the pairwise tests against the best.

    Attributes
    ----------
    metric : str
    runs : pandas.DataFrame
        One row per run (best first): ``rank``, ``name``, ``run_id``, ``cohort``, ``model``,
        ``estimate``, ``ci_low``, ``ci_high``, ``null`` (mean score on permuted labels),
        ``permutation_p``, ``overlaps_best``.
    pairwise : pandas.DataFrame
        One row per run compared with the best on the same samples and folds: the fields of
        :class:`~oligomet.evaluation.PairedComparison` (``first`` is the best run).
    parent_run_id, experiment : str or None
    notes : list of str
    """

    metric: str
    runs: pd.DataFrame
    pairwise: pd.DataFrame = field(default_factory=pd.DataFrame)
    parent_run_id: str | None = None
    experiment: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def summary(self) -> pd.DataFrame:
        """The ranking, with the pairwise difference from the best and its p-value."""
        table = self.runs.copy()
        if not self.pairwise.empty:
            paired = self.pairwise.set_index("second")[
                ["difference", "ci_low", "ci_high", "p_value"]
            ]
            paired.columns = [
                "difference_to_best",
                "difference_ci_low",
                "difference_ci_high",
                "paired_p",
            ]
            table = table.join(paired, on="name")
        return table

    def to_dict(self) -> dict[str, Any]:
        def clean(records):
            return [
                {
                    k: (None if isinstance(v, float) and not math.isfinite(v) else v)
                    for k, v in r.items()
                }
                for r in records
            ]

        return {
            "metric": self.metric,
            "experiment": self.experiment,
            "parent_run_id": self.parent_run_id,
            "runs": clean(self.runs.astype(object).to_dict(orient="records")),
            "pairwise": clean(self.pairwise.astype(object).to_dict(orient="records")),
            "notes": list(self.notes),
        }

    def figures(self) -> dict[str, Any]:
        """The ranking as a plot of estimates with intervals and nulls."""
        from ..evaluation import plot_ranking

        return {"comparison": plot_ranking(self.runs, metric=self.metric)}

    def _display(self) -> Display:
        rows = []
        paired = {} if self.pairwise.empty else self.pairwise.set_index("second").to_dict("index")
        for row in self.runs.itertuples():
            test = paired.get(row.name)
            rows.append(
                [
                    str(row.rank),
                    str(row.name),
                    str(row.run_id or "")[:8],
                    _estimate_text(row),
                    format_number(row.null),
                    format_number(row.permutation_p),
                    "yes" if row.overlaps_best else "no",
                    "" if test is None else _paired_text(test),
                ]
            )
        table = pd.DataFrame(
            rows,
            columns=[
                "rank",
                "run",
                "run ID",
                f"{self.metric} [95% CI]",
                "null",
                "permutation p",
                "overlaps best",
                "paired: best of its folds, minus this",
            ],
        )
        where = f"children of run {self.parent_run_id}" if self.parent_run_id else "runs"
        title = f"{where} ranked by {self.metric}" + (
            f" (experiment {self.experiment})" if self.experiment else ""
        )
        return Display(title, table, list(self.notes))


def _estimate_text(row) -> str:
    return f"{format_number(row.estimate)} [{interval_text(row.ci_low, row.ci_high, sep=', ')}]"


def _paired_text(test: dict[str, Any]) -> str:
    interval = f"[{test['ci_low']:+.3f}, {test['ci_high']:+.3f}]"
    return f"{test['first']} {test['difference']:+.3f} {interval} p {test['p_value']:.3g}"


def _row(name: str, run_id: str | None, cohort: str, model: str, metrics: dict, metric: str):
    return {
        "name": name,
        "run_id": run_id,
        "cohort": cohort,
        "model": model,
        "estimate": metrics.get(metric, np.nan),
        "ci_low": metrics.get(f"{metric}_ci_low", np.nan),
        "ci_high": metrics.get(f"{metric}_ci_high", np.nan),
        "null": metrics.get(_NULL_OF.get(metric, f"null_{metric}"), np.nan),
        "permutation_p": metrics.get("permutation_p", np.nan),
    }


def _folds_key(cv) -> str:
    """What a paired test needs two results to share: the samples' outcomes and the folds."""
    import hashlib

    sha = hashlib.sha256(np.ascontiguousarray(cv.folds).tobytes())
    for name in ("y", "time", "event"):
        values = getattr(cv, name, None)
        if values is not None:
            sha.update(np.ascontiguousarray(values).tobytes())
    return sha.hexdigest()


def compare_results(entries, *, metric: str | None = None, parent_run_id=None, n_bootstrap=2000):
    """Rank in-memory training results; test each against the best of the runs on the same
    samples and folds (the same cohort, label rule, seed and CV settings).

    Parameters
    ----------
    entries : list of (name, run_id, cohort name, TrainResult)
    metric : str or None
        Default: the results' headline score (``roc_auc``, ``c_index``).
    """
    from ..evaluation import paired_comparison

    if not entries:
        raise InputError("nothing to compare")
    metric = metric or entries[0][3].cv.score
    rows = [
        _row(name, run_id, cohort, result.config.model.name, result.cv.metrics, metric)
        for name, run_id, cohort, result in entries
    ]
    ranking = rank(pd.DataFrame(rows), metric)
    by_name = {name: result for name, _, _, result in entries}
    pairwise, notes, best_of = [], [], {}
    for name in ranking["name"]:  # best first, so each group's first is its best
        result = by_name[name]
        if metric != result.cv.score:
            notes.append(f"paired tests are computed for {result.cv.score}, not {metric}")
            break
        group = _folds_key(result.cv)
        if group not in best_of:
            best_of[group] = name
            continue
        best = by_name[best_of[group]]
        groups = None if best.cohort.groups is None else best.cohort.groups.to_numpy()
        test = paired_comparison(
            best.cv, result.cv, names=(best_of[group], name), groups=groups, n_bootstrap=n_bootstrap
        )
        pairwise.append(test.to_dict())
    if len(best_of) > 1:
        notes.append(
            f"{len(best_of)} groups of runs on different samples or folds: each run is tested "
            "against the best of its own group"
        )
    return Comparison(metric, ranking, pd.DataFrame(pairwise), parent_run_id, notes=notes)


def compare_runs(
    *,
    experiment: str | None = None,
    parent_run_id: str | None = None,
    metric: str = "roc_auc",
    tracking_uri: str | None = None,
) -> Comparison:
    """Rank the runs of an experiment (or the children of a sweep) from the tracking store.

    The pairwise tests need every run's out-of-fold predictions, which the store does not hold
    (they are patient-level); ``oligomet run`` computes them when the sweep ends and records them
    (aggregates only) on the parent run, where this function reads them.
    """
    from ..tracking import load_run_json, run_table

    runs = run_table(experiment=experiment, tracking_uri=tracking_uri, parent_run_id=parent_run_id)
    if not runs.empty and "tags.oligomet.command" in runs:
        runs = runs[runs["tags.oligomet.command"].isin(["train", "evaluate"])]
    if runs.empty:
        raise InputError(
            "no training runs to compare"
            + (f" under run {parent_run_id}" if parent_run_id else f" in experiment {experiment!r}")
        )
    rows = []
    for _, run in runs.iterrows():
        metrics = {k[len("metrics.") :]: v for k, v in run.items() if k.startswith("metrics.")}
        rows.append(
            _row(
                str(
                    run.get("tags.oligomet.sweep_point")
                    or run.get("tags.mlflow.runName")
                    or run["run_id"]
                ),
                run["run_id"],
                str(run.get("tags.oligomet.cohort") or ""),
                str(run.get("params.model") or ""),
                metrics,
                metric,
            )
        )
    ranking = rank(pd.DataFrame(rows), metric)
    pairwise, notes = pd.DataFrame(), []
    if parent_run_id is not None:
        recorded = load_run_json(parent_run_id, "comparison.json", tracking_uri=tracking_uri) or {}
        if recorded.get("pairwise") and recorded.get("metric") == metric:
            pairwise = pd.DataFrame(recorded["pairwise"])
        elif recorded.get("pairwise"):
            notes.append(f"paired tests were computed for {recorded.get('metric')}: use --metric")
        notes += list(recorded.get("notes", []))
    else:
        notes.append("paired tests are recorded for the children of a sweep: use --parent RUN_ID")
    return Comparison(metric, ranking, pairwise, parent_run_id, experiment, notes)
