"""Presentation of a reconcile result: UTC day ranges in the user's timezone, table columns.

Reconciliation always runs on UTC days (provider buckets are UTC); a display timezone
only relabels them: the UTC days start..end cover [start 00:00 UTC, end+1 00:00 UTC),
which in Europe/Berlin reads "start 01:00 -> end+1 01:00" (02:00 in summer).
"""

from __future__ import annotations

import json
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import polars as pl

from finops.errors import InputError


def zone(name: str, fallback: str | None = None) -> ZoneInfo:
    """A ZoneInfo from an IANA name; "local" means `fallback` (the configured display zone)."""
    key = (fallback or "UTC") if name == "local" else name
    try:
        return ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(f"--tz: {key!r} is not an IANA timezone (for example Europe/Berlin)") from None


def with_local_range(causes: pl.DataFrame, tz: ZoneInfo | None) -> pl.DataFrame:
    """Add `day_range`: the UTC days, and their bounds in `tz` when one is given."""
    utc = pl.format("{} → {} (UTC days)", pl.col("start"), pl.col("end"))
    if tz is None or causes.height == 0:
        return causes.with_columns(utc.alias("day_range"))
    start = pl.col("start").cast(pl.Datetime("us")).dt.replace_time_zone("UTC").dt.convert_time_zone(tz.key)
    end = (pl.col("end").cast(pl.Datetime("us")) + pl.duration(days=1)).dt.replace_time_zone("UTC").dt.convert_time_zone(tz.key)
    return causes.with_columns(
        pl.format("{} → {} ({})", start.dt.strftime("%Y-%m-%d %H:%M"), end.dt.strftime("%Y-%m-%d %H:%M"), pl.lit(tz.key)).alias("day_range"),
        start.alias("start_local"), end.alias("end_local"),
    )


def groups_table(groups: pl.DataFrame, period: str, limit: int = 60) -> tuple[pl.DataFrame, str]:
    """The groups to print: all of them when few, else the ones with a difference."""
    title = f"Local (logged) vs billed (metered) tokens by {period}"
    shown = groups
    if groups.height > limit:
        shown = groups.filter((pl.col("delta") != 0) | (pl.col("price_diff_usd").abs() > 0.005))
        title += f" — {shown.height} of {groups.height} rows with a difference"
    if period == "day":
        title += " (UTC days)"
    cols = [period, "provider", pl.col("project_id").alias("project"), pl.col("api_key_id").alias("key"), "model", "token_class",
            "local", "billed", "delta", "delta_pct", "delta_usd", "billed_usd", "billed_usd_at_catalog", "causes"]
    return shown.select(cols), title


def causes_table(causes: pl.DataFrame) -> pl.DataFrame:
    return causes.select("cause", "provider", pl.col("projects").alias("project"), "day_range", "evidence", "tokens",
                         "dollar_impact", "provenance")


def payload(summary: dict[str, Any], groups: pl.DataFrame, causes: pl.DataFrame) -> dict[str, Any]:
    """The JSON document of `finops reconcile --format json` (details parsed back to objects)."""
    rows = []
    for r in causes.to_dicts():
        r["details"] = json.loads(r["details"]) if r.get("details") else {}
        rows.append(r)
    return {"summary": summary, "causes": rows, "groups": groups.to_dicts()}
