"""Turn generated calls into what the providers meter and bill, day by day.

The provider bills at the catalog price in force on the day, except where the sample
plants a price change the catalog does not know about.
"""

from __future__ import annotations

import csv
from datetime import date
from importlib import resources

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


def catalog_rows() -> list[dict[str, str]]:
    text = resources.files("finops.models.pricing").joinpath("catalog.csv").read_text()
    return list(csv.DictReader(text.splitlines()))


def base_model(snapshot: str, known: set[str]) -> str | None:
    """The catalog model a dated snapshot belongs to: the longest matching prefix."""
    best = None
    for m in known:
        if (snapshot == m or snapshot.startswith(m + "-")) and (best is None or len(m) > len(best)):
            best = m
    return best


def catalog_price(provider: str, snapshot: str, token_class: str, day: date, rows: list[dict[str, str]]) -> float | None:
    known = {r["model"] for r in rows if r["provider"] == provider}
    model = base_model(snapshot, known)
    for r in rows:
        if r["provider"] == provider and r["model"] == model and r["token_class"] == token_class:
            start = date.fromisoformat(r["effective_from"])
            end = date.fromisoformat(r["effective_to"]) if r["effective_to"] else date.max
            if start <= day < end:
                return float(r["usd_per_million"])
    return None


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
    rows = catalog_rows()
    keys = usage.select("provider", "model", "token_class", "day").unique()
    known = {r["model"] for r in rows}
    prices = []
    for provider, model, token_class, day in keys.iter_rows():
        if token_class == "requests":
            continue
        cat = catalog_price(provider, model, token_class, day, rows)
        billed = cat
        if (
            base_model(model, known) == plan.price_change_model
            and token_class == plan.price_change_token_class
            and day >= windows.price_change_from
        ):
            billed = plan.price_change_new_usd_per_million
        prices.append((provider, model, token_class, day, cat, billed))
    price_frame = pl.DataFrame(
        prices,
        schema={
            "provider": pl.String,
            "model": pl.String,
            "token_class": pl.String,
            "day": pl.Date,
            "catalog_usd_per_million": pl.Float64,
            "billed_usd_per_million": pl.Float64,
        },
        orient="row",
    )
    out = usage.join(price_frame, on=["provider", "model", "token_class", "day"], how="left")
    missing = out.filter((pl.col("token_class") != "requests") & pl.col("billed_usd_per_million").is_null())
    if missing.height:
        raise ValueError(f"sample generator: no catalog price for {missing.row(0, named=True)}")
    return out.with_columns(
        (pl.col("quantity") * pl.col("billed_usd_per_million") / 1e6).alias("billed_usd")
    )
