"""Render result frames for the terminal or for machines: table, csv or json.

Every command that prints figures goes through `emit`, so formats behave the same
everywhere:

- `table` (a terminal's default) fits the terminal: columns are ranked by importance and
  the least important are left out first as the terminal narrows (the caption names them
  and `--wide` shows all); identifiers are shortened with "…" before any column is left
  out; long text (evidence, reasons) wraps inside its own column; a number is never cut.
- Piped or redirected without `--format`, the default is plain text a script can read:
  the title and caption as "# " lines, then CSV of the displayed values.
- `csv` and `json` keep the frame's columns and full precision; JSON drops only float noise
  (finops.numbers.json_value: -1.38e-17 -> 0.0).

Numbers use finops.numbers (money with its symbol, a sign on changes, two decimals, more
only below a cent). A null money figure prints as "unpriced", never as 0.
"""

from __future__ import annotations

import importlib
import io
import json
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from enum import Enum
from typing import TYPE_CHECKING, Any, Literal, TextIO

import polars as pl

from finops import numbers

if TYPE_CHECKING:
    from rich.console import Group


class Format(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"


# Headers in words for the column names the commands print (others: underscores become spaces).
LABELS = {
    "delta_usd": "Δ $", "delta_pct": "Δ %", "delta": "Δ tokens", "billed_usd": "billed $",
    "billed_usd_at_catalog": "billed at catalog $", "dollar_impact": "$ impact", "unexplained_usd": "unexplained $",
    "price_diff_usd": "price Δ $", "billed_cost": "billed", "gross_margin_pct": "gross margin %",
    "cost_per_task": "cost / task", "kwh_low": "kWh low", "kwh_mid": "kWh", "kwh_high": "kWh high",
    "kgco2e_low": "kgCO2e low", "kgco2e_mid": "kgCO2e", "kgco2e_high": "kgCO2e high", "token_class": "token class",
    "project_id": "project", "api_key_id": "key", "day_range": "days",
    "coverage80": "80% coverage", "coverage95": "95% coverage", "total_coverage80": "80% coverage of totals",
    "coverage80_low": "80% low", "coverage80_high": "80% high", "coverage95_low": "95% low",
    "coverage95_high": "95% high",
    "mase": "MASE", "smape_pct": "sMAPE %",
}
# Column names that hold a change: money and percentages print with their sign.
CHANGE_WORDS = ("delta", "diff", "change", "impact", "Δ")
NUMERIC_TEXT = re.compile(r"^[\d$€£¥+\-−.,%()\s–→~]+$")
DATE = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")
WRAP_MIN = 24  # a wrapped text column never gets narrower than this
ID_MIN = 8  # an identifier is shortened with "…" down to this many characters
KEY_MIN = 16  # a key identifier (among the first KEY_COLUMNS ranked) keeps this many: less important columns go first
KEY_COLUMNS = 3


def label(name: str, labels: Mapping[str, str] | None = None) -> str:
    if labels and name in labels:
        return labels[name]
    if name in LABELS:
        return LABELS[name]
    words = name.replace("_", " ").split()
    swap = {"usd": "$", "pct": "%", "kwh": "kWh", "wh": "Wh", "gco2e": "gCO2e", "kgco2e": "kgCO2e", "id": "id"}
    return " ".join(swap.get(w.lower(), w) for w in words) or name


def _is_change(name: str) -> bool:
    return any(w in name.lower() for w in CHANGE_WORDS)


def _is_pct(name: str) -> bool:
    return name.endswith("_pct") or name.endswith("%") or name == "pct"


def fmt_cell(value: object, name: str = "", money: bool = False, currency: str = "USD") -> str:
    """One cell as the tables show it (finops.numbers)."""
    if value is None:
        # A per-task figure without tasks has no value; any other missing money is unpriced, never 0.
        return "unpriced" if money and not any(w in name for w in ("/", "per ", "per_")) else "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if money and isinstance(value, (int, float)):
        return numbers.money(float(value), currency, signed=_is_change(name))
    if isinstance(value, (int, float)) and _is_pct(name):
        return numbers.pct(float(value), signed=_is_change(name))
    if isinstance(value, int):
        return numbers.count(value)
    if isinstance(value, float):
        return numbers.number(value)
    return str(value)


# Kept for callers of the old name.
def _fmt_cell(value: object, money: bool) -> str:
    return fmt_cell(value, money=money)


# number: never narrower than its longest cell; numtext/date: figures or days written as text, wrapped
# between words, never inside one; wrap: prose; id: an identifier, shortened with "…".
Kind = Literal["number", "numtext", "date", "id", "wrap"]
STARTS_WITH_DATE = re.compile(r"^\d{4}-\d{2}(-\d{2})?\b")


@dataclass(frozen=True)
class _Col:
    name: str
    header: str
    kind: Kind
    cells: tuple[str, ...]
    key: bool = False  # one of the table's key columns (ranked first): shortened less

    @property
    def natural(self) -> int:
        return max([len(self.header), *(len(c) for c in self.cells)] or [1])

    @property
    def minimum(self) -> int:
        """The narrowest this column may get: numbers never shrink; identifiers shorten; text wraps."""
        if self.kind == "number":
            return max(self.natural, min(len(self.header), 8))
        if self.kind == "wrap":
            return min(self.natural, WRAP_MIN)
        if self.kind in ("numtext", "date"):
            # Figures written as text ("14,693 (3,600–61,000)") wrap between words, never inside a number.
            return max([len(self.header.split()[0]) if self.header else 1,
                        *(len(word) for cell in self.cells for word in cell.split())])
        if self.key:
            return min(self.natural, KEY_MIN)
        return min(self.natural, max(ID_MIN, min(len(self.header), 12)))


def _columns(frame: pl.DataFrame, money_columns: Sequence[str], wrap: Sequence[str], currency: str,
             labels: Mapping[str, str] | None = None, currency_of: Mapping[str, str] | None = None) -> list[_Col]:
    out = []
    for name, dtype in frame.schema.items():
        money = name in money_columns
        values = frame[name].to_list()
        if money and currency_of and name in currency_of:
            # An amount in each bill's own currency: a EUR line never wears the reporting currency's symbol.
            row_currency = frame[currency_of[name]].to_list()
            cells = tuple(fmt_cell(v, name, money, cur or currency) for v, cur in zip(values, row_currency))
        else:
            cells = tuple(fmt_cell(v, name, money, currency) for v in values)
        filled = [c for c in cells if c and c != "—"]
        if dtype.is_numeric() or dtype == pl.Boolean:
            kind: Kind = "number"
        elif filled and all(STARTS_WITH_DATE.match(c) for c in filled):
            kind = "date"
        elif filled and sum(bool(NUMERIC_TEXT.match(c)) and not DATE.match(c) for c in filled) * 2 > len(filled):
            kind = "numtext"
        elif name in wrap or (cells and max(len(c) for c in cells) > 40):
            kind = "wrap"
        else:
            kind = "id"
        out.append(_Col(name, label(name, labels), kind, cells))
    return out


def _ranked(cols: list[_Col], priority: Sequence[str], money_columns: Sequence[str]) -> list[str]:
    """Column names, most important first: the given priority, else the first column, money, then the rest."""
    names = [c.name for c in cols]
    if priority:
        first = [n for n in priority if n in names]
    else:
        first = names[:1] + [n for n in money_columns if n in names]
    return first + [n for n in names if n not in first]


OVERHEAD = 3  # per column: one space of padding each side and the (blank) rule between columns


def fit(cols: list[_Col], width: int, ranked: Sequence[str]) -> tuple[list[_Col], list[str]]:
    """The columns that fit in `width` at their minimum widths, dropping the least important first."""
    keep = list(ranked)
    dropped: list[str] = []
    keys = set(ranked[:KEY_COLUMNS])
    cols = [replace(c, key=True) if c.name in keys else c for c in cols]
    by_name = {c.name: c for c in cols}
    while len(keep) > 1 and sum(by_name[n].minimum + OVERHEAD for n in keep) > width:
        dropped.append(keep.pop())
    kept = [c for c in cols if c.name in keep]
    return kept, dropped[::-1]


def _widths(cols: list[_Col], width: int | None) -> list[int]:
    """Each column's width: its natural width, text columns narrowed (widest first) until the table fits."""
    widths = [c.natural if c.kind != "number" else max(max((len(x) for x in c.cells), default=1), c.minimum)
              for c in cols]
    if width is None:
        return widths
    excess = sum(widths) + OVERHEAD * len(cols) - width
    # Long text wraps first (down to WRAP_MIN), then identifiers are shortened, the widest first.
    for kind in ("wrap", "numtext", "date", "id"):
        while excess > 0:
            room = [(widths[i], i) for i, c in enumerate(cols) if c.kind == kind and widths[i] > c.minimum]
            if not room:
                break
            _, i = max(room)
            widths[i] -= 1
            excess -= 1
    return widths


def say(text: str) -> None:
    """A line of prose under a table, wrapped to the terminal (whole when piped or --wide)."""
    import textwrap

    wide, _ = _cli_param("wide")
    if sys.stdout.isatty() or _format_given():
        if not wide:
            text = "\n".join(textwrap.wrap(text, _term_width(), break_on_hyphens=False)) or text
    typer_echo(text)


def typer_echo(text: str) -> None:
    sys.stdout.write(text + "\n")


def render_table(
    frame: pl.DataFrame,
    title: str | None = None,
    money_columns: Sequence[str] = (),
    caption: str | None = None,
    *,
    width: int | None = None,
    priority: Sequence[str] = (),
    wrap: Sequence[str] = (),
    currency: str = "USD",
    labels: Mapping[str, str] | None = None,
    currency_of: Mapping[str, str] | None = None,
) -> Group:
    """The title, a table of `frame` fitted to `width` (None: every column at full width) and the caption.
    Money columns are in `currency`, except those `currency_of` maps to a column naming each row's currency."""
    from rich import box
    from rich.console import Group
    from rich.markup import escape
    from rich.table import Table
    from rich.text import Text

    cols = _columns(frame, money_columns, wrap, currency, labels, currency_of)
    dropped: list[str] = []
    if width is not None:
        cols, dropped = fit(cols, width, _ranked(cols, priority, money_columns))
    notes = [caption] if caption else []
    if dropped:
        notes.append(f"not shown at this width: {', '.join(label(n, labels) for n in dropped)} (--wide shows every column)")
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, collapse_padding=False)
    for col, w in zip(cols, _widths(cols, width)):
        if col.kind == "number":
            # Exactly as wide as its longest number: a number is never cut (a long header wraps instead).
            table.add_column(col.header, justify="right", width=w, overflow="fold")
        elif col.kind in ("wrap", "date"):
            table.add_column(col.header, justify="left", width=w, overflow="fold")
        elif col.kind == "numtext":
            table.add_column(col.header, justify="right", width=w, overflow="fold")
        else:
            table.add_column(col.header, justify="left", width=w, no_wrap=True, overflow="ellipsis")
    for i in range(frame.height):
        # Cells are data, not markup: "[cogs.features]" in a reason must print as written.
        table.add_row(*(escape(c.cells[i]) for c in cols))
    parts: list[Any] = []
    if title:
        parts.append(Text.from_markup(title, style="bold"))
    parts.append(table)
    parts += [Text.from_markup(note, style="dim") for note in notes]
    return Group(*parts)


def _cli_param(name: str) -> Any:
    """The current command's option `name` and whether the user gave it (None outside a command)."""
    ctx = None
    # typer runs its own copy of click (typer._click); plain click for anything else.
    for module in ("typer._click.globals", "click"):
        try:
            ctx = importlib.import_module(module).get_current_context(silent=True)
        except Exception:  # noqa: BLE001 - no such module, no command
            continue
        if ctx is not None:
            break
    while ctx is not None:
        if name in ctx.params:
            source = ctx.get_parameter_source(name)
            given = source is not None and source.name not in ("DEFAULT", "DEFAULT_MAP")
            return ctx.params[name], given
        ctx = ctx.parent
    return None, False


def _format_given() -> bool:
    _, given = _cli_param("fmt")
    return bool(given)


def display_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame for plain piped text: column names kept, floats at full precision without float noise."""
    return frame.with_columns(
        pl.col(name).map_elements(numbers.json_value, return_dtype=pl.Float64)
        for name, dtype in frame.schema.items() if dtype.is_float()
    )


def emit(
    frame: pl.DataFrame,
    fmt: Format | str = Format.table,
    *,
    title: str | None = None,
    money_columns: Sequence[str] = (),
    caption: str | None = None,
    out: TextIO | None = None,
    priority: Sequence[str] = (),
    wrap: Sequence[str] = (),
    wide: bool | None = None,
    currency: str = "USD",
    labels: Mapping[str, str] | None = None,
    currency_of: Mapping[str, str] | None = None,
) -> None:
    fmt = Format(fmt)
    out = out or sys.stdout
    tty = out.isatty()
    if fmt is Format.csv:
        buf = io.StringIO()
        display_frame(frame).write_csv(buf)
        out.write(buf.getvalue())
    elif fmt is Format.json:
        out.write(json.dumps(numbers.json_ready(frame.to_dicts()), default=str, indent=2) + "\n")
    elif not tty and not _format_given():
        # Piped without --format: plain text a script reads (comments, then CSV of the shown values).
        from rich.text import Text

        for line in (title, caption):
            if line:
                for part in Text.from_markup(line).plain.splitlines():
                    out.write(f"# {part}\n")
        buf = io.StringIO()
        display_frame(frame).write_csv(buf)
        out.write(buf.getvalue())
    else:
        from rich.console import Console

        if wide is None:
            given, _ = _cli_param("wide")
            wide = bool(given)
        width = None if wide else _term_width()
        table = render_table(frame, title, money_columns, caption, width=width, priority=priority, wrap=wrap,
                             currency=currency, labels=labels, currency_of=currency_of)
        if width is None:
            from rich.measure import Measurement

            probe = Console(file=io.StringIO(), width=10_000)
            width = max(40, Measurement.get(probe, probe.options, table).maximum)
        Console(file=out, width=width, soft_wrap=False).print(table)


def _term_width() -> int:
    """The terminal's columns ($COLUMNS first, as rich and the shell use it)."""
    import os
    import shutil

    env = os.environ.get("COLUMNS", "")
    if env.isdigit() and int(env) > 0:
        return int(env)
    return shutil.get_terminal_size((120, 40)).columns
