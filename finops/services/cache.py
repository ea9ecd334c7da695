"""The edge of the cache model: read the request log, request_days and metered usage, and [cache].

finops.models.cache is pure; this reads the store over the UTC days asked (plus the
history the miss baseline needs) and finops.toml's [cache] section, and hands frames on.
"""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

import polars as pl

from finops.identity import to_provider_ids
from finops.models.cache.days import CACHE_DAYS, logged_days, metered_days
from finops.models.cache.misses import MissRule
from finops.store import Store


def _between(lf: pl.LazyFrame, col: str, since: date | None, until: date | None) -> pl.LazyFrame:
    if since:
        lf = lf.filter(pl.col(col) >= datetime.combine(since, time(), tzinfo=timezone.utc))
    if until:
        lf = lf.filter(pl.col(col) < datetime.combine(until + timedelta(days=1), time(), tzinfo=timezone.utc))
    return lf


def logged(store: Store, since: date | None, until: date | None, identity: pl.DataFrame) -> pl.DataFrame:
    """Logged cache rows per day and group (CACHE_DAYS), project and key names mapped to provider ids."""
    if not store.months("requests") and not store.months("request_days"):
        return pl.DataFrame(schema=CACHE_DAYS)
    requests = to_provider_ids(_between(store.scan("requests"), "ts", since, until), identity)
    rollup = None
    if store.months("request_days"):
        rollup = store.scan("request_days")
        if since:
            rollup = rollup.filter(pl.col("day") >= since)
        if until:
            rollup = rollup.filter(pl.col("day") <= until)
        rollup = to_provider_ids(rollup, identity)
    return logged_days(requests, rollup).collect()


def metered(store: Store, since: date | None, until: date | None) -> pl.DataFrame:
    """Metered cache rows per day and group (feature "")."""
    if not store.months("billed_usage"):
        return pl.DataFrame(schema=CACHE_DAYS)
    return metered_days(_between(store.scan("billed_usage"), "charge_period_start", since, until)).collect()


def sources(store: Store, since: date | None, until: date | None) -> pl.DataFrame:
    """Per request-log source: requests and how many logged cache counts (the coverage line)."""
    if not store.months("requests"):
        return pl.DataFrame(schema={"source": pl.String, "requests": pl.Int64, "counted": pl.Int64})
    counted = pl.col("cached_input_tokens").is_not_null() | pl.col("cache_write_tokens").is_not_null()
    return (_between(store.scan("requests"), "ts", since, until)
            .filter(~pl.col("model").fill_null("").str.contains("embedding"))
            .group_by(pl.col("source").fill_null(""))
            .agg(pl.len().cast(pl.Int64).alias("requests"), counted.sum().cast(pl.Int64).alias("counted"))
            .sort("source").collect())


def miss_rule(config: Any) -> MissRule:
    """[cache] miss_window_days / miss_min_days (integers) and miss_min_drop (0 < x < 1)."""
    section = config.section("cache") if config is not None else {}
    names = {"miss_window_days": "window_days", "miss_min_days": "min_days", "miss_min_drop": "min_drop"}
    values: dict[str, Any] = {}
    known = {f.name for f in fields(MissRule)}
    for key, value in section.items():
        if key not in names:
            config.fail(f"cache.{key}", f"unknown setting (known: {', '.join(names)})")
        field = names[key]
        assert field in known
        if field == "min_drop":
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < 1:
                config.fail(f"cache.{key}", "must be a number between 0 and 1 (a relative drop: 0.25 = 25 % below the baseline)")
            values[field] = float(value)
        else:
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                config.fail(f"cache.{key}", "must be a positive integer (days)")
            values[field] = value
    rule = replace(MissRule(), **values)
    if rule.min_days > rule.window_days:
        config.fail("cache.miss_min_days", f"must not exceed miss_window_days ({rule.window_days})")
    return rule
