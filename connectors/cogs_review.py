"""Human review as cost lines: reviewer hours at hourly rates, or reviewed items at a price.

Two CSV shapes (docs/sources.md):
- hours: date, feature, project_id, items_reviewed, reviewer_minutes (or reviewer_hours),
  hourly_rate, currency — one row per day and feature; cost = minutes / 60 x rate;
- items: one row per reviewed item with reviewed_at, item_id, feature, project_id, cost (or
  price), currency, optional reviewer_minutes — summed per UTC day, feature, project and
  currency into one line.
A line that names its feature is charged to it (driver direct); one without a feature is
shared by reviewed items. The number of items is the line's consumed quantity, so the
`reviewed_items` driver can use it too.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from finops.connectors.cogs_lines import finish, read_table, utc
from finops.connectors.request_logs.files import columns_of
from finops.connectors.request_logs.problems import Problems
from finops.connectors.request_logs.values import DATE, FLOAT, INT, TEXT, TS, Field
from finops.errors import InputError
from finops.schema import AllocationDriver, CostSource

HOURS = [
    Field("date", DATE, required=True), Field("feature", TEXT), Field("project_id", TEXT),
    Field("items_reviewed", INT), Field("reviewer_minutes", FLOAT), Field("reviewer_hours", FLOAT),
    Field("hourly_rate", FLOAT, required=True), Field("currency", TEXT, required=True),
]
ITEMS = [
    Field("reviewed_at", TS, required=True), Field("item_id", TEXT), Field("feature", TEXT), Field("project_id", TEXT),
    Field("cost", FLOAT, required=True), Field("currency", TEXT, required=True), Field("reviewer_minutes", FLOAT),
]
ITEM_ALIASES = {"price": "cost", "price_per_item": "cost", "amount": "cost", "reviewed_on": "reviewed_at", "date": "reviewed_at"}


def _hours(path: Path, mapping: dict[str, str] | None) -> tuple[pl.DataFrame, Problems]:
    df, problems = read_table(path, HOURS, {"minutes": "reviewer_minutes", "hours": "reviewer_hours", "rate": "hourly_rate"}, mapping)
    if "reviewer_minutes" not in df.columns and "reviewer_hours" not in df.columns:
        raise InputError(f"{path}: missing column reviewer_minutes (or reviewer_hours)")
    for c in ("feature", "project_id", "items_reviewed", "reviewer_minutes", "reviewer_hours"):
        if c not in df.columns:
            df = df.with_columns(pl.lit(None).alias(c))
    minutes = pl.coalesce(pl.col("reviewer_minutes").cast(pl.Float64), pl.col("reviewer_hours").cast(pl.Float64) * 60)
    return df.with_columns(minutes.alias("reviewer_minutes")).with_columns(
        (pl.col("reviewer_minutes") / 60 * pl.col("hourly_rate")).alias("BilledCost"),
        pl.lit("reviewer-hours").alias("SkuId"),
        (pl.col("reviewer_minutes") / 60).alias("PricingQuantity"), pl.lit("hours").alias("PricingUnit"),
        pl.col("hourly_rate").alias("ContractedUnitPrice"),
    ), problems


def _items(path: Path, mapping: dict[str, str] | None) -> tuple[pl.DataFrame, Problems]:
    df, problems = read_table(path, ITEMS, ITEM_ALIASES, mapping)
    for c in ("feature", "project_id", "reviewer_minutes"):
        if c not in df.columns:
            df = df.with_columns(pl.lit(None).alias(c))
    daily = df.group_by(pl.col("reviewed_at").dt.date().alias("date"), "feature", "project_id", pl.col("currency").str.to_uppercase(),
                        maintain_order=True).agg(
        pl.len().alias("items_reviewed"), pl.col("cost").sum().alias("BilledCost"),
        pl.when(pl.col("reviewer_minutes").is_not_null().any()).then(pl.col("reviewer_minutes").sum()).alias("reviewer_minutes"),
    )
    return daily.with_columns(
        pl.lit("reviewed-items").alias("SkuId"), pl.col("items_reviewed").cast(pl.Float64).alias("PricingQuantity"),
        pl.lit("items").alias("PricingUnit"), (pl.col("BilledCost") / pl.col("items_reviewed")).alias("ContractedUnitPrice"),
    ), problems


def read_review(path: Path, source: str | None, mapping: dict[str, str] | None, currency: str | None) -> tuple[pl.DataFrame, Problems]:
    path = Path(path)
    header = {c.strip().lower() for c in columns_of(path)} | set((mapping or {}).values())
    df, problems = _items(path, mapping) if header & {"item_id", "reviewed_at"} else _hours(path, mapping)
    feature = pl.col("feature")
    frame = df.with_columns(
        utc("date").alias("ChargePeriodStart"), (utc("date") + pl.duration(days=1)).alias("ChargePeriodEnd"),
        pl.col("currency").str.to_uppercase().alias("BillingCurrency"),
        pl.lit("Usage").alias("ChargeCategory"), pl.lit("Usage-Based").alias("ChargeFrequency"),
        pl.format("Human review: {} items for {}", pl.col("items_reviewed").fill_null(0), feature.fill_null("shared")).alias("ChargeDescription"),
        pl.lit("Human review").alias("ServiceProviderName"), pl.lit("Human review").alias("ServiceName"),
        pl.col("items_reviewed").cast(pl.Float64).alias("ConsumedQuantity"), pl.lit("items").alias("ConsumedUnit"),
        pl.col("project_id").fill_null("").alias("SubAccountId"), feature.alias("x_Feature"),
        pl.lit(CostSource.HUMAN_REVIEW).alias("x_CostSource"),
        pl.when(feature.is_null()).then(pl.lit(AllocationDriver.REVIEWED_ITEMS)).otherwise(pl.lit(AllocationDriver.DIRECT)).alias("x_AllocationDriver"),
        pl.struct("items_reviewed", "reviewer_minutes").struct.json_encode().alias("Tags"),
    ).with_columns(
        pl.col("ChargePeriodStart").dt.truncate("1mo").alias("BillingPeriodStart"),
        pl.col("ChargePeriodStart").dt.truncate("1mo").dt.offset_by("1mo").alias("BillingPeriodEnd"),
    )
    key = ("ChargePeriodStart", "SubAccountId", "x_Feature", "SkuId", "BillingCurrency")
    return finish(frame, source or "cogs:review", key, "Other", "Other (Other)"), problems
