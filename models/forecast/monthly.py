"""Monthly totals from daily forecasts: actual month-to-date plus simulated rest of month, with intervals.

The interval of a month's total is not the sum of the daily bounds (that assumes every day
errs the same way at once) nor the root-sum-square (that assumes independent days): it
comes from simulated paths whose day-to-day correlation matches the back-test (paths.py).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

from finops.models.forecast.model import Forecast

SIMULATIONS = 2000

MONTHLY_SCHEMA = {"month": pl.String, "series": pl.String, "actual": pl.Float64, "actual_days": pl.Int64,
                  "forecast_days": pl.Int64, "expected": pl.Float64, "lo80": pl.Float64, "hi80": pl.Float64,
                  "lo95": pl.Float64, "hi95": pl.Float64}


def month_of(d: date) -> str:
    return f"{d.year:04d}-{d.month:02d}"


def month_total(fc: Forecast, actual_days: list[date], actual: np.ndarray, month: str, seed: int = 0,
                paths: np.ndarray | None = None) -> dict[str, float | int | str]:
    """The month's actual so far plus the simulated remainder: expected total and 80%/95% intervals."""
    act = float(sum(v for d, v in zip(actual_days, actual) if month_of(d) == month))
    n_act = sum(1 for d in actual_days if month_of(d) == month)
    idx = [i for i, d in enumerate(fc.days) if month_of(d) == month]
    sims = paths if paths is not None else fc.simulate(SIMULATIONS, seed)
    totals = act + (sims[:, idx].sum(axis=1) if idx else np.zeros(sims.shape[0]))
    lo95, lo80, hi80, hi95 = np.percentile(totals, [2.5, 10, 90, 97.5])
    return {"month": month, "actual": act, "actual_days": n_act, "forecast_days": len(idx),
            "expected": float(totals.mean()), "lo80": float(lo80), "hi80": float(hi80), "lo95": float(lo95), "hi95": float(hi95)}


def monthly_totals(forecasts: dict[str, Forecast], actuals: pl.DataFrame, seed: int = 0) -> pl.DataFrame:
    """Per series and month touched by the forecast: MONTHLY_SCHEMA rows.

    `actuals` has columns day, series, value (daily_series).
    """
    rows = []
    for name, fc in forecasts.items():
        s = actuals.filter(pl.col("series") == name)
        days, y = s["day"].to_list(), s["value"].to_numpy()
        paths = fc.simulate(SIMULATIONS, seed)
        for month in sorted({month_of(d) for d in fc.days}):
            rows.append({"series": name, **month_total(fc, days, y, month, seed, paths)})
    return pl.DataFrame(rows, schema=MONTHLY_SCHEMA).sort("series", "month") if rows else pl.DataFrame(schema=MONTHLY_SCHEMA)
