"""The report's reconciliation, COGS and carbon sections.

When one cannot compute for this month (no data, a missing exchange rate, a bad input),
the section says so plainly instead of disappearing or sinking the whole report.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import polars as pl

from finops.context import Context
from finops.models.money import money_total
from finops import numbers
from finops.errors import FinopsError
from finops.report.blocks import money
from finops.report.figures import Period
from finops.services.cogs import unit_economics
from finops.services.energy import carbon_by


@dataclass
class Extra:
    key: str
    title: str
    available: bool
    note: str = ""  # why it is missing, or how to read it
    summary: list[tuple[str, str, str]] = field(default_factory=list)  # (label, value, provenance)
    table: pl.DataFrame | None = None
    money_columns: tuple[str, ...] = ()
    more: list[tuple[str, pl.DataFrame, tuple[str, ...]]] = field(default_factory=list)  # (caption, table, money columns)
    currency: str = "USD"  # of the money columns


def _guarded(key: str, title: str, build: Callable[[], Extra]) -> Extra:
    try:
        return build()
    except FinopsError as exc:  # an input the user can fix: say it in the section, keep the rest of the report
        return Extra(key, title, False, f"could not produce this month's {title.lower()}: {exc.one_line()}")


def reconciliation(ctx: Context, period: Period) -> Extra:
    def build() -> Extra:
        from finops.metrics.coverage import join_coverage
        from finops.metrics.reconcile import reconcile_summary, run

        res = run(ctx, period.first, period.as_of)
        terms = reconcile_summary(res, period.first, period.as_of)
        # The summary is the sum it is: billed = local at catalog + each cause + price mismatch + unexplained.
        summary = [("Billed inference (cost lines)", terms.billed.money(), "billed")]
        summary += [(("= " if i == 0 else "+ ") + t.title, t.money(), t.provenance) for i, t in enumerate(terms.terms)]
        summary.append(("Unexplained share of billed", terms.nothing_compared or f"{terms.unexplained_pct:.1f}%", "estimated"))
        # Join coverage: what of the bill joins to logged rows, and the dollars of each reason it does not.
        cov = join_coverage(res, period.first, period.as_of)
        summary += [(f.label, f.money(decimals=0 if f.unit == "tokens" else None), f.provenance) for f in cov.figures]
        summary += [(f"Not joined: {reason}", money(usd), "billed") for reason, usd, _ in cov.by_reason()]
        more: list[tuple[str, pl.DataFrame, tuple[str, ...]]] = []
        if cov.not_joined.height:
            gaps = cov.not_joined.select("reason", "usd", "tokens", "provider", "project_id", "api_key_id", "model",
                                         "token_class", "detail").head(12)
            more.append(("Billed tokens and dollars that do not join to logged rows, and why (largest first).", gaps, ("usd",)))
        table = res.causes.select("cause", "provider", "projects", "start", "end", "dollar_impact", "provenance").sort(
            "dollar_impact", descending=True).head(8) if res.causes.height else None
        return Extra("reconciliation", "Reconciliation", True,
                     "Local request log against metered usage and the bill. Summary terms are priced at the catalog;"
                     " the causes table's dollar impact prices each cause's tokens at the rate billed.",
                     summary, table, ("dollar_impact",), more)

    return _guarded("reconciliation", "Reconciliation", build)


def cogs(ctx: Context, period: Period) -> Extra:
    def build() -> Extra:
        ue = unit_economics(ctx.store, ctx.cogs_setup, period.month)
        if ue.height == 0:
            return Extra("cogs", "COGS", False, f"no cost lines to allocate in {period.month}")
        table = ue.select("feature", "tasks", "cost", "cost_per_task",
                          (pl.col("inference_share") * 100).alias("inference_share_pct"),
                          (pl.col("gross_margin") * 100).alias("gross_margin_pct"))
        currency = ue["currency"][0]
        summary = [("Cost of goods sold, all features", numbers.money(money_total(ue["cost"]), currency), "billed + allocated"),
                   ("Tasks", numbers.count(int(ue["tasks"].sum())), "logged")]
        return Extra("cogs", "COGS", True, "Every cost line allocated to features (models/cogs), in "
                     f"{currency}; margins from [cogs.revenue].", summary, table, ("cost", "cost_per_task"), currency=currency)

    return _guarded("cogs", "COGS", build)


def carbon(ctx: Context, period: Period) -> Extra:
    def build() -> Extra:
        frame = carbon_by(ctx.store, "provider", period.month, catalog=ctx.catalog)
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

    return _guarded("carbon", "Carbon", build)


def prompt_cache(ctx: Context, period: Period) -> Extra:
    """The month's prompt-cache figures (finops.metrics.cache: the same as `finops cache --since --until`)."""
    def build() -> Extra:
        from finops.metrics.cache import cache_view, coverage_line, shown

        view = cache_view(ctx, period.first, period.as_of)
        if view.rows.height == 0:
            return Extra("cache", "Prompt cache", False, f"no requests or metered usage in {period.month}")
        summary: list[tuple[str, str, str]] = [(f.label, shown(f), str(f.provenance)) for f in view.figures]
        for e in view.episodes.iter_rows(named=True):
            summary.append((f"Miss episode · {e['feature']} ({e['provider']}) {e['start']}..{e['end']}",
                            "unpriced" if e["lost_usd"] is None else f"${e['lost_usd']:,.2f}", "estimated"))
        for g in view.growth.filter(pl.col("finding")).iter_rows(named=True):
            summary.append((f"Prefix growth finding · {g['feature']} {numbers.pct(g['growth_pct_per_week'], signed=True)}/week",
                            "unpriced" if g["added_usd_per_month"] is None else f"${g['added_usd_per_month']:,.2f}/month",
                            "estimated"))
        by = view.by("feature")
        table = by.select("feature", "requests", pl.col("input").alias("cacheable_input"), "reads",
                          pl.col("hit_rate_pct").round(1), "saved_usd", "write_premium_usd",
                          pl.col("write_amplification_pct").round(1), "lost_miss_usd", "lost_eviction_usd") if by.height else None
        return Extra("cache", "Prompt cache", True,
                     "Cache reads over cacheable input, dollars saved by reads and lost to misses and evictions, at the "
                     "catalog (docs/cache.md). " + " ".join([coverage_line(view.sources) + ".", *view.notes]), summary, table,
                     ("saved_usd", "write_premium_usd", "lost_miss_usd", "lost_eviction_usd"))

    return _guarded("cache", "Prompt cache", build)

