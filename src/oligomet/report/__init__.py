"""Model reports a clinician can read: TRIPOD+AI-style, built from what a training run recorded.

:func:`build_report` turns a run record (:func:`oligomet.tracking.run_record`: parameters,
metrics, tags, JSON artifacts and plots) into a :class:`ModelReport` whose sections are data
(text blocks for people, ``values`` for machines) and which renders itself as one self-contained
HTML page (:meth:`ModelReport.to_html`) or Markdown (:meth:`ModelReport.to_markdown`).
:func:`report_for_run` reads the record from a store by run ID or model URI; :func:`log_report`
attaches the report to its run (``oligomet train`` does so for every model it trains).

This package sits above :mod:`oligomet.tracking` (which never imports it) and below the
workflow and the command line.
"""

from ._model_report import (
    REPORT_ARTIFACTS,
    Bullets,
    Figure,
    ModelReport,
    Paragraph,
    Section,
    Table,
    build_report,
    log_report,
    report_for_run,
)

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
