"""Optional report sections from other modules: reconciliation, COGS and carbon.

Each is imported only if its module is installed; when it is not, or when it cannot compute
for this month, the section says so plainly instead of disappearing.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field

import polars as pl

from finops.config import ConfigFile
from finops.context import Context
from finops.report.figures import Period
from finops.store import Store


@dataclass
class Extra:
    key: str
    title: str
    available: bool
    note: str = ""  # why it is missing, or how to read it
    summary: list[tuple[str, str, str]] = field(default_factory=list)  # (label, value, provenance)
    table: pl.DataFrame | None = None
    money_columns: tuple[str, ...] = ()


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def _guarded(key: str, title: str, module: str, build) -> Extra:  # type: ignore[no-untyped-def]
    if not _installed(module):
        return Extra(key, title, False, f"{module} is not installed in this build, so this report has no {title.lower()}.")
    try:
        return build()
    except Exception as exc:  # noqa: BLE001 - another team's module must not sink the whole report
        return Extra(key, title, False, f"{module} could not produce this month's figures: {type(exc).__name__}: {exc}")


def reconciliation(ctx: Context, period: Period) -> Extra:
    def build() -> Extra:
        from finops.reconcile import reconcile

        res = reconcile(ctx.store, period.first, period.as_of, catalog=ctx.catalog, thresholds=ctx.thresholds)
        s = res.summary
        summary = [
            ("Billed inference (cost lines)", f"${s['billed_usd']:,.2f}", "billed"),
            ("Local log at catalog prices", f"${s['local_usd_at_catalog']:,.2f}", "logged"),
            ("Explained by named causes", f"${s['explained_usd']:,.2f}", "estimated"),
            ("Unexplained", f"${s['unexplained_usd']:,.2f} ({s['unexplained_pct']:.1f}% of billed)", "estimated"),
        ]
        table = res.causes.select("cause", "provider", "projects", "start", "end", "dollar_impact", "provenance").sort(
            "dollar_impact", descending=True).head(8) if res.causes.height else None
        return Extra("reconciliation", "Reconciliation", True, "Local request log against metered usage and the bill.",
                     summary, table, ("dollar_impact",))

    return _guarded("reconciliation", "Reconciliation", "finops.reconcile", build)


def cogs(store: Store, config: ConfigFile, period: Period) -> Extra:
    def build() -> Extra:
        from finops.services.cogs import unit_economics

        ue = unit_economics(store, config, period.month)
        if ue.height == 0:
            return Extra("cogs", "COGS", False, f"no cost lines to allocate in {period.month}")
        table = ue.select("feature", "tasks", "cost", pl.col("cost_per_task").round(4),
                          (pl.col("inference_share") * 100).round(1).alias("inference_share_pct"),
                          (pl.col("gross_margin") * 100).round(1).alias("gross_margin_pct"), "currency")
        currency = ue["currency"][0]
        summary = [("Cost of goods sold, all features", f"{ue['cost'].sum():,.2f} {currency}", "billed + allocated"),
                   ("Tasks", f"{int(ue['tasks'].sum()):,}", "logged")]
        return Extra("cogs", "COGS", True, "Every cost line allocated to features (models/cogs); margins from [cogs.revenue].",
                     summary, table, ("cost",))

    return _guarded("cogs", "COGS", "finops.models.cogs", build)


def carbon(store: Store, period: Period) -> Extra:
    def build() -> Extra:
        from finops.models.energy.carbon import carbon_by

        frame = carbon_by(store, "provider", period.month)
        if frame.height == 0:
            return Extra("carbon", "Carbon", False, f"no logged requests in {period.month}")
        table = frame.select(
            "provider", "requests",
            *[(pl.col(f"wh_{lv}") / 1000).alias(f"kwh_{lv}") for lv in ("low", "mid", "high")],
            *[(pl.col(f"gco2e_{lv}") / 1000).alias(f"kgco2e_{lv}") for lv in ("low", "mid", "high")],
        )
        mid, lo, hi = (float(frame[f"gco2e_{lv}"].sum()) / 1000 for lv in ("mid", "low", "high"))
        kwh = float(frame["wh_mid"].sum()) / 1000
        summary = [("Energy (mid)", f"{kwh:,.2f} kWh", "estimated"),
                   ("Emissions", f"{mid:,.2f} kg CO2e (range {lo:,.2f} to {hi:,.2f})", "estimated")]
        return Extra("carbon", "Carbon", True, "Per-request estimates of logged traffic (models/energy); ranges, not measurements.",
                     summary, table)

    return _guarded("carbon", "Carbon", "finops.models.energy.carbon", build)
