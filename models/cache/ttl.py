"""TTL advice: from the gaps between a feature's requests, whether 5-minute or 1-hour cache
writes (Anthropic) cost less a month, and OpenAI's automatic caching as it is billed.

Model, per request of a series (a feature on a provider and model; the log has no prefix
id, so the feature's requests are taken as sharing one prefix), with its cached prefix P
(cache reads + writes) and the gap since the series' previous request:
- Anthropic, 5-minute TTL: P at the cache-read rate when the gap is at most 5 minutes (a
  hit refreshes the TTL), else P at the 5-minute write rate; 1-hour TTL: the same with 60
  minutes and the 1-hour write rate. The first request of the window writes.
- OpenAI: automatic caching, no write charge, no TTL to choose: P at the cached-input rate
  when the gap is at most 5 minutes (OpenAI keeps a prefix 5-10 minutes idle), else at the
  uncached rate. Shown as modelled, with no advice.
Monthly = the window's cost x 30 / days in the window. Where many prefixes share a feature
(one per user), gaps per prefix are longer than the feature's and the model flatters both
TTLs alike; the difference between them still points the right way.
"""

from __future__ import annotations

from typing import Final

import polars as pl

FIVE_MIN: Final = 300.0
ONE_HOUR: Final = 3600.0
SERIES: Final = ["feature", "provider", "model"]


def advice(rows: pl.DataFrame, rates: pl.DataFrame, days: int) -> pl.DataFrame:
    """Per series: requests, median gap, hit shares at 5m/1h, monthly cost under each TTL, advice.

    `rows`: ts, feature, provider, model, prefix_tokens (prefix.prefix_rows). `rates`: per
    (provider, model): rate_uncached, rate_read, rate_write_5m, rate_write_1h (null = unpriced).
    """
    gaps = rows.sort(*SERIES, "ts").with_columns(
        pl.col("ts").diff().over(SERIES).dt.total_seconds().cast(pl.Float64).alias("gap"))
    hit5 = pl.col("gap").is_not_null() & (pl.col("gap") <= FIVE_MIN)
    hit1h = pl.col("gap").is_not_null() & (pl.col("gap") <= ONE_HOUR)
    p = pl.col("prefix_tokens")
    per = gaps.group_by(SERIES).agg(
        pl.len().cast(pl.Int64).alias("requests"), pl.col("gap").median().alias("median_gap_s"),
        hit5.mean().alias("within_5m"), hit1h.mean().alias("within_1h"),
        p.filter(hit5).sum().alias("_p5_hit"), p.filter(~hit5).sum().alias("_p5_miss"),
        p.filter(hit1h).sum().alias("_p1_hit"), p.filter(~hit1h).sum().alias("_p1_miss"),
    ).join(rates, on=["provider", "model"], how="left")
    scale = 30.0 / max(days, 1)
    anthropic = pl.col("provider") == "anthropic"
    usd5 = (pl.col("_p5_hit") * pl.col("rate_read") + pl.col("_p5_miss")
            * pl.when(anthropic).then(pl.col("rate_write_5m")).otherwise(pl.col("rate_uncached"))) / 1e6 * scale
    usd1h = (pl.col("_p1_hit") * pl.col("rate_read") + pl.col("_p1_miss") * pl.col("rate_write_1h")) / 1e6 * scale
    out = per.with_columns(
        pl.when(anthropic).then(usd5).alias("usd_per_month_5m"), pl.when(anthropic).then(usd1h).alias("usd_per_month_1h"),
        pl.when(~anthropic).then(usd5).alias("usd_per_month_automatic"),
    ).with_columns(
        pl.when(~anthropic).then(pl.lit("automatic (OpenAI: no write cost, no TTL to choose)"))
        .when(pl.col("usd_per_month_5m").is_null() | pl.col("usd_per_month_1h").is_null()).then(pl.lit("unpriced"))
        .when(pl.col("usd_per_month_1h") < pl.col("usd_per_month_5m")).then(pl.lit("1h"))
        .otherwise(pl.lit("5m")).alias("advice"),
        pl.when(anthropic).then((pl.col("usd_per_month_5m") - pl.col("usd_per_month_1h")).abs())
        .alias("saving_usd_per_month"),
    )
    return out.select(*SERIES, "requests", "median_gap_s", "within_5m", "within_1h", "usd_per_month_5m", "usd_per_month_1h",
                      "usd_per_month_automatic", "advice", "saving_usd_per_month").sort(
        # Ties (every OpenAI row has no saving) in a fixed order: the same output on every run.
        ["saving_usd_per_month", *SERIES], descending=[True, False, False, False], nulls_last=True)
