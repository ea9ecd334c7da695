"""Turn generated calls into what the providers meter and bill, day by day.

The provider bills at the catalog price in force on the day, except where the sample
plants a price change the catalog does not know about.
"""

from __future__ import annotations

import polars as pl

from finops.sample.requests_gen import Windows
from finops.sample.spec import AnomalyPlan

CLASS_COLUMNS = {
    "input_uncached": "b_input_uncached",
    "input_cache_read": "b_input_cache_read",
    "input_cache_write_5m": "b_input_cache_write_5m",
    "output": "b_output",
    "embedding": "b_embedding",
}
GROUP = ["day", "provider", "model", "project_id", "api_key_id"]


def catalog_prices(keys: pl.DataFrame) -> pl.DataFrame:
    """keys (provider, model, token_class, day) + usd_per_million and catalog_model: the default
    catalog (genai-prices data with catalog.csv over it) through the product's own lookup, so
    the sample bills at the prices every surface uses."""
    from finops.models.pricing.catalog import load_catalog
    from finops.models.pricing.lookup import price, resolve_models

    catalog = load_catalog()
    mapping = resolve_models(keys["model"], keys["provider"], catalog).select("provider", "model", "catalog_model")
    return price(keys, catalog).join(mapping, on=["provider", "model"], how="left")


def with_day(rows: pl.DataFrame) -> pl.DataFrame:
    return rows.with_columns(pl.col("ts").dt.date().alias("day"))


def usage_long(rows: pl.DataFrame) -> pl.DataFrame:
    """Billed quantity per (day, provider, model, project, key, token class); zeros dropped."""
    agg = with_day(rows).group_by(GROUP).agg(
        *[pl.col(c).sum().alias(k) for k, c in CLASS_COLUMNS.items()],
        pl.len().cast(pl.Int64).alias("requests"),
    )
    long = agg.unpivot(index=GROUP, variable_name="token_class", value_name="quantity")
    return long.filter(pl.col("quantity") > 0).sort([*GROUP, "token_class"])


def price_usage(usage: pl.DataFrame, plan: AnomalyPlan, windows: Windows) -> pl.DataFrame:
    """Add the catalog price and the price the provider actually billed, and the cost."""
    keys = usage.filter(pl.col("token_class") != "requests").select("provider", "model", "token_class", "day").unique()
    changed = (
        (pl.col("catalog_model") == plan.price_change_model)
        & (pl.col("token_class") == plan.price_change_token_class)
        & (pl.col("day") >= windows.price_change_from)
    )
    price_frame = catalog_prices(keys).select(
        "provider", "model", "token_class", "day", pl.col("usd_per_million").alias("catalog_usd_per_million"),
        pl.when(changed).then(pl.lit(plan.price_change_new_usd_per_million, pl.Float64))
        .otherwise(pl.col("usd_per_million")).alias("billed_usd_per_million"),
    )
    out = usage.join(price_frame, on=["provider", "model", "token_class", "day"], how="left")
    missing = out.filter((pl.col("token_class") != "requests") & pl.col("billed_usd_per_million").is_null())
    if missing.height:
        raise ValueError(f"sample generator: no catalog price for {missing.row(0, named=True)}")
    return out.with_columns(
        (pl.col("quantity") * pl.col("billed_usd_per_million") / 1e6).alias("billed_usd")
    )
