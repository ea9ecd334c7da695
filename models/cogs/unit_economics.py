"""Unit economics per feature and month: cost per task, inference share, gross margin.

Inputs are the allocation (models.cogs.allocate) and tasks per month (models.cogs.drivers).
Money is in the reporting currency, from integer cents. A feature with no logged tasks
has no cost per task (null), and `unallocated` is kept as its own row so the month's
column sums to the bills.
"""

from __future__ import annotations

import polars as pl

from finops.schema import CostSource
from finops.models.cogs.rules import UNALLOCATED, CogsRules

GROUPINGS = {
    "feature": ["feature"],
    "project": ["project_id"],
    "source": ["x_CostSource"],
    "team": ["team"],
}


NO_TEAM = "(no team)"


def with_team(alloc: pl.DataFrame, rules: CogsRules) -> pl.DataFrame:
    """Add `team` from `[cogs.teams]`: "(no team)" for features no team lists, "unallocated" stays."""
    mapping = {f: t for t, feats in rules.teams.items() for f in feats}
    mapping[UNALLOCATED] = UNALLOCATED
    team = pl.col("feature").replace_strict(mapping, default=NO_TEAM, return_dtype=pl.String)
    return alloc.with_columns(team.alias("team"))


def costs(alloc: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    """Cost, inference and non-inference cost per `by` (reporting currency), with provenance."""
    inference = pl.col("x_CostSource") == CostSource.INFERENCE
    cents = pl.col("reporting_cents")
    return (
        alloc.group_by(by)
        .agg(
            (cents.sum() / 100).alias("cost"),
            (cents.filter(inference).sum() / 100).alias("inference"),
            (cents.filter(~inference).sum() / 100).alias("non_inference"),
            pl.col("provenance").unique().sort().str.join(",").alias("provenance"),
            pl.col("reporting_currency").first().alias("currency"),
        )
        .with_columns(
            pl.when(pl.col("cost") != 0).then(pl.col("inference") / pl.col("cost")).alias("inference_share")
        )
        .sort(by)
    )


def _revenue_per_task(rules: CogsRules) -> pl.Expr:
    """Revenue per task from `[cogs.revenue]`: per_task, or seats x per_seat spread over the month's tasks."""
    per_task = {f: r.per_task for f, r in rules.revenue.items() if r.per_task is not None}
    monthly = {f: r.monthly_fixed() for f, r in rules.revenue.items() if r.monthly_fixed() is not None}
    by_task = pl.col("feature").replace_strict(per_task, default=None, return_dtype=pl.Float64)
    by_seat = pl.col("feature").replace_strict(monthly, default=None, return_dtype=pl.Float64) / pl.col("tasks")
    return pl.coalesce(by_task, pl.when(pl.col("tasks") > 0).then(by_seat))


def unit_economics(alloc: pl.DataFrame, tasks: pl.DataFrame, rules: CogsRules) -> pl.DataFrame:
    """Per (month, feature): tasks, cost, cost per task and per 1,000 tasks, inference share, margin."""
    by = ["month", "feature"]
    frame = costs(alloc, by).join(tasks, on=by, how="left").with_columns(pl.col("tasks").fill_null(0))
    per_task = pl.when(pl.col("tasks") > 0)
    frame = frame.with_columns(
        per_task.then(pl.col("cost") / pl.col("tasks")).alias("cost_per_task"),
        per_task.then(pl.col("inference") / pl.col("tasks")).alias("inference_per_task"),
        per_task.then(pl.col("non_inference") / pl.col("tasks")).alias("non_inference_per_task"),
        _revenue_per_task(rules).alias("revenue_per_task"),
    ).with_columns(
        (pl.col("cost_per_task") * 1000).alias("cost_per_1k_tasks"),
        (pl.col("revenue_per_task") - pl.col("cost_per_task")).alias("margin_per_task"),
    ).with_columns(
        pl.when(pl.col("revenue_per_task") > 0)
        .then(pl.col("margin_per_task") / pl.col("revenue_per_task")).alias("gross_margin"),
    )
    return frame.select(
        "month", "feature", "tasks", "cost", "cost_per_task", "cost_per_1k_tasks", "inference", "non_inference",
        "inference_share", "inference_per_task", "non_inference_per_task", "revenue_per_task", "margin_per_task",
        "gross_margin", "currency", "provenance",
    ).sort("month", pl.col("feature") == "unallocated", "feature")


def by_source(alloc: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    """Cost per `by` with one column per cost source (reporting currency)."""
    grouped = alloc.with_columns(pl.col("x_CostSource").fill_null("unknown")).group_by([*by, "x_CostSource"]).agg((pl.col("reporting_cents").sum() / 100).alias("cost"))
    wide = grouped.pivot(on="x_CostSource", index=by, values="cost").fill_null(0.0)
    sources = sorted(c for c in wide.columns if c not in by)
    return wide.select(*by, *sources, pl.sum_horizontal(sources).alias("total")).sort(by)
