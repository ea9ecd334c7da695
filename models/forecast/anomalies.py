"""Anomalous days: spend, or cost per task, outside the 95% interval of a forecast made before them.

Each block of days is judged by a forecast fitted only on the days before it, so an anomaly
cannot hide by pulling the fit towards itself. Every flag carries its size in dollars: for
spend, the actual minus the forecast; for cost per task, that difference times the day's
tasks (what the day cost beyond the usual cost per task).

Pure functions over daily frames (models/forecast/series.py); finops/services/forecast.py
reads them from the store.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

from finops.models.forecast.calendar import CalendarSpec
from finops.models.forecast.model import forecast

BLOCK_DAYS = 14
MIN_HISTORY = 120

ANOMALY_SCHEMA = {"day": pl.Date, "series": pl.String, "measure": pl.String, "actual": pl.Float64,
                  "expected": pl.Float64, "lo95": pl.Float64, "hi95": pl.Float64, "outside_by": pl.Float64,
                  "excess_usd": pl.Float64}


def outside_interval(days: list[date], y: np.ndarray, name: str, lookback: int = 60, spec: CalendarSpec | None = None,
                     weights: np.ndarray | None = None, measure: str = "spend") -> list[tuple]:
    """Rows (ANOMALY_SCHEMA order) for the last `lookback` days that fell outside a prior forecast's 95% band.

    `weights` turn a difference into dollars (tasks per day for cost per task; 1 for spend);
    measure "tokens" has no dollar size.
    """
    rows: list[tuple] = []
    y = np.asarray(y, dtype=float)
    first = max(MIN_HISTORY, len(days) - lookback)
    for start in range(first, len(days), BLOCK_DAYS):
        h = min(BLOCK_DAYS, len(days) - start)
        fc = forecast(days[:start], y[:start], h, spec, level_horizon=BLOCK_DAYS)  # a level tuned a week ahead
        for i in range(h):
            v = float(y[start + i])
            if v > fc.hi95[i] or v < fc.lo95[i]:
                edge = fc.hi95[i] if v > fc.hi95[i] else fc.lo95[i]
                w = 1.0 if weights is None else float(weights[start + i])
                usd = None if measure == "tokens" else (v - float(fc.yhat[i])) * w
                rows.append((days[start + i], name, measure, v, float(fc.yhat[i]), float(fc.lo95[i]), float(fc.hi95[i]),
                             v - float(edge), usd))
    return rows


def _cost_per_task(dollars: pl.DataFrame, tasks: pl.DataFrame) -> dict[str, tuple[list[date], np.ndarray, np.ndarray]]:
    """Per series: days, dollars per logged task, tasks (days without tasks carry the last ratio forward)."""
    out = {}
    for name in sorted(set(dollars["series"].to_list()) & set(tasks["series"].to_list())):
        s = dollars.filter(pl.col("series") == name).join(tasks, on=["day", "series"], how="left").sort("day")
        s = s.filter(pl.col("day") >= s.filter(pl.col("tasks") > 0)["day"].min())
        ratio = (s["value"] / s["tasks"]).fill_nan(None).forward_fill().fill_null(0.0)
        out[name] = (s["day"].to_list(), ratio.to_numpy(), s["tasks"].fill_null(0.0).to_numpy())
    return out


def anomalies(data: pl.DataFrame, metric: str = "dollars", lookback: int = 60, spec: CalendarSpec | None = None,
              tasks: pl.DataFrame | None = None) -> pl.DataFrame:
    """Anomalous days of the last `lookback` of `data` (day, series, value): spend (or tokens) and cost per task.

    `tasks` (day, series, tasks) of the same split adds cost-per-task anomalies to dollar series.
    """
    rows: list[tuple] = []
    for name in sorted(data["series"].unique().to_list()) if data.height else []:
        s = data.filter(pl.col("series") == name).sort("day")
        rows += outside_interval(s["day"].to_list(), s["value"].to_numpy(), name, lookback, spec,
                                 measure="spend" if metric == "dollars" else "tokens")
    if tasks is not None and metric == "dollars":
        for name, (days, ratio, n) in _cost_per_task(data, tasks).items():
            rows += outside_interval(days, ratio, name, lookback, spec, weights=n, measure="cost_per_task")
    return pl.DataFrame(rows, schema=ANOMALY_SCHEMA, orient="row").sort("day", "series", "measure")
