"""Roll the raw request log up to the store's daily grain, in polars or in SQL.

The polars path (`daily_rollup`) is what the console runs; `ROLLUP_SQL` is the same step
as a SQL file that runs unchanged on DuckDB, Spark SQL or Trino (with the session time
zone set to UTC), for teams whose logs outgrow one machine (docs/scale.md). A test
checks that the two agree row for row.
"""

from __future__ import annotations

from importlib import resources

import polars as pl

ROLLUP_KEYS = ("day", "provider", "model", "project_id", "api_key_id", "feature")
TOKEN_COLUMNS = (
    "input_uncached",
    "input_cache_read",
    "input_cache_write_5m",
    "output",
    "reasoning",
    "embedding",
)


def rollup_sql() -> str:
    return resources.files("finops").joinpath("sql/daily_rollup.sql").read_text()


def daily_rollup(requests: pl.LazyFrame) -> pl.LazyFrame:
    """Requests per (UTC day, provider, model, project, key, feature) with local token classes."""
    embed = pl.col("model").str.contains("embedding")
    inp, cached, write = (pl.col(c).fill_null(0) for c in ("input_tokens", "cached_input_tokens", "cache_write_tokens"))
    return (
        requests.with_columns(
            pl.col("ts").dt.date().alias("day"),
            pl.col("api_key_id").fill_null(""),
            pl.col("feature").fill_null(""),
        )
        .group_by(list(ROLLUP_KEYS))
        .agg(
            pl.len().cast(pl.Int64).alias("requests"),
            (pl.col("attempt") > 1).sum().cast(pl.Int64).alias("retries"),
            pl.col("stream_outcome").is_in(["dropped", "aborted"]).sum().cast(pl.Int64).alias("broken_streams"),
            pl.when(embed).then(0).otherwise(inp - cached - write).sum().alias("input_uncached"),
            pl.when(embed).then(0).otherwise(cached).sum().alias("input_cache_read"),
            pl.when(embed).then(0).otherwise(write).sum().alias("input_cache_write_5m"),
            pl.col("output_tokens").fill_null(0).sum().alias("output"),
            pl.col("reasoning_tokens").fill_null(0).sum().alias("reasoning"),
            pl.when(embed).then(inp).otherwise(0).sum().alias("embedding"),
            pl.col("input_tokens").is_null().sum().cast(pl.Int64).alias("requests_without_counts"),
        )
    )
