"""Render result frames for the terminal or for machines: table, csv or json.

Every command that prints figures goes through `emit`, so formats behave the same
everywhere. Money columns are rounded to cents only here, at display time; csv and json
keep full precision. A null money figure prints as "unpriced", never as 0.
"""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Sequence
from enum import Enum
from typing import Literal, TextIO

import polars as pl


class Format(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"


def _fmt_cell(value: object, money: bool) -> str:
    if value is None:
        return "unpriced" if money else "—"
    if isinstance(value, float):
        return f"{value:,.2f}" if money else f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def render_table(
    frame: pl.DataFrame,
    title: str | None = None,
    money_columns: Sequence[str] = (),
    caption: str | None = None,
) -> "object":
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=title, caption=caption, show_lines=False)
    for col, dtype in frame.schema.items():
        justify: Literal["right", "left"] = "right" if dtype.is_numeric() else "left"
        table.add_column(col, justify=justify)
    for row in frame.iter_rows():
        # Cells are data, not markup: "[cogs.features]" in a reason must print as written.
        table.add_row(*(escape(_fmt_cell(v, c in money_columns)) for c, v in zip(frame.columns, row)))
    return table


def emit(
    frame: pl.DataFrame,
    fmt: Format | str = Format.table,
    *,
    title: str | None = None,
    money_columns: Sequence[str] = (),
    caption: str | None = None,
    out: TextIO | None = None,
) -> None:
    fmt = Format(fmt)
    out = out or sys.stdout
    if fmt is Format.csv:
        buf = io.StringIO()
        frame.write_csv(buf)
        out.write(buf.getvalue())
    elif fmt is Format.json:
        out.write(json.dumps(frame.to_dicts(), default=str, indent=2) + "\n")
    else:
        from rich.console import Console

        # A terminal gets its own width; a pipe or file gets room for every column, not truncation.
        width = max(100, min(200, _term_width())) if out.isatty() else 200
        Console(file=out, width=width).print(
            render_table(frame, title, money_columns, caption)
        )


def _term_width() -> int:
    import shutil

    return shutil.get_terminal_size((120, 40)).columns
