"""Prefix growth: the cached prefix per request, its weekly median and p90 per feature, its trend.

The request log carries no prefix id or prefix length; what it has is each request's cache
reads and writes, which together are the prefix the cache served or stored. So a request's
cached prefix = cache reads + cache writes (requests without cache counts have none, and
requests whose prefix is 0 did not cache). Growth per feature: the least-squares slope of
log(weekly median) over the weeks of the window, as % per week (a finding above the
configured rate only when the slope is `min_t` standard errors from flat); what it adds to the monthly
bill: (median of the last week − median of the first week) x the feature's requests per
30 days x what a prefix token cost it (its reads and writes at their rates, per token).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

import polars as pl

PREFIX_ROWS: Final = pl.Schema([("ts", pl.Datetime("us", "UTC")), ("feature", pl.String()), ("provider", pl.String()),
                                ("model", pl.String()), ("prefix_tokens", pl.Int64())])
NO_PREFIX_ID: Final = ("the request log has no prefix id or length: a request's cached prefix is taken as its cache "
                       "reads + writes, and a feature's requests as one prefix")


@dataclass(frozen=True)
class GrowthRule:
    window_weeks: int = 12  # weeks the trend is fitted over (ending with the last day)
    min_weeks: int = 6  # fewer weeks with cached requests: no trend
    max_pct_per_week: float = 2.0  # growth above this is a finding ...
    min_t: float = 3.0  # ... when the trend is this many standard errors from flat (noisy weeks are not a trend)


def prefix_rows(requests: pl.LazyFrame) -> pl.LazyFrame:
    """Per request with cache counts and a cached prefix: ts, feature, provider, model, prefix tokens."""
    prefix = pl.col("cached_input_tokens").fill_null(0) + pl.col("cache_write_tokens").fill_null(0)
    has = pl.col("cached_input_tokens").is_not_null() | pl.col("cache_write_tokens").is_not_null()
    return requests.filter(has & (prefix > 0) & ~pl.col("model").fill_null("").str.contains("embedding")).select(
        "ts", pl.col("feature").fill_null(""), pl.col("provider").fill_null(""), pl.col("model").fill_null(""),
        prefix.cast(pl.Int64).alias("prefix_tokens"))


def weekly(rows: pl.DataFrame) -> pl.DataFrame:
    """Per feature and ISO week (its Monday): requests, median and p90 of the cached prefix."""
    return (
        rows.with_columns(pl.col("ts").dt.date().dt.truncate("1w").alias("week"))
        .group_by("feature", "week")
        .agg(pl.len().cast(pl.Int64).alias("requests"),
             pl.col("prefix_tokens").median().alias("median"),
             pl.col("prefix_tokens").quantile(0.9, "linear").alias("p90"))
        .sort("feature", "week")
    )


def _slope(xs: list[float], ys: list[float]) -> tuple[float, float]:
    """Least-squares slope and its t statistic (inf for a perfect fit)."""
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    den = sum((x - mx) ** 2 for x in xs)
    if not den:
        return 0.0, 0.0
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / den
    resid = sum((y - my - b * (x - mx)) ** 2 for x, y in zip(xs, ys))
    se = math.sqrt(resid / (n - 2) / den) if n > 2 else 0.0
    return b, (abs(b) / se if se > 0 else math.inf)


def growth(weeks: pl.DataFrame, cost: pl.DataFrame, end: date, rule: GrowthRule) -> pl.DataFrame:
    """Per feature: first/last weekly median and p90, growth %/week, monthly dollars it adds, finding.

    `cost` has per feature: requests_30d (requests per 30 days, recent) and usd_per_prefix_token
    (null = unpriced). Only weeks that start within `window_weeks` before `end` count, and the
    week holding `end` only if it is complete (a partial week has another mix of days).
    """
    first = end - timedelta(weeks=rule.window_weeks)
    last_monday = end - timedelta(days=end.weekday())
    complete = last_monday if end.weekday() == 6 else last_monday - timedelta(days=7)
    win = weeks.filter((pl.col("week") > first) & (pl.col("week") <= complete) & (pl.col("median") > 0))
    out = []
    for (feature,), part in win.sort("week").group_by(["feature"], maintain_order=True):
        if part.height < rule.min_weeks:
            continue
        xs = [(w - part["week"][0]).days / 7 for w in part["week"]]
        b, t = _slope(xs, [math.log(m) for m in part["median"]])
        rate = (math.exp(b) - 1) * 100
        out.append({"feature": feature, "weeks": part.height, "from_week": part["week"][0], "to_week": part["week"][-1],
                    "median_first": float(part["median"][0]), "median_last": float(part["median"][-1]),
                    "p90_first": float(part["p90"][0]), "p90_last": float(part["p90"][-1]), "growth_pct_per_week": rate, "t": t})
    schema = {"feature": pl.String, "weeks": pl.Int64, "from_week": pl.Date, "to_week": pl.Date, "median_first": pl.Float64,
              "median_last": pl.Float64, "p90_first": pl.Float64, "p90_last": pl.Float64, "growth_pct_per_week": pl.Float64,
              "t": pl.Float64}
    frame = pl.DataFrame(out, schema=schema)
    return frame.join(cost, on="feature", how="left").with_columns(
        ((pl.col("median_last") - pl.col("median_first")) * pl.col("requests_30d") * pl.col("usd_per_prefix_token"))
        .alias("added_usd_per_month"),
        ((pl.col("growth_pct_per_week") > rule.max_pct_per_week) & (pl.col("t") >= rule.min_t)).alias("finding"),
    ).sort("growth_pct_per_week", descending=True)


def prefix_cost(rows: pl.DataFrame, end: date, days: int = 28) -> pl.DataFrame:
    """Per feature over the `days` before `end` (priced cache rows, CACHE_DAYS + rates): requests
    per 30 days and dollars per cached prefix token (reads and writes at their rates)."""
    since = end - timedelta(days=days - 1)
    recent = rows.filter((pl.col("day") >= since) & (pl.col("day") <= end) & (pl.col("provenance") == "logged"))
    tokens = pl.col("reads") + pl.col("writes_5m") + pl.col("writes_1h")
    def part(tokens: str, rate: str) -> pl.Expr:  # no tokens cost nothing, whatever the price (OpenAI has no write rate)
        return pl.when(pl.col(tokens) == 0).then(0.0).otherwise(pl.col(tokens) * pl.col(rate))

    usd = (part("reads", "rate_read") + part("writes_5m", "rate_write_5m") + part("writes_1h", "rate_write_1h")) / 1e6
    return recent.group_by("feature").agg(
        (pl.col("counted").sum() * 30 / days).alias("requests_30d"),
        pl.when(usd.is_null().any()).then(None).otherwise(usd.sum() / tokens.sum()).alias("usd_per_prefix_token"))
