"""The price catalog: load, validate and look up effective-dated prices per token class.

The default catalog (catalog.csv beside this module) lists public prices with a source
URL and an "as of" date per row; a user catalog (negotiated discounts) overrides rows with
the same provider, model, token class and effective_from. Lookups are polars joins, so
pricing millions of rows costs one join. A model the catalog does not know stays unpriced
(null), never $0.
"""

from __future__ import annotations

import csv
from datetime import date
from importlib import resources
from pathlib import Path

import polars as pl

from finops.errors import PricingError

COLUMNS = ("provider", "model", "token_class", "usd_per_million", "effective_from", "effective_to", "source_url", "as_of")
CATALOG_SCHEMA = pl.Schema({
    "provider": pl.String, "model": pl.String, "token_class": pl.String, "usd_per_million": pl.Float64,
    "effective_from": pl.Date, "effective_to": pl.Date, "source_url": pl.String, "as_of": pl.Date,
    "price_row_id": pl.String,
})


def default_catalog_path() -> Path:
    return Path(str(resources.files("models.pricing").joinpath("catalog.csv")))


def _parse_date(text: str, path: Path, line: int, field: str, required: bool) -> date | None:
    if not text.strip():
        if required:
            raise PricingError(f"{path}:{line}: field {field!r} is empty")
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise PricingError(f"{path}:{line}: field {field!r}: {text!r} is not a YYYY-MM-DD date") from None


def read_catalog(path: Path) -> pl.DataFrame:
    """Rows of one catalog file, validated; errors name file, line and field."""
    try:
        fh = open(path, newline="", encoding="utf-8")
    except OSError as exc:
        raise PricingError(f"{path}: cannot read price catalog ({exc.strerror})") from None
    rows = []
    with fh:
        reader = csv.DictReader(fh)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise PricingError(f"{path}: missing column(s) {', '.join(missing)}")
        for line, rec in enumerate(reader, start=2):
            for field in ("provider", "model", "token_class"):
                if not (rec[field] or "").strip():
                    raise PricingError(f"{path}:{line}: field {field!r} is empty")
            try:
                price = float(rec["usd_per_million"])
            except ValueError:
                raise PricingError(f"{path}:{line}: field 'usd_per_million': {rec['usd_per_million']!r} is not a number") from None
            if price < 0:
                raise PricingError(f"{path}:{line}: field 'usd_per_million' is negative")
            start = _parse_date(rec["effective_from"], path, line, "effective_from", True)
            end = _parse_date(rec["effective_to"], path, line, "effective_to", False)
            if end is not None and start is not None and end <= start:
                raise PricingError(f"{path}:{line}: field 'effective_to' is not after effective_from")
            rows.append({
                "provider": rec["provider"].strip(), "model": rec["model"].strip(), "token_class": rec["token_class"].strip(),
                "usd_per_million": price, "effective_from": start, "effective_to": end,
                "source_url": rec["source_url"], "as_of": _parse_date(rec["as_of"], path, line, "as_of", False),
                "price_row_id": f"{path.name}:{line}",
            })
    return pl.DataFrame(rows, schema=CATALOG_SCHEMA)


def load_catalog(override: Path | None = None, base: Path | None = None) -> pl.DataFrame:
    """The default catalog with a user catalog's rows replacing the ones they match."""
    catalog = read_catalog(base or default_catalog_path())
    if override is not None:
        user = read_catalog(override)
        key = ["provider", "model", "token_class", "effective_from"]
        catalog = pl.concat([catalog.join(user.select(key), on=key, how="anti"), user])
    return catalog.sort("provider", "model", "token_class", "effective_from")


def resolve_models(models: pl.Series, providers: pl.Series, catalog: pl.DataFrame) -> pl.DataFrame:
    """Map (provider, reported model) to the catalog model: the longest catalog name that equals
    the reported one or prefixes it before a '-' (dated snapshots such as gpt-4.1-mini-2025-04-14)."""
    known: dict[str, list[str]] = {}
    for provider, model in catalog.select("provider", "model").unique().iter_rows():
        known.setdefault(provider, []).append(model)
    pairs = pl.DataFrame({"provider": providers, "model": models}).unique()
    out = []
    for provider, model in pairs.iter_rows():
        best = None
        for m in known.get(provider, []):
            if (model == m or model.startswith(m + "-")) and (best is None or len(m) > len(best)):
                best = m
        out.append((provider, model, best))
    return pl.DataFrame(out, schema={"provider": pl.String, "model": pl.String, "catalog_model": pl.String}, orient="row")


def price(frame: pl.DataFrame, catalog: pl.DataFrame, day_column: str = "day") -> pl.DataFrame:
    """Add usd_per_million and price_row_id for each (provider, model, token_class, day) row.

    Unknown models, classes or dates get nulls: the caller reports them as unpriced.
    """
    if frame.height == 0:
        return frame.with_columns(pl.lit(None, pl.Float64).alias("usd_per_million"), pl.lit(None, pl.String).alias("price_row_id"))
    mapping = resolve_models(frame["model"], frame["provider"], catalog)
    keyed = frame.with_row_index("__i").join(mapping, on=["provider", "model"], how="left")
    cands = keyed.select("__i", "provider", "catalog_model", "token_class", day_column).join(
        catalog.rename({"model": "catalog_model"}), on=["provider", "catalog_model", "token_class"], how="inner"
    ).filter(
        (pl.col(day_column) >= pl.col("effective_from"))
        & (pl.col("effective_to").is_null() | (pl.col(day_column) < pl.col("effective_to")))
    ).group_by("__i").agg(pl.col("usd_per_million").first(), pl.col("price_row_id").first())
    return keyed.join(cands, on="__i", how="left").sort("__i").drop("__i", "catalog_model")
