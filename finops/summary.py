"""Spend by provider and month from the stored cost lines, in each line's billing currency."""

from __future__ import annotations

import polars as pl

from finops.models.money import money_sum
from finops.store import Store


def spend_by_provider_month(store: Store, since: str | None = None, until: str | None = None) -> pl.DataFrame:
    """Sum of BilledCost per (month, provider, currency), with the provenance of the figures.

    `since`/`until` are YYYY-MM months, inclusive. Currencies are never mixed in one sum.
    """
    lf = store.scan("cost_lines").with_columns(pl.col("ChargePeriodStart").dt.strftime("%Y-%m").alias("month"))
    if since:
        lf = lf.filter(pl.col("month") >= since)
    if until:
        lf = lf.filter(pl.col("month") <= until)
    return (
        lf.group_by("month", pl.col("ServiceProviderName").alias("provider"), pl.col("BillingCurrency").alias("currency"))
        .agg(
            money_sum(pl.col("BilledCost")).alias("billed_cost"),
            pl.len().alias("lines"),
            pl.col("x_Provenance").unique().sort().str.join(",").alias("provenance"),
        )
        .sort("month", "provider", "currency")
        .collect()
    )
