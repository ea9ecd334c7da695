"""The catalog join as it was before issue 18 (commit 16ca19d models/pricing/lookup.py), frozen as the
bench reference: prefix model matching over the hand-written catalog.csv. Not used by the product."""

from __future__ import annotations

import polars as pl

STANDARD_TIERS = ("", "default", "standard", "auto")
BATCH_TIERS = ("batch",)
UNPRICED = "unpriced"
_KEY = ["provider", "model", "token_class"]


def resolve_models(models: pl.Series, providers: pl.Series, catalog: pl.DataFrame) -> pl.DataFrame:
    """Map (provider, reported model) to the catalog model: the longest catalog name that equals
    the reported one or prefixes it before a '-' (dated snapshots such as gpt-4.1-mini-2025-04-14).

    Returns one row per distinct (provider, model) with `catalog_model` (null when unknown).
    """
    pairs = pl.DataFrame({"provider": providers, "model": models}).unique()
    known = catalog.select("provider", pl.col("model").alias("catalog_model")).unique()
    best = (
        pairs.drop_nulls().join(known, on="provider", how="inner")
        .filter((pl.col("model") == pl.col("catalog_model")) | pl.col("model").str.starts_with(pl.col("catalog_model") + "-"))
        .sort(pl.col("catalog_model").str.len_chars(), descending=True)
        .unique(subset=["provider", "model"], keep="first")
    )
    return pairs.join(best, on=["provider", "model"], how="left", nulls_equal=True)


def _lower_bound_tokens(window: pl.Expr) -> pl.Expr:
    """The lower bound of a context window label like '200k-1M' in tokens (0 when absent)."""
    head = window.str.extract(r"^\s*(\d+(?:\.\d+)?)\s*([kKmM]?)\s*-", 1).cast(pl.Float64)
    unit = window.str.extract(r"^\s*\d+(?:\.\d+)?\s*([kKmM]?)\s*-", 1).str.to_lowercase()
    scale = pl.when(unit == "k").then(1e3).when(unit == "m").then(1e6).otherwise(1.0)
    return (head * scale).fill_null(0.0)


def price(frame: pl.DataFrame, catalog: pl.DataFrame, day_column: str = "day") -> pl.DataFrame:
    """`frame` plus `usd_per_million` and `price_row_id` for each (provider, model, token_class, day).

    The rate is the catalog row in force on the row's UTC day; reasoning is priced as output.
    `price_row_id` is `file:line` of that row, with `#batch` / `#long_context` when a tier
    applied. Unknown models, classes, tiers or days get nulls: the caller reports them unpriced.
    """
    tier_cols = [c for c in ("service_tier", "context_window", "long_context") if c in frame.columns]
    key = ["provider", "model", "token_class", day_column, *tier_cols]
    extra = [c for c in ("usd_per_million", "price_row_id") if c in frame.columns]
    base = frame.drop(extra) if extra else frame
    if frame.height == 0:
        return base.with_columns(pl.lit(None, pl.Float64).alias("usd_per_million"), pl.lit(None, pl.String).alias("price_row_id"))
    keys = base.select(key).unique()
    day = pl.col(day_column)
    if keys.schema[day_column] != pl.Date:
        day = day.dt.date()
    mapping = resolve_models(keys["model"], keys["provider"], catalog)
    rows = catalog.select(
        "provider", pl.col("model").alias("catalog_model"), pl.col("token_class").alias("price_class"),
        "usd_per_million", "effective_from", "effective_to", "batch_discount",
        "long_context_above_tokens", "long_context_usd_per_million", "price_row_id",
    )
    cand = (
        keys.with_columns(day.alias("__day"),
                          pl.when(pl.col("token_class") == "reasoning").then(pl.lit("output")).otherwise(pl.col("token_class")).alias("price_class"))
        .join(mapping, on=["provider", "model"], how="left", nulls_equal=True)
        .join(rows, on=["provider", "catalog_model", "price_class"], how="inner")
        .filter((pl.col("__day") >= pl.col("effective_from")) & (pl.col("effective_to").is_null() | (pl.col("__day") < pl.col("effective_to"))))
        .unique(subset=key, keep="first", maintain_order=True)
    )
    rate, row_id = pl.col("usd_per_million"), pl.col("price_row_id")
    if "context_window" in tier_cols or "long_context" in tier_cols:
        is_long = pl.lit(False)
        if "context_window" in tier_cols:
            is_long = is_long | (_lower_bound_tokens(pl.col("context_window").fill_null(""))
                                 >= pl.col("long_context_above_tokens").cast(pl.Float64)).fill_null(False)
        if "long_context" in tier_cols:
            is_long = is_long | pl.col("long_context").fill_null(False)
        use_long = is_long & pl.col("long_context_usd_per_million").is_not_null()
        rate = pl.when(use_long).then(pl.col("long_context_usd_per_million")).otherwise(rate)
        row_id = pl.when(use_long).then(row_id + "#long_context").otherwise(row_id)
    if "service_tier" in tier_cols:
        tier = pl.col("service_tier").fill_null("").str.to_lowercase()
        rate = (pl.when(tier.is_in(STANDARD_TIERS)).then(rate)
                .when(tier.is_in(BATCH_TIERS)).then(rate * (1.0 - pl.col("batch_discount")))
                .otherwise(None))
        row_id = pl.when(rate.is_null()).then(None).when(tier.is_in(BATCH_TIERS)).then(row_id + "#batch").otherwise(row_id)
    priced = cand.select(*key, rate.alias("usd_per_million"), row_id.alias("price_row_id"))
    return base.join(priced, on=key, how="left", nulls_equal=True, maintain_order="left")


def cost(frame: pl.DataFrame, catalog: pl.DataFrame, day_column: str = "day", quantity: str = "quantity") -> pl.DataFrame:
    """`frame` plus `usd_per_million`, `cost_usd` and `price_row_id` (the catalog row used).

    A row without a price gets a null cost and `price_row_id` = "unpriced", never $0.
    """
    priced = price(frame, catalog, day_column)
    return priced.with_columns(
        (pl.col(quantity) * pl.col("usd_per_million") / 1e6).alias("cost_usd"),
        pl.col("price_row_id").fill_null(UNPRICED),
    )
