"""The forecaster: log-scale regression on calendar terms with an AR(7) error, conformal intervals.

Why this shape: daily AI spend is multiplicative (growth, weekday and holiday effects scale
with volume), so we fit on a log scale; calendar regressors carry weekly and yearly
seasonality and holidays; an AR(7) on the residuals picks up short-lived deviations; the
prediction intervals come from the model's own out-of-sample errors on recent origins
(split conformal by horizon), which keeps 80% intervals near 80% coverage instead of
trusting Gaussian assumptions. Every fit is a few least-squares solves: milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

from models.forecast.calendar import CalendarSpec, design

AR_LAGS = 7
RIDGE = 1.0
HALF_LIFE_DAYS = 150.0  # recent days weigh more: price changes and new projects shift the level
MIN_DAYS_YEARLY = 400  # below this, no yearly seasonality (it would be extrapolated from < 1 cycle)
MIN_DAYS_MODEL = 56
CALIBRATION_ORIGINS = 8
CALIBRATION_STEP = 7
HORIZON_BUCKETS = (7, 14, 28, 60, 120, 400)


@dataclass
class Forecast:
    days: list[date]
    yhat: np.ndarray
    lo80: np.ndarray
    hi80: np.ndarray
    lo95: np.ndarray
    hi95: np.ndarray
    method: str
    notes: list[str] = field(default_factory=list)


@dataclass
class _Fit:
    beta: np.ndarray
    keep: np.ndarray
    ar: np.ndarray
    resid_tail: np.ndarray
    offset: float
    origin: date
    spec: CalendarSpec


def _fit(days: list[date], y: np.ndarray, spec: CalendarSpec, horizon_days: list[date]) -> tuple[_Fit, np.ndarray]:
    """Fit on (days, y) and return the fit and the design rows of the horizon."""
    offset = max(1e-6, 0.01 * float(np.median(y[y > 0])) if (y > 0).any() else 1.0)
    z = np.log(np.clip(y, 0, None) + offset)
    x_all, _ = design(days + horizon_days, days[0], spec)
    x, x_future = x_all[: len(days)], x_all[len(days):]
    keep = x.std(axis=0) > 0
    keep[0] = True
    x, x_future = x[:, keep], x_future[:, keep]
    penalty = np.eye(x.shape[1]) * RIDGE
    penalty[0, 0] = 0.0
    w = 0.5 ** ((len(days) - 1 - np.arange(len(days))) / HALF_LIFE_DAYS)
    xw = x * w[:, None]
    beta = np.linalg.solve(xw.T @ x + penalty, xw.T @ z)
    resid = z - x @ beta
    # Winsorise at 4 MADs so one anomalous day does not echo through the AR terms for a week.
    mad = float(np.median(np.abs(resid - np.median(resid)))) or 1e-9
    resid = np.clip(resid, -4 * 1.4826 * mad, 4 * 1.4826 * mad)
    ar = np.zeros(AR_LAGS)
    if len(resid) > 4 * AR_LAGS:
        lagged = np.column_stack([resid[AR_LAGS - k - 1: len(resid) - k - 1] for k in range(AR_LAGS)])
        target = resid[AR_LAGS:]
        ar = np.linalg.lstsq(lagged, target, rcond=None)[0]
        # Keep the error process stationary: shrink until the companion roots are inside the unit circle.
        for _ in range(20):
            companion = np.zeros((AR_LAGS, AR_LAGS))
            companion[0] = ar
            companion[1:, :-1] = np.eye(AR_LAGS - 1)
            if np.max(np.abs(np.linalg.eigvals(companion))) < 0.98:
                break
            ar *= 0.8
    return _Fit(beta, keep, ar, resid[-AR_LAGS:].copy(), offset, days[0], spec), x_future


def _predict_log(fit: _Fit, x_future: np.ndarray) -> np.ndarray:
    det = x_future @ fit.beta
    hist = list(fit.resid_tail)
    out = np.empty(len(det))
    for i in range(len(det)):
        e = float(np.dot(fit.ar, hist[::-1][:AR_LAGS]))
        hist.append(e)
        out[i] = det[i] + e
    return out


def _spec_for(n_days: int, spec: CalendarSpec) -> tuple[CalendarSpec, list[str]]:
    if n_days < MIN_DAYS_YEARLY and spec.yearly:
        return CalendarSpec(spec.countries, spec.fourier_order, yearly=False), [
            f"only {n_days} days of history: yearly seasonality left out (needs {MIN_DAYS_YEARLY}+)"
        ]
    return spec, []


def _bucket(h: int) -> int:
    return next(i for i, b in enumerate(HORIZON_BUCKETS) if h <= b) if h <= HORIZON_BUCKETS[-1] else len(HORIZON_BUCKETS) - 1


def _calibration_errors(days: list[date], y: np.ndarray, spec: CalendarSpec, horizon: int) -> dict[int, np.ndarray]:
    """Log-scale out-of-sample errors by horizon bucket from recent rolling origins."""
    errors: dict[int, list[float]] = {}
    h = min(horizon, 28)
    for k in range(CALIBRATION_ORIGINS):
        cut = len(days) - h - k * CALIBRATION_STEP
        if cut < MIN_DAYS_MODEL:
            break
        fit, x_future = _fit(days[:cut], y[:cut], spec, days[cut: cut + h])
        pred = _predict_log(fit, x_future)
        actual = np.log(np.clip(y[cut: cut + h], 0, None) + fit.offset)
        for i, err in enumerate(actual - pred, start=1):
            errors.setdefault(_bucket(i), []).append(float(err))
    return {b: np.array(v) for b, v in errors.items()}


def forecast(days: list[date], y: np.ndarray, horizon: int, spec: CalendarSpec | None = None) -> Forecast:
    """Forecast `horizon` days after `days` (consecutive UTC days) with 80% and 95% intervals."""
    spec = spec or CalendarSpec()
    y = np.asarray(y, dtype=float)
    future = [days[-1] + timedelta(days=i) for i in range(1, horizon + 1)]
    if len(days) < MIN_DAYS_MODEL:
        return _weekday_mean(days, y, future)
    spec, notes = _spec_for(len(days), spec)
    fit, x_future = _fit(days, y, spec, future)
    mu = _predict_log(fit, x_future)
    errors = _calibration_errors(days, y, spec, horizon)
    pooled = np.concatenate(list(errors.values())) if errors else np.array([0.0])
    q = {p: np.empty(horizon) for p in (2.5, 10, 90, 97.5)}
    for i in range(horizon):
        b = _bucket(i + 1)
        err = errors.get(b)
        if err is None or len(err) < 20:
            # Beyond the calibrated horizons, widen the longest bucket's spread with sqrt(h).
            base = errors[max(errors)] if errors else pooled
            scale = np.sqrt((i + 1) / min(HORIZON_BUCKETS[max(errors)] if errors else 28, i + 1))
            err = base * scale
        for p in q:
            q[p][i] = np.percentile(err, p)
    back = lambda v: np.clip(np.exp(v) - fit.offset, 0, None)  # noqa: E731
    return Forecast(future, back(mu), back(mu + q[10]), back(mu + q[90]), back(mu + q[2.5]), back(mu + q[97.5]),
                    "log-linear calendar regression + AR(7), conformal intervals", notes)


def _weekday_mean(days: list[date], y: np.ndarray, future: list[date]) -> Forecast:
    """Too little history for a model: weekday means of the last weeks, with empirical spread."""
    by_dow: dict[int, list[float]] = {}
    for d, v in zip(days[-28:], y[-28:]):
        by_dow.setdefault(d.weekday(), []).append(float(v))
    mean = np.array([np.mean(by_dow.get(d.weekday(), [float(np.mean(y))])) for d in future])
    spread = float(np.std(y[-28:])) if len(y) > 1 else 0.0
    return Forecast(future, mean, np.clip(mean - 1.28 * spread, 0, None), mean + 1.28 * spread,
                    np.clip(mean - 1.96 * spread, 0, None), mean + 1.96 * spread, "weekday mean (short series)",
                    [f"only {len(days)} days of history: weekday means of the last 4 weeks, no trend or holidays"])


def holiday_free(days: list[date], y: np.ndarray, spec: CalendarSpec | None = None) -> np.ndarray:
    """The fitted series with holiday effects removed: what the days would have been without holidays."""
    spec = spec or CalendarSpec()
    spec, _ = _spec_for(len(days), spec)
    fit, _ = _fit(days, y, spec, [])
    x, names = design(days, days[0], spec)
    x = x[:, fit.keep]
    kept = [n for n, k in zip(names, fit.keep) if k]
    with_h = x @ fit.beta
    without = x.copy()
    for i, n in enumerate(kept):
        if n in ("holiday", "shoulder", "year_end", "golden_week"):
            without[:, i] = 0.0
    return np.exp(without @ fit.beta) / np.exp(with_h) * np.clip(y, 0, None)
