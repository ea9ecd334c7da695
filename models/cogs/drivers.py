"""Allocation drivers: how much of each driver every (day, project, feature) used.

Request drivers come from the requests table (the team's own logs):
- `requests`: calls, retries included (each attempt is traffic every shared service saw);
- `tasks`: distinct task ids per day;
- `tokens`: input + output tokens;
- `token_cost`: tokens priced per token class at the catalog price of their model on the
  day; null when a model is unpriced (allocation then falls back to `tokens`).
Line drivers come from the metered quantity (ConsumedQuantity) of cost lines that are
already attributed to a feature: `retrieval_calls` and `stored_vectors` from vector-DB
lines, `reviewed_items` from human-review lines (meter names in `[cogs.meters]`).

The result is long: (day, project_id, feature, driver, quantity).
"""

from __future__ import annotations

from datetime import date, datetime, time, timezone

import polars as pl

from finops.schema import UTC_TS
from finops.models.cogs import prices
from finops.models.cogs.rules import LINE_DRIVERS, METER_SOURCE, CogsRules

DRIVER_SCHEMA = pl.Schema(
    {"day": pl.Date, "project_id": pl.String, "feature": pl.String, "driver": pl.String, "quantity": pl.Float64}
)
TOKEN_CLASSES = ("input_uncached", "input_cache_read", "input_cache_write_5m", "output", "embedding")


def _utc(d: date) -> datetime:
    return datetime.combine(d, time(), timezone.utc)


def window(requests: pl.LazyFrame, start: date | None, end: date | None) -> pl.LazyFrame:
    """Requests with ts in [start, end) (UTC days); None leaves that side open."""
    if start is not None:
        requests = requests.filter(pl.col("ts") >= pl.lit(_utc(start)).cast(UTC_TS))
    if end is not None:
        requests = requests.filter(pl.col("ts") < pl.lit(_utc(end)).cast(UTC_TS))
    return requests


def token_classes(requests: pl.LazyFrame, catalog: pl.DataFrame) -> pl.DataFrame:
    """Logged tokens per (day, provider, model, project, feature) split into catalog token classes."""
    inp = pl.col("input_tokens").fill_null(0)
    cached = pl.col("cached_input_tokens").fill_null(0)
    write = pl.col("cache_write_tokens").fill_null(0)
    grouped = (
        requests.with_columns(
            pl.col("ts").dt.date().alias("day"),
            pl.col("feature").fill_null(""),
            pl.col("project_id").fill_null(""),
        )
        .group_by("day", "provider", "model", "project_id", "feature")
        .agg(
            inp.sum().alias("input"),
            cached.sum().alias("input_cache_read"),
            write.sum().alias("input_cache_write_5m"),
            pl.col("output_tokens").fill_null(0).sum().alias("output"),
            pl.len().cast(pl.Int64).alias("requests"),
        )
        .collect()
    )
    grouped = prices.with_base_model(grouped, catalog)
    embedding_models = {
        (p, b) for p, b in grouped.select("provider", "base_model").unique().drop_nulls().iter_rows()
        if "embedding" in prices.classes_of(p, b, catalog)
    }
    is_embed = pl.struct("provider", "base_model").is_in(
        [{"provider": p, "base_model": b} for p, b in embedding_models]
    ) if embedding_models else pl.lit(False)
    uncached = (pl.col("input") - pl.col("input_cache_read") - pl.col("input_cache_write_5m")).clip(lower_bound=0)
    return grouped.with_columns(
        pl.when(is_embed).then(0).otherwise(uncached).alias("input_uncached"),
        pl.when(is_embed).then(0).otherwise(pl.col("input_cache_read")).alias("input_cache_read"),
        pl.when(is_embed).then(0).otherwise(pl.col("input_cache_write_5m")).alias("input_cache_write_5m"),
        pl.when(is_embed).then(pl.col("input")).otherwise(0).alias("embedding"),
    )


def _token_cost(classes: pl.DataFrame, catalog: pl.DataFrame) -> pl.DataFrame:
    """Add `token_cost` (USD at catalog prices; null when any used class is unpriced)."""
    long = classes.select("day", "provider", "base_model", "project_id", "feature", "model", *TOKEN_CLASSES).unpivot(
        index=["day", "provider", "base_model", "project_id", "feature", "model"],
        variable_name="token_class", value_name="tokens",
    ).filter(pl.col("tokens") > 0)
    long = prices.with_price(long, catalog)
    cost = long.group_by("day", "provider", "model", "project_id", "feature").agg(
        pl.when(pl.col("usd_per_million").is_null().any()).then(None)
        .otherwise((pl.col("tokens") * pl.col("usd_per_million")).sum() / 1e6).alias("token_cost")
    )
    return classes.join(cost, on=["day", "provider", "model", "project_id", "feature"], how="left", nulls_equal=True)


def request_drivers(requests: pl.LazyFrame, catalog: pl.DataFrame) -> pl.DataFrame:
    """Request drivers per (day, project_id, feature), long format; `token_cost` at `catalog` prices."""
    classes = _token_cost(token_classes(requests, catalog), catalog)
    per_feature = classes.group_by("day", "project_id", "feature").agg(
        pl.col("requests").sum().cast(pl.Float64),
        (pl.col("input") + pl.col("output")).sum().cast(pl.Float64).alias("tokens"),
        pl.when(pl.col("token_cost").is_null().any()).then(None).otherwise(pl.col("token_cost").sum()).alias("token_cost"),
    )
    tasks = (
        requests.filter(pl.col("task_id").is_not_null())
        .group_by(pl.col("ts").dt.date().alias("day"), pl.col("project_id").fill_null(""), pl.col("feature").fill_null(""))
        .agg(pl.col("task_id").n_unique().cast(pl.Float64).alias("tasks"))
        .collect()
    )
    wide = per_feature.join(tasks, on=["day", "project_id", "feature"], how="left").with_columns(pl.col("tasks").fill_null(0.0))
    return wide.unpivot(
        index=["day", "project_id", "feature"], on=["requests", "tasks", "tokens", "token_cost"],
        variable_name="driver", value_name="quantity",
    ).select(DRIVER_SCHEMA.names()).cast({k: v for k, v in DRIVER_SCHEMA.items()})


def line_drivers(attributed: pl.DataFrame, rules: CogsRules) -> pl.DataFrame:
    """Metered drivers from cost lines already placed on a feature (`feature` column set).

    `attributed` has the cost-line columns plus `feature`; only lines of the driver's
    cost source whose SkuMeter, ConsumedUnit or SkuId names one of its meters count.
    """
    frames = []
    for driver in LINE_DRIVERS:
        names = [n.lower() for n in rules.meters.get(driver, ())]
        meter = pl.any_horizontal(
            pl.col(c).fill_null("").str.to_lowercase().is_in(names) for c in ("SkuMeter", "ConsumedUnit", "SkuId")
        )
        part = attributed.filter(
            (pl.col("x_CostSource") == METER_SOURCE[driver]) & meter & pl.col("ConsumedQuantity").is_not_null()
            & pl.col("feature").is_not_null()
        )
        frames.append(
            part.group_by(
                pl.col("ChargePeriodStart").dt.date().alias("day"),
                pl.col("SubAccountId").fill_null("").alias("project_id"),
                "feature",
            ).agg(pl.col("ConsumedQuantity").sum().alias("quantity")).with_columns(pl.lit(driver).alias("driver"))
        )
    return pl.concat([f.select(DRIVER_SCHEMA.names()).cast({k: v for k, v in DRIVER_SCHEMA.items()}) for f in frames]) if frames else pl.DataFrame(schema=DRIVER_SCHEMA)


def attributed(lines: pl.DataFrame, rules: CogsRules) -> pl.DataFrame:
    """Cost lines with `feature`: their x_Feature, else their sub-account's [cogs.features] entry."""
    mapped = pl.col("SubAccountId").replace_strict(rules.features, default=None, return_dtype=pl.String)
    tag = pl.when(pl.col("x_Feature").fill_null("") != "").then(pl.col("x_Feature"))
    return lines.with_columns(pl.coalesce(tag, mapped).alias("feature"))


def build_drivers(lines: pl.DataFrame, requests: pl.LazyFrame, rules: CogsRules, catalog: pl.DataFrame) -> pl.DataFrame:
    """The full driver table for a set of cost lines and the requests of their months (prices from `catalog`)."""
    return pl.concat([request_drivers(requests, catalog), line_drivers(attributed(lines, rules), rules)])


def tasks_by_month(requests: pl.LazyFrame) -> pl.DataFrame:
    """Distinct tasks per (month, feature); a task counts in the month of its first call."""
    return (
        requests.filter(pl.col("task_id").is_not_null())
        .group_by(pl.col("feature").fill_null(""), "task_id")
        .agg(pl.col("ts").min().dt.strftime("%Y-%m").alias("month"))
        .group_by("month", "feature")
        .agg(pl.len().cast(pl.Int64).alias("tasks"))
        .sort("month", "feature")
        .collect()
    )
