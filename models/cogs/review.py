"""Human review per feature and month: items reviewed, their cost, and the share of tasks sent to review.

Review bills arrive as cost lines (x_CostSource = human_review) from the review CSV the
user provides, priced by reviewer time x hourly rate or items x cost per item; their
metered quantity (ConsumedQuantity, meters in `[cogs.meters] reviewed_items`) counts
reviewed items, and reviewer time shows as PricingQuantity in hours. The cost is what the allocation
placed on the feature, shared review charges included.
"""

from __future__ import annotations

import polars as pl

from finops.schema import AllocationDriver, CostSource
from finops.models.cogs.rules import CogsRules
from finops.models.cogs.drivers import attributed


def reviewed_items(lines: pl.DataFrame, rules: CogsRules) -> pl.DataFrame:
    """Reviewed items (and reviewer hours, when priced by the hour) per (month, feature)."""
    names = [n.lower() for n in rules.meters.get(AllocationDriver.REVIEWED_ITEMS, ())]
    meter = pl.any_horizontal(
        pl.col(c).fill_null("").str.to_lowercase().is_in(names) for c in ("SkuMeter", "ConsumedUnit", "SkuId")
    )
    review = attributed(lines, rules).filter(
        (pl.col("x_CostSource") == CostSource.HUMAN_REVIEW) & meter & pl.col("feature").is_not_null()
    )
    hours = pl.col("PricingQuantity").filter(pl.col("PricingUnit").fill_null("").str.to_lowercase().is_in(["hours", "hour"]))
    return review.group_by(pl.col("ChargePeriodStart").dt.strftime("%Y-%m").alias("month"), "feature").agg(
        pl.col("ConsumedQuantity").sum().alias("items_reviewed"),
        pl.when(hours.count() > 0).then(hours.sum()).alias("reviewer_hours"),
    )


def review_summary(alloc: pl.DataFrame, lines: pl.DataFrame, tasks: pl.DataFrame, rules: CogsRules) -> pl.DataFrame:
    """Per (month, feature) with review cost: items, cost, cost per item, tasks and review share."""
    cost = (
        alloc.filter(pl.col("x_CostSource") == CostSource.HUMAN_REVIEW)
        .group_by("month", "feature")
        .agg((pl.col("reporting_cents").sum() / 100).alias("review_cost"), pl.col("reporting_currency").first().alias("currency"))
    )
    out = (
        cost.join(reviewed_items(lines, rules), on=["month", "feature"], how="left")
        .join(tasks, on=["month", "feature"], how="left")
        .with_columns(pl.col("tasks").fill_null(0))
    )
    return out.with_columns(
        pl.when(pl.col("items_reviewed") > 0).then(pl.col("review_cost") / pl.col("items_reviewed")).alias("cost_per_item"),
        pl.when(pl.col("tasks") > 0).then(pl.col("items_reviewed") / pl.col("tasks")).alias("review_share"),
    ).select(
        "month", "feature", "tasks", "items_reviewed", "review_share", "reviewer_hours", "review_cost", "cost_per_item",
        "currency",
    ).sort("month", "feature")
