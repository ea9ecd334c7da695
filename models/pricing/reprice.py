"""What stored usage would cost under another price catalog, as a diff; nothing is changed.

`reprice_usage`: metered tokens per day priced under two catalogs and compared per month,
provider and model. finops/services/pricing.py reads the billed usage from the store and
the catalogs; the stored figures are only ever read.
"""

from __future__ import annotations

import polars as pl

from finops.models.pricing.lookup import price

USAGE_KEY = ["day", "provider", "model", "token_class", "service_tier", "context_window"]


def _total(rate: str) -> pl.Expr:
    """Dollars of a group, null (unpriced) when any of its rows has no price."""
    return pl.when(pl.col(rate).is_null().any()).then(None).otherwise((pl.col("quantity") * pl.col(rate) / 1e6).sum())


def reprice_usage(usage: pl.DataFrame, current: pl.DataFrame, other: pl.DataFrame) -> pl.DataFrame:
    """Per month, provider and model: tokens, cost now, cost under `other`, the diff and the rows used."""
    now = price(usage, current).rename({"usd_per_million": "now_rate", "price_row_id": "now_row"})
    both = price(now, other).rename({"usd_per_million": "new_rate", "price_row_id": "new_row"})
    out = both.group_by(pl.col("day").dt.strftime("%Y-%m").alias("month"), "provider", "model").agg(
        pl.col("quantity").sum().alias("tokens"),
        _total("now_rate").alias("current_usd"),
        _total("new_rate").alias("repriced_usd"),
        pl.col("quantity").filter(pl.col("new_rate").is_null()).sum().alias("unpriced_tokens"),
        pl.col("new_row").drop_nulls().unique().sort().str.join(",").alias("repriced_rows"),
    )
    return out.with_columns((pl.col("repriced_usd") - pl.col("current_usd")).alias("diff_usd")).with_columns(
        pl.when(pl.col("current_usd") > 0).then(pl.col("diff_usd") / pl.col("current_usd") * 100).alias("diff_pct")
    ).select("month", "provider", "model", "tokens", "current_usd", "repriced_usd", "diff_usd", "diff_pct",
             "unpriced_tokens", "repriced_rows").sort("month", "provider", "model")
