"""Results that render themselves: one table for the terminal, a notebook and ``--json``.

A result class defines :meth:`Rendered._display` (a title, a table of strings, notes) and
``to_dict``; :class:`Rendered` turns the display into a rich table (``print_summary``, used by the
CLI), HTML (``_repr_html_``, used by Jupyter) and plain text (``str``). Nothing here knows what
the results mean, so every layer can use it.
"""

from __future__ import annotations

import html
import io
import math
from dataclasses import dataclass, field
from typing import IO, Any

import pandas as pd

__all__ = ["Display", "Rendered", "format_number", "interval_text"]


@dataclass
class Display:
    """What a result shows: a title, a table (strings, first column the row label), notes."""

    title: str
    table: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    sections: list[Display] = field(default_factory=list)


def format_number(value: Any, digits: int = 3) -> str:
    """``0.123`` for a float (3 decimals), ``"4"`` for a whole number, ``""`` for NaN/None."""
    if value is None:
        return ""
    if isinstance(value, float | int) and not isinstance(value, bool):
        if isinstance(value, float) and not math.isfinite(value):
            return ""
        if float(value).is_integer() and abs(value) >= 1:
            return f"{int(value)}"
        return f"{value:.{digits}f}"
    return str(value)


def interval_text(low: Any, high: Any, digits: int = 3, *, sep: str = " to ") -> str:
    """``"0.584 to 0.810"`` (or with another separator), ``""`` when undefined."""
    low_text, high_text = format_number(low, digits), format_number(high, digits)
    if not low_text or not high_text:
        return ""
    return f"{float(low):.{digits}f}{sep}{float(high):.{digits}f}"


class Rendered:
    """Mixin: ``print_summary()``, ``_repr_html_()`` and ``str()`` from :meth:`_display`."""

    def _display(self) -> Display:  # pragma: no cover - every result overrides it
        raise NotImplementedError

    def _displays(self) -> list[Display]:
        display = self._display()
        return [display, *display.sections]

    def print_summary(self, file: IO[str] | None = None, *, width: int = 120) -> None:
        """Print the result as a table (the same one the command line shows).

        Parameters
        ----------
        file : text stream or None, default=None
            Where to print; standard output by default.
        width : int, default=120
            Minimum width of the console (tables keep their rows on one line when piped).
        """
        from rich.console import Console
        from rich.table import Table

        console = Console(file=file, width=max(Console(file=file).width, width))
        for display in self._displays():
            table = Table(title=display.title)
            for column in display.table.columns:
                table.add_column(str(column))
            for row in display.table.itertuples(index=False):
                table.add_row(*(str(cell) for cell in row))
            if len(display.table):
                console.print(table)
            elif display.title:
                console.print(display.title)
            for note in display.notes:
                console.print(note, markup=False, highlight=False)

    def __str__(self) -> str:
        buffer = io.StringIO()
        self.print_summary(buffer)
        return buffer.getvalue()

    def _repr_html_(self) -> str:
        parts = []
        for display in self._displays():
            parts.append(f"<h4>{html.escape(display.title)}</h4>")
            if len(display.table):
                parts.append(display.table.to_html(index=False, escape=True))
            parts.extend(f"<p>{html.escape(note)}</p>" for note in display.notes)
        return "\n".join(parts)
