"""Sections about the data: source and dates, eligibility, outcome, predictors, missing data,
sample size (TRIPOD+AI items 5-10)."""

from __future__ import annotations

from typing import Any

from ._facts import RunFacts, date_text, number, percent, plain
from ._model_report import Bullets, Figure, Paragraph, Section, Table

__all__ = ["data_sections"]

#: Per-sample transforms in words.
TRANSFORM_WORDS = {
    "none": "none: values used as given (already log-scale)",
    "log2": "log2(x + 1)",
    "log2cpm": "log2 of counts per million + 1 (library-size normalised)",
}

#: Pipeline steps in words; ``{name}`` fields are the step's parameters.
STEP_WORDS = {
    "FeatureAligner": "input columns matched to the training features by name",
    "ViewLogTransform": "each view's per-sample transform (table above; learns nothing from "
    "the labels)",
    "SimpleImputer": "the features of a view a sample lacks filled with each feature's "
    "{strategy} over the training samples that have it (outer join of the views)",
    "VarianceFilter": "constant features dropped",
    "StandardScaler": "each feature standardised to mean 0 and SD 1 over the training samples",
    "SelectKBest": "the {k} features with the largest F statistic (ANOVA, class vs feature) kept",
    "SelectFromModel": "the {max_features} features with the largest coefficients of an "
    "L1-penalised logistic fit kept",
}

_LABEL_METRICS = {"n_samples", "n_positive", "n_excluded", "n_events", "n_high", "n_low"}
_MISSING_REASONS = ("missing value", "missing time", "missing event")


def _source_rows(run: RunFacts) -> list[list[str]]:
    by_path = {str(s.get("path")): s for s in run.sources if s.get("path")}
    rows = []
    for entry in run.design.get("input_files", []):
        source = by_path.get(entry["path"], {})
        geo = source.get("geo") or {}
        geo_text = "; ".join(
            f"{key.replace('_', ' ')} {value}"
            for key, value in geo.items()
            if key in ("geo_accession", "submission_date", "last_update_date")
        )
        digest = entry.get("sha256") or source.get("sha256")
        rows.append(
            [
                entry["role"],
                entry["path"],
                entry.get("modified") or "not known",
                f"{digest[:12]}…" if digest else "",
                geo_text,
            ]
        )
    if not rows:  # a run recorded before design.json: the expression sources only
        for source in run.sources:
            where = source.get("path") or source.get("source", "")
            digest = source.get("sha256")
            rows.append(
                ["expression", str(where), "not recorded", digest[:12] if digest else "", ""]
            )
    return rows


def _geo_dates(run: RunFacts) -> list[str]:
    """``GEO series GSE… submitted …, last updated …`` for data read from a series matrix."""
    lines = []
    for source in run.sources:
        geo = source.get("geo") or {}
        if not geo:
            continue
        text = f"GEO series {geo.get('geo_accession', '(accession not recorded)')}"
        if geo.get("submission_date"):
            text += f" submitted {geo['submission_date']}"
        if geo.get("last_update_date"):
            text += f", last updated {geo['last_update_date']}"
        lines.append(text + ".")
    return lines


def source_section(run: RunFacts) -> Section:
    rows = _source_rows(run)
    digest = run.param("dataset.digest") or run.tags.get("oligomet.dataset_digest", "")
    blocks: list[Any] = [
        Paragraph(
            f"Cohort: {run.cohort}. The run records each input file's path and SHA-256, and the "
            f"digest of the labelled matrix ({str(digest)[:16]}…), its schema and size, never "
            "the values."
        )
    ]
    embedded = run.design.get("embedded")
    if embedded:
        blocks.append(Paragraph(f"Data shipped with the software: {embedded}."))
    if rows:
        columns = ["role", "file", "modified", "SHA-256", "GEO"]
        # Columns empty in every row (no GEO series, no digest) are left out.
        keep = [i for i in range(len(columns)) if i < 3 or any(row[i] for row in rows)]
        shown = [[row[i] for i in keep] for row in rows]
        blocks.append(Table([columns[i] for i in keep], shown, "Input files"))
    modified = sorted(r[2] for r in rows if r[2] not in ("not known", "not recorded"))
    dates = [
        f"Model trained (run) from {date_text(run.record.get('start_time'))} to "
        f"{date_text(run.record.get('end_time'))}.",
        f"Data files last modified {modified[0]}"
        + (f" to {modified[-1]}." if modified[-1] != modified[0] else ".")
        if modified
        else "Data file dates: not recorded.",
        *_geo_dates(run),
        "Dates of patient recruitment, sample collection and follow-up are not recorded by "
        "oligomet: take them from the cohort's own documentation or publication.",
    ]
    blocks.append(Bullets(dates))
    values = {
        "cohort": run.cohort,
        "dataset_digest": digest,
        "run_start": run.record.get("start_time"),
        "run_end": run.record.get("end_time"),
        "files": [r[1] for r in rows],
        "modified": modified,
        "geo": [s["geo"] for s in run.sources if s.get("geo")],
    }
    return Section("source", "Source of data and dates", blocks, values)


def _table_counts(run: RunFacts) -> dict[str, int]:
    """Samples per input table (before matching), as recorded."""
    match = run.design.get("sample_match")
    if match:
        return {k.removeprefix("n_"): int(v) for k, v in match.items() if k != "n_common"}
    return {
        name.removeprefix("n_"): int(value)
        for name, value in run.metrics.items()
        if name.startswith("n_") and name not in _LABEL_METRICS | {"n_common"}
    }


def eligibility_section(run: RunFacts) -> Section:
    tables = _table_counts(run)
    common = run.metric("n_common")
    excluded = int(run.metric("n_excluded") or run.labels.get("n_excluded") or 0)
    reasons: dict[str, int] = run.labels.get("excluded_reasons") or {}
    rows = [[f"samples in {name}", str(n)] for name, n in tables.items()]
    if common is not None:
        rows.append(["in every table (matched by sample ID)", number(int(common))])
    rows.append(["excluded by the outcome definition", str(excluded)])
    rows += [[f"  excluded: {reason}", str(n)] for reason, n in reasons.items()]
    rows.append(["used (labelled)", str(run.n_samples)])
    rows.append([f"  {run.positive_name}", str(run.n_positive)])
    rows.append([f"  {run.negative_name}", str(run.n_negative)])
    blocks: list[Any] = [Table(["samples", "n"], rows, "Flow of samples")]
    notes = []
    outer = bool(run.design.get("view_coverage"))
    if outer:
        notes.append(
            "Views joined outer: every sample of at least one view was kept (see Missing data)."
        )
    if common is not None:
        for name, n in tables.items():
            if n > common:
                notes.append(
                    f"{n - int(common)} sample(s) of {name} had no match in every other table"
                    + (" (kept if labelled and in a view)." if outer else ".")
                )
    groups = run.param("groups", "none")
    if groups not in (None, "none"):
        notes.append(
            f"Samples are grouped by patient (column {groups!r}): a patient's samples stay in "
            "one fold."
        )
    if notes:
        blocks.append(Bullets(notes))
    values = {
        "tables": tables,
        "n_common": None if common is None else int(common),
        "n_excluded": excluded,
        "excluded_reasons": dict(reasons),
        "n_used": run.n_samples,
        "n_positive": run.n_positive,
        "n_negative": run.n_negative,
    }
    return Section("eligibility", "Eligibility: samples used and excluded", blocks, values)


def _listed(values: Any) -> str:
    if values is None:
        return ""
    items = values if isinstance(values, list) else [values]
    return " or ".join(str(v) for v in items)


def rule_in_words(run: RunFacts) -> list[str]:
    """The label rule in words: positive class, negative class, what is excluded."""
    rule, pos, neg = run.rule, run.positive_name, run.negative_name
    kind, column = rule.get("kind"), rule.get("column")
    if kind == "category":
        negative = (
            f"any other recorded value of {column}"
            if rule.get("negative_is_rest")
            else f"{column} is {_listed(rule.get('negative'))}"
        )
        lines = [
            f"Positive class (coded 1; e.g. polymetastatic), '{pos}': {column} is "
            f"{_listed(rule.get('positive'))}.",
            f"Negative class (coded 0; e.g. oligometastatic), '{neg}': {negative}.",
        ]
    elif kind == "count":
        low, high = rule.get("oligo_max"), rule.get("poly_min")
        upper = f"{column} ≥ {plain(high)}" if high is not None else f"{column} > {plain(low)}"
        lines = [
            f"Negative class (coded 0, oligometastatic), '{neg}': {column} ≤ {plain(low)}.",
            f"Positive class (coded 1, polymetastatic), '{pos}': {upper}.",
        ]
        if high is not None:
            lines.append(f"Counts between {plain(low)} and {plain(high)} (exclusive) are excluded.")
    elif kind == "time":
        h, time, event = plain(rule.get("horizon")), rule.get("time"), rule.get("event")
        lines = [
            f"Positive class (coded 1), '{pos}': {event} recorded with {time} ≤ {h}.",
            f"Negative class (coded 0), '{neg}': {time} > {h} (event later or never), or "
            f"censored at {time} ≥ {h}.",
            f"Censored before {h}: outcome unknown at the horizon, excluded.",
        ]
    elif kind == "survival":
        lines = [
            f"Time to event: time {rule.get('time')!r}, event {rule.get('event')!r}"
            + (
                f" (event values {_listed(rule.get('event_values'))})"
                if rule.get("event_values")
                else ""
            )
            + "; patients without the event by their last follow-up are censored.",
            f"{run.n_positive} events and {run.n_negative} censored; median follow-up "
            f"{number(run.labels.get('median_follow_up'))} (reverse Kaplan-Meier, units of "
            f"{rule.get('time')!r}).",
        ]
    else:
        lines = [f"Rule: {rule or 'not recorded'}."]
    return lines


def outcome_section(run: RunFacts) -> Section:
    lines = rule_in_words(run)
    reasons = run.labels.get("excluded_reasons") or {}
    if reasons:
        lines.append("Excluded: " + "; ".join(f"{n} with {r}" for r, n in reasons.items()) + ".")
    else:
        lines.append("No sample was excluded by the outcome definition.")
    blocks: list[Any] = [Bullets(lines)]
    if not run.is_survival:
        blocks.append(
            Paragraph(
                f"Prevalence of the positive class among the samples used: {run.n_positive} of "
                f"{run.n_samples} ({percent(run.n_positive, run.n_samples)})."
            )
        )
    values = {
        "rule": run.rule,
        "positive_name": run.positive_name,
        "negative_name": run.negative_name,
        "prevalence": run.n_positive / run.n_samples if run.n_samples else None,
    }
    return Section("outcome", "Outcome definition", blocks, values)


def _step_text(step: dict[str, Any], last: bool) -> str:
    params = {k: v for k, v in step.get("params", {}).items() if v is not None}
    template = STEP_WORDS.get(step["estimator"])
    if template and not last:
        try:
            return f"{step['step']}: {template.format(**params)}"
        except (KeyError, IndexError):
            pass
    shown = ", ".join(f"{k}={v}" for k, v in list(params.items())[:8])
    return f"{step['step']}: {step['estimator']}({shown})"


def predictors_section(run: RunFacts) -> Section:
    views = run.params_under("views")
    names = sorted({key.split(".")[0] for key in views})
    rows = [
        [
            name,
            number(views.get(f"{name}.n_features")),
            TRANSFORM_WORDS.get(
                str(views.get(f"{name}.transform")), str(views.get(f"{name}.transform"))
            ),
        ]
        for name in names
    ]
    blocks: list[Any] = [Table(["view", "features", "per-sample transform"], rows, "Views")]
    model = run.design.get("model") or {}
    description = model.get("description") or ""
    blocks.append(
        Paragraph(
            f"Candidate features: {number(run.n_candidates)} (all views). Model {run.model}"
            + (f": {description}" if description else ".")
            + " Everything learned from samples is refitted inside every training fold; the "
            "steps of the pipeline, in order:"
        )
    )
    steps = run.design.get("pipeline") or []
    if steps:
        blocks.append(Bullets([_step_text(s, i == len(steps) - 1) for i, s in enumerate(steps)]))
    else:
        blocks.append(Paragraph("Pipeline steps: not recorded for this run."))
    frequency: dict[str, float] = run.cv.get("selection_frequency") or {}
    if frequency:
        top = ", ".join(f"{name} {value:.0%}" for name, value in list(frequency.items())[:10])
        blocks.append(
            Paragraph(
                f"{len(frequency)} features were used by at least one outer-fold model; "
                f"the most often: {top}."
            )
        )
    png = run.figure("selection_frequency")
    if png:
        blocks.append(
            Figure(
                "Selection frequency across the outer folds",
                png,
                "evaluation/selection_frequency.png",
            )
        )
    values = {
        "n_candidates": run.n_candidates,
        "views": {
            r[0]: {
                "n_features": views.get(f"{r[0]}.n_features"),
                "transform": views.get(f"{r[0]}.transform"),
            }
            for r in rows
        },
        "n_selected_in_any_fold": len(frequency),
    }
    return Section("predictors", "Predictors", blocks, values)


def missing_section(run: RunFacts) -> Section:
    missing = run.design.get("missing_values") or {}
    cells = missing.get("expression_cells")
    reasons = run.labels.get("excluded_reasons") or {}
    missing_outcome = {r: n for r, n in reasons.items() if r in _MISSING_REASONS}
    what = "time or event" if run.is_survival else "label value"
    coverage = run.design.get("view_coverage")
    if coverage:
        return _outer_join_missing(coverage, cells, missing_outcome, what)
    tables, common = _table_counts(run), run.metric("n_common")
    unmatched = {n: v - int(common) for n, v in tables.items() if common is not None and v > common}
    counted = (
        f"{number(cells)} missing or non-finite in the labelled matrix"
        if cells is not None
        else "not counted by this run (recorded before oligomet counted them)"
    )
    items = [
        f"Expression values: {counted}. oligomet does not impute: a table with a missing or "
        "non-finite value is refused when it is read (the user must impute or remove it "
        "first), so every sample used has a value for every candidate feature.",
        _outcome_line(missing_outcome, what),
        "Samples absent from a table: "
        + ("; ".join(f"{n} of {name}" for name, n in unmatched.items()) if unmatched else "none")
        + " (complete-case analysis: only samples present in every table are used).",
        "Clinical columns other than the outcome (and the patient column) are not used, so "
        "their missing values play no part.",
    ]
    values = {
        "expression_cells": cells,
        "missing_outcome": sum(missing_outcome.values()),
        "unmatched": unmatched,
        "policy": "complete case; no imputation",
    }
    return Section("missing_data", "Missing data", [Bullets(items)], values)


def _outcome_line(missing_outcome: dict, what: str) -> str:
    excluded = "; ".join(f"{n} sample(s) excluded for {r}" for r, n in missing_outcome.items())
    return (
        f"Outcome: {excluded or 'no sample had a missing outcome'} (samples with a missing "
        f"{what} are excluded, never imputed)."
    )


def _outer_join_missing(coverage: dict, cells, missing_outcome: dict, what: str) -> Section:
    """The missing-data section of a model trained on an outer join of its views."""
    lacking = "; ".join(f"{n} lack {view}" for view, n in coverage["n_lacking"].items())
    items = [
        f"Views (outer join): {coverage['n_samples']} labelled samples, "
        f"{coverage['n_complete']} with every view; {lacking}. The features of a view a sample "
        "lacks are filled with each feature's median over the training samples that have it "
        "(a pipeline step after the log transform, fitted inside each training fold); "
        f"{number(cells)} values of the labelled matrix were filled this way.",
        "Expression values within a view: a table with a missing or non-finite value is "
        "refused when it is read.",
        _outcome_line(missing_outcome, what),
    ]
    values = {
        "expression_cells": cells,
        "missing_outcome": sum(missing_outcome.values()),
        "view_coverage": coverage,
        "policy": "outer join of the views; median imputation inside the training folds",
    }
    return Section("missing_data", "Missing data", [Bullets(items)], values)


def sample_size_section(run: RunFacts) -> Section:
    n_minority = min(run.n_positive, run.n_negative)
    if run.is_survival:
        n_minority = run.n_positive  # events
    minority = run.positive_name if n_minority == run.n_positive else run.negative_name
    candidates = run.n_candidates
    epv = n_minority / candidates if candidates else None
    what = "events" if run.is_survival else f"samples in the minority class ('{minority}')"
    blocks: list[Any] = [
        Paragraph(
            f"{run.n_samples} samples: {run.n_positive} {run.positive_name} and "
            f"{run.n_negative} {run.negative_name}. Events per candidate feature (EPV) = "
            f"{what} / candidate features = {n_minority} / {number(candidates)} = "
            f"{number(epv)}."
        )
    ]
    selected = _selected_k(run)
    if selected:
        blocks.append(
            Paragraph(
                f"After the in-fold feature selection the model sees {selected} features: "
                f"{n_minority / selected:.3f} events per selected feature."
            )
        )
    if epv is not None and epv < 10:
        blocks.append(
            Paragraph(
                "EPV is far below the 10 to 20 usually asked of a regression model: the model "
                "can easily overfit, and its apparent performance on the training samples means "
                "nothing. The nested cross-validation and the permuted-label null below are what "
                "keep the estimates honest; they do not make the sample large."
            )
        )
    values = {
        "n_samples": run.n_samples,
        "n_minority": n_minority,
        "n_candidates": candidates,
        "epv": epv,
    }
    return Section("sample_size", "Sample size and events per candidate feature", blocks, values)


def _selected_k(run: RunFacts) -> int | None:
    for step in run.design.get("pipeline") or []:
        params = step.get("params", {})
        k = params.get("k") if step["estimator"] == "SelectKBest" else params.get("max_features")
        if step["step"] == "select" and isinstance(k, int):
            return k
    return None


def data_sections(run: RunFacts) -> list[Section]:
    """The report's sections about the data, in TRIPOD+AI order."""
    return [
        source_section(run),
        eligibility_section(run),
        outcome_section(run),
        predictors_section(run),
        missing_section(run),
        sample_size_section(run),
    ]
