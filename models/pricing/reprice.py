"""What stored usage would cost under another price catalog, as a diff; nothing is changed.

`reprice_usage` is the pure part: metered tokens per day priced under two catalogs and
compared per month, provider and model. `reprice(store, file)` reads the billed usage
and the catalogs; the stored figures are only ever read.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl

from finops.models.pricing.catalog import load_catalog, read_catalog
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


def stored_usage(store: object, since: date | None = None, until: date | None = None, provider: str | None = None) -> pl.DataFrame:
    """Metered tokens per UTC day, provider, model, class and tier from the store's billed_usage."""
    lf = store.scan("billed_usage").filter(pl.col("unit") == "tokens")  # type: ignore[attr-defined]
    day = pl.col("charge_period_start").dt.date()
    if since:
        lf = lf.filter(day >= since)
    if until:
        lf = lf.filter(day <= until)
    if provider:
        lf = lf.filter(pl.col("provider") == provider.lower())
    return (
        lf.with_columns(day.alias("day"), pl.col("service_tier").fill_null(""), pl.col("context_window").fill_null(""))
        .group_by(USAGE_KEY).agg(pl.col("quantity").sum()).collect()
    )


def reprice(store: object, catalog_file: Path, merge: bool = True, current: pl.DataFrame | None = None,
            since: date | None = None, until: date | None = None, provider: str | None = None) -> pl.DataFrame:
    """The diff of stored usage under `catalog_file` against the current catalog.

    With `merge`, the file is merged over the default catalog (a negotiated discount);
    without it, the file is the whole catalog. Rows without a price stay unpriced.
    """
    current = current if current is not None else load_catalog()
    other = load_catalog(catalog_file) if merge else read_catalog(catalog_file)
    return reprice_usage(stored_usage(store, since, until, provider), current, other)
