"""Finish parsed provider rows into canonical frames: the steps every page parser shares."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import polars as pl

from finops.schema import BILLED_USAGE_TABLE, COST_LINES_TABLE, UNIT_FOR_CLASS, Provenance, line_id


def billing_month(start: datetime) -> tuple[datetime, datetime]:
    """The calendar month (UTC) a charge period starting at `start` is invoiced in."""
    month_start = start.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    month_end = month_start.replace(year=month_start.year + (month_start.month == 12), month=month_start.month % 12 + 1)
    return month_start, month_end


def meter_rows(dims: dict[str, Any], meters: dict[str, int], where: str) -> list[dict[str, Any]]:
    """One billed_usage row per non-zero meter; a negative meter is bad input."""
    from finops.errors import InputError

    rows = []
    for cls, qty in meters.items():
        if qty < 0:
            raise InputError(f"{where}: negative {cls} ({qty})")
        if qty:
            rows.append({**dims, "token_class": cls, "unit": UNIT_FOR_CLASS[cls], "quantity": qty})
    return rows


def usage_frame(rows: list[dict[str, Any]], source: str) -> pl.DataFrame:
    if not rows:
        return BILLED_USAGE_TABLE.empty()
    frame = pl.DataFrame(rows, infer_schema_length=None).with_columns(
        pl.lit(source).alias("source"), pl.lit(Provenance.METERED).alias("provenance"),
        pl.lit(datetime.now(timezone.utc)).alias("ingested_at"),
    )
    return BILLED_USAGE_TABLE.conform(frame).collect()


def cost_frame(rows: list[dict[str, Any]], source: str, key: tuple[str, ...]) -> pl.DataFrame:
    """Cost lines with their deterministic x_LineId over the columns that identify a line."""
    if not rows:
        return COST_LINES_TABLE.empty()
    frame = pl.DataFrame(rows, infer_schema_length=None).with_columns(
        pl.lit(source).alias("x_Source"), pl.lit("").alias("x_LineId"), pl.lit(Provenance.BILLED).alias("x_Provenance"),
        pl.lit(datetime.now(timezone.utc)).alias("x_IngestedAt"),
    )
    return COST_LINES_TABLE.conform(frame).collect().with_columns(line_id(*key))
