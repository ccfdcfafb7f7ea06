"""A model report as Markdown: the same sections as the HTML page; plots named by the run
artifact that holds them (a Markdown file cannot carry them portably)."""

from __future__ import annotations

from ._model_report import Bullets, Figure, ModelReport, Paragraph, Section, Table

__all__ = ["report_markdown"]


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _table(table: Table) -> list[str]:
    lines = [f"*{table.caption}*", ""] if table.caption else []
    lines.append("| " + " | ".join(_cell(c) for c in table.columns) + " |")
    lines.append("|" + "|".join("---" for _ in table.columns) + "|")
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in table.rows]
    return lines


def _block(block) -> list[str]:
    if isinstance(block, Paragraph):
        return [block.text]
    if isinstance(block, Bullets):
        return [f"- {item}" for item in block.items]
    if isinstance(block, Table):
        return _table(block)
    assert isinstance(block, Figure)
    return [f"*Figure: {block.caption}* (run artifact `{block.artifact}`)"]


def _section(number: int, section: Section) -> list[str]:
    note = "" if section.applies else " (does not apply)"
    lines = [f"## {number}. {section.title}{note}", ""]
    for block in section.blocks:
        lines += [*_block(block), ""]
    return lines


def report_markdown(report: ModelReport) -> str:
    """The report as Markdown text."""
    lines = [f"# {report.title}", "", f"*{report.subtitle}*", ""]
    lines += [f"- **{key}**: {value}" for key, value in report.facts]
    lines.append("")
    for number, section in enumerate(report.sections, start=1):
        lines += _section(number, section)
    lines.append(
        f"*Built {report.built_at} by oligomet from run {report.run_id}; every number is one "
        "the run recorded. Sections follow the TRIPOD+AI statement (Collins et al., BMJ "
        "2024;385:e078378).*"
    )
    return "\n".join(lines) + "\n"
