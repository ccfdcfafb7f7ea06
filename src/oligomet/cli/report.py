"""``oligomet report RUN_ID|MODEL_URI [--output FILE] [--format html|md]``."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from ._app import app, fail, user_errors
from .predict import TrackingUri

FORMATS = {"html": ".html", "md": ".md"}


def _format_of(requested: str | None, output: str | None) -> str:
    if requested is not None:
        if requested.lower() not in FORMATS:
            fail(f"--format must be html or md, got {requested!r}")
        return requested.lower()
    suffix = Path(output).suffix.lower() if output and output != "-" else ""
    return "md" if suffix in (".md", ".markdown") else "html"


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder, renamed into
    place: the file is either complete or absent, never partial."""
    from .._errors import InputError

    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(f"cannot write {path}: folder {folder} does not exist")
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@app.command("report")
@user_errors
def report(
    run: Annotated[
        str,
        typer.Argument(
            help="A training run's ID, or its model: models:/NAME@ALIAS, models:/NAME/VERSION, "
            "runs:/RUN_ID.",
            metavar="RUN_ID|MODEL_URI",
            show_default=False,
        ),
    ],
    output: Annotated[
        str | None,
        typer.Option(
            "--output",
            "-o",
            help="File to write (default: model_report_<run>.html or .md in the working "
            "directory; - for standard output).",
        ),
    ] = None,
    format_: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            help="html (one self-contained page, plots embedded) or md (Markdown); default: "
            "from the --output suffix, else html.",
        ),
    ] = None,
    tracking_uri: TrackingUri = None,
) -> None:
    """Write the report of a trained model, TRIPOD+AI style: data and dates, samples used and
    excluded, outcome, predictors, missing data, sample size, validation, discrimination,
    calibration, permuted-label null, final model, intended use and limitations."""
    from ..report import report_for_run

    kind = _format_of(format_, output)
    if output not in (None, "-") and not Path(output).parent.is_dir():
        fail(f"cannot write {output}: folder {Path(output).parent} does not exist")
    model_report = report_for_run(run, tracking_uri=tracking_uri)
    text = model_report.to_html() if kind == "html" else model_report.to_markdown()
    if output == "-":
        typer.echo(text, nl=False)
        return
    path = Path(output or f"model_report_{model_report.run_id[:8]}{FORMATS[kind]}")
    write_atomically(path, text)
    typer.echo(f"wrote the model report of run {model_report.run_id} to {path}", err=True)
