"""Forecasts from the store for the CLI, the report and the dashboard: tables, not models."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

import numpy as np
import polars as pl

from finops.config import ConfigFile
from finops.store import Store
from models.forecast import budgets as budget_mod
from models.forecast.calendar import DEFAULT_COUNTRIES, CalendarSpec
from models.forecast.guard import TroughWarning, trough_guard
from models.forecast.model import forecast
from models.forecast.series import daily_series

FORECAST_SCHEMA = {
    "day": pl.Date, "series": pl.String, "kind": pl.String, "value": pl.Float64,
    "lo80": pl.Float64, "hi80": pl.Float64, "lo95": pl.Float64, "hi95": pl.Float64,
}


def calendar_spec(config: ConfigFile) -> CalendarSpec:
    section = config.section("forecast")
    countries = section.get("countries", DEFAULT_COUNTRIES)
    if not isinstance(countries, dict) or not countries:
        config.fail("forecast.countries", "must be a table of country code = traffic share")
    for code, share in countries.items():
        if not isinstance(share, (int, float)) or share < 0:
            config.fail("forecast.countries", f"share for {code!r} must be a non-negative number")
        try:
            import holidays

            holidays.country_holidays(code)
        except (NotImplementedError, KeyError):
            config.fail("forecast.countries", f"{code!r} is not a country the holidays package knows")
    return CalendarSpec(countries={str(k): float(v) for k, v in countries.items()})


@dataclass
class SeriesForecast:
    frame: pl.DataFrame  # FORECAST_SCHEMA rows: actuals then forecast
    methods: dict[str, str]
    notes: dict[str, list[str]]
    warnings: dict[str, TroughWarning]


def forecast_series(store: Store, metric: str = "dollars", by: str = "total", horizon: int = 90,
                    spec: CalendarSpec | None = None) -> SeriesForecast:
    spec = spec or CalendarSpec()
    data = daily_series(store, metric, by)
    parts, methods, notes, warnings = [], {}, {}, {}
    for name in sorted(data["series"].unique().to_list()) if data.height else []:
        s = data.filter(pl.col("series") == name).sort("day")
        days, y = s["day"].to_list(), s["value"].to_numpy()
        if y.sum() <= 0:
            continue
        fc = forecast(days, y, horizon, spec)
        methods[name], notes[name] = fc.method, fc.notes
        if len(days) >= 56 and (w := trough_guard(days, y, 28, spec)):
            warnings[name] = w
        parts.append(s.with_columns(pl.lit("actual").alias("kind"), *[pl.lit(None, pl.Float64).alias(c) for c in ("lo80", "hi80", "lo95", "hi95")]))
        parts.append(pl.DataFrame({"day": fc.days, "series": name, "kind": "forecast", "value": fc.yhat, "lo80": fc.lo80,
                                   "hi80": fc.hi80, "lo95": fc.lo95, "hi95": fc.hi95}))
    frame = pl.concat([p.select(list(FORECAST_SCHEMA)).cast(FORECAST_SCHEMA) for p in parts]) if parts else pl.DataFrame(schema=FORECAST_SCHEMA)
    return SeriesForecast(frame, methods, notes, warnings)


def budget_statuses(store: Store, config: ConfigFile, now: datetime | None = None, spec: CalendarSpec | None = None) -> list[budget_mod.BudgetStatus]:
    """Each configured budget's window, spend so far, forecast and exhaustion."""
    now = now or datetime.now(timezone.utc)
    out = []
    for b in budget_mod.load_budgets(config):
        by = "project" if b.project else "provider" if b.provider else "total"
        key = b.project or (b.provider.lower() if b.provider else "total")
        data = daily_series(store, "dollars", by).filter(pl.col("series") == key).sort("day")
        if data.height == 0:
            continue
        days, y = data["day"].to_list(), data["value"].to_numpy()
        start, end = budget_mod.window(now, b.reset_timezone)
        horizon = max(1, (end.date() - days[-1]).days + 1)
        fc = forecast(days, y, horizon, spec)
        out.append(budget_mod.status(b, days, y, fc.days, fc.yhat, fc.lo80, fc.hi80, now))
    return out


def anomalies(store: Store, metric: str = "dollars", by: str = "total", lookback: int = 60, spec: CalendarSpec | None = None) -> pl.DataFrame:
    """Days of the last `lookback` whose value fell outside the 95% interval of a forecast made before them."""
    data = daily_series(store, metric, by)
    rows = []
    for name in sorted(data["series"].unique().to_list()) if data.height else []:
        s = data.filter(pl.col("series") == name).sort("day")
        rows += outside_interval(s["day"].to_list(), s["value"].to_numpy(), name, lookback, spec)
    return pl.DataFrame(rows, schema=ANOMALY_SCHEMA, orient="row")


ANOMALY_SCHEMA = {"day": pl.Date, "series": pl.String, "actual": pl.Float64, "expected": pl.Float64,
                  "lo95": pl.Float64, "hi95": pl.Float64, "outside_by": pl.Float64}


def outside_interval(days: list, y: np.ndarray, name: str, lookback: int = 60, spec: CalendarSpec | None = None) -> list[tuple]:
    """(day, series, actual, expected, lo95, hi95, size) for days outside a prior forecast's 95% band.

    Each block of 14 days is judged by a forecast fitted only on the days before it, so an
    anomaly cannot hide by pulling the fit towards itself.
    """
    rows: list[tuple] = []
    if len(days) < lookback + 120:
        return rows
    for start in range(len(days) - lookback, len(days), 14):
        h = min(14, len(days) - start)
        fc = forecast(days[:start], y[:start], h, spec)
        for i in range(h):
            v = float(y[start + i])
            if v > fc.hi95[i] or v < fc.lo95[i]:
                edge = fc.hi95[i] if v > fc.hi95[i] else fc.lo95[i]
                rows.append((days[start + i], name, v, float(fc.yhat[i]), float(fc.lo95[i]), float(fc.hi95[i]), v - float(edge)))
    return rows
