"""The format-free blocks a report is made of (headings, text, tables, charts), and how figures are written.

Markdown and HTML renderers only serialise these blocks, so both formats always carry the
same figures, formatted by the same functions.
"""

from __future__ import annotations

from calendar import month_name
from dataclasses import dataclass
from typing import TYPE_CHECKING

from finops import numbers

if TYPE_CHECKING:
    from finops.report.figures import Interval


@dataclass(frozen=True)
class Heading:
    level: int
    text: str


@dataclass(frozen=True)
class Para:
    text: str
    note: bool = False  # a callout: something missing or to watch


@dataclass(frozen=True)
class Table:
    columns: list[str]
    rows: list[list[str]]
    align: str  # one of "l"/"r" per column


@dataclass(frozen=True)
class Chart:
    title: str
    text: str  # plotext, for Markdown
    svg: str  # for HTML


Block = Heading | Para | Table | Chart


def money(v: float | None) -> str:
    return numbers.money(v)


def pct(v: float | None) -> str:
    return "n/a" if v is None or v != v else f"{v:+.1f}%"


def interval(i: Interval) -> str:
    return f"{money(i.expected)} (80%: {money(i.lo80)} to {money(i.hi80)}; 95%: {money(i.lo95)} to {money(i.hi95)})"


def month_label(month: str) -> str:
    y, m = month.split("-")
    return f"{month_name[int(m)]} {y}"
