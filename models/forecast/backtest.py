"""Rolling-origin backtest of our model against the baselines a planner would otherwise use.

Baselines: the trailing 28-day mean carried forward, and the seasonal naive (same weekday
last week). Metrics: MASE (scaled by the in-sample seasonal-naive MAE, m = 7), sMAPE and
the empirical coverage of the 80% and 95% intervals.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from models.forecast.calendar import CalendarSpec
from models.forecast.model import forecast


@dataclass
class Score:
    model: str
    mase: float
    smape: float
    coverage80: float | None
    coverage95: float | None
    origins: int


def _mase_scale(y: np.ndarray) -> float:
    return float(np.mean(np.abs(y[7:] - y[:-7]))) if len(y) > 7 else float("nan")


def _smape(actual: np.ndarray, pred: np.ndarray) -> np.ndarray:
    denom = (np.abs(actual) + np.abs(pred)) / 2
    return np.where(denom > 0, np.abs(actual - pred) / np.where(denom > 0, denom, 1), 0.0)


def backtest(days: list[date], y: list[float] | np.ndarray, horizon: int = 28, origins: int = 10, step: int = 14,
             spec: CalendarSpec | None = None) -> list[Score]:
    """Scores of our model and the two baselines over `origins` rolling cut-offs ending at the last day."""
    y = np.asarray(y, dtype=float)
    errs: dict[str, list[float]] = {"model": [], "trailing_28d_mean": [], "seasonal_naive_7": []}
    smapes: dict[str, list[float]] = {k: [] for k in errs}
    inside80: list[bool] = []
    inside95: list[bool] = []
    used = 0
    for k in range(origins):
        cut = len(y) - horizon - k * step
        if cut < 120:
            break
        used += 1
        train, actual = y[:cut], y[cut: cut + horizon]
        scale = _mase_scale(train) or 1.0
        fc = forecast(days[:cut], train, horizon, spec)
        preds = {
            "model": fc.yhat,
            "trailing_28d_mean": np.full(horizon, train[-28:].mean()),
            "seasonal_naive_7": np.array([train[-7 + (i % 7)] for i in range(horizon)]),
        }
        for name, p in preds.items():
            errs[name] += list(np.abs(actual - p) / scale)
            smapes[name] += list(_smape(actual, p))
        inside80 += list((actual >= fc.lo80) & (actual <= fc.hi80))
        inside95 += list((actual >= fc.lo95) & (actual <= fc.hi95))
    out = []
    for name in errs:
        is_model = name == "model"
        out.append(Score(name, float(np.mean(errs[name])), float(np.mean(smapes[name])) * 100,
                         float(np.mean(inside80)) if is_model and inside80 else None,
                         float(np.mean(inside95)) if is_model and inside95 else None, used))
    return out
