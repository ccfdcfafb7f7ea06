"""What ``train``, ``evaluate`` and ``cluster`` return: results that render themselves.

Each has a ``summary`` DataFrame, ``to_dict()`` (what ``--json`` prints; aggregate numbers only),
``print_summary()`` (what the command line prints) and ``_repr_html_`` (what a notebook shows),
and a ``kind`` that the tracking layer lays out (:func:`oligomet.tracking.log_result`).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._render import Display, Rendered
from ._cohort import Cohort, input_example, metric_name, table_sizes

__all__ = ["ClusterResult", "EvaluationResult", "TrainResult"]


def _run_notes(run_id: str | None, model: str | None) -> list[str]:
    if run_id is None:
        return ["not recorded (track=False)"]
    return [f"run: {run_id}", f"model: {model or 'not saved (--no-log-model)'}"]


def _coverage_counts(coverage) -> dict[str, Any] | None:
    """Who lacks which view, as counts (an outer join of the views; None for an inner one)."""
    return None if coverage is None else coverage.to_dict()


@dataclass
class TrainResult(Rendered):
    """What ``train`` produced and where it was recorded.

    Attributes
    ----------
    config : TrainConfig
    cohort : Cohort
        The labelled samples the model was evaluated and fitted on.
    cv : CrossValidationResult or SurvivalCVResult
        The nested cross-validation.
    classifier : TrainedClassifier or RiskModel
        The final model, chosen the same way on all labelled samples.
    notices : list of str
        Warnings about the data and the fit.
    """

    config: Any  # TrainConfig
    cohort: Cohort
    cv: Any
    classifier: Any
    notices: list[str] = field(default_factory=list)
    stage_records: list[Any] = field(default_factory=list)
    run_id: str | None = None
    model_uri: str | None = None
    registry_uri: str | None = None
    tracking_uri: str | None = None
    started_at: int | None = None  # ms since the epoch: the run is dated back to it

    kind = "training"

    @property
    def run_name(self) -> str:
        return f"{self.config.model.name} on {self.cohort.name}"

    @property
    def default_registered_name(self) -> str:
        from ._modelling import registered_name

        return registered_name(self.config.model.name)

    def tags(self) -> dict[str, str]:
        return {
            "oligomet.command": "train",
            "oligomet.dataset_digest": self.cohort.digest,
            "oligomet.model": self.config.model.name,
            "oligomet.cohort": self.cohort.name,
        }

    def params(self) -> dict[str, Any]:
        """What the run records as parameters (nested; MLflow joins keys with dots)."""
        config, model = self.config, self.config.model
        return {
            "model": model.name,
            "seed": config.seed,
            "dataset": self.cohort.dataset_record(),
            "label": self.cohort.labels.rule,
            "cv": config.cv.model_dump(),
            "selection": model.selection or "model default",
            "n_select": model.n_select or "model default",
            "param_grid": self.cv.params.get("param_grid") or "none",
            "groups": config.read.groups or "none",
            "join": config.read.join,
            "final": {
                "params": self.classifier.metadata.get("params") or "none",
                "threshold": self.classifier.threshold,
            },
            "views": {n: {"transform": m, "n_features": b - a} for n, m, a, b in self.cohort.views},
        }

    def resolved_config(self) -> dict[str, Any]:
        return self.config.model_dump(mode="json")

    def model_card(self) -> dict[str, Any]:
        """Description and tags of the registered model version (:mod:`._card`)."""
        from ._card import training_card

        return training_card(self)

    def design(self) -> dict[str, Any]:
        """Facts a model report needs beyond the metrics (:func:`._design.training_design`)."""
        from ._design import training_design

        return training_design(self)

    @property
    def summary(self) -> pd.DataFrame:
        return self.cv.summary

    @property
    def is_survival(self) -> bool:
        return self.cohort.time is not None

    @property
    def title(self) -> str:
        labels, model = self.cohort.labels, self.config.model.name
        if self.is_survival:
            return f"{model}: {labels.event_name}"
        return f"{model}: {labels.positive_name} vs {labels.negative_name}"

    def to_dict(self) -> dict[str, Any]:
        cv = self.cv.to_dict()
        return {
            "run_id": self.run_id,
            "model_uri": self.model_uri,
            "registry_uri": self.registry_uri,
            "tracking_uri": self.tracking_uri,
            "model": self.config.model.name,
            "dataset": self.cohort.name,
            "dataset_digest": self.cohort.digest,
            "labels": self.cohort.labels.to_dict(include_samples=False),
            "notices": list(self.notices),
            "join": self.config.read.join,
            "view_coverage": _coverage_counts(self.cohort.coverage),
            "metrics": cv["metrics"],
            "n_outer_folds": len(self.cv.fold_scores),
            "selection_frequency": cv["selection_frequency"],
            "final_model": {
                "params": self.classifier.metadata.get("params", {}),
                "threshold": self.classifier.threshold,
            },
        }

    def _display(self) -> Display:
        display = self.cv._display(title=self.config.model.name)
        if not self.is_survival:
            params = self.classifier.metadata.get("params") or {}
            chosen = ", ".join(f"{k.split('__')[-1]}={v}" for k, v in params.items())
            display.notes.append(
                f"final model: {chosen + '; ' if chosen else ''}threshold "
                f"{self.classifier.threshold:.3f}"
            )
        else:
            display.notes.clear()  # a survival summary shows the table and where it went
        if self.cohort.coverage is not None:
            display.notes.append(f"{self.cohort.coverage.report()} (labelled samples)")
        display.notes.extend(_run_notes(self.run_id, self.registry_uri or self.model_uri))
        return display


@dataclass
class EvaluationResult(Rendered):
    """What ``evaluate`` produced and where it was recorded."""

    config: Any  # EvaluateConfig
    model_uri: str
    model: str
    overlap: Any  # oligomet.evaluation.FeatureOverlap
    cohort: Cohort
    result: Any  # oligomet.evaluation.CrossValidationResult
    notices: list[str] = field(default_factory=list)
    training_run_id: str = ""
    threshold: float | None = None
    run_id: str | None = None
    started_at: int | None = None  # ms since the epoch: the run is dated back to it
    tracking_uri: str | None = None
    provenance: Any = None  # TrainingOverlap: is this the training cohort?

    kind = "evaluation"

    @property
    def validation(self) -> str:
        """``external``, ``training cohort`` or ``overlapping`` (samples shared with training)."""
        return self.provenance.kind if self.provenance is not None else "external"

    @property
    def run_name(self) -> str:
        return f"evaluate {self.model or self.model_uri} on {self.cohort.name}"

    def tags(self) -> dict[str, str]:
        return {
            "oligomet.command": "evaluate",
            "oligomet.dataset_digest": self.cohort.digest,
            "oligomet.model_uri": self.model_uri,
            "oligomet.training_run_id": self.training_run_id,
            "oligomet.model": self.model,
            "oligomet.cohort": self.cohort.name,
            "oligomet.validation": self.validation,
        }

    def params(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "model_uri": self.model_uri,
            "validation": self.validation,
            "n_training_samples_shared": getattr(self.provenance, "n_shared", 0),
            "threshold": self.threshold,
            "seed": self.config.seed,
            "dataset": self.cohort.dataset_record(),
            "label": self.cohort.labels.rule,
            "n_bootstrap": self.config.n_bootstrap,
            "confidence": self.config.confidence,
        }

    def resolved_config(self) -> dict[str, Any]:
        return self.config.model_dump(mode="json")

    @property
    def summary(self) -> pd.DataFrame:
        return self.result.summary

    @property
    def title(self) -> str:
        labels = self.cohort.labels
        return (
            f"{self.model or 'model'} on {self.cohort.name}: {labels.positive_name} vs "
            f"{labels.negative_name}"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "tracking_uri": self.tracking_uri,
            "model_uri": self.model_uri,
            "model": self.model,
            "dataset": self.cohort.name,
            "dataset_digest": self.cohort.digest,
            "validation": self.validation,
            "n_training_samples_shared": getattr(self.provenance, "n_shared", 0),
            "labels": self.cohort.labels.to_dict(include_samples=False),
            "feature_overlap": self.overlap.to_dict(),
            "notices": list(self.notices),
            "metrics": self.result.to_dict()["metrics"],
        }

    def _display(self) -> Display:
        display = self.result._display(
            title=f"{self.model or self.model_uri} on {self.cohort.name}"
        )
        notice = self.provenance.notice() if self.provenance is not None else None
        display.notes = [
            *([notice] if notice else []),
            self.overlap.report(),
            *_run_notes(self.run_id, "")[:1],
        ]
        return display


@dataclass
class ClusterResult(Rendered):
    """What ``cluster`` produced: subtypes, their meaning, and where they were recorded."""

    config: Any  # ClusterConfig
    mdata: Any  # MuData with obsp["snf_fused"], obs["snf_subtype"], uns["snf"]
    model: Any  # oligomet.snf.SubtypeModel
    X: pd.DataFrame | None = None  # the matrix that was fused (samples x all views' features)
    match: Any = None  # oligomet.io.SampleMatch
    survival: Any = None  # SurvivalComparison
    comparisons: dict[str, dict[str, float]] = field(default_factory=dict)
    association: Any = None  # ContingencyTest
    digest: str = ""
    stage_records: list[Any] = field(default_factory=list)
    started_at: int | None = None  # ms since the epoch: the run is dated back to it
    run_id: str | None = None
    registry_uri: str | None = None
    tracking_uri: str | None = None
    coverage: Any = None  # oligomet.io.ViewCoverage (outer join only): who lacks which view

    kind = "clustering"
    default_registered_name = "oligomet-snf"

    @property
    def run_name(self) -> str:
        return self.title

    @property
    def source(self) -> str:
        return "; ".join(str(v.path) for v in self.config.read.expression)

    def tags(self) -> dict[str, str]:
        return {
            "oligomet.command": "cluster",
            "oligomet.dataset_digest": self.digest,
            "oligomet.model": "snf",
            "oligomet.cohort": " + ".join(v["name"] for v in self.model.metadata["views"]),
        }

    def params(self) -> dict[str, Any]:
        return {
            "snf": self.config.snf.model_dump(),
            "seed": self.config.seed,
            "join": self.config.read.join,
            "dataset": {
                "digest": self.digest,
                "n_samples": len(self.X),
                "n_features": self.X.shape[1],
            },
            "views": {
                v["name"]: {"transform": v["transform"], "n_features": v["n_features"]}
                for v in self.model.metadata["views"]
            },
        }

    def resolved_config(self) -> dict[str, Any]:
        return self.config.model_dump(mode="json")

    def metrics(self) -> dict[str, float]:
        """Summary numbers of the run: sizes, and what the subtypes mean."""
        snf = self.snf
        sizes = np.bincount(snf.labels_)
        metrics = {
            "n_clusters": snf.n_clusters_,
            "n_samples": len(self.X),
            **{f"subtype_size_{c}": int(s) for c, s in enumerate(sizes)},
            **{metric_name(f"n_{t}"): n for t, n in table_sizes(self.match).items()},
        }
        if self.survival is not None:
            metrics["logrank_p"] = self.survival.p_value
        for column, scores in self.comparisons.items():
            metrics[metric_name(f"{column}_nmi")] = scores["nmi"]
            metrics[metric_name(f"{column}_ari")] = scores["ari"]
        if self.association is not None:
            metrics["association_p"] = self.association.p_value
        metrics["resubstitution_agreement"] = self.resubstitution_agreement
        return metrics

    @functools.cached_property
    def resubstitution_agreement(self) -> float:
        """Share of the clustered samples that the saved model, asked to assign them as new
        samples, puts in their own subtype. It can be below 1: a new sample is assigned by
        label propagation from its neighbours on the fused network, not by re-fusing it, so
        samples at a subtype's border can move (none of the 100 TCGA GBM patients with the
        SNFtool preset, 4 with the snfpy preset)."""
        predicted = self.model.predict(self.X).to_numpy()
        return float(np.mean(predicted == self.snf.labels_))

    def model_card(self) -> dict[str, Any]:
        """Description and tags of the registered subtype model (:mod:`._card`)."""
        from ._card import clustering_card

        return clustering_card(self)

    def step_metrics(self) -> dict[str, dict[int, float]]:
        """Metrics by step: the eigengap of each candidate number of subtypes."""
        return {"eigengap": {int(k): gap for k, gap in self.snf.eigengap_.items()}}

    def records(self) -> dict[str, dict[str, Any]]:
        """Aggregate results by name (no patient-level values)."""
        records = {"subtypes": self.snf.to_dict()}
        if self.survival is not None:
            records["survival"] = self.survival.to_dict()
        if self.association is not None:
            records["subtype_by_label"] = self.association.to_dict()
        return records

    def figures(self) -> dict[str, Any]:
        """Eigengap curve, fused network ordered by subtype, Kaplan-Meier by subtype."""
        from ..snf import plot_eigengap, plot_fused_network

        snf = self.snf
        figures = {
            "eigengap": plot_eigengap(snf.eigengap_, snf.n_clusters_),
            "fused_network": plot_fused_network(snf.fused_network_, snf.labels_),
        }
        if self.survival is not None:
            figures["kaplan_meier"] = self.survival.plot()
        return figures

    def input_example(self) -> pd.DataFrame:
        return input_example(self.X)

    @property
    def snf(self):
        return self.model.pipeline[-1].snf_

    @property
    def labels(self) -> pd.Series:
        """Subtype of each sample (patient-level)."""
        return pd.Series(self.snf.labels_, index=self.X.index, name="subtype")

    @property
    def summary(self) -> pd.DataFrame:
        sizes = pd.Series(self.snf.labels_).value_counts().sort_index()
        return sizes.rename("n_samples").rename_axis("subtype").to_frame()

    @property
    def title(self) -> str:
        return f"SNF of {' + '.join(v['name'] for v in self.model.metadata['views'])}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "registry_uri": self.registry_uri,
            "dataset_digest": self.digest,
            **self.snf.to_dict(),
            "logrank_p": None if self.survival is None else self.survival.p_value,
            "comparisons": self.comparisons,
            "association": None if self.association is None else self.association.to_dict(),
            "join": self.config.read.join,
            "view_coverage": _coverage_counts(self.coverage),
        }

    def _display(self) -> Display:
        table = self.summary.reset_index().astype(str)
        notes = [] if self.coverage is None else [self.coverage.report()]
        if self.survival is not None:
            notes.append(f"log-rank p across subtypes: {self.survival.p_value:.3g}")
        for column, scores in self.comparisons.items():
            notes.append(
                f"agreement with {column}: NMI {scores['nmi']:.3f}, ARI {scores['ari']:.3f}"
            )
        if self.association is not None:
            notes.append(
                f"subtype x label: {self.association.test} p = {self.association.p_value:.3g}"
            )
        notes.extend(_run_notes(self.run_id, self.registry_uri))
        sizes = np.bincount(self.snf.labels_).tolist()
        return Display(
            f"{self.title}: {self.snf.n_clusters_} subtypes, sizes {sizes}", table, notes
        )
