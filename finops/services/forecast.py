"""Forecasts from the store: daily series, per-series forecasts, budgets and anomalies.

Reads `cost_lines`, `billed_usage` and `requests` and the `[[budgets]]` of finops.toml
(the `[forecast]` calendar is parsed by finops/forecast_config.py), then calls the pure
models in finops.models.forecast.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl

from finops.config import ConfigFile
from finops.forecast_config import calendar_spec  # noqa: F401  (the calendar is parsed there; re-exported for callers)
from finops.models.forecast import anomalies as anomalies_mod
from finops.models.forecast import series as series_mod
from finops.models.forecast.budgets import Budget, BudgetStatus, status_from_history
from finops.models.forecast.calendar import CalendarSpec
from finops.models.forecast.per_series import SeriesForecast, forecast_each
from finops.store import Store

BUDGET_KEYS = {"name", "monthly_usd", "monthly_tokens", "reset_timezone", "provider", "project"}


def load_budgets(config: ConfigFile, units: tuple[str, ...] = ("usd",)) -> list[Budget]:
    """The [[budgets]] of finops.toml whose cap is in one of `units` ("usd", "tokens"); all are validated."""
    raw = config.data.get("budgets", [])
    if not isinstance(raw, list):
        config.fail("budgets", "must be an array of tables ([[budgets]])")
    out = []
    for i, b in enumerate(raw):
        key = f"budgets[{i}]"
        if not isinstance(b, dict):
            config.fail("budgets", f"entry {i} must be a table")
        unknown = set(b) - BUDGET_KEYS
        if unknown:
            config.fail(f"budgets.{sorted(unknown)[0]}", f"unknown key in {key}")
        if not isinstance(b.get("name"), str):
            config.fail("budgets.name", f"{key} needs a name")
        caps = [k for k in ("monthly_usd", "monthly_tokens") if k in b]
        if len(caps) != 1:
            config.fail("budgets.name", f"{key} ({b['name']}) needs exactly one of monthly_usd or monthly_tokens")
        cap = b[caps[0]]
        if isinstance(cap, bool) or not isinstance(cap, (int, float)) or cap <= 0:
            config.fail(f"budgets.{caps[0]}", f"{key} needs a positive {caps[0]}")
        tz = b.get("reset_timezone", "UTC")
        try:
            ZoneInfo(tz)
        except Exception:
            config.fail("budgets.reset_timezone", f"{key}: unknown timezone {tz!r}")
        for k in ("provider", "project"):
            if k in b and not isinstance(b[k], str):
                config.fail(f"budgets.{k}", f"{key}: {k} must be a string")
        usd = float(cap) if caps[0] == "monthly_usd" else None
        tokens = float(cap) if caps[0] == "monthly_tokens" else None
        budget = Budget(b["name"], usd, tz, b.get("provider"), b.get("project"), tokens)
        if budget.unit in units:
            out.append(budget)
    return out


def daily_series(store: Store, metric: str = "dollars", by: str = "total", provider: str | None = None,
                 project: str | None = None, until: date | None = None,
                 catalog: pl.DataFrame | None = None) -> pl.DataFrame:
    """Columns day, series, value from the stored bills (dollars) or meters (tokens); see models/forecast/series.py."""
    return series_mod.daily_series(store.scan("cost_lines"), store.scan("billed_usage"), metric, by, provider, project,
                                   until, catalog)


def daily_tasks(store: Store, by: str = "total", provider: str | None = None, project: str | None = None,
                until: date | None = None) -> pl.DataFrame:
    """Columns day, series, tasks: distinct logged task ids per UTC day of their first request."""
    return series_mod.daily_tasks(store.scan("requests"), by, provider, project, until)


def hour_profile(store: Store, provider: str | None = None, project: str | None = None) -> np.ndarray | None:
    """Share of logged requests by UTC hour of day (24 values), or None with no log to go by."""
    return series_mod.hour_profile(store.scan("requests"), provider, project)


def estimated_share(store: Store) -> float:
    """Share of inference dollars whose model is estimated from tokens (lines that name none)."""
    return series_mod.estimated_share(store.scan("cost_lines"))


def forecast_series(store: Store, metric: str = "dollars", by: str = "total", horizon: int = 90,
                    spec: CalendarSpec | None = None, until: date | None = None,
                    on_series: Callable[[str], None] | None = None,
                    catalog: pl.DataFrame | None = None) -> SeriesForecast:
    """Daily forecast of every series of `metric` split `by` total|provider|model|project.

    `until` cuts the history (an as-of forecast); `on_series` is called as each series is done.
    """
    result = forecast_each(daily_series(store, metric, by, until=until, catalog=catalog), horizon, spec, on_series)
    if metric == "dollars" and by == "model" and (share := estimated_share(store)) > 0:
        for name in result.notes:
            result.notes[name].append(f"{share:.1%} of dollars name no model: split by catalog-priced tokens (estimated)")
    return result


def budget_statuses(store: Store, config: ConfigFile, now: datetime | None = None, spec: CalendarSpec | None = None,
                    units: tuple[str, ...] = ("usd", "tokens"), seed: int = 0) -> list[BudgetStatus]:
    """Each configured budget's window (the one containing `now`), spend so far, forecast and exhaustion.

    History is cut at `now`, so a past `now` gives the status as it stood then.
    """
    return budget_statuses_for(store, load_budgets(config, units), now, spec, seed)


def budget_statuses_for(store: Store, budgets: list[Budget], now: datetime | None = None,
                        spec: CalendarSpec | None = None, seed: int = 0) -> list[BudgetStatus]:
    """`budget_statuses` for budgets already read from the configuration."""
    now = now or datetime.now(timezone.utc)
    out = []
    for b in budgets:
        metric = "tokens" if b.unit == "tokens" else "dollars"
        # The last UTC day that has begun by `now` (a `now` of exactly midnight has not begun that day).
        until = (now.astimezone(timezone.utc) - timedelta(microseconds=1)).date()
        data = daily_series(store, metric, "total", b.provider, b.project, until=until)
        if data.height == 0:
            continue
        days, y = data["day"].to_list(), data["value"].to_numpy()
        out.append(status_from_history(b, days, y, now, spec, hour_profile(store, b.provider, b.project), seed))
    return out


def anomalies(store: Store, metric: str = "dollars", by: str = "total", lookback: int = 60,
              spec: CalendarSpec | None = None, until: date | None = None, cost_per_task: bool = True) -> pl.DataFrame:
    """Anomalous days of the last `lookback` (up to `until`): spend (or tokens) and cost per task."""
    data = daily_series(store, metric, by, until=until)
    with_tasks = cost_per_task and metric == "dollars" and by in ("total", "provider", "project")
    tasks = daily_tasks(store, by, until=until) if with_tasks else None
    return anomalies_mod.anomalies(data, metric, lookback, spec, tasks)
