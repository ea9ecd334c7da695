"""Catalog prices for COGS: a thin adapter over the price catalog (models/pricing).

COGS needs two things from the catalog: the base model of a usage snapshot, and the
price per million of a (provider, model, token class) on a day. A missing price is
null ("unpriced"), never 0.
"""

from __future__ import annotations

import csv
from functools import lru_cache
from importlib import resources

import polars as pl


@lru_cache(maxsize=1)
def catalog() -> pl.DataFrame:
    """The catalog as (provider, model, token_class, usd_per_million, effective_from, effective_to)."""
    text = resources.files("models.pricing").joinpath("catalog.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    return pl.DataFrame(
        {
            "provider": [r["provider"] for r in rows],
            "model": [r["model"] for r in rows],
            "token_class": [r["token_class"] for r in rows],
            "usd_per_million": [float(r["usd_per_million"]) for r in rows],
            "effective_from": [r["effective_from"] for r in rows],
            "effective_to": [r["effective_to"] or None for r in rows],
        },
        schema_overrides={"effective_to": pl.String},
    ).with_columns(pl.col("effective_from").str.to_date(), pl.col("effective_to").str.to_date())


def base_model(provider: str, snapshot: str | None) -> str | None:
    """The catalog model a usage model belongs to: equal, or the longest prefix followed by '-'."""
    if not snapshot:
        return None
    known = catalog().filter(pl.col("provider") == provider)["model"].unique().to_list()
    best = None
    for m in known:
        if (snapshot == m or snapshot.startswith(m + "-")) and (best is None or len(m) > len(best)):
            best = m
    return best


def with_base_model(frame: pl.DataFrame, provider: str = "provider", model: str = "model", out: str = "base_model") -> pl.DataFrame:
    """Add the catalog base model of each row's model (null when the catalog does not know it)."""
    pairs = frame.select(provider, model).unique().drop_nulls()
    mapping = pl.DataFrame(
        {
            provider: pairs[provider],
            model: pairs[model],
            out: [base_model(p, m) for p, m in pairs.iter_rows()],
        },
        schema={provider: pl.String, model: pl.String, out: pl.String},
    )
    return frame.join(mapping, on=[provider, model], how="left", nulls_equal=True)


def classes_of(provider: str, base: str) -> set[str]:
    """The token classes the catalog prices for a model."""
    cat = catalog()
    return set(cat.filter((pl.col("provider") == provider) & (pl.col("model") == base))["token_class"].to_list())


def with_price(
    frame: pl.DataFrame, provider: str = "provider", base: str = "base_model", token_class: str = "token_class",
    day: str = "day", out: str = "usd_per_million",
) -> pl.DataFrame:
    """Add the catalog price in force on each row's day (null when unpriced)."""
    keys = frame.select(provider, base, token_class, day).unique()
    cat = catalog().rename({"provider": provider, "model": base, "token_class": token_class})
    priced = (
        keys.join(cat, on=[provider, base, token_class], how="inner")
        .filter((pl.col(day) >= pl.col("effective_from")) & (pl.col("effective_to").is_null() | (pl.col(day) < pl.col("effective_to"))))
        .select(provider, base, token_class, day, pl.col("usd_per_million").alias(out))
        .unique([provider, base, token_class, day], keep="first")
    )
    return frame.join(priced, on=[provider, base, token_class, day], how="left", nulls_equal=True)
