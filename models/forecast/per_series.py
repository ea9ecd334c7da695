"""Forecast every series of a daily frame: the table the CLI, report, export and dashboard show.

Pure: the daily frame comes from models/forecast/series.py over the stored tables;
finops/services/forecast.py reads the store and calls `forecast_each`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import polars as pl

from finops.models.forecast.calendar import CalendarSpec
from finops.models.forecast.guard import TroughWarning, trough_guard
from finops.models.forecast.model import MIN_DAYS_MODEL, Forecast, forecast

FORECAST_SCHEMA = {
    "day": pl.Date, "series": pl.String, "kind": pl.String, "value": pl.Float64,
    "lo80": pl.Float64, "hi80": pl.Float64, "lo95": pl.Float64, "hi95": pl.Float64,
}


@dataclass
class SeriesForecast:
    frame: pl.DataFrame  # FORECAST_SCHEMA rows: actuals (value = actual) then forecast (value = point forecast)
    methods: dict[str, str]
    notes: dict[str, list[str]]
    warnings: dict[str, TroughWarning]
    forecasts: dict[str, Forecast] = field(default_factory=dict)  # per series, for simulating sums


def forecast_each(data: pl.DataFrame, horizon: int = 90, spec: CalendarSpec | None = None,
                  on_series: Callable[[str], None] | None = None) -> SeriesForecast:
    """Daily forecast of every series of `data` (day, series, value); `on_series` is called as each is done."""
    spec = spec or CalendarSpec()
    parts: list[pl.DataFrame] = []
    methods: dict[str, str] = {}
    notes: dict[str, list[str]] = {}
    warnings: dict[str, TroughWarning] = {}
    fcs: dict[str, Forecast] = {}
    for name in sorted(data["series"].unique().to_list()) if data.height else []:
        s = data.filter(pl.col("series") == name).sort("day")
        days, y = s["day"].to_list(), s["value"].to_numpy()
        if y.sum() <= 0:
            continue
        fc = forecast(days, y, horizon, spec)
        fcs[name], methods[name], notes[name] = fc, fc.method, list(fc.notes)
        if len(days) >= MIN_DAYS_MODEL and (w := trough_guard(days, y, 28, spec)):
            warnings[name] = w
        parts.append(s.with_columns(pl.lit("actual").alias("kind"),
                                    *[pl.lit(None, pl.Float64).alias(c) for c in ("lo80", "hi80", "lo95", "hi95")]))
        parts.append(pl.DataFrame({"day": fc.days, "series": name, "kind": "forecast", "value": fc.yhat, "lo80": fc.lo80,
                                   "hi80": fc.hi80, "lo95": fc.lo95, "hi95": fc.hi95}))
        if on_series:
            on_series(name)
    frame = (pl.concat([p.select(list(FORECAST_SCHEMA)).cast({k: v for k, v in FORECAST_SCHEMA.items()}) for p in parts]) if parts
             else pl.DataFrame(schema=FORECAST_SCHEMA))
    return SeriesForecast(frame, methods, notes, warnings, fcs)
