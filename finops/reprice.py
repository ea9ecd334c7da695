"""What the stored usage would cost under another price catalog, as a diff; nothing is changed."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from finops.store import Store
from models.pricing.catalog import load_catalog, price, read_catalog


def reprice(store: Store, catalog_file: Path, merge: bool = True) -> pl.DataFrame:
    """Per month, provider and model: cost at the current catalog, at the other one, and the diff.

    With `merge`, the file overrides matching rows of the default catalog (a negotiated
    discount); without it, the file is the whole catalog. Rows without a price are unpriced.
    """
    current = load_catalog()
    other = load_catalog(catalog_file) if merge else read_catalog(catalog_file)
    usage = (
        store.scan("billed_usage").filter(pl.col("unit") == "tokens")
        .group_by(pl.col("charge_period_start").dt.date().alias("day"), "provider", "model", "token_class")
        .agg(pl.col("quantity").sum())
        .collect()
    )
    now = price(usage, current).rename({"usd_per_million": "now_rate", "price_row_id": "now_row"})
    both = price(now, other).rename({"usd_per_million": "new_rate", "price_row_id": "new_row"})

    def total(rate: str) -> pl.Expr:
        cost = pl.col("quantity") * pl.col(rate) / 1e6
        return pl.when(pl.col(rate).is_null().any()).then(None).otherwise(cost.sum())

    out = both.group_by(pl.col("day").dt.strftime("%Y-%m").alias("month"), "provider", "model").agg(
        pl.col("quantity").sum().alias("tokens"), total("now_rate").alias("current_usd"), total("new_rate").alias("repriced_usd"),
    ).with_columns((pl.col("repriced_usd") - pl.col("current_usd")).alias("diff_usd")).with_columns(
        pl.when(pl.col("current_usd") > 0).then(pl.col("diff_usd") / pl.col("current_usd") * 100).alias("diff_pct")
    )
    return out.sort("month", "provider", "model")
