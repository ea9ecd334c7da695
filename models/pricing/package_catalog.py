"""The dated price catalog built from the installed `genai-prices` data (no network, read once).

One catalog row per (provider, model, token class, period), in the schema of
models.pricing.catalog.CATALOG_SCHEMA, with `source` = `genai-prices==<version>` and a
`price_row_id` naming the package model and price key. How the package's prices map:

- price keys: input_mtok -> input_uncached (the package prices uncached input; an embedding
  model's input_mtok is its `embedding` price only, as our usage rows class it), cache_read_mtok -> input_cache_read,
  cache_write_mtok -> input_cache_write_5m, cache_write_1h_mtok -> input_cache_write_1h,
  output_mtok -> output, input/output audio and image keys -> their classes. Other meters
  (web searches, pages, requests) are not token prices and are left out.
- dates: a model's conditional prices with a start date are consecutive periods; the
  package's first (undated) price is in force from FIRST_DAY, i.e. before any stored usage
  (the package records no launch dates). A daily catalog holds one price a day: where the
  package has time-of-day prices (DeepSeek's off-peak hours), the price in force for most
  of the day (more than 12 hours) is the day's price; the off-peak discount is not applied.
- tiers: a TieredPrices (Anthropic, Gemini long context) gives its base price and its first
  tier as long_context_above_tokens / long_context_usd_per_million. The `processing: batch`
  variant becomes `batch_discount` = 1 - batch / standard per class (its start date is when
  the package began recording it, not when the discount began, so it applies to every day).
  `service_tier` variants (flex, priority, fast, ...) become rows of that `tier`, in force
  from the variant's start date; a class the variant does not name has no tier price.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any

import polars as pl

from finops.models.pricing.package import _snapshot, canonical_id, source_label, _clauses

FIRST_DAY = date(2015, 1, 1)
PRICE_KEYS: dict[str, str] = {
    "input_mtok": "input_uncached", "cache_read_mtok": "input_cache_read", "cache_write_mtok": "input_cache_write_5m",
    "cache_write_1h_mtok": "input_cache_write_1h", "output_mtok": "output", "input_audio_mtok": "input_audio",
    "output_audio_mtok": "output_audio", "input_image_mtok": "input_image", "output_image_mtok": "output_image",
}
PACKAGE_URL = "https://github.com/pydantic/genai-prices"


def _base_and_tier(value: Any) -> tuple[float | None, int | None, float | None]:
    if value is None:
        return None, None, None
    if isinstance(value, Decimal | int | float):
        return float(value), None, None
    tiers = getattr(value, "tiers", None) or []
    first = tiers[0] if tiers else None
    return (float(value.base), int(first.start) if first else None, float(first.price) if first else None)


def _periods(prices: Any) -> list[tuple[date, date | None, Any]]:
    """(from, to, ModelPrice) periods of a model's prices, start-dated ones in order."""
    if not isinstance(prices, list):
        return [(FIRST_DAY, None, prices)]
    dated: list[tuple[date, Any]] = []
    for cond in prices:
        c = cond.constraint
        if c is None:
            dated.append((FIRST_DAY, cond.prices))
        elif hasattr(c, "start_date"):
            dated.append((c.start_date, cond.prices))
        elif _hours(c) > 12:
            # a daily catalog holds one price a day: the one in force most of the day (see module doc)
            dated = [(d, p) for d, p in dated if d != FIRST_DAY] + [(FIRST_DAY, cond.prices)]
    dated.sort(key=lambda x: x[0])
    out: list[tuple[date, date | None, Any]] = []
    for i, (start, mp) in enumerate(dated):
        end = dated[i + 1][0] if i + 1 < len(dated) else None
        if end is not None and end <= start:
            continue
        out.append((start, end, mp))
    return out


def _hours(constraint: Any) -> float:
    """How many hours a day a time-of-day price is in force."""
    start, end = constraint.start_time, constraint.end_time
    minutes = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
    return (minutes % (24 * 60)) / 60


def _batch(model: Any) -> dict[str, float]:
    for v in model.price_variants or ():
        if v.when == {"processing": "batch"}:
            return {k: float(_base_and_tier(p)[0] or 0) for k, p in v.prices.__dict__.items() if p is not None}
    return {}


def _tier_rows(model: Any) -> list[tuple[str, date, Any]]:
    """(tier, from, ModelPrice) of a model's `service_tier` variants (flex, priority, ...);
    the `default` variant is the list price itself and batch is a discount (above)."""
    out = []
    for v in model.price_variants or ():
        tier = v.when.get("service_tier") if len(v.when) == 1 else None
        if not tier or tier.lower() in ("default", "standard", "auto"):
            continue
        start = getattr(v.constraint, "start_date", None) if v.constraint is not None else FIRST_DAY
        if start is None:  # a time-of-day variant: not a daily price
            continue
        out.append((tier.lower(), start, v.prices))
    return out


def _rows() -> list[dict[str, Any]]:
    src = source_label()
    rows: list[dict[str, Any]] = []
    for p in _snapshot().providers:
        for m in p.models:
            equals = [t for k, t in _clauses(m.match) if k == "equals"]
            model = canonical_id(m.id, equals)
            embedding = "embed" in model
            batch = _batch(m)
            url = (p.pricing_urls or [PACKAGE_URL])[0]
            periods = [("", start, end, mp) for start, end, mp in _periods(m.prices)]
            periods += [(tier, start, None, mp) for tier, start, mp in _tier_rows(m)]
            for tier, start, end, mp in periods:
                for key, token_class in PRICE_KEYS.items():
                    value = getattr(mp, key, None)
                    base, above, long_price = _base_and_tier(value)
                    if base is None:
                        continue
                    discount = None
                    if not tier and key in batch and base > 0 and batch[key] <= base:
                        discount = round(1.0 - batch[key] / base, 6)
                    classes = ["embedding"] if embedding and key == "input_mtok" else [token_class]
                    for cls in classes:
                        rows.append({
                            "provider": p.id, "model": model, "token_class": cls, "usd_per_million": base,
                            "effective_from": start, "effective_to": end, "source_url": url, "as_of": None,
                            "batch_discount": discount, "long_context_above_tokens": above,
                            "long_context_usd_per_million": long_price,
                            "price_row_id": f"{src}:{p.id}/{m.id}:{key}" + (f"#{tier}" if tier else "")
                            + (f"@{start}" if start != FIRST_DAY else ""),
                            "source": src, "tier": tier,
                        })
    return rows


@lru_cache(maxsize=1)
def package_catalog() -> pl.DataFrame:
    """The package's token prices as a catalog frame (first model wins a (provider, model) id)."""
    from finops.models.pricing.frame import CATALOG_SCHEMA

    df = pl.DataFrame(_rows(), schema=CATALOG_SCHEMA)
    first = df.select("provider", "model", "price_row_id").with_columns(
        pl.col("price_row_id").str.extract(r"^[^:]+:[^/]*/(.+):[a-z_0-9]+(?:#[^@]*)?(?:@.*)?$", 1).alias("__pid"))
    owner = first.unique(subset=["provider", "model"], keep="first", maintain_order=True).select("provider", "model", "__pid")
    df = df.with_columns(first["__pid"]).join(owner, on=["provider", "model", "__pid"], how="semi").drop("__pid")
    return df.unique(subset=["provider", "model", "token_class", "tier", "effective_from"], keep="first", maintain_order=True)
