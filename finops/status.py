"""What the store holds: rows, date range and provenance per table and source, with sync state."""

from __future__ import annotations

import polars as pl

from finops.schema import TABLES
from finops.store import Store, Watermarks

SOURCE_COLUMN = {"billed_usage": "source", "requests": "source", "request_days": "source", "cost_lines": "x_Source"}
PROVENANCE_COLUMN = {"billed_usage": "provenance", "requests": "provenance", "request_days": "provenance",
                     "cost_lines": "x_Provenance"}


def source_status(store: Store) -> pl.DataFrame:
    """One row per (table, source): rows, first and last UTC day, provenance, last sync."""
    frames = []
    for name, table in TABLES.items():
        lf = store.scan(name)
        frames.append(
            lf.group_by(pl.col(SOURCE_COLUMN[name]).fill_null("?").alias("source"))
            .agg(
                pl.len().alias("rows"),
                pl.col(table.time_column).min().dt.date().alias("first_day"),
                pl.col(table.time_column).max().dt.date().alias("last_day"),
                pl.col(PROVENANCE_COLUMN[name]).drop_nulls().unique().sort().str.join(",").alias("provenance"),
            )
            .with_columns(pl.lit(name).alias("table"))
            .collect()
        )
    out = pl.concat(frames, how="vertical").select("table", "source", "rows", "first_day", "last_day", "provenance")
    states = Watermarks(store.root).all()
    sync = pl.DataFrame(
        {
            "source": list(states),
            "watermark": [s.watermark.isoformat() if s.watermark else None for s in states.values()],
            "last_sync": [s.last_sync.isoformat(timespec="seconds") if s.last_sync else None for s in states.values()],
        },
        schema={"source": pl.String, "watermark": pl.String, "last_sync": pl.String},
    )
    return out.join(sync, on="source", how="left").sort("table", "source")


def store_overview(store: Store) -> str:
    parts = [f"{name}: {len(store.months(name))} month(s)" for name in TABLES]
    return "; ".join(parts)
