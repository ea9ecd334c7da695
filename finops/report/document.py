"""The monthly report as a list of blocks (finops/report/blocks.py): the order of its sections.

The sections' blocks are built in finops/report/document_sections.py.
"""

from __future__ import annotations

from finops.report import charts_svg, charts_text
from finops.report import document_sections as ds
from finops.report.blocks import Block, Chart, Heading, Para, Table, month_label
from finops.report.contents import MonthlyReport


def build_blocks(r: MonthlyReport) -> list[Block]:
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
    blocks += ds.alert_blocks(r)
    blocks += ds.mover_blocks(r)
    blocks += ds.anomaly_blocks(r)
    for extra in r.extras:
        blocks += ds.extra_blocks(extra)
    blocks += ds.method_blocks(r)
    return blocks
