"""COGS figures for the dashboard: cost per task by feature, inference vs the rest, by source.

A thin adapter over finops.services.cogs. COGS is allocated per calendar
month (vendor bills are monthly), so the screen covers every month the date filter
touches; provider, project and feature filters apply to the allocated lines.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import polars as pl

from finops.models.cogs import unit_economics as ue_mod
from finops.models.money import money_sum, money_total
from finops.services import cogs as report
from finops.tui.data.availability import NotAvailable, Unavailable
from finops.tui.data.context import DashboardContext
from finops.tui.data.overview import period_of
from finops.tui.data.series import ChartSpec, Series
from finops.tui.filters import Filters

KINDS = {
    "tasks": "int", "cost": "money", "cost_per_task": "unit_money", "inference_per_task": "unit_money",
    "other_per_task": "unit_money", "inference": "money", "non_inference": "money", "inference_share": "share",
    "revenue_per_task": "unit_money", "gross_margin": "share", "provenance": "provenance",
}
LABELS = {
    "cost_per_task": "cost/task", "inference_per_task": "inference/task", "other_per_task": "rest/task",
    "non_inference": "rest", "inference_share": "inference %", "revenue_per_task": "rev/task",
    "gross_margin": "margin %",
}


@dataclass(frozen=True)
class CogsData:
    months: tuple[str, ...]
    currency: str
    features: pl.DataFrame  # one row per feature (unallocated last)
    by_source: pl.DataFrame  # feature, source, cost, per_task
    chart: ChartSpec
    total: float
    notes: tuple[str, ...] = field(default_factory=tuple)


def months_between(start: date, end: date) -> list[str]:
    out, d = [], start.replace(day=1)
    while d <= end:
        out.append(d.strftime("%Y-%m"))
        d = (d + timedelta(days=32)).replace(day=1)
    return out


def _filter_alloc(alloc: pl.DataFrame, filters: Filters) -> pl.DataFrame:
    if filters.provider:
        alloc = alloc.filter(pl.col("ServiceProviderName").fill_null("").str.to_lowercase() == filters.provider.lower())
    if filters.project:
        alloc = alloc.filter((pl.col("project_id") == filters.project) | (pl.col("SubAccountId") == filters.project))
    if filters.feature:
        alloc = alloc.filter(pl.col("feature") == filters.feature)
    return alloc


def summarise(ue: pl.DataFrame) -> pl.DataFrame:
    """Per-month unit economics -> one row per feature over all months (per-task from sums)."""
    revenue = (pl.col("revenue_per_task") * pl.col("tasks")).fill_null(0.0)
    has_revenue = pl.col("revenue_per_task").is_not_null().any()
    out = ue.group_by("feature").agg(
        pl.col("tasks").sum(), money_sum(pl.col("cost", "inference", "non_inference")),
        pl.when(has_revenue).then(money_sum(revenue)).alias("revenue"),
        pl.col("provenance").str.split(",").explode().drop_nulls().unique().sort().str.join(",").alias("provenance"),
    )
    per_task = pl.when(pl.col("tasks") > 0)
    return out.with_columns(
        per_task.then(pl.col("cost") / pl.col("tasks")).alias("cost_per_task"),
        per_task.then(pl.col("inference") / pl.col("tasks")).alias("inference_per_task"),
        per_task.then(pl.col("non_inference") / pl.col("tasks")).alias("other_per_task"),
        pl.when(pl.col("cost") != 0).then(pl.col("inference") / pl.col("cost") * 100).alias("inference_share"),
        per_task.then(pl.col("revenue") / pl.col("tasks")).alias("revenue_per_task"),
        pl.when(pl.col("revenue") > 0).then((pl.col("revenue") - pl.col("cost")) / pl.col("revenue") * 100).alias("gross_margin"),
    ).sort(pl.col("feature") == "unallocated", pl.col("cost"), pl.col("feature"), descending=[False, True, False]).select(
        "feature", "tasks", "cost_per_task", "inference_per_task", "other_per_task", "cost", "inference",
        "non_inference", "inference_share", "revenue_per_task", "gross_margin", "provenance",
    )


def source_chart(by_source: pl.DataFrame, features: pl.DataFrame, currency: str) -> ChartSpec:
    """Stacked bars: cost per task of each feature, one segment per cost source."""
    with_tasks = features.filter(pl.col("tasks") > 0)
    cats = tuple(with_tasks["feature"].to_list())
    sources = by_source.group_by("source").agg(money_sum(pl.col("cost"))).sort("cost", "source", descending=[True, False])["source"].to_list()
    series = []
    for src in sources:
        part = by_source.filter(pl.col("source") == src)
        lookup = dict(zip(part["feature"].to_list(), part["per_task"].to_list()))
        series.append(Series(src, (), tuple(float(lookup.get(f) or 0.0) for f in cats), "bar"))
    return ChartSpec(f"Cost per task by cost source ({currency})", tuple(series), x_categories=cats, stacked=True)


def load_cogs(ctx: DashboardContext, filters: Filters) -> CogsData:
    setup = ctx.core.cogs_setup
    start, end = period_of(ctx, filters)
    available = set(report.months_with_costs(ctx.store))
    months = [m for m in months_between(start, end) if m in available]
    if not months:
        raise Unavailable(NotAvailable("COGS", f"no cost lines between {start} and {end}", "widen the date range (f)"))
    alloc = _filter_alloc(report.allocation(ctx.store, setup, months), filters)
    tasks = report.tasks(ctx.store, months)
    if filters.feature:
        tasks = tasks.filter(pl.col("feature") == filters.feature)
    currency = setup.reporting_currency
    if alloc.height == 0:
        raise Unavailable(NotAvailable("COGS", "no cost lines match the current filters", "clear filters (palette: Clear filters)"))
    features = summarise(ue_mod.unit_economics(alloc, tasks, setup.rules))
    task_counts = dict(zip(features["feature"].to_list(), features["tasks"].to_list()))
    by_source = (
        alloc.group_by("feature", pl.col("x_CostSource").fill_null("?").alias("source"))
        .agg((pl.col("reporting_cents").sum() / 100).alias("cost"))
        .with_columns(pl.col("feature").replace_strict(task_counts, default=0, return_dtype=pl.Int64).alias("tasks"))
        .with_columns(pl.when(pl.col("tasks") > 0).then(pl.col("cost") / pl.col("tasks")).alias("per_task"))
        .sort("feature", "source")
    )
    notes = [f"Allocated per calendar month: {months[0]} … {months[-1]} (the months the period touches)."]
    unalloc = features.filter(pl.col("feature") == "unallocated")
    if unalloc.height:
        notes.append(f"Unallocated: {unalloc['cost'][0]:,.2f} {currency} (no rule places it; see `finops cogs`).")
    return CogsData(
        months=tuple(months),
        currency=currency,
        features=features,
        by_source=by_source,
        chart=source_chart(by_source, features, currency),
        total=money_total(features["cost"]),
        notes=tuple(notes),
    )
