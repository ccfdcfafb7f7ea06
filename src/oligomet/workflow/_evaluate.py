"""``evaluate``: a saved classifier scored on another labelled cohort, nothing refitted."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

from .._errors import InputError
from ._cache import Stages
from ._cohort import Cohort
from ._config import EvaluateConfig, LabelConfig
from ._provenance import TrainingOverlap, training_overlap
from ._results import EvaluationResult
from ._train import cohort_stages, record

__all__ = ["evaluate", "label_from_rule", "validate_external"]

logger = logging.getLogger(__name__)


def label_from_rule(rule: Mapping[str, Any]) -> LabelConfig:
    """The label config that reproduces a recorded label rule (``LabelResult.rule``)."""
    kind = rule.get("kind")
    if kind == "count":
        return LabelConfig(
            column=rule["column"], oligo_max=rule["oligo_max"], poly_min=rule.get("poly_min")
        )
    if kind == "category":
        return LabelConfig(
            column=rule["column"],
            positive=[str(v) for v in rule.get("positive") or []],
            negative=[str(v) for v in rule.get("negative") or []],
        )
    if kind == "time":
        return LabelConfig(
            column=rule["event"],
            time=rule["time"],
            horizon=rule["horizon"],
            positive=[str(v) for v in rule.get("event_values") or []],
            negative=[str(v) for v in rule.get("censor_values") or []],
        )
    raise InputError("the model records no label rule; give --label (and its options)")


def check_transform_inputs(classifier, frame, where: str) -> None:
    """Name the sample and feature when values cannot take the model's log transform."""
    from ..pp import LogInputError, log_values

    start = 0
    for view in classifier.metadata.get("views", []):
        stop = start + int(view["n_features"])
        columns = classifier.feature_names[start:stop]
        start = stop
        if view["transform"] == "none" or not set(columns) <= set(frame.columns):
            continue
        try:
            log_values(frame[columns].to_numpy(), view["transform"])
        except LogInputError as problem:
            sample = frame.index[problem.row]
            feature = f", feature {columns[problem.col]!r}" if problem.col >= 0 else ""
            raise InputError(
                f"{where}: sample {sample!r}{feature} has a {problem.kind} value, but the model "
                f"applies {view['transform']} to view {view['name']!r}; give the same kind of "
                "values it was trained on"
            ) from None


def _model_columns(classifier, X):
    """``X`` with its columns named as the model's features (miRNA spellings reconciled), and
    the renames made."""
    from ..io import mirna_renames

    renames = mirna_renames(X.columns, classifier.feature_names)
    return (X.rename(columns=renames) if renames else X), renames


def training_check(classifier, cohort: Cohort, tracking_uri: str | None) -> TrainingOverlap:
    """How much of the cohort trained the model: the training data's digest and per-sample
    fingerprints saved with the model, and the training run's sample IDs if it recorded them."""
    from ..tracking import load_run_json

    frame, _ = _model_columns(classifier, cohort.X)
    run_id = classifier.metadata.get("run_id")
    labels = (
        load_run_json(run_id, "evaluation/labels.json", tracking_uri=tracking_uri) or {}
        if run_id
        else {}
    )
    return training_overlap(
        classifier.metadata,
        frame[classifier.feature_names],
        cohort.digest,
        training_ids=list(labels.get("labels", {})),  # recorded only with --log-sample-ids
    )


def validate_external(classifier, cohort: Cohort, config: EvaluateConfig, where: str, say):
    """Stage ``characterise`` of an external validation: feature overlap (miRNA spellings
    reconciled), then the model's probabilities and its training threshold scored with
    bootstrap intervals. Returns the overlap and the validation result."""
    from ..evaluation import feature_overlap, validate_predictions

    frame, renames = _model_columns(classifier, cohort.X)
    overlap = feature_overlap(classifier.feature_names, frame.columns, renamed=renames)
    say(overlap.report())
    if overlap.missing:
        shown = ", ".join(overlap.missing[:10])
        more = f" and {len(overlap.missing) - 10} more" if len(overlap.missing) > 10 else ""
        raise InputError(
            f"{where}: {len(overlap.missing)} of the model's {len(overlap.model_features)} "
            f"features are absent ({shown}{more}); the model cannot score samples without them. "
            "Check the feature IDs (gene symbols, miRNA names) or retrain on the shared features"
        )
    check_transform_inputs(classifier, frame, where)
    proba = classifier.predict_proba(frame)[classifier.positive_name].to_numpy()
    pred = (classifier.predict(frame) == classifier.positive_name).to_numpy().astype(int)
    result = validate_predictions(
        cohort.y.to_numpy(),
        proba,
        pred,
        n_bootstrap=config.n_bootstrap,
        confidence=config.confidence,
        class_names=(cohort.labels.negative_name, cohort.labels.positive_name),
        random_state=config.seed,
    )
    return overlap, result


def evaluate(
    model_uri: str,
    config: EvaluateConfig,
    *,
    track: bool = True,
    progress: Callable[[str], None] | None = None,
    stages: Stages | None = None,
) -> EvaluationResult:
    """Validate a saved classifier on an independent cohort (nothing is refitted).

    The cohort is read and labelled like a training cohort; its columns are matched to the
    model's features by name (miRNA spellings reconciled), with a feature-overlap report; the
    model's probabilities and its in-fold-chosen threshold give the same metrics and plots as
    cross-validation, with bootstrap intervals. The run is recorded in MLflow (no model is
    logged).

    Raises
    ------
    InputError
        Bad files or labels, an SNF subtype model, or features the model needs that the cohort
        lacks (all listed).
    """
    from ..models import TrainedClassifier
    from ..tracking import load_model

    started_at = int(time.time() * 1000)
    say = progress or (lambda message: logger.info(message))
    classifier = load_model(model_uri, tracking_uri=config.tracking.tracking_uri)
    if not isinstance(classifier, TrainedClassifier):
        kind = classifier.metadata.get("kind", "non-classifier")
        raise InputError(
            f"{model_uri} is a {kind} model; `oligomet evaluate` validates classifiers (0/1 "
            "labels). Score a survival or subtype model with `oligomet predict`"
        )
    if config.label.column is None:
        rule = classifier.metadata.get("label_rule", {})
        config = config.model_copy(update={"label": label_from_rule(rule)})
        say(f"label rule from the model: {config.label.model_dump(exclude_defaults=True)}")
    cohort, _ = cohort_stages(config, stages or Stages(say=say))
    notices = list(cohort.notices)
    say(cohort.labels.report())
    for notice in notices:
        say(notice)
    if cohort.labels.positive_name != classifier.positive_name:
        notices.append(
            f"warning: the model's positive class is {classifier.positive_name!r} but this "
            f"cohort's is {cohort.labels.positive_name!r}; check that they mean the same"
        )
        say(notices[-1])
    where = " + ".join(str(v.path) for v in config.read.expression) or cohort.name
    overlap, validation = validate_external(classifier, cohort, config, where, say)
    provenance = training_check(classifier, cohort, config.tracking.tracking_uri)
    if provenance.notice():
        validation.params["design"] = f"{provenance.kind}: NOT an external validation"
        notices.append(provenance.notice())
        say(notices[-1])
    result = EvaluationResult(
        config=config,
        model_uri=model_uri,
        model=str(classifier.metadata.get("model", "")),
        overlap=overlap,
        cohort=cohort,
        result=validation,
        notices=notices,
        training_run_id=str(classifier.metadata.get("run_id", "")),
        threshold=classifier.threshold,
        provenance=provenance,
        started_at=started_at,
    )
    if track:
        record(result, config.tracking)
        say(f"run {result.run_id} logged to {result.tracking_uri}")
    return result
