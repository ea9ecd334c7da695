"""Cache rows priced at the catalog: dollars saved by reads, the premium paid for writes.

- saved = reads x (uncached input rate − cache read rate): what the reads would have cost
  as uncached input, less what they cost;
- write premium = 5-minute writes x (5m write rate − uncached rate) + 1-hour writes x
  (1h write rate − uncached rate): what writing the cache cost above sending the same
  tokens uncached (writes whose TTL the log cannot tell are priced as 5-minute writes);
- a row with tokens of a class the catalog does not price gets null dollars (unpriced),
  never 0; a class with no tokens costs nothing whatever its price.
Rates are the standard-tier catalog rows in force on the row's UTC day (the configured
catalog, with its overrides: the caller passes ctx.catalog).
"""

from __future__ import annotations

from typing import Final

import polars as pl

from finops.models.pricing.lookup import price

RATES: Final = {"input_uncached": "rate_uncached", "input_cache_read": "rate_read",
                "input_cache_write_5m": "rate_write_5m", "input_cache_write_1h": "rate_write_1h"}


def rates(keys: pl.DataFrame, catalog: pl.DataFrame) -> pl.DataFrame:
    """Per distinct (day, provider, model): the four input rates in USD per million (null = unpriced)."""
    base = keys.select("day", "provider", "model").unique()
    if base.height == 0:
        return base.with_columns(*[pl.lit(None, pl.Float64).alias(v) for v in RATES.values()])
    long = base.join(pl.DataFrame({"token_class": list(RATES)}), how="cross")
    priced = price(long, catalog)
    return priced.pivot(on="token_class", index=["day", "provider", "model"], values="usd_per_million",
                        aggregate_function="first").rename(RATES, strict=False).with_columns(
        *[pl.lit(None, pl.Float64).alias(v) for k, v in RATES.items() if k not in priced["token_class"].unique().to_list()])


def _money(tokens: pl.Expr, rate: pl.Expr) -> pl.Expr:
    """tokens x rate / 1e6; 0 for no tokens, null (unpriced) for tokens without a rate."""
    return pl.when(tokens == 0).then(0.0).otherwise(tokens * rate / 1e6)


def with_money(days: pl.DataFrame, catalog: pl.DataFrame) -> pl.DataFrame:
    """`days` plus the four rates, saved_usd and write_premium_usd."""
    r = rates(days, catalog)
    u = pl.col("rate_uncached")
    return days.join(r, on=["day", "provider", "model"], how="left").with_columns(
        _money(pl.col("reads"), u - pl.col("rate_read")).alias("saved_usd"),
        (_money(pl.col("writes_5m"), pl.col("rate_write_5m") - u) + _money(pl.col("writes_1h"), pl.col("rate_write_1h") - u))
        .alias("write_premium_usd"),
    )


def read_gap_usd(tokens: pl.Expr) -> pl.Expr:
    """Dollars of `tokens` billed as uncached input instead of cache reads (needs the rate columns)."""
    return _money(tokens, pl.col("rate_uncached") - pl.col("rate_read"))
