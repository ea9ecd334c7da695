"""The exportable datasets: each a frame with a charge-period column to split files by month."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import polars as pl

from finops.config import ConfigFile
from finops.errors import InputError
from finops.export.focus_spec import COLUMNS
from finops.store import Store


@dataclass(frozen=True)
class Dataset:
    name: str
    period_column: str  # a Date or Datetime column; files are one per UTC month of it
    build: Callable[[Store, date | None, date | None, ConfigFile], pl.DataFrame]


def _between(lf: pl.LazyFrame, col: str, since: date | None, until: date | None) -> pl.LazyFrame:
    day = pl.col(col).dt.date() if lf.collect_schema()[col] != pl.Date else pl.col(col)
    if since:
        lf = lf.filter(day >= since)
    if until:
        lf = lf.filter(day <= until)
    return lf


def focus_costs(store: Store, since: date | None, until: date | None, config: ConfigFile) -> pl.DataFrame:
    """cost_lines as FOCUS 1.2 columns plus our x_ columns; derivable columns filled."""
    lf = _between(store.scan("cost_lines"), "ChargePeriodStart", since, until)
    out = lf.with_columns(
        pl.col("ServiceProviderName").alias("ProviderName"),
        pl.coalesce("HostProviderName", "ServiceProviderName").alias("PublisherName"),
        pl.lit(None, pl.String).alias("BillingAccountName"),
        pl.col("BillingAccountId").fill_null(pl.col("ServiceProviderName").str.to_lowercase() + ":" + pl.lit("default")),
        pl.col("InvoiceIssuerName").fill_null(pl.col("ServiceProviderName")),
        # Pay-as-you-go API usage is billed at list price: with no contract, list = contracted = billed.
        pl.col("ListCost").fill_null(pl.col("BilledCost")),
        pl.col("ContractedCost").fill_null(pl.col("BilledCost")),
        pl.col("EffectiveCost").fill_null(pl.col("BilledCost")),
        pl.when(pl.col("ChargeCategory") == "Usage").then(pl.lit("Standard")).alias("PricingCategory"),
        pl.col("PricingQuantity").fill_null(pl.col("ConsumedQuantity")),
        pl.col("PricingUnit").fill_null(pl.col("ConsumedUnit")),
        pl.col("SubAccountName").fill_null(pl.col("SubAccountId")),
    )
    focus = [c for c in COLUMNS]
    extras = [c for c in lf.collect_schema().names() if c.startswith("x_")]
    return out.select(*focus, *extras).sort("ChargePeriodStart", "x_Source", "x_LineId").collect()


def usage(store: Store, since: date | None, until: date | None, config: ConfigFile) -> pl.DataFrame:
    key = ["charge_period_start", "provider", "model", "project_id", "api_key_id", "token_class"]
    return _between(store.scan("billed_usage"), "charge_period_start", since, until).drop("ingested_at").sort(key).collect()


def requests(store: Store, since: date | None, until: date | None, config: ConfigFile) -> pl.DataFrame:
    return _between(store.scan("requests"), "ts", since, until).sort("ts", "request_id").collect()


def reconcile_groups(store: Store, since: date | None, until: date | None, config: ConfigFile) -> pl.DataFrame:
    from finops.reconcile import reconcile

    res = reconcile(store, since, until)
    return res.groups.with_columns(pl.col("causes").list.join(",")).sort("day", "provider", "model", "project_id", "token_class")


def carbon(store: Store, since: date | None, until: date | None, config: ConfigFile) -> pl.DataFrame:
    from models.energy.carbon import per_request, summarise

    req = per_request(_between(store.scan("requests"), "ts", since, until).collect())
    day = req.with_columns(pl.col("ts").dt.date().alias("day"), pl.col("ts").dt.strftime("%Y-%m").alias("month"))
    return summarise(day, ["day", "provider", "model", "project_id", "feature"])


def forecast(store: Store, since: date | None, until: date | None, config: ConfigFile) -> pl.DataFrame:
    from models.forecast.service import calendar_spec, forecast_series

    return forecast_series(store, "dollars", "total", 90, calendar_spec(config)).frame


def cogs(store: Store, since: date | None, until: date | None, config: ConfigFile) -> pl.DataFrame:
    from models.cogs.report import unit_economics

    frame = unit_economics(store, config)
    if frame.height == 0:
        raise InputError("cogs export: no cost lines to allocate in the store")
    frame = frame.with_columns((pl.col("month") + "-01").str.to_date().alias("month_start"))
    if since:
        frame = frame.filter(pl.col("month_start") >= since.replace(day=1))
    if until:
        frame = frame.filter(pl.col("month_start") <= until)
    return frame


DATASETS: dict[str, Dataset] = {
    "costs": Dataset("costs", "ChargePeriodStart", focus_costs),
    "usage": Dataset("usage", "charge_period_start", usage),
    "requests": Dataset("requests", "ts", requests),
    "reconcile": Dataset("reconcile", "day", reconcile_groups),
    "carbon": Dataset("carbon", "day", carbon),
    "forecast": Dataset("forecast", "day", forecast),
    "cogs": Dataset("cogs", "month_start", cogs),
}
