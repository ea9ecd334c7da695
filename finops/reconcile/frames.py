"""The two sides of reconciliation at one grain: local and billed tokens per UTC day.

Grain: (day, provider, model, project_id, token_class). Local token classes come from the
request log by the rule in finops/rollup.py; billed ones from the provider usage APIs.
API keys are compared separately, because providers report them only when grouped.
"""

from __future__ import annotations

import polars as pl

from finops.rollup import daily_rollup

GRAIN = ["day", "provider", "model", "project_id", "token_class"]
GROUP = ["day", "provider", "model", "project_id"]
LOCAL_CLASSES = ["input_uncached", "input_cache_read", "input_cache_write_5m", "output", "embedding"]
INPUT_CLASSES = ["input_uncached", "input_cache_read", "input_cache_write_5m", "input_cache_write_1h"]


def local_daily(requests: pl.LazyFrame) -> pl.LazyFrame:
    """Local tokens per day/group/class plus the request evidence (retries, broken streams)."""
    roll = daily_rollup(requests).group_by(GROUP).agg(
        *[pl.col(c).sum() for c in LOCAL_CLASSES],
        pl.col("requests").sum(), pl.col("retries").sum(), pl.col("broken_streams").sum(),
    )
    return roll


def local_long(local: pl.LazyFrame) -> pl.LazyFrame:
    return local.unpivot(index=GROUP, on=LOCAL_CLASSES, variable_name="token_class", value_name="local")


def retry_inputs(requests: pl.LazyFrame) -> pl.LazyFrame:
    """Per day/group/class, the input tokens of retries whose earlier attempt broke.

    A dropped stream reports no usage to our counters, but its prompt was billed: the
    retry's input is the best local evidence of what the broken attempt sent.
    """
    retried = requests.filter(pl.col("attempt") > 1)
    return local_long(local_daily(retried).drop("requests", "retries", "broken_streams")).rename({"local": "retry_tokens"}).filter(
        pl.col("token_class").is_in(INPUT_CLASSES)
    )


def billed_long(billed_usage: pl.LazyFrame) -> pl.LazyFrame:
    return (
        billed_usage.filter(pl.col("unit") == "tokens")
        .with_columns(pl.col("charge_period_start").dt.date().alias("day"))
        .group_by(GRAIN)
        .agg(pl.col("quantity").sum().alias("billed"))
    )


def joined(local: pl.LazyFrame, billed: pl.LazyFrame) -> pl.LazyFrame:
    """Local against billed per grain row; a side with no row counts as zero."""
    return (
        local_long(local)
        .join(billed, on=GRAIN, how="full", coalesce=True)
        .with_columns(pl.col("local").fill_null(0), pl.col("billed").fill_null(0))
        .filter((pl.col("local") != 0) | (pl.col("billed") != 0))
        .with_columns((pl.col("billed") - pl.col("local")).alias("delta"))
    )


def billed_dollars(cost_lines: pl.LazyFrame) -> pl.LazyFrame:
    """Billed USD per (day, provider, project, model as billed, token class) from the cost lines."""
    return (
        cost_lines.filter((pl.col("x_CostSource").is_in(["inference", "embeddings"])) & (pl.col("BillingCurrency") == "USD"))
        .with_columns(
            pl.col("ChargePeriodStart").dt.date().alias("day"),
            pl.col("ServiceProviderName").str.to_lowercase().alias("provider"),
            pl.col("SubAccountId").alias("project_id"),
        )
        .group_by("day", "provider", "project_id", pl.col("x_Model").alias("billed_model"), pl.col("x_TokenClass").alias("token_class"))
        .agg(pl.col("BilledCost").sum().alias("billed_usd"))
    )
