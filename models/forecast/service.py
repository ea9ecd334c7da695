"""Forecasts from the store for the CLI, the report, the export and the dashboard: tables, not models.

Public surface: `calendar_spec(config)`, `forecast_series(store, metric, by, horizon, spec)`,
`budget_statuses(store, config, now, spec)`, `trough_guard` (re-exported) and
`anomalies(store, ...)` (see models/forecast/anomalies.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

import polars as pl

from finops.config import ConfigFile
from finops.forecast_config import calendar_spec  # noqa: F401  (re-exported: parsing lives in the application layer)
from finops.store import Store
from finops.models.forecast import budgets as budget_mod
from finops.models.forecast.anomalies import ANOMALY_SCHEMA, anomalies, outside_interval  # noqa: F401  (re-exported)
from finops.models.forecast.calendar import CalendarSpec
from finops.models.forecast.guard import TroughWarning, trough_guard
from finops.models.forecast.model import MIN_DAYS_MODEL, Forecast, forecast
from finops.models.forecast.series import daily_series, estimated_share, hour_profile

FORECAST_SCHEMA = {
    "day": pl.Date, "series": pl.String, "kind": pl.String, "value": pl.Float64,
    "lo80": pl.Float64, "hi80": pl.Float64, "lo95": pl.Float64, "hi95": pl.Float64,
}

__all__ = ["ANOMALY_SCHEMA", "FORECAST_SCHEMA", "SeriesForecast", "anomalies", "budget_statuses", "calendar_spec",
           "forecast_series", "outside_interval", "trough_guard"]


@dataclass
class SeriesForecast:
    frame: pl.DataFrame  # FORECAST_SCHEMA rows: actuals (value = actual) then forecast (value = point forecast)
    methods: dict[str, str]
    notes: dict[str, list[str]]
    warnings: dict[str, TroughWarning]
    forecasts: dict[str, Forecast] = field(default_factory=dict)  # per series, for simulating sums


def forecast_series(store: Store, metric: str = "dollars", by: str = "total", horizon: int = 90,
                    spec: CalendarSpec | None = None, until: date | None = None,
                    on_series: Callable[[str], None] | None = None) -> SeriesForecast:
    """Daily forecast of every series of `metric` split `by` total|provider|model|project.

    `until` cuts the history (an as-of forecast); `on_series` is called as each series is done.
    """
    spec = spec or CalendarSpec()
    data = daily_series(store, metric, by, until=until)
    parts, methods, notes, warnings, fcs = [], {}, {}, {}, {}
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
    if metric == "dollars" and by == "model" and (share := estimated_share(store)) > 0:
        for name in notes:
            notes[name].append(f"{share:.1%} of dollars name no model: split by catalog-priced tokens (estimated)")
    frame = (pl.concat([p.select(list(FORECAST_SCHEMA)).cast(FORECAST_SCHEMA) for p in parts]) if parts
             else pl.DataFrame(schema=FORECAST_SCHEMA))
    return SeriesForecast(frame, methods, notes, warnings, fcs)


def budget_statuses(store: Store, config: ConfigFile, now: datetime | None = None, spec: CalendarSpec | None = None,
                    units: tuple[str, ...] = ("usd", "tokens"), seed: int = 0) -> list[budget_mod.BudgetStatus]:
    """Each configured budget's window (the one containing `now`), spend so far, forecast and exhaustion.

    History is cut at `now`, so a past `now` gives the status as it stood then.
    """
    now = now or datetime.now(timezone.utc)
    out = []
    for b in budget_mod.load_budgets(config, units):
        metric = "tokens" if b.unit == "tokens" else "dollars"
        # The last UTC day that has begun by `now` (a `now` of exactly midnight has not begun that day).
        until = (now.astimezone(timezone.utc) - timedelta(microseconds=1)).date()
        data = daily_series(store, metric, "total", b.provider, b.project, until=until)
        if data.height == 0:
            continue
        days, y = data["day"].to_list(), data["value"].to_numpy()
        _, end = budget_mod.window(now, b.reset_timezone)
        horizon = max(1, (end.date() - days[-1]).days + 1)
        fc = forecast(days, y, horizon, spec)
        out.append(budget_mod.status(b, days, y, fc.days, fc.yhat, fc.lo80, fc.hi80, now, seed=seed,
                                     paths=fc.simulate(budget_mod.SIMULATIONS, seed),
                                     hour_profile=hour_profile(store, b.provider, b.project)))
    return out
