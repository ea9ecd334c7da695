"""Forecast figures for the dashboard: history and forecast with intervals per series.

Series come from the store under the global filters (dollars: billed inference and
embedding lines in USD; tokens: metered usage), split by total, provider, project or
model, and are forecast "as of" the filter's last day with models.forecast (imported
lazily). The holiday-trough guard runs on each series.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

import polars as pl

from finops.models.money import money_sum, money_total
from finops.services import forecast as service
from finops.tui.data.availability import NotAvailable, Unavailable
from finops.tui.data.context import DashboardContext
from finops.tui.data.overview import holiday_countries, period_of
from finops.tui.data.series import ChartSpec, Mark, Series, band_series, holiday_marks
from finops.tui.filters import Filters, apply

METRICS = ("dollars", "tokens")
BREAKDOWNS = ("total", "provider", "project", "model")
HORIZONS = (30, 90)
MAX_SERIES = 6
KINDS = {"history": "money", "mean_28d": "money", "next": "money", "next_lo80": "money", "next_hi80": "money"}
TOKEN_KINDS = {"history": "int", "mean_28d": "int", "next": "int", "next_lo80": "int", "next_hi80": "int"}
LABELS = {"history": "in period", "mean_28d": "28-day mean/day", "next": "next N days", "next_lo80": "80% low",
          "next_hi80": "80% high", "warning": "holiday trough"}


@dataclass(frozen=True)
class Trough:
    """The holiday-trough guard's finding for one series."""

    window: tuple[date, date]
    holidays: tuple[str, ...]
    understatement_pct: float
    message: str


@dataclass(frozen=True)
class SeriesForecast:
    history: pl.DataFrame  # day, value (filter start .. end)
    forecast: pl.DataFrame  # day, yhat, lo80, hi80, lo95, hi95
    method: str
    trough: Trough | None = None

    @property
    def warning(self) -> str:
        return self.trough.message if self.trough else ""


@dataclass(frozen=True)
class ForecastData:
    metric: str
    by: str
    horizon: int
    end: date
    table: pl.DataFrame  # one row per series
    series: Mapping[str, SeriesForecast]
    marks: tuple[Mark, ...]
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def provenance(self) -> str:
        return "billed" if self.metric == "dollars" else "metered"

    def kinds(self) -> dict[str, str]:
        return dict(KINDS if self.metric == "dollars" else TOKEN_KINDS)

    def labels(self) -> dict[str, str]:
        # Provenance in the headers: history is billed or metered, everything ahead is estimated.
        return {**LABELS, "history": f"in period ({self.provenance})", "mean_28d": f"28-day mean/day ({self.provenance})",
                "next": f"next {self.horizon} days (est.)"}


def daily_values(ctx: DashboardContext, filters: Filters, metric: str, by: str, end: date) -> pl.DataFrame:
    """(day, series, value) up to `end` under the filters: the same series `finops forecast` fits
    (models.forecast.series: dollar lines naming no model split by the context's catalog)."""
    from finops.models.forecast.series import daily_series

    scope = filters.with_(start=None, end=end)
    return daily_series(apply(ctx.store.scan("cost_lines"), "cost_lines", scope, ctx.dims.feature_projects),
                        apply(ctx.store.scan("billed_usage"), "billed_usage", scope, ctx.dims.feature_projects),
                        metric, by, until=end, catalog=ctx.core.catalog)


def _interval_of_sum(fc) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """80% interval of the horizon's total, from sample paths when the model offers them."""
    import numpy as np

    simulate = getattr(fc, "simulate", None)
    if simulate is None:
        return float(np.sum(fc.lo80)), float(np.sum(fc.hi80))
    totals = np.asarray(simulate(2000, 0)).sum(axis=1)
    return float(np.percentile(totals, 10)), float(np.percentile(totals, 90))


def load_forecast(ctx: DashboardContext, filters: Filters, metric: str = "dollars", by: str = "provider",
                  horizon: int = 30) -> ForecastData:
    from finops.models.forecast.guard import trough_guard
    from finops.models.forecast.model import forecast

    spec = service.calendar_spec(ctx.settings.config)
    start, end = period_of(ctx, filters)
    data = daily_values(ctx, filters, metric, by, end)
    if data.height == 0:
        raise Unavailable(NotAvailable("Forecast", f"no {metric} up to {end} under these filters", "widen the filters (f)"))
    ranking = data.group_by("series").agg(money_sum(pl.col("value"))).sort("value", "series", descending=[True, False])
    names = [n for n, v in ranking.iter_rows() if v > 0]
    shown, hidden = names[:MAX_SERIES], names[MAX_SERIES:]
    rows, out = [], {}
    for name in shown:
        s = data.filter(pl.col("series") == name).sort("day")
        days, y = s["day"].to_list(), s["value"].to_numpy()
        fc = forecast(days, y, horizon, spec)
        warning = trough_guard(days, y, 28, spec) if len(days) >= 56 else None
        lo, hi = _interval_of_sum(fc)
        hist = s.filter(pl.col("day") >= start).select("day", "value")
        frame = pl.DataFrame({"day": fc.days, "yhat": fc.yhat, "lo80": fc.lo80, "hi80": fc.hi80, "lo95": fc.lo95, "hi95": fc.hi95})
        trough = (Trough((warning.window_start, warning.window_end), tuple(warning.holidays),
                         float(warning.understatement_pct), warning.message()) if warning else None)
        out[name] = SeriesForecast(hist, frame, fc.method, trough)
        rows.append({
            "series": name, "history": money_total(hist["value"]), "mean_28d": float(y[-28:].mean()),
            "next": float(frame["yhat"].sum()), "next_lo80": lo, "next_hi80": hi,
            "warning": f"−{warning.understatement_pct:.0f}%" if warning else "", "method": fc.method,
        })
    table = pl.DataFrame(rows, schema={"series": pl.String, "history": pl.Float64, "mean_28d": pl.Float64,
                                       "next": pl.Float64, "next_lo80": pl.Float64, "next_hi80": pl.Float64,
                                       "warning": pl.String, "method": pl.String})
    notes = [f"Forecast as of {end} (the filter's last day), {horizon} days ahead; intervals are 80% and 95%."]
    if hidden:
        notes.append(f"{len(hidden)} smaller series not shown ({', '.join(hidden[:3])}{'…' if len(hidden) > 3 else ''}).")
    marks = holiday_marks(start, end + timedelta(days=horizon), holiday_countries(ctx))
    return ForecastData(metric, by, horizon, end, table, out, marks, tuple(notes))


def trough_lines(data: ForecastData) -> list[str]:
    """One warning line per holiday window, naming each series it affects and by how much."""
    by_window: dict[tuple, list[tuple[str, float]]] = {}
    for name, sf in data.series.items():
        if sf.trough:
            by_window.setdefault((sf.trough.window, sf.trough.holidays), []).append((name, sf.trough.understatement_pct))
    lines = []
    for ((start, end), names), hits in by_window.items():
        shown = ", ".join(names[:4]) + (" …" if len(names) > 4 else "")
        who = ", ".join(f"{n} by {p:.1f}%" for n, p in hits)
        lines.append(f"Holiday trough: {start} to {end} includes {shown}; a trailing average of it understates {who}.")
    return lines


def chart_for(data: ForecastData, name: str) -> ChartSpec:
    """History, forecast and its 80% band for one series, with holidays and "today" marked."""
    sf = data.series[name]
    unit = "USD" if data.metric == "dollars" else "tokens"
    fc = sf.forecast
    xs = tuple(fc["day"].to_list())
    series = (
        Series("actual", tuple(sf.history["day"].to_list()), tuple(float(v) for v in sf.history["value"])),
        Series("forecast", xs, tuple(float(v) for v in fc["yhat"]), "dashed"),
        *band_series("80%", xs, fc["lo80"].to_list(), fc["hi80"].to_list()),
    )
    marks = (*data.marks, Mark(data.end, "last actual day", "today"))
    return ChartSpec(f"{name}: daily {data.metric} ({unit}), {data.provenance} history and estimated forecast", series, marks)
