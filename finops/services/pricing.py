"""Prices from finops.toml and the store: the configured catalog, the rate card, stored usage
repriced under another catalog, and what the store holds that no price covers.

The catalog files are read and checked by finops.models.pricing; this module decides which
apply: the list prices (genai-prices data + catalog.csv), a --catalog flag else `[pricing]
override` merged over them, then `[pricing] overrides` (the team's rate card) over that.
"""

from __future__ import annotations

from datetime import date, timedelta
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from finops.config import ConfigFile
from finops.models.pricing.catalog import load_catalog, merge, read_catalog
from finops.models.pricing.overrides import canonical_models
from finops.models.pricing.reprice import USAGE_KEY, reprice_usage
from finops.store import Store

if TYPE_CHECKING:
    from finops.models.cogs.fx import Rates


def _path(config: ConfigFile, key: str, what: str) -> Path | None:
    value = config.section("pricing").get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        config.fail(f"pricing.{key}", f"must be a path to {what}")
    path = Path(value).expanduser()
    if not path.is_absolute() and config.path is not None:
        path = config.path.parent / path
    return path


def rate_card(config: ConfigFile | None, rates: "Rates | Callable[[], Rates] | None" = None,
              last_day: date | None = None) -> pl.DataFrame | None:
    """`[pricing] overrides`: the team's rate card as catalog rows (USD; other currencies converted
    day by day with the [display] fx_rates), or None when finops.toml names none."""
    from finops.models.pricing.overrides import check_overlaps, read_overrides, to_catalog

    path = _path(config, "overrides", "a rate card CSV") if config is not None else None
    if path is None:
        return None
    card = read_overrides(path)
    check_overlaps(card, path)
    other = card.filter(pl.col("currency") != "USD")
    if other.height:
        if rates is None:
            from finops.errors import CurrencyError

            raise CurrencyError(f"{path}: rows in {', '.join(sorted(set(other['currency'])))} need [display] fx_rates")
        if callable(rates):  # read the FX file only when a row needs it
            rates = rates()
        end = last_day or date.today()
        needs = other.with_columns(pl.date_ranges("effective_from", pl.coalesce(
            pl.col("effective_to") - timedelta(days=1), pl.lit(end)), interval="1d").alias("rate_date")).explode(
            "rate_date").drop_nulls("rate_date").select("currency", "rate_date")
        from finops.errors import CurrencyError

        try:
            fx = rates.rates_for(needs, "USD")
        except CurrencyError as exc:
            raise CurrencyError(f"{path}: {exc}") from None
        return to_catalog(card, fx, rates.source, end)
    return to_catalog(card)


def configured_catalog(config: ConfigFile | None = None, override: Path | None = None,
                       rates: "Rates | Callable[[], Rates] | None" = None, last_day: date | None = None,
                       listed: pl.DataFrame | None = None) -> pl.DataFrame:
    """The catalog a command should use: the list prices (`listed`: the data directory's pinned
    ones, finops.services.price_pin; default: the installed genai-prices data + catalog.csv), with
    `override` (a --catalog flag) or `[pricing] override` (a catalog CSV, relative to finops.toml)
    merged over them, then `[pricing] overrides` (the team's rate card) over that."""
    if override is None and config is not None:
        override = _path(config, "override", "a price catalog CSV")
    catalog = load_catalog(override, listed=listed)
    card = rate_card(config, rates, last_day)
    if card is not None and card.height:
        catalog = merge(catalog, canonical_models(card, catalog)).sort("provider", "model", "token_class", "effective_from")
    return catalog


def stored_usage(store: Store, since: date | None = None, until: date | None = None,
                 provider: str | None = None) -> pl.DataFrame:
    """Metered tokens per UTC day, provider, model, class and tier from the store's billed_usage."""
    lf = store.scan("billed_usage").filter(pl.col("unit") == "tokens")
    day = pl.col("charge_period_start").dt.date()
    if since:
        lf = lf.filter(day >= since)
    if until:
        lf = lf.filter(day <= until)
    if provider:
        lf = lf.filter(pl.col("provider") == provider.lower())
    return (
        lf.with_columns(day.alias("day"), pl.col("service_tier").fill_null(""), pl.col("context_window").fill_null(""))
        .group_by(USAGE_KEY).agg(pl.col("quantity").sum()).collect()
    )


def reprice(store: Store, catalog_file: Path, current: pl.DataFrame, merge_over: bool = True,
            since: date | None = None, until: date | None = None, provider: str | None = None) -> pl.DataFrame:
    """The diff of stored usage under `catalog_file` against `current`, the context's catalog.

    With `merge_over`, the file's rows replace `current`'s where they overlap, so the diff is the
    file's doing alone (a negotiated discount), not a revert of the team's `[pricing]` settings;
    without it, the file is the whole catalog. Rows without a price stay unpriced.
    """
    other = read_catalog(catalog_file)
    if merge_over:
        other = merge(current, canonical_models(other, current)).sort("provider", "model", "token_class", "effective_from")
    return reprice_with(store, current, other, since, until, provider)


def reprice_with(store: Store, current: pl.DataFrame, other: pl.DataFrame, since: date | None = None,
                 until: date | None = None, provider: str | None = None) -> pl.DataFrame:
    """Stored metered usage by month, provider and model priced at `current` and at `other`, with the diff."""
    return reprice_usage(stored_usage(store, since, until, provider), current, other)


def logged_usage(store: Store, since: date | None = None, until: date | None = None) -> pl.DataFrame:
    """Logged tokens per UTC day, provider, model, class and tier from the requests table."""
    from finops.models.energy.cost import CLASSES, class_tokens

    lf = store.scan("requests")
    day = pl.col("ts").dt.date()
    if since:
        lf = lf.filter(day >= since)
    if until:
        lf = lf.filter(day <= until)
    tokens = class_tokens()
    wide = lf.with_columns(
        *[pl.col(c).fill_null(0) for c in ("input_tokens", "cached_input_tokens", "cache_write_tokens", "output_tokens")],
    ).group_by(day.alias("day"), "provider", "model", pl.col("service_tier").fill_null("")).agg(
        *[tokens[c].sum().alias(c) for c in CLASSES]).collect()
    long = wide.unpivot(index=["day", "provider", "model", "service_tier"], variable_name="token_class", value_name="quantity")
    return long.filter(pl.col("quantity") > 0)


def unpriced_volume(store: Store, catalog: pl.DataFrame, since: date | None = None,
                    until: date | None = None) -> pl.DataFrame:
    """Per table (billed_usage = metered, requests = logged), provider and model: the tokens the
    catalog has no price for, and their cost at the nearest family's price (estimated)."""
    from finops.models.pricing.coverage import estimate

    parts = []
    for table, usage in (("billed_usage", stored_usage(store, since, until)), ("requests", logged_usage(store, since, until))):
        found = estimate(usage.filter(pl.col("token_class").is_in(list(PRICED_OR_REASONING))), catalog)
        parts.append(found.with_columns(pl.lit(table).alias("table"),
                                        pl.lit("metered" if table == "billed_usage" else "logged").alias("volume_provenance")))
    out = pl.concat(parts, how="diagonal_relaxed")
    return out.select("table", "provider", "model", "tokens", "volume_provenance", "first_day", "last_day", "classes",
                      "estimate_model", "estimate_basis", "estimated_usd", "provenance")


def price_table(catalog: pl.DataFrame, provider: str, model: str, day: date, tier: str = "") -> pl.DataFrame:
    """The price of each token class for (provider, model) on `day` in `tier`, with the row that set it."""
    from finops.models.pricing.lookup import price, resolve_models

    hit = resolve_models(pl.Series([model]), pl.Series([provider]), catalog).row(0, named=True)
    frame = pl.DataFrame({"provider": provider, "model": model, "token_class": list(PRICED_CLASSES), "day": day,
                          "service_tier": tier})
    priced = price(frame, catalog)
    sources = catalog.select("price_row_id", "source").unique("price_row_id")
    return priced.with_columns(
        pl.lit(hit["catalog_provider"], pl.String).alias("catalog_provider"),
        pl.lit(hit["catalog_model"], pl.String).alias("catalog_model"),
        pl.lit(hit["match"], pl.String).alias("match"),
        pl.col("price_row_id").str.replace(r"#(batch|long_context)$", "").alias("__row"),
    ).join(sources, left_on="__row", right_on="price_row_id", how="left").select(
        "provider", "model", "catalog_provider", "catalog_model", "match", "day", "service_tier", "token_class",
        "usd_per_million", pl.col("price_row_id").fill_null("unpriced"), "source")


def overrides_diff(config: ConfigFile | None, rates: "Rates | Callable[[], Rates] | None" = None,
                   last_day: date | None = None, listed: pl.DataFrame | None = None) -> pl.DataFrame:
    """Each rate card row against the list price it replaces on its first day (same class and tier)."""
    from finops.models.pricing.lookup import price
    from finops.models.pricing.overrides import canonical_models

    card = rate_card(config, rates, last_day)
    if card is None or card.height == 0:
        return pl.DataFrame(schema={"provider": pl.String, "model": pl.String, "token_class": pl.String, "tier": pl.String,
                                    "effective_from": pl.Date, "effective_to": pl.Date, "list_usd_per_million": pl.Float64,
                                    "override_usd_per_million": pl.Float64, "diff_pct": pl.Float64,
                                    "list_source": pl.String, "override_source": pl.String})
    listed = listed if listed is not None else load_catalog()
    card = canonical_models(card, listed)
    first = card.sort("effective_from").unique(subset=["provider", "model", "token_class", "tier", "source"], keep="first",
                                                maintain_order=True)
    asked = first.select("provider", "model", "token_class", pl.col("effective_from").alias("day"),
                         pl.col("tier").alias("service_tier"))
    base = price(asked, listed).select(
        "provider", "model", "token_class", pl.col("day").alias("effective_from"), pl.col("service_tier").alias("tier"),
        pl.col("usd_per_million").alias("list_usd_per_million"), pl.col("price_row_id").alias("list_source"))
    last_end = card.group_by("source").agg(pl.col("effective_to").max(), pl.col("effective_to").is_null().any().alias("__open"))
    out = first.join(base, on=["provider", "model", "token_class", "effective_from", "tier"], how="left").drop(
        "effective_to").join(last_end, on="source").with_columns(
        pl.when(pl.col("__open")).then(None).otherwise(pl.col("effective_to")).alias("effective_to"))
    return out.select(
        "provider", "model", "token_class", "tier", "effective_from", "effective_to", "list_usd_per_million",
        pl.col("usd_per_million").alias("override_usd_per_million"),
        pl.when(pl.col("list_usd_per_million") > 0)
        .then((pl.col("usd_per_million") / pl.col("list_usd_per_million") - 1) * 100).alias("diff_pct"),
        pl.col("list_source").fill_null("unpriced"), pl.col("source").alias("override_source"),
    ).sort("provider", "model", "token_class", "tier", "effective_from")


PRICED_CLASSES = ("input_uncached", "input_cache_read", "input_cache_write_5m", "input_cache_write_1h", "output",
                  "input_audio", "output_audio", "input_image", "output_image", "embedding")
PRICED_OR_REASONING = (*PRICED_CLASSES, "reasoning")
