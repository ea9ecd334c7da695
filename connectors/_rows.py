"""Finish parsed provider rows into canonical frames: the steps every page parser shares."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

import polars as pl

from finops.connectors.request_logs.values import current_bounds
from finops.schema import BILLED_USAGE_TABLE, COST_LINES_TABLE, UNIT_FOR_CLASS, Provenance, line_id


def billing_month(start: datetime) -> tuple[datetime, datetime]:
    """The calendar month (UTC) a charge period starting at `start` is invoiced in."""
    month_start = start.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    month_end = month_start.replace(year=month_start.year + (month_start.month == 12), month=month_start.month % 12 + 1)
    return month_start, month_end


def meter_rows(dims: dict[str, Any], meters: dict[str, int], where: str) -> list[dict[str, Any]]:
    """One billed_usage row per non-zero meter; a negative meter is bad input."""
    from finops.errors import InputError

    limit = current_bounds().max_number
    rows = []
    for cls, qty in meters.items():
        if qty < 0:
            raise InputError(f"{where}: negative {cls} ({qty})")
        if qty > limit:  # also keeps a count inside the store's Int64 column
            raise InputError(f"{where}: {cls} of {qty:g} is beyond the sane range (±{limit:g})")
        if qty:
            rows.append({**dims, "token_class": cls, "unit": UNIT_FOR_CLASS[cls], "quantity": qty})
    return rows


def sane_amount(value: Decimal, where: str, field: str) -> Decimal:
    """A provider's money amount, refused when NaN, infinite or beyond the configured bound."""
    from finops.errors import InputError

    limit = current_bounds().max_number
    if not value.is_finite() or abs(value) > Decimal(repr(limit)):
        raise InputError(f"{where}: field {field!r} ({value}) is not a finite amount within ±{limit:g}")
    return value


def usage_frame(rows: list[dict[str, Any]], source: str) -> pl.DataFrame:
    if not rows:
        return BILLED_USAGE_TABLE.empty()
    frame = pl.DataFrame(rows, infer_schema_length=None).with_columns(
        pl.lit(source).alias("source"), pl.lit(Provenance.METERED).alias("provenance"),
        pl.lit(datetime.now(timezone.utc)).alias("ingested_at"),
    )
    return combine_usage([BILLED_USAGE_TABLE.conform(frame).collect()])


def combine_usage(frames: list[pl.DataFrame]) -> pl.DataFrame:
    """One row per natural key: rows that share a key are distinct usage the key cannot
    tell apart (two endpoints metering one model, say), so their quantities add up."""
    frames = [f for f in frames if f.height]
    if not frames:
        return BILLED_USAGE_TABLE.empty()
    key = list(BILLED_USAGE_TABLE.key)
    rest = [c for c in BILLED_USAGE_TABLE.schema.names() if c not in key and c != "quantity"]
    return (
        pl.concat(frames, how="vertical")
        .group_by(key, maintain_order=True)
        .agg(pl.col("quantity").sum(), *(pl.col(c).first() for c in rest))
        .select(BILLED_USAGE_TABLE.schema.names())
    )


def combine_costs(frames: list[pl.DataFrame]) -> pl.DataFrame:
    """One row per x_LineId: two charges the provider reported with the same identifying
    fields are both owed, so their amounts add up rather than one replacing the other."""
    frames = [f for f in frames if f.height]
    if not frames:
        return COST_LINES_TABLE.empty()
    money = ("BilledCost", "EffectiveCost", "ListCost", "ContractedCost", "ConsumedQuantity", "PricingQuantity")
    key = list(COST_LINES_TABLE.key)
    rest = [c for c in COST_LINES_TABLE.schema.names() if c not in key and c not in money]
    return (
        pl.concat(frames, how="vertical")
        .group_by(key, maintain_order=True)
        .agg(*(_sum_keep_null(c) for c in money), *(pl.col(c).first() for c in rest))
        .select(COST_LINES_TABLE.schema.names())
    )


def _sum_keep_null(column: str) -> pl.Expr:
    # A column no row filled stays null (unknown), never 0.
    return pl.when(pl.col(column).is_null().all()).then(None).otherwise(pl.col(column).sum()).alias(column)


def cost_frame(rows: list[dict[str, Any]], source: str, key: tuple[str, ...]) -> pl.DataFrame:
    """Cost lines with their deterministic x_LineId over the columns that identify a line."""
    if not rows:
        return COST_LINES_TABLE.empty()
    frame = pl.DataFrame(rows, infer_schema_length=None).with_columns(
        pl.lit(source).alias("x_Source"), pl.lit("").alias("x_LineId"), pl.lit(Provenance.BILLED).alias("x_Provenance"),
        pl.lit(datetime.now(timezone.utc)).alias("x_IngestedAt"),
    )
    return combine_costs([COST_LINES_TABLE.conform(frame).collect().with_columns(line_id(*key))])
