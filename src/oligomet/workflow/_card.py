"""What the model registry shows about a model: a description a reader can act on, and tags.

The MLflow UI lists registered models with their description and tags; without them a version
is a number. Built from a result (aggregate facts only, nothing patient-level).
"""

from __future__ import annotations

from typing import Any

from .._render import interval_text

__all__ = ["clustering_card", "training_card"]


def _metric_text(metrics: dict[str, float], name: str, label: str) -> str:
    value = metrics.get(name)
    if value is None:
        return ""
    interval = interval_text(metrics.get(f"{name}_ci_low"), metrics.get(f"{name}_ci_high"))
    return f"{label} {value:.3f}" + (f" (95% CI {interval})" if interval else "")


def training_card(result) -> dict[str, Any]:
    """Description and tags of a trained model's registered version."""
    from ..labels import describe_rule

    cohort, cv, config = result.cohort, result.cv, result.config
    metrics, labels = cv.metrics, cohort.labels
    design = f"nested {config.cv.n_repeats} x {config.cv.n_splits}-fold cross-validation"
    if result.is_survival:
        outcome = f"time to {labels.event_name}"
        score = _metric_text(metrics, "c_index", "C-index")
        null = metrics.get("null_c_index")
    else:
        outcome = describe_rule(labels.rule, labels.positive_name, labels.negative_name)
        score = _metric_text(metrics, "roc_auc", "ROC AUC")
        null = metrics.get("null_roc_auc")
    lines = [
        f"{config.model.name} trained on {cohort.name} ({len(cohort.X)} samples, "
        f"{cohort.X.shape[1]} features; dataset digest {cohort.digest[:12]}).",
        f"Outcome: {outcome}.",
        f"{design}: {score}"
        + (
            f"; permuted labels {null:.3f}, permutation p {metrics['permutation_p']:.3g}."
            if null is not None and "permutation_p" in metrics
            else "."
        ),
        "Research use only; not validated for clinical decisions.",
    ]
    tags = {
        "oligomet.model": config.model.name,
        "oligomet.cohort": cohort.name,
        "oligomet.task": "survival" if result.is_survival else "classification",
        "oligomet.dataset_digest": cohort.digest,
        "oligomet.seed": str(config.seed),
    }
    if not result.is_survival:
        tags |= {
            "oligomet.positive_class": labels.positive_name,
            "oligomet.negative_class": labels.negative_name,
            "oligomet.cv_roc_auc": f"{metrics.get('roc_auc', float('nan')):.3f}",
        }
    return {"description": "\n".join(lines), "tags": tags}


def clustering_card(result) -> dict[str, Any]:
    """Description and tags of a subtype (SNF) model's registered version."""
    snf, metrics = result.snf, result.metrics()
    views = " + ".join(v["name"] for v in result.model.metadata["views"])
    sizes = ", ".join(str(int(metrics[f"subtype_size_{c}"])) for c in range(snf.n_clusters_))
    lines = [
        f"SNF subtypes of {views} ({len(result.X)} samples): {snf.n_clusters_} subtypes of "
        f"sizes {sizes}.",
        "New samples are assigned by label propagation on the fused network; re-assigning the "
        f"training samples agrees with their clusters for "
        f"{metrics.get('resubstitution_agreement', float('nan')):.0%} of them.",
        "Research use only; not validated for clinical decisions.",
    ]
    tags = {
        "oligomet.model": "snf",
        "oligomet.cohort": views,
        "oligomet.task": "subtypes",
        "oligomet.dataset_digest": result.digest,
        "oligomet.n_subtypes": str(snf.n_clusters_),
    }
    return {"description": "\n".join(lines), "tags": tags}
