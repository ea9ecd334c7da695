"""The monthly report as a list of format-free blocks (headings, text, tables, charts).

Markdown and HTML renderers only serialise these blocks, so both formats always carry the
same figures, formatted by the same functions.
"""

from __future__ import annotations

from calendar import month_name
from dataclasses import dataclass

from finops.report import charts_svg, charts_text
from finops.report.contents import MonthlyReport
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
    return "unpriced" if v is None else f"-${-v:,.2f}" if v < 0 else f"${v:,.2f}"


def pct(v: float | None) -> str:
    return "n/a" if v is None or v != v else f"{v:+.1f}%"


def interval(i: Interval) -> str:
    return f"{money(i.expected)} (80%: {money(i.lo80)} to {money(i.hi80)}; 95%: {money(i.lo95)} to {money(i.hi95)})"


def month_label(month: str) -> str:
    y, m = month.split("-")
    return f"{month_name[int(m)]} {y}"


def build_blocks(r: MonthlyReport) -> list[Block]:
    from finops.report import document_sections as ds

    p, c = r.period, r.core
    blocks: list[Block] = [
        Heading(1, f"AI spend report: {month_label(p.month)}"),
        Para(f"Data through {p.as_of.isoformat()} (UTC days{'' if p.complete else ', month in progress'}). "
             "Dollars are billed cost lines (USD) unless marked otherwise; forecasts are estimated. "
             f"Times are shown in each budget's reset timezone and in yours ({r.display_tz})."),
        Heading(2, "Summary"),
        Table(["Figure", "Value", "Provenance"], ds.summary_rows(r), "lrl"),
        Chart(f"Daily spend and forecast to the end of {month_label(p.next_month)}",
              charts_text.daily_chart(c.chart, "Daily spend (USD): actual, forecast, 80% band"),
              charts_svg.daily_svg(c.chart, "Daily spend (USD): actual, forecast and 80% interval")),
        Chart("Monthly totals",
              charts_text.monthly_chart(c.history, "Monthly spend (USD); * = forecast"),
              charts_svg.monthly_svg(c.history, "Monthly spend (USD)")),
    ]
    blocks += ds.provider_blocks(r)
    blocks += ds.accuracy_blocks(r)
    blocks += ds.budget_blocks(r)
    blocks += ds.mover_blocks(r)
    blocks += ds.anomaly_blocks(r)
    for extra in r.extras:
        blocks += ds.extra_blocks(extra)
    blocks += ds.method_blocks(r)
    return blocks
