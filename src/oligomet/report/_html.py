"""A model report as one self-contained HTML page: inline CSS, plots as data URIs, no scripts
and nothing fetched (a Content-Security-Policy says so to the browser)."""

from __future__ import annotations

import base64
import html

from ._model_report import Bullets, Figure, ModelReport, Paragraph, Section, Table

__all__ = ["report_html"]

_CSS = """
body { font-family: -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: #1d2330; background: #fff; margin: 0; line-height: 1.5; }
main { max-width: 60rem; margin: 0 auto; padding: 1.5rem 2rem 3rem; }
h1 { font-size: 1.7rem; margin: 0.2rem 0; }
h2 { font-size: 1.25rem; margin: 2rem 0 0.6rem; padding-bottom: 0.2rem;
  border-bottom: 2px solid #d7dde8; }
.subtitle { font-size: 1.05rem; color: #4a5468; margin: 0 0 1rem; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 0.15rem 1rem;
  background: #f4f6fa; border: 1px solid #d7dde8; border-radius: 6px; padding: 0.8rem 1rem; }
dl.facts dt { font-weight: 600; } dl.facts dd { margin: 0; overflow-wrap: anywhere; }
nav ol { columns: 2; padding-left: 1.4rem; } nav a { color: #1f4e99; }
table { border-collapse: collapse; margin: 0.6rem 0 1rem; font-size: 0.92rem; }
caption { text-align: left; font-weight: 600; padding-bottom: 0.3rem; }
th, td { border: 1px solid #d7dde8; padding: 0.25rem 0.6rem; text-align: left;
  vertical-align: top; overflow-wrap: anywhere; }
th { background: #eef1f6; white-space: nowrap; } td.sub { padding-left: 1.6rem; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 0.8rem 0 1.2rem; } figure img { max-width: min(100%, 40rem); height: auto;
  border: 1px solid #e3e7ee; } figcaption { font-size: 0.88rem; color: #4a5468; }
.na { color: #6b7385; } .badge { font-size: 0.75rem; background: #eef1f6; color: #4a5468;
  border-radius: 4px; padding: 0.05rem 0.4rem; margin-left: 0.5rem; vertical-align: middle; }
footer { margin-top: 2.5rem; font-size: 0.85rem; color: #6b7385; border-top: 1px solid #d7dde8;
  padding-top: 0.6rem; }
@media print { nav { display: none; } h2 { break-after: avoid; } figure { break-inside: avoid; } }
"""

_POLICY = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"


def _escape(text: object) -> str:
    return html.escape(str(text), quote=True)


def _is_number(text: str) -> bool:
    try:
        float(text.replace(",", ""))
    except ValueError:
        return False
    return True


def _table(table: Table) -> str:
    head = "".join(f"<th>{_escape(c)}</th>" for c in table.columns)
    body = []
    for row in table.rows:
        cells = [
            f'<td class="num">{_escape(c)}</td>' if _is_number(c) else f"<td>{_escape(c)}</td>"
            for c in row
        ]
        if row and row[0].startswith("  "):  # a sub-row (a reason, a class) of the row above
            cells[0] = f'<td class="sub">{_escape(row[0].strip())}</td>'
        body.append(f"<tr>{''.join(cells)}</tr>")
    caption = f"<caption>{_escape(table.caption)}</caption>" if table.caption else ""
    return f"<table>{caption}<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _figure(figure: Figure) -> str:
    data = base64.b64encode(figure.png).decode("ascii")
    return (
        f'<figure><img src="data:image/png;base64,{data}" alt="{_escape(figure.caption)}">'
        f"<figcaption>{_escape(figure.caption)} (run artifact {_escape(figure.artifact)})"
        "</figcaption></figure>"
    )


def _block(block) -> str:
    if isinstance(block, Paragraph):
        return f"<p>{_escape(block.text)}</p>"
    if isinstance(block, Bullets):
        return "<ul>" + "".join(f"<li>{_escape(item)}</li>" for item in block.items) + "</ul>"
    if isinstance(block, Table):
        return _table(block)
    return _figure(block)


def _section(number: int, section: Section) -> str:
    badge = "" if section.applies else '<span class="badge">does not apply</span>'
    css = "" if section.applies else ' class="na"'
    body = "\n".join(_block(block) for block in section.blocks)
    return (
        f'<section id="{_escape(section.key)}"{css}>'
        f"<h2>{number}. {_escape(section.title)}{badge}</h2>\n{body}</section>"
    )


def report_html(report: ModelReport) -> str:
    """The report as a self-contained HTML page (UTF-8 text)."""
    facts = "".join(f"<dt>{_escape(k)}</dt><dd>{_escape(v)}</dd>" for k, v in report.facts)
    toc = "".join(
        f'<li><a href="#{_escape(s.key)}">{_escape(s.title)}</a></li>' for s in report.sections
    )
    sections = "\n".join(_section(i, s) for i, s in enumerate(report.sections, start=1))
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{_POLICY}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_escape(report.title)}</title>
<style>{_CSS}</style>
</head>
<body>
<main>
<header>
<h1>{_escape(report.title)}</h1>
<p class="subtitle">{_escape(report.subtitle)}</p>
<dl class="facts">{facts}</dl>
<nav><ol>{toc}</ol></nav>
</header>
{sections}
<footer>Built {_escape(report.built_at)} by oligomet from run {_escape(report.run_id)}; every
number is one the run recorded. Sections follow the TRIPOD+AI statement (Collins et al., BMJ
2024;385:e078378).</footer>
</main>
</body>
</html>
"""
