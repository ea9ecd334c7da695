"""Catalog prices for COGS, through the price catalog's API (models.pricing.catalog).

COGS needs two things from the catalog: the catalog model of a usage model (dated
snapshots map to their base), and the price per million of a (provider, model, token
class) on a day. A missing price is null ("unpriced"), never 0. The catalog is always
the caller's (the context's, with `[pricing] override` merged): there is no default here.
"""

from __future__ import annotations

import polars as pl

from finops.models.pricing.catalog import price, resolve_models


def with_base_model(frame: pl.DataFrame, catalog: pl.DataFrame, provider: str = "provider", model: str = "model",
                    out: str = "base_model") -> pl.DataFrame:
    """Add the catalog model of each row's model (null when the catalog does not know it), mapped by
    the one model resolver (finops.models.pricing.resolve): snapshots, gateways and display names
    are aliases; no family fallback."""
    pairs = frame.select(provider, model).unique().drop_nulls()
    mapping = resolve_models(pairs[model], pairs[provider], catalog).select(
        pl.col("provider").alias(provider), pl.col("model").alias(model), pl.col("catalog_model").alias(out)
    )
    return frame.join(mapping, on=[provider, model], how="left", nulls_equal=True)


def classes_of(provider: str, base: str, catalog: pl.DataFrame) -> set[str]:
    """The token classes the catalog prices for a model."""
    return set(catalog.filter((pl.col("provider") == provider) & (pl.col("model") == base))["token_class"].to_list())


def with_price(
    frame: pl.DataFrame, catalog: pl.DataFrame, provider: str = "provider", base: str = "base_model", token_class: str = "token_class",
    day: str = "day", out: str = "usd_per_million",
) -> pl.DataFrame:
    """Add the catalog price in force on each row's day (null when unpriced)."""
    keys = frame.select(provider, base, token_class, day).unique().drop_nulls()
    priced = price(
        keys.rename({provider: "provider", base: "model", token_class: "token_class", day: "day"}), catalog, "day"
    ).select(
        pl.col("provider").alias(provider), pl.col("model").alias(base), pl.col("token_class").alias(token_class),
        pl.col("day").alias(day), pl.col("usd_per_million").alias(out),
    )
    return frame.join(priced, on=[provider, base, token_class, day], how="left", nulls_equal=True)
