"""Per-task figures of a calendar month: COGS and gross margin per task, energy and carbon per task.

COGS is allocated per calendar month (vendor bills are monthly), so these figures always
cover whole months and say which: a surface showing a rolling period prints the month(s)
beside them. Values come from models.cogs and models.energy over the context's store,
config and price catalog.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import polars as pl

from finops.metrics.figure import Figure

if TYPE_CHECKING:
    from finops.context import Context


def _month_bounds(month: str) -> tuple[date, date]:
    from finops.models.forecast.series import month_days

    days = month_days(month)
    return days[0], days[-1]


def cogs_per_task(ctx: "Context", month: str) -> list[Figure]:
    """Per feature: full COGS per logged task, and gross margin where [cogs.revenue] sets revenue."""
    from finops.services.cogs import months_with_costs, unit_economics

    if month not in months_with_costs(ctx.store):
        return []  # nothing billed in that month (yet): no per-task figure, rather than failing every other figure
    ue = unit_economics(ctx.store, ctx.cogs_setup, month)
    if ue.height == 0:
        return []
    start, end = _month_bounds(month)
    out = []
    for r in ue.filter(pl.col("cost_per_task").is_not_null()).sort("feature").iter_rows(named=True):
        cur = r.get("currency") or ctx.reporting_currency
        out.append(Figure(f"cogs_per_task:{r['feature']}", "COGS per task", r["feature"], r["cost_per_task"], f"{cur}/task",
                          "estimated", start, end, note="every cost line allocated to features, over logged tasks",
                          extra={"cost": r["cost"], "tasks": r["tasks"]}))
        if r.get("gross_margin") is not None:
            out.append(Figure(f"gross_margin:{r['feature']}", "Gross margin", r["feature"], r["gross_margin"] * 100, "%",
                              "estimated", start, end, note="(revenue − COGS) / revenue"))
    return out


def carbon_per_task(ctx: "Context", month: str) -> list[Figure]:
    """Per feature: Wh and gCO2e per logged task (mid estimate, low–high as the interval)."""
    from finops.services.energy import carbon_by

    frame = carbon_by(ctx.store, "feature", month, catalog=ctx.catalog)
    if frame.height == 0:
        return []
    start, end = _month_bounds(month)
    out = []
    for r in frame.filter(pl.col("tasks") > 0).sort("feature").iter_rows(named=True):
        out.append(Figure(f"energy_per_task:{r['feature']}", "Energy per task", r["feature"], r["wh_per_task_mid"], "Wh/task",
                          "estimated", start, end, note="range covers model size and utilisation, not a confidence level",
                          extra={"low": r["wh_per_task_low"], "high": r["wh_per_task_high"], "tasks": r["tasks"]}))
        out.append(Figure(f"carbon_per_task:{r['feature']}", "Carbon per task", r["feature"], r["gco2e_per_task_mid"],
                          "gCO2e/task", "estimated", start, end,
                          extra={"low": r["gco2e_per_task_low"], "high": r["gco2e_per_task_high"], "tasks": r["tasks"]}))
    return out
