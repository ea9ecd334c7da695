"""Write amplification: cache writes never read back within their TTL, judged from the raw request log.

A cache write pays a premium over uncached input (1.25x for a 5-minute TTL, 2x for 1 hour at
Anthropic) that only reads repay. A write is **read back** when a later request of the same
series (a feature on one provider, model and project: caches do not cross workspaces) reads
the cache within the write's TTL; otherwise it was written for nothing. The log has no
prefix id, so a series' requests are taken as sharing one prefix (as for the TTL advice):
where one feature holds many prefixes this flatters the read-back share, never the reverse.

Only the raw log can tell (the request_days rollup has no timestamps), and only for writes
whose TTL ended inside the data read: a write whose TTL runs past `horizon` (the end of the
period's last day) with no read yet is not judged. Writes whose TTL the log cannot tell are
judged as 5-minute writes (as they are priced, models.cache.money).
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

import polars as pl

from finops.models.cache.days import KEY, _blank_dims, _not_embedding, _utc_day

SERIES: Final = ["provider", "model", "project_id", "feature"]
WRITES: Final = pl.Schema({"day": pl.Date, "provider": pl.String, "model": pl.String, "project_id": pl.String,
                           "api_key_id": pl.String, "feature": pl.String, "writes_judged": pl.Int64,
                           "unread_5m": pl.Int64, "unread_1h": pl.Int64})
TTL_SECONDS: Final = {"5m": 300.0, "1h": 3600.0}


def unread_writes(requests: pl.LazyFrame, horizon: datetime) -> pl.LazyFrame:
    """Per day and group (days.KEY): cache write tokens judged, and those never read back (5m and 1h)."""
    counted = pl.col("cached_input_tokens").is_not_null() | pl.col("cache_write_tokens").is_not_null()
    rows = (
        requests.filter(_not_embedding() & counted)
        .select(pl.col("ts"), _utc_day(requests, "ts").alias("day"), *_blank_dims(),
                pl.col("cached_input_tokens").fill_null(0).alias("reads"),
                pl.col("cache_write_tokens").fill_null(0).alias("writes"),
                pl.col("cache_write_1h_tokens").fill_null(0).alias("w1h"))
        # A series without a single write has nothing to judge: left out before the sort.
        .filter((pl.col("writes") > 0).any().over(SERIES))
        .sort([*SERIES, "ts"])
    )
    # The next read strictly after each request of its series (a request's own reads precede its write).
    next_read = pl.when(pl.col("reads") > 0).then(pl.col("ts")).shift(-1).backward_fill().over(SERIES)
    # In microseconds: whole seconds would count a read 300.6 s after a 5-minute write as in time.
    gap = (pl.col("next_read") - pl.col("ts")).dt.total_microseconds().cast(pl.Float64) / 1e6
    until = (pl.lit(horizon) - pl.col("ts")).dt.total_microseconds().cast(pl.Float64) / 1e6  # the log's time left

    def judged(ttl: float) -> pl.Expr:
        return (gap <= ttl).fill_null(False) | (until >= ttl)

    def unread(ttl: float) -> pl.Expr:
        return ~(gap <= ttl).fill_null(False) & (until >= ttl)

    w5, w1 = pl.col("writes") - pl.col("w1h"), pl.col("w1h")
    five, hour = TTL_SECONDS["5m"], TTL_SECONDS["1h"]
    return (
        rows.with_columns(next_read.alias("next_read"))
        .filter(pl.col("writes") > 0)
        .group_by(list(KEY))
        .agg((pl.when(judged(five)).then(w5).otherwise(0) + pl.when(judged(hour)).then(w1).otherwise(0))
             .sum().cast(pl.Int64).alias("writes_judged"),
             pl.when(unread(five)).then(w5).otherwise(0).sum().cast(pl.Int64).alias("unread_5m"),
             pl.when(unread(hour)).then(w1).otherwise(0).sum().cast(pl.Int64).alias("unread_1h"))
        .select(list(WRITES.names()))
    )


def with_unread(rows: pl.DataFrame, unread: pl.DataFrame) -> pl.DataFrame:
    """Cache rows (priced, models.cache.money) plus writes_judged, writes_unread and unread_premium_usd: the
    premium paid for writes no read repaid (0 where nothing was judged: request_days and metered rows)."""
    out = rows.join(unread, on=list(KEY), how="left").with_columns(
        pl.col("writes_judged", "unread_5m", "unread_1h").fill_null(0))
    u = pl.col("rate_uncached")

    def premium(tokens: pl.Expr, rate: pl.Expr) -> pl.Expr:
        return pl.when(tokens == 0).then(0.0).otherwise(tokens * (rate - u) / 1e6)

    return out.with_columns(
        (pl.col("unread_5m") + pl.col("unread_1h")).alias("writes_unread"),
        (premium(pl.col("unread_5m"), pl.col("rate_write_5m")) + premium(pl.col("unread_1h"), pl.col("rate_write_1h")))
        .alias("unread_premium_usd"),
    ).drop("unread_5m", "unread_1h")
