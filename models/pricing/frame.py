"""The catalog frame's schema: one row per provider, model, token class, tier and period.

Its own module so the catalog builders (catalog.csv, genai-prices data, a rate card) share
it without importing each other.
"""

from __future__ import annotations

import polars as pl

CATALOG_SCHEMA = pl.Schema({
    "provider": pl.String, "model": pl.String, "token_class": pl.String, "usd_per_million": pl.Float64,
    "effective_from": pl.Date, "effective_to": pl.Date, "source_url": pl.String, "as_of": pl.Date,
    "batch_discount": pl.Float64, "long_context_above_tokens": pl.Int64, "long_context_usd_per_million": pl.Float64,
    "price_row_id": pl.String, "source": pl.String, "tier": pl.String,
})
