"""Prices from finops.toml and the store: the configured catalog, and stored usage repriced under another.

The catalog files are read and checked by finops.models.pricing.catalog; this module
decides which files apply (a --catalog flag, else `[pricing] override`, over the default).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl

from finops.config import ConfigFile
from finops.models.pricing.catalog import load_catalog, read_catalog
from finops.models.pricing.reprice import USAGE_KEY, reprice_usage
from finops.store import Store


def configured_catalog(config: ConfigFile | None = None, override: Path | None = None) -> pl.DataFrame:
    """The catalog a command should use: `override` (a --catalog flag) or `[pricing] override`
    in finops.toml (relative to that file), merged over the default."""
    if override is None and config is not None:
        section = config.section("pricing")
        value = section.get("override")
        if value is not None:
            if not isinstance(value, str) or not value.strip():
                config.fail("pricing.override", "must be a path to a price catalog CSV")
            override = Path(value).expanduser()
            if not override.is_absolute() and config.path is not None:
                override = config.path.parent / override
    return load_catalog(override)


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


def reprice(store: Store, catalog_file: Path, merge: bool = True, current: pl.DataFrame | None = None,
            since: date | None = None, until: date | None = None, provider: str | None = None) -> pl.DataFrame:
    """The diff of stored usage under `catalog_file` against the current catalog.

    With `merge`, the file is merged over the default catalog (a negotiated discount);
    without it, the file is the whole catalog. Rows without a price stay unpriced.
    """
    current = current if current is not None else load_catalog()
    other = load_catalog(catalog_file) if merge else read_catalog(catalog_file)
    return reprice_usage(stored_usage(store, since, until, provider), current, other)
