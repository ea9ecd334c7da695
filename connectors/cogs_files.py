"""Read the non-inference COGS bills (vector DB, observability, human review) into cost lines.

Each reader takes a CSV as the vendor or the team exports it (columns in docs/sources.md)
and returns rows in the cost_lines schema with x_CostSource and x_AllocationDriver set.
Costs stay in the bill's currency. A bad value is an InputError naming file, line and field.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import polars as pl

from finops.errors import InputError
from finops.schema import COST_LINES_TABLE, AllocationDriver, CostSource, Provenance, line_id

KINDS = ("vector-db", "observability", "review")

PINECONE_COLUMNS = {
    "start_date": pl.Date, "end_date": pl.Date, "project_name": pl.String, "index_name": pl.String,
    "region": pl.String, "sku": pl.String, "quantity": pl.Float64, "unit": pl.String, "cost_usd": pl.Float64,
}
DATADOG_COLUMNS = {
    "month": pl.String, "org_name": pl.String, "product_name": pl.String, "charge_type": pl.String,
    "cost": pl.Float64, "currency": pl.String,
}
REVIEW_COLUMNS = {
    "date": pl.Date, "feature": pl.String, "project_id": pl.String, "items_reviewed": pl.Int64,
    "reviewer_minutes": pl.Float64, "hourly_rate": pl.Float64, "currency": pl.String,
}
PINECONE_DRIVER = {"Read Units": AllocationDriver.RETRIEVAL_CALLS, "Write Units": AllocationDriver.STORED_VECTORS,
                   "Storage": AllocationDriver.STORED_VECTORS}


def _read_csv(path: Path, columns: dict[str, pl.DataType]) -> pl.DataFrame:
    """Read with every column as text, then cast column by column to name the bad line and field."""
    try:
        raw = pl.read_csv(path, infer_schema=False)
    except (pl.exceptions.ComputeError, OSError) as exc:
        raise InputError(f"{path}: cannot read as CSV ({str(exc).splitlines()[0]})") from None
    missing = [c for c in columns if c not in raw.columns]
    if missing:
        raise InputError(f"{path}: missing column(s) {', '.join(missing)}")
    out = {}
    for name, dtype in columns.items():
        col = raw[name]
        text = col.str.strip_chars()
        if dtype == pl.String:
            cast = col
        elif dtype == pl.Date:
            cast = text.str.to_date("%Y-%m-%d", strict=False)
        else:
            cast = text.cast(dtype, strict=False)
        bad = cast.is_null() & col.is_not_null() & (col.str.strip_chars() != "")
        if dtype != pl.String and bad.any():
            i = int(bad.arg_max())  # type: ignore[arg-type]
            raise InputError(f"{path}:{i + 2}: field {name!r}: {col[i]!r} is not a valid {dtype}")
        out[name] = cast
    return pl.DataFrame(out)


def _utc(col: str) -> pl.Expr:
    return pl.col(col).cast(pl.Datetime("us")).dt.replace_time_zone("UTC")


def _finish(frame: pl.DataFrame, source: str, key: tuple[str, ...], category: str, subcategory: str) -> pl.DataFrame:
    now = datetime.now(timezone.utc)
    frame = frame.with_columns(
        pl.lit(source).alias("x_Source"), pl.lit(Provenance.BILLED).alias("x_Provenance"), pl.lit(now).alias("x_IngestedAt"),
        pl.col("BilledCost").alias("EffectiveCost"), pl.lit(category).alias("ServiceCategory"),
        pl.lit(subcategory).alias("ServiceSubcategory"), pl.lit("").alias("x_LineId"),
    )
    return COST_LINES_TABLE.conform(frame).collect().with_columns(line_id(*key))


def read_pinecone(path: Path, source: str = "cogs:pinecone") -> pl.DataFrame:
    df = _read_csv(path, PINECONE_COLUMNS)
    frame = df.with_columns(
        _utc("start_date").alias("ChargePeriodStart"),
        (_utc("end_date") + pl.duration(days=1)).alias("ChargePeriodEnd"),  # end_date is the last day, inclusive
        pl.col("cost_usd").alias("BilledCost"), pl.lit("USD").alias("BillingCurrency"),
        pl.lit("Usage").alias("ChargeCategory"), pl.lit("Usage-Based").alias("ChargeFrequency"),
        pl.format("Pinecone {} {}", "index_name", "sku").str.strip_chars().alias("ChargeDescription"),
        pl.lit("Pinecone").alias("ServiceProviderName"), pl.lit("Pinecone").alias("ServiceName"),
        pl.lit("Pinecone").alias("InvoiceIssuerName"),
        pl.col("sku").alias("SkuId"), pl.col("sku").alias("SkuMeter"),
        pl.col("quantity").alias("ConsumedQuantity"), pl.col("unit").alias("ConsumedUnit"),
        pl.col("project_name").alias("SubAccountId"), pl.col("index_name").alias("ResourceId"),
        pl.col("region").alias("RegionId"),
        pl.lit(CostSource.VECTOR_DB).alias("x_CostSource"),
        pl.col("sku").replace_strict(PINECONE_DRIVER, default=AllocationDriver.RETRIEVAL_CALLS).alias("x_AllocationDriver"),
    ).with_columns(pl.col("ChargePeriodStart").alias("BillingPeriodStart"), pl.col("ChargePeriodEnd").alias("BillingPeriodEnd"))
    return _finish(frame, source, ("ChargePeriodStart", "SubAccountId", "ResourceId", "SkuId"), "Databases", "Other (Databases)")


def read_datadog(path: Path, source: str = "cogs:datadog") -> pl.DataFrame:
    df = _read_csv(path, DATADOG_COLUMNS)
    start = pl.col("month").str.to_date("%Y-%m", strict=False)
    bad = df.select(start.is_null()).to_series()
    if bad.any():
        i = int(bad.arg_max())  # type: ignore[arg-type]
        raise InputError(f"{path}:{i + 2}: field 'month': {df['month'][i]!r} is not YYYY-MM")
    frame = df.with_columns(start.cast(pl.Datetime("us")).dt.replace_time_zone("UTC").alias("ChargePeriodStart")).with_columns(
        pl.col("ChargePeriodStart").dt.offset_by("1mo").alias("ChargePeriodEnd"),
        pl.col("cost").alias("BilledCost"), pl.col("currency").str.to_uppercase().alias("BillingCurrency"),
        pl.lit("Usage").alias("ChargeCategory"),
        pl.when(pl.col("charge_type") == "committed").then(pl.lit("Recurring")).otherwise(pl.lit("Usage-Based")).alias("ChargeFrequency"),
        pl.format("Datadog {} ({})", "product_name", "charge_type").alias("ChargeDescription"),
        pl.lit("Datadog").alias("ServiceProviderName"), pl.lit("Datadog").alias("ServiceName"),
        pl.lit("Datadog").alias("InvoiceIssuerName"),
        pl.col("product_name").alias("SkuId"), pl.col("org_name").alias("SubAccountId"),
        pl.lit(CostSource.OBSERVABILITY).alias("x_CostSource"), pl.lit(AllocationDriver.REQUESTS).alias("x_AllocationDriver"),
    ).with_columns(pl.col("ChargePeriodStart").alias("BillingPeriodStart"), pl.col("ChargePeriodEnd").alias("BillingPeriodEnd"))
    return _finish(frame, source, ("ChargePeriodStart", "SubAccountId", "SkuId"), "Management and Governance", "Observability")


def read_review(path: Path, source: str = "cogs:review") -> pl.DataFrame:
    df = _read_csv(path, REVIEW_COLUMNS)
    cost = (pl.col("reviewer_minutes") / 60 * pl.col("hourly_rate"))
    frame = df.with_columns(
        _utc("date").alias("ChargePeriodStart"), (_utc("date") + pl.duration(days=1)).alias("ChargePeriodEnd"),
        cost.alias("BilledCost"), pl.col("currency").str.to_uppercase().alias("BillingCurrency"),
        pl.lit("Usage").alias("ChargeCategory"), pl.lit("Usage-Based").alias("ChargeFrequency"),
        pl.format("Human review: {} items for {}", "items_reviewed", "feature").alias("ChargeDescription"),
        pl.lit("Human review").alias("ServiceProviderName"), pl.lit("Human review").alias("ServiceName"),
        pl.lit("reviewer-hours").alias("SkuId"),
        pl.col("items_reviewed").cast(pl.Float64).alias("ConsumedQuantity"), pl.lit("items").alias("ConsumedUnit"),
        (pl.col("reviewer_minutes") / 60).alias("PricingQuantity"), pl.lit("hours").alias("PricingUnit"),
        pl.col("hourly_rate").alias("ContractedUnitPrice"),
        pl.col("project_id").alias("SubAccountId"), pl.col("feature").alias("x_Feature"),
        pl.lit(CostSource.HUMAN_REVIEW).alias("x_CostSource"), pl.lit(AllocationDriver.DIRECT).alias("x_AllocationDriver"),
        pl.struct("items_reviewed", "reviewer_minutes").map_elements(json.dumps, return_dtype=pl.String).alias("Tags"),
    ).with_columns(
        pl.col("ChargePeriodStart").dt.truncate("1mo").alias("BillingPeriodStart"),
        pl.col("ChargePeriodStart").dt.truncate("1mo").dt.offset_by("1mo").alias("BillingPeriodEnd"),
    )
    return _finish(frame, source, ("ChargePeriodStart", "SubAccountId", "x_Feature"), "Other", "Other (Other)")


READERS: dict[str, Callable[[Path, str], pl.DataFrame]] = {
    "vector-db": read_pinecone,
    "observability": read_datadog,
    "review": read_review,
}


def read_cogs_file(path: Path, kind: str, source: str | None = None) -> pl.DataFrame:
    """Cost lines from one COGS file of the given kind (vector-db, observability, review)."""
    if kind not in READERS:
        raise InputError(f"{path}: unknown COGS kind {kind!r}; known: {', '.join(KINDS)}")
    return READERS[kind](Path(path), source or f"cogs:{kind}")
