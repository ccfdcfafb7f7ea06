"""A report of a trained model that a clinician can read, laid out after TRIPOD+AI.

:func:`build_report` is a pure function of a run record (:func:`oligomet.tracking.run_record`):
every number in the report is one the run recorded, so the report and the run cannot disagree.
:func:`report_for_run` reads the record from a store; :func:`log_report` attaches the report to
the run it describes.

References
----------
Collins GS, Moons KGM, Dhiman P, et al. TRIPOD+AI statement: updated guidance for reporting
clinical prediction models that use regression or machine learning methods. BMJ 2024;385:e078378.
:doi:`10.1136/bmj-2023-078378`
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ._facts import RunFacts, date_text, number

__all__ = [
    "REPORT_ARTIFACTS",
    "Bullets",
    "Figure",
    "ModelReport",
    "Paragraph",
    "Section",
    "Table",
    "build_report",
    "log_report",
    "report_for_run",
]

logger = logging.getLogger(__name__)

#: Where a training run keeps its report, by format.
REPORT_ARTIFACTS = {"html": "report/model_report.html", "md": "report/model_report.md"}


@dataclass
class Paragraph:
    """A paragraph of plain text."""

    text: str


@dataclass
class Bullets:
    """A bulleted list of plain-text items."""

    items: list[str]


@dataclass
class Table:
    """A small table of strings (the first column names the row)."""

    columns: list[str]
    rows: list[list[str]]
    caption: str = ""


@dataclass
class Figure:
    """A plot of the run: PNG bytes and the artifact it came from."""

    caption: str
    png: bytes
    artifact: str


Block = Paragraph | Bullets | Table | Figure


@dataclass
class Section:
    """One section of a report: text blocks for people, ``values`` for machines.

    Attributes
    ----------
    key : str
        Stable identifier (``"discrimination"``, ``"calibration"``, ...).
    title : str
    blocks : list of Paragraph, Bullets, Table or Figure
    values : dict
        The numbers the section states, unrounded, as the run recorded them (or computed from
        them, e.g. the events per candidate feature).
    applies : bool
        False when the section does not apply to this kind of model (it then says why).
    """

    key: str
    title: str
    blocks: list[Block] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)
    applies: bool = True

    @property
    def text(self) -> str:
        """Every word of the section (title, paragraphs, items, table cells, captions)."""
        parts = [self.title]
        for block in self.blocks:
            if isinstance(block, Paragraph):
                parts.append(block.text)
            elif isinstance(block, Bullets):
                parts.extend(block.items)
            elif isinstance(block, Table):
                parts.append(block.caption)
                parts.append(" ".join(block.columns))
                parts.extend(" ".join(row) for row in block.rows)
            else:
                parts.append(block.caption)
        return "\n".join(parts)


@dataclass
class ModelReport:
    """A model report: a title, key facts, and sections in TRIPOD+AI order.

    Render it with :meth:`to_html` (one self-contained page: inline CSS, plots embedded as data
    URIs, nothing fetched) or :meth:`to_markdown` (plots named by their artifact path).
    """

    title: str
    subtitle: str
    run_id: str
    facts: list[tuple[str, str]]
    sections: list[Section]
    built_at: str = ""

    def section(self, key: str) -> Section:
        """The section named ``key``."""
        for section in self.sections:
            if section.key == key:
                return section
        raise KeyError(f"no section {key!r}; sections: {[s.key for s in self.sections]}")

    @property
    def keys(self) -> list[str]:
        return [section.key for section in self.sections]

    def to_html(self) -> str:
        from ._html import report_html

        return report_html(self)

    def to_markdown(self) -> str:
        from ._markdown import report_markdown

        return report_markdown(self)

    def _repr_html_(self) -> str:
        return self.to_html()


def _facts(run: RunFacts) -> list[tuple[str, str]]:
    versions = run.record.get("model_versions") or []
    registered = "; ".join(
        f"{v['name']} version {v['version']}"
        + (f" (alias {', '.join(v['aliases'])})" if v.get("aliases") else "")
        for v in versions
    )
    return [
        ("Model", run.model),
        ("Outcome", run.outcome),
        ("Cohort", f"{run.cohort} ({run.n_samples} samples)"),
        (
            "Run",
            f"{run.run_id} ({run.record.get('run_name', '')}), status {run.record.get('status')}",
        ),
        ("Experiment", str(run.record.get("experiment_name", run.record.get("experiment_id", "")))),
        ("Run started", date_text(run.record.get("start_time"))),
        (
            "Run ended",
            date_text(run.record["end_time"])
            if run.record.get("end_time")
            else f"not ended (status {run.record.get('status')})",
        ),
        ("Registered model", registered or "not registered"),
        ("oligomet version", run.version or "not recorded (run made before oligomet recorded it)"),
        ("Seed", number(run.seed)),
    ]


def build_report(record: dict[str, Any]) -> ModelReport:
    """Build the report of a training run from its record.

    Parameters
    ----------
    record : dict
        A run as plain data: what :func:`oligomet.tracking.run_record` returns (``run_id``,
        ``params``, ``metrics``, ``tags``, ``artifacts``, ``model_versions``, ``evaluations``,
        times).

    Returns
    -------
    ModelReport
        Sections, in order: ``source``, ``eligibility``, ``outcome``, ``predictors``,
        ``missing_data``, ``sample_size``, ``validation``, ``discrimination``, ``calibration``,
        ``null``, ``final_model``, ``external_validation``, ``intended_use``.

    Raises
    ------
    InputError
        When the record is not that of a training run (e.g. a clustering run).
    """
    from ._performance import performance_sections
    from ._sections import data_sections

    run = RunFacts(record)
    title = f"Model report: {run.model}"
    subtitle = f"{run.outcome} in {run.cohort}"
    return ModelReport(
        title=title,
        subtitle=subtitle,
        run_id=run.run_id,
        facts=_facts(run),
        sections=[*data_sections(run), *performance_sections(run)],
        built_at=datetime.now(tz=UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
    )


def report_for_run(run_or_model: str, tracking_uri: str | None = None) -> ModelReport:
    """The report of a training run, read from a tracking store.

    Parameters
    ----------
    run_or_model : str
        A run ID, ``runs:/RUN_ID/...``, ``models:/NAME@ALIAS``, ``models:/NAME/VERSION`` or
        ``models:/m-<id>``.
    tracking_uri : str or None
        The store; default :func:`oligomet.tracking.resolve_tracking_uri`.

    Raises
    ------
    InputError
        When the store has no such run or model, or the run is not a training run.
    """
    from ..tracking import run_record

    return build_report(run_record(run_or_model, tracking_uri=tracking_uri))


def log_report(run_id: str, *, tracking_uri: str | None = None) -> ModelReport:
    """Build the report of a recorded training run and attach it to that run.

    The report is read back from the store, so it is what ``oligomet report RUN_ID`` prints;
    it is logged as ``report/model_report.html`` and ``report/model_report.md`` and the run
    is tagged ``oligomet.report``. The run's status and end time are left as they are.
    """
    from ..tracking import attach_to_run

    report = report_for_run(run_id, tracking_uri=tracking_uri)
    texts = {
        REPORT_ARTIFACTS["html"]: report.to_html(),
        REPORT_ARTIFACTS["md"]: report.to_markdown(),
    }
    attach_to_run(
        run_id, texts, tags={"oligomet.report": REPORT_ARTIFACTS["html"]}, tracking_uri=tracking_uri
    )
    return report
