"""Vendor bills as cost lines: vector database (Pinecone) and observability (Datadog, plans).

- Pinecone: the usage CSV the console downloads (Settings > Usage > Download): one row per
  period, project, index and SKU (Read Units, Write Units, Storage, Minimum Usage) with its
  quantity and cost in USD. Read units drive retrieval calls; writes and storage drive
  stored vectors.
- Datadog: the estimated-cost CSV (month, org_name, product_name, charge_type, cost,
  currency) or the JSON of GET /api/v2/usage/estimated_cost (`data[].attributes` with `date`,
  `org_name`, `charges[]`). The API does not say the currency: pass it (`--currency`).
  `total` charges repeat the others and are left out.
- Plans (Langfuse, LangSmith or any flat monthly subscription): month, vendor, plan, cost,
  currency, with optional quantity and unit.
Observability lines are spread by requests; all keep the bill's currency.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from finops.connectors.cogs_lines import check_table, finish, read_table, utc
from finops.connectors.request_logs.files import columns_of, layout_of
from finops.connectors.request_logs.problems import ITEMS, Problems
from finops.connectors.request_logs.values import DATE, FLOAT, MONTH, REC, TEXT, Field
from finops.errors import InputError
from finops.schema import AllocationDriver, CostSource

PINECONE = [
    Field("start_date", DATE, required=True), Field("end_date", DATE), Field("project_name", TEXT),
    Field("index_name", TEXT), Field("region", TEXT), Field("sku", TEXT, required=True),
    Field("quantity", FLOAT), Field("unit", TEXT), Field("cost_usd", FLOAT, required=True, minimum=None),
]
PINECONE_ALIASES = {
    "date": "start_date", "start": "start_date", "period_start": "start_date", "end": "end_date", "period_end": "end_date",
    "project": "project_name", "index": "index_name", "sku_name": "sku", "usage": "quantity", "usage_quantity": "quantity",
    "cost": "cost_usd", "amount": "cost_usd", "amount_usd": "cost_usd", "cost_in_usd": "cost_usd",
}
PINECONE_DRIVER = {"Read Units": AllocationDriver.RETRIEVAL_CALLS, "Write Units": AllocationDriver.STORED_VECTORS,
                   "Storage": AllocationDriver.STORED_VECTORS}
DATADOG = [
    Field("month", MONTH, required=True), Field("org_name", TEXT), Field("product_name", TEXT, required=True),
    Field("charge_type", TEXT), Field("cost", FLOAT, required=True, minimum=None), Field("currency", TEXT, required=True),
]
PLANS = [
    Field("month", MONTH, required=True), Field("vendor", TEXT, required=True), Field("plan", TEXT),
    Field("cost", FLOAT, required=True, minimum=None), Field("currency", TEXT, required=True),
    Field("quantity", FLOAT), Field("unit", TEXT),
]


def read_vector_db(path: Path, source: str | None, mapping: dict[str, str] | None, currency: str | None) -> tuple[pl.DataFrame, Problems]:
    df, problems = read_table(path, PINECONE, PINECONE_ALIASES, mapping)
    for c in ("end_date", "project_name", "index_name", "region", "quantity", "unit"):
        if c not in df.columns:
            df = df.with_columns(pl.lit(None).alias(c))
    frame = df.with_columns(
        utc("start_date").alias("ChargePeriodStart"),
        # end_date is the period's last day, inclusive; a daily export may leave it out
        (pl.coalesce(utc("end_date"), utc("start_date")) + pl.duration(days=1)).alias("ChargePeriodEnd"),
        pl.col("cost_usd").alias("BilledCost"), pl.lit("USD").alias("BillingCurrency"),
        pl.lit("Usage").alias("ChargeCategory"), pl.lit("Usage-Based").alias("ChargeFrequency"),
        pl.format("Pinecone {} {}", pl.col("index_name").fill_null(""), "sku").str.strip_chars().alias("ChargeDescription"),
        pl.lit("Pinecone").alias("ServiceProviderName"), pl.lit("Pinecone").alias("ServiceName"),
        pl.lit("Pinecone").alias("InvoiceIssuerName"),
        pl.col("sku").alias("SkuId"), pl.col("sku").alias("SkuMeter"),
        pl.col("quantity").alias("ConsumedQuantity"), pl.col("unit").alias("ConsumedUnit"),
        pl.col("project_name").fill_null("").alias("SubAccountId"), pl.col("index_name").fill_null("").alias("ResourceId"),
        pl.col("region").alias("RegionId"),
        pl.lit(CostSource.VECTOR_DB).alias("x_CostSource"),
        pl.col("sku").replace_strict(PINECONE_DRIVER, default=AllocationDriver.RETRIEVAL_CALLS).alias("x_AllocationDriver"),
    ).with_columns(pl.col("ChargePeriodStart").alias("BillingPeriodStart"), pl.col("ChargePeriodEnd").alias("BillingPeriodEnd"))
    key = ("ChargePeriodStart", "SubAccountId", "ResourceId", "SkuId")
    return finish(frame, source or "cogs:pinecone", key, "Databases", "Other (Databases)"), problems


def _datadog_json(path: Path, currency: str | None) -> pl.LazyFrame:
    if not currency:
        raise InputError(f"{path}: Datadog's cost API does not state the currency; pass --currency (e.g. USD)")
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise InputError(f"{path}: not valid JSON ({exc})") from None
    rows = []
    for i, item in enumerate(doc.get("data") or []):
        attrs = item.get("attributes") or {}
        for charge in attrs.get("charges") or []:
            rows.append({REC: i, "month": str(attrs.get("date") or "")[:7], "org_name": attrs.get("org_name"),
                         "product_name": charge.get("product_name"), "charge_type": charge.get("charge_type"),
                         "cost": None if charge.get("cost") is None else str(charge.get("cost")), "currency": currency})
    schema = {REC: pl.Int64, **{f.name: pl.String for f in DATADOG}}
    return pl.DataFrame(rows, schema=schema).lazy()


def _datadog(path: Path, source: str | None, mapping: dict[str, str] | None, currency: str | None) -> tuple[pl.DataFrame, Problems]:
    if path.suffix.lower() == ".json" and layout_of(path) == ITEMS:
        df, problems = check_table(_datadog_json(path, currency), ITEMS, path, DATADOG, None, mapping)
    else:
        df, problems = read_table(path, DATADOG, None, mapping)
    for optional in ("org_name", "charge_type"):  # optional columns a file may lack (or name unreadably)
        if optional not in df.columns:
            df = df.with_columns(pl.lit(None, pl.String).alias(optional))
    df = df.filter(pl.col("charge_type").fill_null("") != "total")
    frame = df.with_columns(utc("month").alias("ChargePeriodStart")).with_columns(
        pl.col("ChargePeriodStart").dt.offset_by("1mo").alias("ChargePeriodEnd"),
        pl.col("cost").alias("BilledCost"), pl.col("currency").str.to_uppercase().alias("BillingCurrency"),
        pl.lit("Usage").alias("ChargeCategory"),
        pl.when(pl.col("charge_type") == "committed").then(pl.lit("Recurring")).otherwise(pl.lit("Usage-Based")).alias("ChargeFrequency"),
        pl.format("Datadog {} ({})", "product_name", pl.col("charge_type").fill_null("usage")).alias("ChargeDescription"),
        pl.lit("Datadog").alias("ServiceProviderName"), pl.lit("Datadog").alias("ServiceName"),
        pl.lit("Datadog").alias("InvoiceIssuerName"),
        pl.col("product_name").alias("SkuId"), pl.col("org_name").fill_null("").alias("SubAccountId"),
        pl.lit(CostSource.OBSERVABILITY).alias("x_CostSource"), pl.lit(AllocationDriver.REQUESTS).alias("x_AllocationDriver"),
    ).with_columns(pl.col("ChargePeriodStart").alias("BillingPeriodStart"), pl.col("ChargePeriodEnd").alias("BillingPeriodEnd"))
    key = ("ChargePeriodStart", "SubAccountId", "SkuId", "ChargeDescription")
    return finish(frame, source or "cogs:datadog", key, "Management and Governance", "Observability"), problems


def _plans(path: Path, source: str | None, mapping: dict[str, str] | None) -> tuple[pl.DataFrame, Problems]:
    df, problems = read_table(path, PLANS, {"tool": "vendor", "product": "plan", "amount": "cost"}, mapping)
    for c in ("plan", "quantity", "unit"):
        if c not in df.columns:
            df = df.with_columns(pl.lit(None).alias(c))
    x_source = pl.lit(source) if source else pl.lit("cogs:") + pl.col("vendor").str.to_lowercase().str.replace_all(r"[^a-z0-9]+", "-")
    frame = df.with_columns(utc("month").alias("ChargePeriodStart")).with_columns(
        pl.col("ChargePeriodStart").dt.offset_by("1mo").alias("ChargePeriodEnd"),
        pl.col("cost").alias("BilledCost"), pl.col("currency").str.to_uppercase().alias("BillingCurrency"),
        pl.lit("Purchase").alias("ChargeCategory"), pl.lit("Recurring").alias("ChargeFrequency"),
        pl.format("{} {} plan", "vendor", pl.col("plan").fill_null("")).str.replace("  ", " ", literal=True).alias("ChargeDescription"),
        pl.col("vendor").alias("ServiceProviderName"), pl.col("vendor").alias("ServiceName"), pl.col("vendor").alias("InvoiceIssuerName"),
        pl.col("plan").fill_null("").alias("SkuId"), pl.col("quantity").alias("ConsumedQuantity"), pl.col("unit").alias("ConsumedUnit"),
        pl.lit("").alias("SubAccountId"),
        pl.lit(CostSource.OBSERVABILITY).alias("x_CostSource"), pl.lit(AllocationDriver.REQUESTS).alias("x_AllocationDriver"),
        x_source.alias("x_Source"),
    ).with_columns(pl.col("ChargePeriodStart").alias("BillingPeriodStart"), pl.col("ChargePeriodEnd").alias("BillingPeriodEnd"))
    sources = frame["x_Source"]
    lines = finish(frame, "", ("ChargePeriodStart", "ServiceName", "SkuId"), "Management and Governance", "Observability")
    return lines.with_columns(sources.alias("x_Source")), problems


def read_observability(path: Path, source: str | None, mapping: dict[str, str] | None, currency: str | None) -> tuple[pl.DataFrame, Problems]:
    path = Path(path)
    if path.suffix.lower() != ".json":
        header = {c.strip().lower() for c in columns_of(path)} | set((mapping or {}).values())
        if "vendor" in header or "tool" in header:
            return _plans(path, source, mapping)
    return _datadog(path, source, mapping, currency)
