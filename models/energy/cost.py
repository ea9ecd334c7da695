"""Catalog cost of each logged request, so energy and carbon sit next to dollars.

A request's tokens split into the token classes the reconcile engine uses (finops/rollup.py:
uncached input = input - cached - cache writes; embedding models bill all input as
`embedding`), each priced at the catalog row in force that UTC day
and service tier (models.pricing.lookup.price: batch takes the catalog's batch discount;
a tier the catalog has no price for stays unpriced). A request with tokens in a class
the catalog does not price stays unpriced (null), never $0. Provenance: estimated
(catalog, not invoice).
"""

from __future__ import annotations

import polars as pl

CLASSES = ("input_uncached", "input_cache_read", "input_cache_write_5m", "output", "embedding")


def class_tokens() -> dict[str, pl.Expr]:
    """Tokens per class for each request row (nulls already filled with 0)."""
    embed = pl.col("model").str.contains("embedding")
    inp, cached, write = pl.col("input_tokens"), pl.col("cached_input_tokens"), pl.col("cache_write_tokens")
    return {
        "input_uncached": pl.when(embed).then(0).otherwise(inp - cached - write),
        "input_cache_read": pl.when(embed).then(0).otherwise(cached),
        "input_cache_write_5m": pl.when(embed).then(0).otherwise(write),
        "output": pl.col("output_tokens"),
        "embedding": pl.when(embed).then(inp).otherwise(0),
    }


KEYS = ["provider", "model", "service_tier", "day"]


def _prices(keys: pl.DataFrame, catalog: pl.DataFrame) -> pl.DataFrame:
    """Wide price table: one row per (provider, model, service tier, day), a `p_<class>` column per class."""
    from finops.models.pricing.lookup import price

    long = keys.join(pl.DataFrame({"token_class": list(CLASSES)}), how="cross")
    priced = price(long, catalog)
    return priced.pivot(on="token_class", index=KEYS, values="usd_per_million").rename(
        {c: f"p_{c}" for c in CLASSES}
    )


def with_cost(lf: pl.LazyFrame, catalog: pl.DataFrame) -> pl.LazyFrame:
    """Add `cost_usd` at `catalog` prices (null when any billed class of the request has no price there)."""
    lf = lf.with_columns(pl.col("ts").dt.date().alias("__day"), pl.col("service_tier").fill_null("").alias("__tier"))
    keys = lf.select("provider", "model", pl.col("__tier").alias("service_tier"), pl.col("__day").alias("day")).unique().collect()
    if keys.height == 0:
        return lf.drop("__day", "__tier").with_columns(pl.lit(None, pl.Float64).alias("cost_usd"))
    prices = _prices(keys, catalog).rename({"day": "__day", "service_tier": "__tier"})
    tokens = class_tokens()
    parts = [tokens[c] * pl.col(f"p_{c}") / 1e6 for c in CLASSES]
    unpriced = pl.any_horizontal([(tokens[c] > 0) & pl.col(f"p_{c}").is_null() for c in CLASSES])
    cost = pl.when(unpriced).then(None).otherwise(pl.sum_horizontal([p.fill_null(0.0) for p in parts]))
    return (
        lf.join(prices.lazy(), on=["provider", "model", "__tier", "__day"], how="left", nulls_equal=True, maintain_order="left")
        .with_columns(cost.cast(pl.Float64).alias("cost_usd"))
        .drop("__day", "__tier", *[f"p_{c}" for c in CLASSES])
    )
