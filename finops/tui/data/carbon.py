"""Carbon figures for the dashboard: Wh and gCO2e per task (by feature) and per model, with ranges.

A thin adapter over models.energy.carbon: it runs the per-request
method on the requests under the global filters and rolls them up. Every figure is
estimated; low and high bound the method's uncertainty (model size, utilisation, PUE).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from finops.models.energy import carbon
from finops.tui.data.availability import NotAvailable, Unavailable
from finops.tui.data.context import DashboardContext
from finops.tui.data.overview import period_of
from finops.tui.data.series import ChartSpec, Series
from finops.tui.data.spend import short_model
from finops.tui.filters import Filters, apply

KINDS = {
    "tasks": "int", "requests": "int", "wh_per_task": "float", "gco2e_per_task": "float", "wh_per_request": "float",
    "gco2e_per_request": "float", "kwh": "float", "kgco2e": "float", "tokens_per_wh": "float", "cost_usd": "money",
}
LABELS = {
    "wh_per_task": "Wh/task", "gco2e_per_task": "gCO2e/task", "wh_per_request": "Wh/request",
    "gco2e_per_request": "gCO2e/request", "wh_range": "Wh range", "gco2e_range": "gCO2e range", "kwh": "kWh",
    "kgco2e": "kgCO2e", "tokens_per_wh": "tokens/Wh", "cost_usd": "cost (catalog)", "model_name": "model",
}


@dataclass(frozen=True)
class CarbonData:
    by_feature: pl.DataFrame
    by_model: pl.DataFrame
    chart: ChartSpec
    totals: dict[str, float]
    requests: int
    unknown_model_requests: int
    notes: tuple[str, ...] = field(default_factory=tuple)


def _range(lo: str, hi: str, per: str | None = None, digits: int = 3) -> pl.Expr:
    """'low–high' text, optionally per unit (tasks, requests)."""
    def v(c: str) -> pl.Expr:
        e = pl.col(c) / pl.col(per) if per else pl.col(c)
        return e.round_sig_figs(digits).cast(pl.String)

    return pl.concat_str([v(lo), pl.lit("–"), v(hi)])


def per_task(summary: pl.DataFrame) -> pl.DataFrame:
    """Per feature: tasks, Wh and gCO2e per task (mid, with the low–high range), totals."""
    return summary.with_columns(
        (pl.col("wh_mid") / pl.col("tasks")).alias("wh_per_task"),
        _range("wh_low", "wh_high", "tasks").alias("wh_range"),
        (pl.col("gco2e_mid") / pl.col("tasks")).alias("gco2e_per_task"),
        _range("gco2e_low", "gco2e_high", "tasks").alias("gco2e_range"),
        (pl.col("wh_mid") / 1000).alias("kwh"), (pl.col("gco2e_mid") / 1000).alias("kgco2e"),
    ).select("feature", "tasks", "wh_per_task", "wh_range", "gco2e_per_task", "gco2e_range", "kwh", "kgco2e",
             "cost_usd", "provenance").sort("gco2e_per_task", "feature", descending=[True, False], nulls_last=True)


def per_model(summary: pl.DataFrame) -> pl.DataFrame:
    """Per model: requests, Wh and gCO2e per request (mid and range), tokens per Wh, totals."""
    return summary.with_columns(
        short_model(pl.col("model")).alias("model_name"),
        (pl.col("wh_mid") / pl.col("requests")).alias("wh_per_request"),
        _range("wh_low", "wh_high", "requests").alias("wh_range"),
        (pl.col("gco2e_mid") / pl.col("requests")).alias("gco2e_per_request"),
        _range("gco2e_low", "gco2e_high", "requests").alias("gco2e_range"),
        ((pl.col("tokens_per_wh_low") + pl.col("tokens_per_wh_high")) / 2).alias("tokens_per_wh"),
        (pl.col("wh_mid") / 1000).alias("kwh"), (pl.col("gco2e_mid") / 1000).alias("kgco2e"),
    ).select("provider", "model_name", "requests", "wh_per_request", "wh_range", "gco2e_per_request", "gco2e_range",
             "tokens_per_wh", "kwh", "kgco2e", "provenance", "model").sort("kgco2e", "model", descending=[True, False], nulls_last=True)


def load_carbon(ctx: DashboardContext, filters: Filters) -> CarbonData:
    start, end = period_of(ctx, filters)
    requests = apply(ctx.store.scan("requests"), "requests", filters.with_(start=start, end=end),
                     ctx.dims.feature_projects).collect()
    if requests.height == 0:
        raise Unavailable(NotAvailable(
            "Carbon", f"no logged requests between {start} and {end} for these filters",
            "carbon is estimated from your request logs: ingest them, or widen the filters (f)"))
    per_req = carbon.per_request(requests, catalog=ctx.core.catalog)  # "cost (catalog)": the configured catalog
    by_feature = per_task(carbon.summarise(per_req, ["feature"]))
    by_model = per_model(carbon.summarise(per_req, ["provider", "model"]))
    totals = {k: float(per_req[k].sum()) for k in ("wh_low", "wh_mid", "wh_high", "gco2e_low", "gco2e_mid", "gco2e_high")}
    chart = ChartSpec(
        "gCO2e per task by feature (mid estimate)",
        (Series("gCO2e/task", (), tuple(float(v or 0.0) for v in by_feature["gco2e_per_task"]), "bar"),),
        x_categories=tuple(by_feature["feature"].to_list()),
    )
    unknown = int(per_req["wh_mid"].null_count())
    notes = ["Method: EcoLogits decode + prefill and cache hits, grid intensity of the serving region (docs/energy.md)."]
    if unknown:
        notes.append(f"{unknown:,} request(s) on models without parameters: no energy figure (left out, not 0).")
    if not filters.feature:
        notes.append("Traffic that is never logged (no request log) has no carbon estimate here.")
    return CarbonData(by_feature, by_model, chart, totals, per_req.height, unknown, tuple(notes))
