"""The cache view of the request log and of metered usage per UTC day and group (typed CACHE_DAYS).

Logged rows come from the raw request log (one streaming group-by) and, for the (day,
provider) pairs it does not cover, from the request_days rollup. Cacheable input is the
input of the requests that logged cache counts (reads or writes, even 0): the log does not
mark which tokens sit in a cacheable prefix, so this is every input token such a request
sent. Requests without cache counts are counted (`requests` − `counted`) and never turn
into a 0% hit rate. Embedding requests are left out (no prompt cache).
Metered rows come from billed_usage token classes; the providers' usage APIs carry no
feature, so metered rows have feature "".
"""

from __future__ import annotations

from typing import Final

import polars as pl

DIMS: Final = ("provider", "model", "project_id", "api_key_id", "feature")
KEY: Final = ("day", *DIMS)
LOGGED: Final = "logged"
METERED: Final = "metered"

CACHE_DAYS: Final = pl.Schema({
    "day": pl.Date,
    "provider": pl.String,
    "model": pl.String,
    "project_id": pl.String,
    "api_key_id": pl.String,
    "feature": pl.String,  # "" on metered rows (usage APIs carry no feature)
    "provenance": pl.String,  # logged | metered
    "requests": pl.Int64,  # null on metered rows
    "counted": pl.Int64,  # requests that logged cache counts; null on metered rows
    "input": pl.Int64,  # cacheable input: all input tokens of the requests with cache counts
    "reads": pl.Int64,  # cache reads
    "writes_5m": pl.Int64,  # cache writes with a 5-minute TTL (and writes whose TTL the log cannot tell)
    "writes_1h": pl.Int64,  # cache writes with a 1-hour TTL
    "writes_unknown": pl.Int64,  # writes whose log cannot tell 5m from 1h (inside writes_5m)
})

_ZERO = pl.lit(0, pl.Int64)


def _utc_day(frame: pl.LazyFrame, ts: str) -> pl.Expr:
    dtype = frame.collect_schema()[ts]
    col = pl.col(ts)
    if isinstance(dtype, pl.Datetime) and dtype.time_zone not in (None, "UTC"):
        col = col.dt.convert_time_zone("UTC")
    return col.dt.date()


def _not_embedding() -> pl.Expr:
    return ~pl.col("model").fill_null("").str.contains("embedding")


def _blank_dims() -> list[pl.Expr]:
    return [pl.col(c).cast(pl.String).fill_null("") for c in DIMS]


def logged_from_requests(requests: pl.LazyFrame) -> pl.LazyFrame:
    """Raw request rows per day and group: requests, counted, cacheable input, reads, writes."""
    counted = pl.col("cached_input_tokens").is_not_null() | pl.col("cache_write_tokens").is_not_null()
    writes = pl.col("cache_write_tokens").fill_null(0)
    one_hour = pl.col("cache_write_1h_tokens")
    return (
        requests.filter(_not_embedding())
        .with_columns(_utc_day(requests, "ts").alias("day"), *_blank_dims(), counted.alias("_counted"))
        .group_by(list(KEY))
        .agg(
            pl.len().cast(pl.Int64).alias("requests"),
            pl.col("_counted").sum().cast(pl.Int64).alias("counted"),
            pl.when(pl.col("_counted")).then(pl.col("input_tokens").fill_null(0)).otherwise(0).sum().cast(pl.Int64).alias("input"),
            pl.col("cached_input_tokens").fill_null(0).sum().cast(pl.Int64).alias("reads"),
            (writes - one_hour.fill_null(0)).sum().cast(pl.Int64).alias("writes_5m"),
            one_hour.fill_null(0).sum().cast(pl.Int64).alias("writes_1h"),
            pl.when(one_hour.is_null()).then(writes).otherwise(0).sum().cast(pl.Int64).alias("writes_unknown"),
        )
        .with_columns(pl.lit(LOGGED).alias("provenance"))
        .select(list(CACHE_DAYS.names()))
    )


def logged_from_rollup(days: pl.LazyFrame) -> pl.LazyFrame:
    """request_days rows (sums, where nulls were summed as 0): a row counts as having cache
    counts when it logged any read or write, since the rollup cannot tell a null from a 0."""
    present = days.collect_schema().names()
    one_hour = pl.col("cache_write_1h_tokens").fill_null(0) if "cache_write_1h_tokens" in present else _ZERO
    unknown = (pl.col("cache_write_1h_unknown_tokens").fill_null(0) if "cache_write_1h_unknown_tokens" in present
               else pl.col("cache_write_tokens").fill_null(0))
    any_counts = (pl.col("cached_input_tokens").fill_null(0) + pl.col("cache_write_tokens").fill_null(0)) > 0
    counted = pl.when(any_counts).then(pl.col("requests") - pl.col("without_counts").fill_null(0)).otherwise(0)
    return (
        days.filter(_not_embedding())
        .with_columns(*_blank_dims())
        .select(
            "day", *DIMS, pl.lit(LOGGED).alias("provenance"), pl.col("requests").cast(pl.Int64),
            counted.cast(pl.Int64).alias("counted"),
            pl.when(any_counts).then(pl.col("input_tokens").fill_null(0)).otherwise(0).cast(pl.Int64).alias("input"),
            pl.col("cached_input_tokens").fill_null(0).cast(pl.Int64).alias("reads"),
            (pl.col("cache_write_tokens").fill_null(0) - one_hour).cast(pl.Int64).alias("writes_5m"),
            one_hour.cast(pl.Int64).alias("writes_1h"), unknown.cast(pl.Int64).alias("writes_unknown"),
        )
        .group_by(list(KEY)).agg(pl.col("provenance").first(), pl.col(*list(CACHE_DAYS.names())[7:]).sum())
        .select(list(CACHE_DAYS.names()))
    )


def logged_days(requests: pl.LazyFrame, rollup: pl.LazyFrame | None = None) -> pl.LazyFrame:
    """Logged rows: the raw log, plus request_days rows for (day, provider) pairs it does not cover."""
    raw = logged_from_requests(requests)
    if rollup is None:
        return raw
    covered = raw.select("day", "provider").unique()
    return pl.concat([raw, logged_from_rollup(rollup).join(covered, on=["day", "provider"], how="anti")])


_METERED_CLASSES: Final = {"input_uncached": "_uncached", "input_cache_read": "reads",
                           "input_cache_write_5m": "writes_5m", "input_cache_write_1h": "writes_1h"}


def metered_days(billed_usage: pl.LazyFrame) -> pl.LazyFrame:
    """Metered input tokens by cache class per day and group (feature ""), from billed_usage."""
    classes = list(_METERED_CLASSES)
    tokens = billed_usage.filter((pl.col("unit") == "tokens") & pl.col("token_class").is_in(classes) & _not_embedding())
    q = pl.col("quantity").fill_null(0)
    return (
        tokens.with_columns(_utc_day(tokens, "charge_period_start").alias("day"), *[c for c in _blank_dims()[:4]],
                            pl.lit("").alias("feature"))
        .group_by(list(KEY))
        .agg(*[q.filter(pl.col("token_class") == k).sum().cast(pl.Int64).alias(v) for k, v in _METERED_CLASSES.items()])
        .with_columns(
            pl.lit(METERED).alias("provenance"), pl.lit(None, pl.Int64).alias("requests"), pl.lit(None, pl.Int64).alias("counted"),
            (pl.col("_uncached") + pl.col("reads") + pl.col("writes_5m") + pl.col("writes_1h")).alias("input"),
            _ZERO.alias("writes_unknown"),
        )
        .select(list(CACHE_DAYS.names()))
    )


def empty() -> pl.DataFrame:
    return pl.DataFrame(schema=CACHE_DAYS)

