"""Sections about the analysis and the results: validation scheme, discrimination, calibration,
the permuted-label null, the final model, external validation, intended use (TRIPOD+AI items
12, 16, 23 and 26-27)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._facts import RunFacts, date_text, number, times
from ._model_report import Bullets, Figure, Paragraph, Section, Table

__all__ = ["performance_sections"]

#: Metrics with an interval, as a clinician reads them.
DISCRIMINATION = {
    "roc_auc": "ROC AUC",
    "pr_auc": "PR AUC (average precision)",
    "balanced_accuracy": "balanced accuracy",
    "sensitivity": "sensitivity",
    "specificity": "specificity",
}
CALIBRATION = {
    "calibration_intercept": "calibration intercept (ideal 0)",
    "calibration_slope": "calibration slope (ideal 1)",
    "brier": "Brier score (lower is better)",
}
_MAX_NULL_ROWS = 20


def _interval(run: RunFacts, name: str) -> str:
    low, high = run.metric(f"{name}_ci_low"), run.metric(f"{name}_ci_high")
    if low is None or high is None:
        return "not defined"
    return f"{low:.3f} to {high:.3f}"


def _metric_rows(run: RunFacts, names: dict[str, str]) -> tuple[list[list[str]], dict[str, Any]]:
    rows, values = [], {}
    for name, label in names.items():
        rows.append([label, run.metric_text(name), _interval(run, name)])
        for key in (name, f"{name}_ci_low", f"{name}_ci_high"):
            values[key] = run.metric(key)
    return rows, values


def _figure(run: RunFacts, name: str, caption: str) -> list[Figure]:
    png = run.figure(name)
    return [Figure(caption, png, f"evaluation/{name}.png")] if png else []


def _grid_rows(grid: dict[str, list] | None) -> list[list[str]]:
    return [
        [key.split("__", 1)[-1], ", ".join(map(str, values))]
        for key, values in (grid or {}).items()
    ]


def _product(a: Any, b: Any) -> str:
    try:
        return str(int(a) * int(b))
    except (TypeError, ValueError):
        return "?"


def validation_section(run: RunFacts) -> Section:
    p = run.cv_params
    n_splits, n_repeats = (
        p.get("n_splits", run.param("cv.n_splits")),
        p.get("n_repeats", run.param("cv.n_repeats")),
    )
    inner = p.get("n_inner_splits", run.param("cv.n_inner_splits"))
    grid = p.get("param_grid") or None
    threshold = p.get("threshold", run.param("cv.threshold"))
    grouped = " grouped by patient," if p.get("grouped") else ""
    score = "Harrell's C-index" if run.is_survival else "ROC AUC"
    if run.is_survival:
        cut = "risk groups: high vs low risk split at the median risk score of the training samples"
    elif threshold == "youden":
        cut = (
            "decision threshold: Youden's J (sensitivity + specificity - 1 maximal) on the inner "
            "out-of-fold probabilities, never on samples the model was fitted to"
        )
    else:
        cut = f"decision threshold: fixed at probability {threshold}"
    items = [
        f"Internal validation by nested cross-validation: outer {n_splits}-fold cross-validation "
        f"(stratified by outcome,{grouped} shuffled) repeated {times(n_repeats)}: "
        f"{_product(n_splits, n_repeats)} outer fits.",
        f"Inside every outer training fold: inner {inner}-fold cross-validation chooses the "
        f"hyperparameters (mean inner {score}) and the {cut}; then the whole pipeline is refitted "
        "on the outer training fold. Nothing is fitted on the outer test fold.",
        f"Intervals: {run.confidence:.0%} stratified percentile bootstrap over patients "
        f"({number(p.get('n_bootstrap', run.param('cv.n_bootstrap')))} resamples) of the pooled "
        "out-of-fold predictions. They reflect which patients were sampled, not the variability "
        "of refitting, so they are somewhat narrow in small cohorts.",
        f"Null distribution: the same nested cross-validation on {run.n_permutations} "
        f"permutations of the {'outcomes' if run.is_survival else 'labels'}, everything "
        "refitted.",
        "Final model: the same inner search and threshold rule on all labelled samples.",
    ]
    blocks: list[Any] = [Bullets(items)]
    if grid:
        size = int(np.prod([len(v) for v in grid.values()]))
        blocks.append(
            Table(
                ["hyperparameter", "candidate values"],
                _grid_rows(grid),
                f"Inner search grid ({size} settings)",
            )
        )
    else:
        blocks.append(Paragraph("No hyperparameter search: the model's defaults were used."))
    values = {
        "n_splits": n_splits,
        "n_repeats": n_repeats,
        "n_inner_splits": inner,
        "param_grid": grid,
        "threshold": "median training risk" if run.is_survival else threshold,
        "n_permutations": run.n_permutations,
        "n_bootstrap": p.get("n_bootstrap"),
        "confidence": run.confidence,
    }
    return Section("validation", "Validation scheme", blocks, values)


def _fold_range(run: RunFacts, column: str) -> str:
    scores = [row.get(column) for row in run.cv.get("fold_scores", [])]
    scores = [s for s in scores if isinstance(s, int | float) and np.isfinite(s)]
    if not scores:
        return ""
    return f" Per outer fold: {min(scores):.3f} to {max(scores):.3f} ({len(scores)} folds)."


def discrimination_section(run: RunFacts) -> Section:
    if run.is_survival:
        rows, values = _metric_rows(run, {"c_index": "C-index (pooled out-of-fold)"})
        rows.append(["C-index (mean of folds)", run.metric_text("c_index_fold_mean"), ""])
        rows.append(
            [
                "log-rank test, out-of-fold high vs low risk",
                f"p {number(run.metric('logrank_p'), 4)}",
                f"{number(run.metric('n_high'))} high / {number(run.metric('n_low'))} low",
            ]
        )
        values |= {k: run.metric(k) for k in ("c_index_fold_mean", "logrank_p", "n_high", "n_low")}
        text = "Harrell's C of the out-of-fold risk scores (0.5 = no discrimination)."
        figures = _figure(run, "kaplan_meier", "Kaplan-Meier curves of the out-of-fold risk groups")
    else:
        rows, values = _metric_rows(run, DISCRIMINATION)
        prevalence = run.n_positive / run.n_samples if run.n_samples else None
        values["prevalence"] = prevalence
        text = (
            "Each estimate is the metric of the pooled out-of-fold predictions, averaged over "
            "repeats; sensitivity and specificity at the threshold chosen inside each training "
            f"fold. An uninformative model has ROC AUC 0.5 and PR AUC equal to the prevalence "
            f"({number(prevalence)})."
        )
        figures = [
            *_figure(run, "roc", "ROC curve (out-of-fold; per-fold curves in grey)"),
            *_figure(run, "confusion", "Confusion matrix at the in-fold thresholds"),
        ]
    score = "c_index" if run.is_survival else "roc_auc"
    blocks: list[Any] = [
        Table(
            ["metric", "estimate", f"{run.confidence:.0%} CI"],
            rows,
            "Cross-validated discrimination",
        ),
        Paragraph(text + _fold_range(run, score)),
        *figures,
    ]
    return Section("discrimination", "Discrimination", blocks, values)


def _includes(interval: tuple[float | None, float | None], value: float) -> bool:
    low, high = interval
    return low is not None and high is not None and low <= value <= high


def _calibration_reading(run: RunFacts, balanced: bool) -> str:
    """The calibration intercept and slope in words, judged by their intervals: a value whose
    interval includes the ideal (0, 1) is called consistent with it, not too high or low."""
    intercept, slope = run.metric("calibration_intercept"), run.metric("calibration_slope")
    ci = {
        name: (run.metric(f"{name}_ci_low"), run.metric(f"{name}_ci_high"))
        for name in ("calibration_intercept", "calibration_slope")
    }
    parts = []
    if intercept is not None:
        if _includes(ci["calibration_intercept"], 0.0):
            side = "consistent with 0 (its interval includes it): no systematic error shown"
        else:
            side = "predicted probabilities are on average " + (
                "too high" if intercept < 0 else "too low"
            )
        parts.append(f"intercept {intercept:.3f}: {side}")
        if balanced and intercept < 0:
            parts[-1] += " (expected with balanced class weights when positives are the minority)"
    if slope is not None:
        if slope < 0.2:
            kind = "the probabilities carry little or no information about the outcome"
        elif _includes(ci["calibration_slope"], 1.0):
            kind = (
                "consistent with 1 (its interval includes it): neither too extreme nor too moderate"
            )
        else:
            kind = "predictions are " + (
                "too extreme (overfitting)" if slope < 1 else "too moderate"
            )
        parts.append(f"slope {slope:.3f}: {kind}")
    return ("Reading: " + "; ".join(parts) + ".") if parts else "Calibration: not recorded."


def uses_class_weights(run: RunFacts) -> bool:
    for step in run.design.get("pipeline") or []:
        if step.get("params", {}).get("class_weight") == "balanced":
            return True
    description = (run.design.get("model") or {}).get("description") or ""
    return "balanced" in description or "up-weighted" in description


def calibration_section(run: RunFacts) -> Section:
    if run.is_survival:
        text = (
            "Not assessed: the model gives a relative risk score (the linear predictor of a Cox "
            "model), not an absolute probability of the event by a given time, so there is "
            "nothing to compare with observed event rates."
        )
        return Section("calibration", "Calibration", [Paragraph(text)], {}, applies=False)
    rows, values = _metric_rows(run, CALIBRATION)
    reading = _calibration_reading(run, uses_class_weights(run))
    blocks: list[Any] = [
        Table(
            ["metric", "estimate", f"{run.confidence:.0%} CI"],
            rows,
            "Calibration of the out-of-fold probabilities",
        ),
        Paragraph(
            "Logistic recalibration of the pooled out-of-fold probabilities: the intercept says "
            "whether they are too high or too low on average, the slope whether they are too "
            f"extreme or too moderate. {reading}"
        ),
        *_figure(run, "calibration", "Calibration plot (out-of-fold)"),
    ]
    return Section("calibration", "Calibration", blocks, values)


def null_section(run: RunFacts) -> Section:
    score = "c_index" if run.is_survival else "roc_auc"
    label = "C-index" if run.is_survival else "ROC AUC"
    m = run.n_permutations
    null_rows = run.cv.get("null_scores") or []
    if not m or not null_rows:
        text = "Not run (0 permutations): nothing says how this estimate compares with chance."
        return Section(
            "null", "Permuted-label null", [Paragraph(text)], {"n_permutations": m}, applies=False
        )
    null = [float(row[score]) for row in null_rows if row.get(score) is not None]
    observed, p = run.metric(score), run.metric("permutation_p")
    # b as the recorded p says ((b + 1) / (m + 1), ties counted), not recounted here.
    at_least = round(p * (len(null) + 1)) - 1 if p is not None else None
    columns = [
        c for c in ("roc_auc", "pr_auc", "balanced_accuracy", "c_index") if c in null_rows[0]
    ]
    rows = [
        [str(int(row.get("permutation", i)) + 1), *(number(row.get(c)) for c in columns)]
        for i, row in enumerate(null_rows[:_MAX_NULL_ROWS])
    ]
    what = "outcomes" if run.is_survival else "labels"
    mean, sd = run.metric(f"null_{score}"), run.metric(f"null_{score}_sd")
    limit = "; use at least 999 permutations for a p-value worth quoting." if m < 999 else "."
    blocks: list[Any] = [
        Paragraph(
            f"The whole nested cross-validation was repeated on {m} random permutations of the "
            f"{what}: what this pipeline scores when there is nothing to find. Mean null "
            f"{label} {number(mean)} (SD {number(sd)}), against {number(observed)} on the real "
            f"{what}."
        ),
        Paragraph(
            f"Permutation p = (b + 1) / (m + 1) = ({at_least} + 1) / ({len(null)} + 1) = "
            f"{number(p)}, where b is the number of permutations scoring at least the real "
            f"{label}. With {m} permutations p cannot fall below {1 / (m + 1):.3f}{limit}"
        ),
        Table(
            ["permutation", *(c.replace("_", " ") for c in columns)],
            rows,
            f"{label} on permuted {what}"
            + (f" (first {_MAX_NULL_ROWS} of {m})" if m > _MAX_NULL_ROWS else ""),
        ),
    ]
    values = {
        f"null_{score}": run.metric(f"null_{score}"),
        f"null_{score}_sd": run.metric(f"null_{score}_sd"),
        "permutation_p": p,
        "n_permutations": m,
        "null_scores": null,
        "n_at_least_observed": at_least,
    }
    return Section("null", "Permuted-label null", blocks, values)


def _registered(run: RunFacts) -> str:
    versions = run.record.get("model_versions") or []
    if not versions:
        return "The model was not registered (trained with --no-log-model, or not saved)."
    v = versions[0]
    uri = (
        f"models:/{v['name']}@{v['aliases'][0]}"
        if v.get("aliases")
        else f"models:/{v['name']}/{v['version']}"
    )
    return (
        f"Registered as {v['name']} version {v['version']}; score new samples with "
        f"`oligomet predict {uri} TABLE --output FILE`."
    )


def final_model_section(run: RunFacts) -> Section:
    params = run.params_under("final.params")
    threshold = run.param("final.threshold")
    rows = [[key.split("__", 1)[-1], str(value)] for key, value in params.items()]
    if run.is_survival:
        rows.append(["risk-group threshold (median training risk score)", number(threshold, 4)])
    else:
        rows.append(
            ["decision threshold (probability of the positive class)", number(threshold, 4)]
        )
    final = run.design.get("final_features") or {}
    names = final.get("names") or []
    blocks: list[Any] = [
        Table(["parameter", "value"], rows, "Chosen on all labelled samples by the inner search")
    ]
    if final.get("n") is not None:
        shown = ", ".join(names[:20]) + (f" and {len(names) - 20} more" if len(names) > 20 else "")
        blocks.append(
            Paragraph(
                f"The final model uses {final['n']} of the {number(run.n_candidates)} candidate "
                f"features{': ' + shown if shown else ''}. It needs all {number(run.n_candidates)} "
                "input features, matched by name, with raw values as in training (it applies the "
                "per-sample transform itself)."
            )
        )
    if not run.is_survival:
        blocks.append(
            Paragraph(
                f"A sample is called '{run.positive_name}' when its probability is at least "
                "the threshold."
            )
        )
    blocks.append(Paragraph(_registered(run)))
    values = {"params": params, "threshold": threshold, "n_features_used": final.get("n")}
    return Section("final_model", "Final model", blocks, values)


def _validation_kind(evaluation: dict[str, Any]) -> str:
    """``external``, ``training cohort`` or ``overlapping`` (runs before issue 11: external)."""
    return evaluation.get("tags", {}).get("oligomet.validation", "external")


def _external_runs(run: RunFacts) -> list[dict[str, Any]]:
    """Finished evaluations of the model on cohorts it was not trained on."""
    return [
        e
        for e in run.record.get("evaluations") or []
        if e.get("status") == "FINISHED" and _validation_kind(e) == "external"
    ]


def _evaluation_row(evaluation: dict[str, Any]) -> list[str]:
    metrics = evaluation.get("metrics", {})
    score = "c_index" if "c_index" in metrics else "roc_auc"
    low, high = metrics.get(f"{score}_ci_low"), metrics.get(f"{score}_ci_high")
    interval = f"{low:.3f} to {high:.3f}" if low is not None and high is not None else ""
    return [
        evaluation.get("tags", {}).get("oligomet.cohort", evaluation.get("run_name", "")),
        date_text(evaluation.get("start_time")),
        number(metrics.get("n_samples")),
        f"{number(metrics.get(score))} ({interval})",
        _validation_kind(evaluation),
        evaluation.get("run_id", ""),
    ]


def external_section(run: RunFacts) -> Section:
    evaluations = [e for e in run.record.get("evaluations") or [] if e.get("status") == "FINISHED"]
    external = _external_runs(run)
    if not external:
        text = (
            "None recorded: no `oligomet evaluate` run has applied this model to an independent "
            "cohort. All performance above is internal (cross-validated on the training cohort) "
            "and may not carry over to other centres, platforms, preprocessing or populations."
        )
        if evaluations:
            text += (
                f" ({len(evaluations)} `oligomet evaluate` run(s) scored it on its training cohort "
                "or on samples it was trained on: resubstitution, not validation.)"
            )
        return Section(
            "external_validation", "External validation", [Paragraph(text)], {"n_evaluations": 0}
        )
    rows = [_evaluation_row(e) for e in evaluations]
    blocks = [
        Table(
            ["cohort", "date", "samples", "ROC AUC / C-index (CI)", "validation", "run"],
            rows,
            "Runs of oligomet evaluate",
        ),
        Paragraph(
            "Each applied the final model, unchanged (threshold included), to a cohort; only the "
            "'external' ones, on samples the model was not trained on, validate it."
        ),
    ]
    return Section(
        "external_validation", "External validation", blocks, {"n_evaluations": len(external)}
    )


def _evidence_limits(run: RunFacts) -> list[str]:
    """Say so when the estimate does not show discrimination beyond chance."""
    score = "c_index" if run.is_survival else "roc_auc"
    label = "C-index" if run.is_survival else "ROC AUC"
    low, p = run.metric(f"{score}_ci_low"), run.metric("permutation_p")
    limits = []
    if low is not None and low <= 0.5:
        limits.append(
            f"Evidence: the {label}'s {run.confidence:.0%} interval reaches {low:.3f}, at or below "
            "0.5: discrimination beyond chance is not shown."
        )
    elif p is not None and p > 0.05 and run.n_permutations >= 19:
        limits.append(
            f"Evidence: the permuted-label null scores as well as the model (p = {p:.3f}): "
            "discrimination beyond chance is not shown."
        )
    return limits


def intended_use_section(run: RunFacts) -> Section:
    external = bool(_external_runs(run))
    question = (
        f"rank patients by their risk of {run.labels.get('event_name', 'the event')}"
        if run.is_survival
        else f"distinguish {run.positive_name} from {run.negative_name}"
    )
    items = [
        f"Intended use: research only, to study whether molecular profiles {question} in "
        f"cohorts like {run.cohort}. It is not a "
        "medical device and must not guide the diagnosis, staging or treatment of a patient "
        "(for instance the choice of local therapy for oligometastatic disease).",
        "Validation: "
        + (
            "see the external evaluations above; "
            if external
            else "internal only, not validated externally; "
        )
        + "a prospective, independent validation would be needed before any clinical use.",
        "Population and data: only samples like the training ones (same tissue, assay, platform "
        "and preprocessing, the same features), as the model cannot tell when a new sample is "
        "outside what it was trained on.",
    ]
    if run.is_survival:
        items.append(
            "Outputs: a relative risk score and a high/low risk group split at the training "
            "median; not an absolute probability of the event by any time."
        )
    else:
        weights = (
            "the model was fitted with class weights (balanced), so its probabilities over-state "
            "the minority class: "
            if uses_class_weights(run)
            else "the probabilities were not recalibrated: "
        )
        items.append(
            f"Outputs: {weights}read them as scores that rank samples, not as calibrated risks "
            f"(calibration intercept {run.metric_text('calibration_intercept')}, slope "
            f"{run.metric_text('calibration_slope')}); recalibrate to the target population's "
            "prevalence before quoting an absolute risk."
        )
        items.append(
            "Threshold: chosen to balance sensitivity and specificity in this cohort; another "
            "setting (another prevalence, another cost of errors) needs its own threshold."
        )
    items += _evidence_limits(run)
    if run.n_permutations < 999:
        items.append(
            f"The permutation p-value rests on {run.n_permutations} permutations: a sanity check, "
            "not a p-value to quote."
        )
    notices = run.tags.get("oligomet.notices")
    if notices:
        items += [f"Notice recorded with the run: {notice}" for notice in notices.split(" | ")]
    return Section(
        "intended_use",
        "Intended use and limitations",
        [Bullets(items)],
        {"external_validation": external},
    )


def performance_sections(run: RunFacts) -> list[Section]:
    """The report's sections about the analysis and the results, in TRIPOD+AI order."""
    return [
        validation_section(run),
        discrimination_section(run),
        calibration_section(run),
        null_section(run),
        final_model_section(run),
        external_section(run),
        intended_use_section(run),
    ]
