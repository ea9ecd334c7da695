"""The edge of the cache model: read the request log, request_days and metered usage, and [cache].

finops.models.cache is pure; this reads the store over the UTC days asked (plus the
history the miss baseline needs) and finops.toml's [cache] section, and hands frames on.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

import polars as pl

from finops.identity import to_provider_ids
from finops.models.cache.days import CACHE_DAYS, logged_days, metered_days
from finops.models.cache.misses import MissRule
from finops.models.cache.prefix import PREFIX_ROWS, GrowthRule, prefix_rows
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


def sources(store: Store, since: date | None, until: date | None, scope: Any = None,
            identity: pl.DataFrame | None = None) -> pl.DataFrame:
    """Per request-log source: requests and how many logged cache counts (the coverage line), in `scope`
    (finops.metrics.cache.Scope: provider, project id, feature)."""
    if not store.months("requests"):
        return pl.DataFrame(schema={"source": pl.String, "requests": pl.Int64, "counted": pl.Int64})
    counted = pl.col("cached_input_tokens").is_not_null() | pl.col("cache_write_tokens").is_not_null()
    lf = _between(store.scan("requests"), "ts", since, until)
    if scope is not None and scope.provider:
        lf = lf.filter(pl.col("provider").str.to_lowercase() == scope.provider.lower())
    if scope is not None and scope.feature:
        lf = lf.filter(pl.col("feature") == scope.feature)
    if scope is not None and scope.project:
        if identity is not None:
            lf = to_provider_ids(lf, identity)
        lf = lf.filter(pl.col("project_id") == scope.project)
    return (lf.filter(~pl.col("model").fill_null("").str.contains("embedding"))
            .group_by(pl.col("source").fill_null(""))
            .agg(pl.len().cast(pl.Int64).alias("requests"), counted.sum().cast(pl.Int64).alias("counted"))
            .sort("source").collect())


def requests(store: Store, since: date | None, until: date | None, identity: pl.DataFrame) -> pl.LazyFrame:
    """The raw request log over [since, until], project and key names mapped to provider ids (write amplification)."""
    if not store.months("requests"):
        return pl.LazyFrame(schema={"ts": pl.Datetime("us", "UTC"), "provider": pl.String, "model": pl.String,
                                    "project_id": pl.String, "api_key_id": pl.String, "feature": pl.String,
                                    "cached_input_tokens": pl.Int64, "cache_write_tokens": pl.Int64,
                                    "cache_write_1h_tokens": pl.Int64})
    return to_provider_ids(_between(store.scan("requests"), "ts", since, until), identity)


def prefix_requests(store: Store, since: date | None, until: date | None, identity: pl.DataFrame) -> pl.DataFrame:
    """Per logged request with a cached prefix: ts, feature, provider, model, prefix tokens (models.cache.prefix)."""
    if not store.months("requests"):
        return pl.DataFrame(schema=PREFIX_ROWS)
    lf = to_provider_ids(_between(store.scan("requests"), "ts", since, until), identity)
    return prefix_rows(lf).collect().cast(PREFIX_ROWS)


@dataclass(frozen=True)
class CacheSettings:
    """[cache] of finops.toml (docs/cache.md)."""

    miss: MissRule = MissRule()
    growth: GrowthRule = GrowthRule()
    ttl_window_days: int = 28


# [cache] key -> (part, field, kind): kind "days" = positive integer, "share" = 0 < x < 1, "pct" = number >= 0
_KEYS: dict[str, tuple[str, str, str]] = {
    "miss_window_days": ("miss", "window_days", "days"), "miss_min_days": ("miss", "min_days", "days"),
    "miss_min_drop": ("miss", "min_drop", "share"),
    "prefix_window_weeks": ("growth", "window_weeks", "days"), "prefix_min_weeks": ("growth", "min_weeks", "days"),
    "prefix_growth_max_pct_per_week": ("growth", "max_pct_per_week", "pct"),
    "ttl_window_days": ("", "ttl_window_days", "days"),
}


def settings(config: Any) -> CacheSettings:
    """[cache] parsed and checked; a bad value is a one-line error naming the file, line and key."""
    section = config.section("cache") if config is not None else {}
    parts: dict[str, dict[str, Any]] = {"miss": {}, "growth": {}, "": {}}
    for key, value in section.items():
        if key not in _KEYS:
            config.fail(f"cache.{key}", f"unknown setting (known: {', '.join(_KEYS)})")
        part, name, kind = _KEYS[key]
        number = not isinstance(value, bool) and isinstance(value, (int, float))
        if kind == "days" and (not number or not isinstance(value, int) or value < 1):
            config.fail(f"cache.{key}", "must be a positive integer")
        if kind == "share" and (not number or not 0 < value < 1):
            config.fail(f"cache.{key}", "must be a number between 0 and 1 (a relative drop: 0.25 = 25% below the baseline)")
        if kind == "pct" and (not number or value < 0):
            config.fail(f"cache.{key}", "must be a number >= 0 (% per week)")
        parts[part][name] = float(value) if kind != "days" else value
    out = CacheSettings(replace(MissRule(), **parts["miss"]), replace(GrowthRule(), **parts["growth"]), **parts[""])
    if out.miss.min_days > out.miss.window_days:
        config.fail("cache.miss_min_days", f"must not exceed miss_window_days ({out.miss.window_days})")
    return out
