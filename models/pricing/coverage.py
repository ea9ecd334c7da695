"""What the catalog does not price: the unpriced volume and what it would cost at the nearest family.

`unpriced(usage, catalog)` keeps the usage rows the catalog has no price for (an unknown
model, a class or tier it does not list, a day before its first price) and sums them per
provider and model. `nearest_family(pairs, catalog)` names, for each such model, the listed
model an analyst would take as a stand-in, and `estimate(...)` prices the volume there.
The estimate is labelled `estimated` with the stand-in named: it is a guess, never a price
a figure uses.

The stand-in: the one model resolver first (an alias, a fine-tune's base, a family fallback
that adds no variant word); else the listed model of the same provider (or a reseller's
maker) sharing the most leading name parts (`claude-sonnet-9` -> a `claude-sonnet-*`), the
newest such model when several share as many; at least one part must be shared.
"""

from __future__ import annotations

import polars as pl

from finops.models.pricing.lookup import price, resolve_models

MAX_PARTS = 8
UNPRICED_SCHEMA = pl.Schema({
    "provider": pl.String, "model": pl.String, "tokens": pl.Int64, "first_day": pl.Date, "last_day": pl.Date,
    "classes": pl.String,
})


def unpriced(usage: pl.DataFrame, catalog: pl.DataFrame, quantity: str = "quantity") -> pl.DataFrame:
    """Per provider and model: the tokens with no catalog price, their days and token classes."""
    if usage.height == 0:
        return pl.DataFrame(schema=UNPRICED_SCHEMA)
    priced = price(usage, catalog)
    return (
        priced.filter(pl.col("usd_per_million").is_null() & (pl.col(quantity) > 0))
        .group_by("provider", "model")
        .agg(pl.col(quantity).sum().cast(pl.Int64).alias("tokens"), pl.col("day").min().alias("first_day"),
             pl.col("day").max().alias("last_day"),
             pl.col("token_class").unique().sort().str.join(",").alias("classes"))
        .sort("tokens", "provider", "model", descending=[True, False, False])
        .select(UNPRICED_SCHEMA.names())
    )


def _parts(expr: pl.Expr, k: int) -> pl.Expr:
    """The first k dash-separated parts of a name (null when it has fewer)."""
    parts = expr.str.split("-")
    return pl.when(parts.list.len() >= k).then(parts.list.slice(0, k).list.join("-")).otherwise(None)


def nearest_family(pairs: pl.DataFrame, catalog: pl.DataFrame) -> pl.DataFrame:
    """provider, model -> estimate_provider, estimate_model, estimate_basis (how it was chosen)."""
    from finops.models.pricing.package import provider_fallbacks
    from finops.models.pricing.resolve import _candidates

    distinct = pairs.select("provider", "model").unique(maintain_order=True)
    res = resolve_models(distinct["model"], distinct["provider"], catalog, family=True)
    hit = res.filter(pl.col("catalog_model").is_not_null()).select(
        "provider", "model", pl.col("catalog_provider").alias("estimate_provider"),
        pl.col("catalog_model").alias("estimate_model"), ("resolver " + pl.col("match")).alias("estimate_basis"))
    left = distinct.join(hit.select("provider", "model"), on=["provider", "model"], how="anti")
    parts = [hit]
    if left.height:
        # the normalised name (gateway, region, version and date parts dropped) and its provider
        norm = _candidates(left).filter(pl.col("rank") == 9).select(
            "provider", "model", pl.col("cand_provider").alias("__p"), pl.col("cand_model").alias("__m"))
        newest = catalog.group_by("provider", "model").agg(pl.col("effective_from").max().alias("__newest"))
        known = newest.select(pl.col("provider").alias("__p"), pl.col("provider").alias("estimate_provider"),
                              pl.col("model").alias("estimate_model"), "__newest")
        fb = provider_fallbacks().select(pl.col("provider").alias("__host"), pl.col("fallback").alias("__p"))
        known = pl.concat([known, known.join(fb, on="__p").drop("__p").rename({"__host": "__p"}).select(known.columns)])
        best = []
        for k in range(1, MAX_PARTS + 1):
            a = norm.with_columns(_parts(pl.col("__m"), k).alias("__prefix")).drop_nulls("__prefix")
            b = known.with_columns(_parts(pl.col("estimate_model").str.to_lowercase(), k).alias("__prefix")).drop_nulls("__prefix")
            best.append(a.join(b, on=["__p", "__prefix"]).with_columns(pl.lit(k).alias("__shared")))
        found = pl.concat(best)
        if found.height:
            chosen = (
                found.sort(["__shared", "__newest", "estimate_model"], descending=[True, True, False], nulls_last=True)
                .unique(subset=["provider", "model"], keep="first", maintain_order=True)
                .select("provider", "model", "estimate_provider", "estimate_model",
                        pl.format("shares {} name part(s)", "__shared").alias("estimate_basis"))
            )
            parts.append(chosen)
    out = pl.concat(parts)
    return distinct.join(out, on=["provider", "model"], how="left", nulls_equal=True)


def estimate(usage: pl.DataFrame, catalog: pl.DataFrame, quantity: str = "quantity") -> pl.DataFrame:
    """The unpriced volume per provider and model with its cost at the stand-in's standard price.

    Columns: unpriced()'s plus estimate_model, estimate_basis, estimated_usd (null when the
    stand-in has no price for one of the classes), provenance = "estimated".
    """
    gaps = unpriced(usage, catalog, quantity)
    if gaps.height == 0:
        return gaps.with_columns(pl.lit(None, pl.String).alias("estimate_model"), pl.lit(None, pl.String).alias("estimate_basis"),
                                 pl.lit(None, pl.Float64).alias("estimated_usd"), pl.lit("estimated").alias("provenance"))
    stand_in = nearest_family(gaps, catalog)
    rows = price(usage, catalog).filter(pl.col("usd_per_million").is_null() & (pl.col(quantity) > 0)).drop(
        "usd_per_million", "price_row_id")
    moved = rows.join(stand_in, on=["provider", "model"], how="left").drop_nulls("estimate_model").select(
        pl.col("estimate_provider").alias("provider"), pl.col("estimate_model").alias("model"), "token_class", "day",
        pl.col(quantity).alias("quantity"), pl.col("provider").alias("__provider"), pl.col("model").alias("__model"))
    priced = price(moved, catalog)  # standard tier: the stand-in's list price
    cost = priced.group_by("__provider", "__model").agg(
        pl.when(pl.col("usd_per_million").is_null().any()).then(None)
        .otherwise((pl.col("quantity") * pl.col("usd_per_million") / 1e6).sum()).alias("estimated_usd"),
    ).rename({"__provider": "provider", "__model": "model"})
    return (
        gaps.join(stand_in.select("provider", "model", "estimate_model", "estimate_basis"), on=["provider", "model"], how="left")
        .join(cost, on=["provider", "model"], how="left")
        .with_columns(pl.lit("estimated").alias("provenance"))
    )
