"""A run record (:func:`oligomet.tracking.run_record`) read the way a report needs it.

The record is plain data: parameters as MLflow keeps them (flattened, text), metrics, tags and
the artifacts read back (parsed JSON/YAML, PNG bytes). :class:`RunFacts` names what the report
uses and says what is missing, so that a run recorded by an older oligomet still gets a report.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from typing import Any

from .._errors import InputError

__all__ = ["RunFacts", "date_text", "number", "percent", "plain", "times"]


def number(value: Any, digits: int = 3) -> str:
    """``0.688`` for a float, ``189`` for a whole count, ``not recorded`` for None or NaN."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "not recorded"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, int) or (float(value).is_integer() and abs(value) >= 10):
        return f"{int(value)}"
    return f"{value:.{digits}f}"


def plain(value: Any) -> str:
    """A value of a rule or setting as written by a person: ``5`` for 5.0, ``2.5``, text as is."""
    if isinstance(value, float) and math.isfinite(value):
        return f"{value:g}"
    return "not recorded" if value is None else str(value)


def times(n: Any) -> str:
    """``once``, ``twice``, ``5 times``."""
    return {1: "once", 2: "twice"}.get(n, f"{plain(n)} times")


def percent(part: float, whole: float) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "n/a"


def date_text(milliseconds: int | float | None) -> str:
    """``2026-12-06 05:36:43 UTC`` for milliseconds since the epoch; ``not recorded`` for None."""
    if milliseconds is None:
        return "not recorded"
    moment = datetime.fromtimestamp(milliseconds / 1000, tz=UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def _parse_param(text: str) -> Any:
    """A parameter as logged: JSON for numbers, lists and null; anything else is text."""
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return text


class RunFacts:
    """Named access to a run record.

    Parameters
    ----------
    record : dict
        What :func:`oligomet.tracking.run_record` returns.

    Raises
    ------
    InputError
        When the run is not a training run of oligomet (a clustering, evaluation or pipeline
        run, or a run of another tool).
    """

    def __init__(self, record: dict[str, Any]) -> None:
        self.record = record
        self.params: dict[str, str] = dict(record.get("params", {}))
        self.metrics: dict[str, float] = dict(record.get("metrics", {}))
        self.tags: dict[str, str] = dict(record.get("tags", {}))
        self.artifacts: dict[str, Any] = dict(record.get("artifacts", {}))
        command = self.tags.get("oligomet.command")
        if command != "train":
            what = {
                "cluster": "a clustering run (oligomet cluster)",
                "evaluate": "an evaluation run (oligomet evaluate); report the training run "
                f"{self.tags.get('oligomet.training_run_id', '')}".rstrip(),
                "run": "a pipeline run (oligomet run); report one of its child runs",
            }.get(command or "", "not a training run of oligomet")
            raise InputError(
                f"run {record.get('run_id')} is {what}: a model report describes a model "
                "trained by `oligomet train`"
            )

    # ------------------------------------------------------------------ identity and dates
    @property
    def run_id(self) -> str:
        return str(self.record.get("run_id", ""))

    @property
    def model(self) -> str:
        return self.params.get("model") or self.tags.get("oligomet.model", "model")

    @property
    def cohort(self) -> str:
        return self.params.get("dataset.name") or self.tags.get("oligomet.cohort", "")

    @property
    def seed(self) -> Any:
        return self.param("seed")

    @property
    def version(self) -> str | None:
        return self.design.get("software", {}).get("oligomet")

    # ------------------------------------------------------------------ artifacts
    @property
    def cv(self) -> dict[str, Any]:
        return self.artifacts.get("evaluation/cross_validation.json") or {}

    @property
    def cv_params(self) -> dict[str, Any]:
        return self.cv.get("params") or {}

    @property
    def labels(self) -> dict[str, Any]:
        return self.artifacts.get("evaluation/labels.json") or {}

    @property
    def rule(self) -> dict[str, Any]:
        return self.labels.get("rule") or {}

    @property
    def sources(self) -> list[dict[str, Any]]:
        return (self.artifacts.get("data/sources.json") or {}).get("sources", [])

    @property
    def design(self) -> dict[str, Any]:
        return self.artifacts.get("design.json") or {}

    @property
    def config(self) -> dict[str, Any]:
        return self.artifacts.get("config.yaml") or {}

    def figure(self, name: str) -> bytes | None:
        """A plot of the run (``evaluation/<name>.png``), or None."""
        return self.artifacts.get(f"evaluation/{name}.png")

    # ------------------------------------------------------------------ params and metrics
    def param(self, key: str, default: Any = None) -> Any:
        return _parse_param(self.params[key]) if key in self.params else default

    def params_under(self, prefix: str) -> dict[str, Any]:
        """Parameters whose key starts with ``prefix.``, the prefix removed, values parsed."""
        start = f"{prefix}."
        return {
            k[len(start) :]: _parse_param(v) for k, v in self.params.items() if k.startswith(start)
        }

    def metric(self, name: str) -> float | None:
        value = self.metrics.get(name)
        return None if value is None or not math.isfinite(value) else float(value)

    def metric_text(self, name: str, digits: int = 3) -> str:
        """A metric as the report writes it; ``not estimable`` when the evaluation computed it
        as NaN (e.g. a calibration slope when the classes were perfectly separated, which
        MLflow cannot store), ``not recorded`` when the run has no such metric."""
        value = self.metric(name)
        if value is not None:
            return number(value, digits)
        computed = (self.cv.get("metrics") or {}).get(name)
        return "not estimable" if computed is not None else "not recorded"

    @property
    def is_survival(self) -> bool:
        return self.rule.get("kind") == "survival" or "c_index" in self.metrics

    @property
    def n_samples(self) -> int:
        value = self.metric("n_samples") or self.param("dataset.n_samples") or 0
        return int(value)

    @property
    def n_positive(self) -> int:
        """Positives (class 1), or events for a survival model."""
        if self.is_survival:
            return int(self.metric("n_events") or self.labels.get("n_events") or 0)
        return int(self.metric("n_positive") or self.labels.get("n_positive") or 0)

    @property
    def n_negative(self) -> int:
        """Negatives (class 0), or censored patients for a survival model."""
        return self.n_samples - self.n_positive

    @property
    def positive_name(self) -> str:
        if self.is_survival:
            return f"{self.labels.get('event_name', 'event')} (event)"
        return str(self.labels.get("positive_name", "positive"))

    @property
    def negative_name(self) -> str:
        if self.is_survival:
            return "censored"
        return str(self.labels.get("negative_name", "negative"))

    @property
    def outcome(self) -> str:
        """The outcome in a few words: ``M1 vs M0``, or ``time to distant_metastasis``."""
        if self.is_survival:
            return f"time to {self.labels.get('event_name', 'event')}"
        return f"{self.positive_name} vs {self.negative_name}"

    @property
    def n_candidates(self) -> int | None:
        candidates = self.design.get("candidate_features", {}).get("n")
        if candidates is None:
            candidates = self.param("dataset.n_features")
        return None if candidates is None else int(candidates)

    @property
    def n_permutations(self) -> int:
        value = self.cv_params.get("n_permutations", self.param("cv.n_permutations", 0))
        return int(value or 0)

    @property
    def confidence(self) -> float:
        return float(self.cv_params.get("confidence", self.param("cv.confidence", 0.95)))
