"""Cache misses the log shows: reads a feature usually gets and, on some days, did not.

A series is a feature on a provider (the model may change under it; a snapshot change is
not a miss). Its baseline on a day is the median daily hit rate of its previous
`window_days` days with data (at least `min_days` of them). A day is a miss day when its
hit rate falls below baseline x (1 − `min_drop`) and below baseline − `noise_k` robust
spreads of the series' daily hit rates (a small feature's days are noisy), on a day with at
least `min_requests` requests with cache counts: a prefix that changed (a timestamp or
a reordered tool list at the top of the prompt), a TTL that expired between requests, an
eviction the provider reported as such. On a miss day each row's missed reads are
baseline x cacheable input − reads; those tokens were billed as input (uncached or as a
new cache write) instead of as reads, and `money.read_gap_usd` prices them. A drop that
lasts longer than half the window becomes the new baseline: the hit-rate trend shows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import polars as pl

from finops.models.money import money_sum

SERIES: Final = ("feature", "provider")


@dataclass(frozen=True)
class MissRule:
    window_days: int = 28  # days of history the baseline hit rate is the median of
    min_days: int = 7  # fewer days of history: no baseline, no miss
    min_drop: float = 0.25  # relative drop below the baseline that makes a miss day
    noise_k: float = 4.0  # ... and at least this many robust spreads of the series' daily hit rate below it
    min_requests: int = 20  # a day with fewer requests with cache counts is never a miss day (too noisy)


def series_days(logged: pl.DataFrame, rule: MissRule) -> pl.DataFrame:
    """Per series and day: input, reads, hit rate, baseline and whether it is a miss day."""
    s = list(SERIES)
    daily = (
        logged.filter(pl.col("counted") > 0)
        .group_by("day", *s).agg(pl.col("input").sum(), pl.col("reads").sum(), pl.col("counted").sum())
        .filter(pl.col("input") > 0)
        .with_columns((pl.col("reads") / pl.col("input")).alias("hit_rate"))
        .sort(*s, "day")
    )
    prev = pl.col("hit_rate").shift(1)
    baseline = prev.rolling_median(rule.window_days, min_samples=rule.min_days).over(s)
    # robust spread: 1.4826 x the median absolute deviation of the previous days' hit rates from their median
    spread = ((prev - baseline).abs().rolling_median(rule.window_days, min_samples=rule.min_days) * 1.4826).over(s)
    below = (pl.col("baseline") > 0) & (pl.col("hit_rate") < pl.col("baseline") * (1 - rule.min_drop)) \
        & (pl.col("hit_rate") < pl.col("baseline") - rule.noise_k * pl.col("spread")) & (pl.col("counted") >= rule.min_requests)
    return daily.with_columns(baseline.alias("baseline"), spread.alias("spread")).with_columns(
        below.fill_null(False).alias("miss"))


def with_missed(logged: pl.DataFrame, series: pl.DataFrame) -> pl.DataFrame:
    """`logged` plus missed_reads: baseline x input − reads on the series' miss days, else 0."""
    s = ["day", *SERIES]
    flags = series.filter(pl.col("miss")).select(*s, "baseline")
    return logged.join(flags, on=s, how="left").with_columns(
        pl.when(pl.col("baseline").is_not_null())
        .then((pl.col("baseline") * pl.col("input") - pl.col("reads")).round(0).cast(pl.Int64))
        .otherwise(0).alias("missed_reads"),
    ).drop("baseline")


def episodes(series: pl.DataFrame, logged: pl.DataFrame, gap_days: int = 1) -> pl.DataFrame:
    """Runs of miss days per series (days at most `gap_days` apart): start, end, days, missed
    reads and lost dollars (`logged` needs missed_reads and lost_miss_usd), worst hit rate."""
    s = list(SERIES)
    days = series.filter(pl.col("miss")).sort(*s, "day")
    schema = {"feature": pl.String, "provider": pl.String, "start": pl.Date, "end": pl.Date, "days": pl.UInt32,
              "hit_rate": pl.Float64, "baseline": pl.Float64, "missed_reads": pl.Int64, "lost_usd": pl.Float64}
    if days.height == 0:
        return pl.DataFrame(schema=schema)
    runs = days.with_columns(
        ((pl.col("day").diff().over(s).dt.total_days().fill_null(gap_days + 1)) > gap_days).cum_sum().over(s).alias("run"))
    money = logged.group_by("day", *s).agg(pl.col("missed_reads").sum(), money_sum(pl.col("lost_miss_usd")))
    return (
        runs.join(money, on=["day", *s], how="left")
        .group_by(*s, "run")
        .agg(pl.col("day").min().alias("start"), pl.col("day").max().alias("end"), pl.len().alias("days"),
             (pl.col("reads").sum() / pl.col("input").sum()).alias("hit_rate"), pl.col("baseline").median(),
             pl.col("missed_reads").sum(), money_sum(pl.col("lost_miss_usd")).alias("lost_usd"))
        .drop("run").sort("start", *s).select(list(schema))
    )
