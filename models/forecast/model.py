"""The forecaster: log-scale regression on calendar terms with an AR(7) error, conformal intervals.

Why this shape: daily AI spend is multiplicative (growth, weekday and holiday effects scale
with volume), so we fit on a log scale; calendar regressors carry weekly and yearly
seasonality and holidays; an AR(7) on the residuals picks up short-lived deviations; the
prediction intervals come from the model's own out-of-sample errors on recent origins
(split conformal by horizon), which keeps 80% intervals near 80% coverage instead of
trusting Gaussian assumptions. Every fit is two least-squares solves on a design matrix
built once per call: milliseconds. Series where zero days are common (over a quarter of
the last year) are fitted on their original scale instead, and the result says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np

from finops.models.forecast.calendar import HOLIDAY_COLUMNS, CalendarSpec, design, future_days
from finops.models.forecast.paths import ErrorModel

AR_LAGS = 7
RIDGE = 1.0
HALF_LIFE_DAYS = 150.0  # recent days weigh more: price changes and new projects shift the level
MIN_DAYS_YEARLY = 400  # below this, no yearly seasonality (it would be extrapolated from < 1 cycle)
MIN_DAYS_MODEL = 56
MIN_DAYS_CALIBRATION_FIT = 28
LOG_MAX_ZERO_SHARE = 0.25
INACTIVE_DAYS = 28
CALIBRATION_ORIGINS = 16
CALIBRATION_STEP = 7
CALIBRATION_HORIZON = 28
TRANSIENT_WEIGHT = 1.0
HUBER = 2.0  # Huber threshold in robust standard deviations (1.4826 MAD) for the re-weighting pass
METHOD = "log-linear calendar regression + AR(7), conformal intervals"


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
    errors: ErrorModel | None = None  # log-scale error distribution, for simulating whole paths

    def simulate(self, n: int = 2000, seed: int = 0) -> np.ndarray:
        """(n, horizon) sample paths of daily values, with the day-to-day correlation of real errors."""
        if self.errors is None:
            return np.tile(self.yhat, (n, 1))
        return self.errors.simulate(n, seed)


@dataclass
class _Fit:
    beta: np.ndarray
    keep: np.ndarray
    ar: np.ndarray
    resid_tail: np.ndarray


def _fit(x: np.ndarray, z: np.ndarray, transient: np.ndarray | None = None) -> _Fit:
    """Robust weighted ridge regression of z on x, then a stationary AR(7) on the cleaned residuals.

    `transient` marks days (holidays and their neighbours) whose deviations from the calendar
    fit do not persist: they are left out of the AR's memory.
    """
    n = len(z)
    keep = x.std(axis=0) > 0
    keep[0] = True
    x = x[:, keep]
    penalty = np.eye(x.shape[1]) * RIDGE
    penalty[0, 0] = 0.0
    w = 0.5 ** ((n - 1 - np.arange(n)) / HALF_LIFE_DAYS)
    if transient is not None:
        w = np.where(transient, w * TRANSIENT_WEIGHT, w)
    beta = np.linalg.solve((x * w[:, None]).T @ x + penalty, (x * w[:, None]).T @ z)
    resid = z - x @ beta
    mad = 1.4826 * float(np.median(np.abs(resid - np.median(resid)))) or 1e-9
    if HUBER > 0:
        # One Huber re-weighting: an anomalous week (or an unusually deep holiday) must not move the level.
        robust = w * np.minimum(1.0, HUBER * mad / np.maximum(np.abs(resid), 1e-12))
        beta = np.linalg.solve((x * robust[:, None]).T @ x + penalty, (x * robust[:, None]).T @ z)
        resid = z - x @ beta
    # Winsorise at 4 MADs so one anomalous day does not echo through the AR terms for a week.
    resid = np.clip(resid, -4 * mad, 4 * mad)
    if transient is not None:
        resid = np.where(transient, 0.0, resid)
    ar = np.zeros(AR_LAGS)
    if n > 4 * AR_LAGS:
        lagged = np.column_stack([resid[AR_LAGS - k - 1: n - k - 1] for k in range(AR_LAGS)])
        ar = np.linalg.lstsq(lagged, resid[AR_LAGS:], rcond=None)[0]
        # Keep the error process stationary: shrink until the companion roots are inside the unit circle.
        companion = np.zeros((AR_LAGS, AR_LAGS))
        companion[1:, :-1] = np.eye(AR_LAGS - 1)
        for _ in range(20):
            companion[0] = ar
            if np.max(np.abs(np.linalg.eigvals(companion))) < 0.98:
                break
            ar = ar * 0.8
    return _Fit(beta, keep, ar, resid[-AR_LAGS:].copy())


def _predict(fit: _Fit, x_future: np.ndarray) -> np.ndarray:
    det = x_future[:, fit.keep] @ fit.beta
    hist = list(fit.resid_tail)
    out = np.empty(len(det))
    for i in range(len(det)):
        e = float(np.dot(fit.ar, hist[: -AR_LAGS - 1: -1]))
        hist.append(e)
        out[i] = det[i] + e
    return out


def _transient(x: np.ndarray, names: list[str]) -> np.ndarray:
    """Days touched by any holiday term."""
    return (x[:, [names.index(c) for c in HOLIDAY_COLUMNS]] != 0).any(axis=1)


def _spec_for(n_days: int, spec: CalendarSpec) -> tuple[CalendarSpec, list[str]]:
    if n_days < MIN_DAYS_YEARLY and spec.yearly:
        return CalendarSpec(spec.countries, spec.fourier_order, yearly=False), [
            f"only {n_days} days of history: yearly seasonality left out (needs {MIN_DAYS_YEARLY}+), "
            "weekly, trend and holiday terms kept"
        ]
    return spec, []


def _offset(y: np.ndarray) -> float:
    # log(y + offset): 1% of the typical day keeps zero days finite without flattening small ones.
    return max(1e-6, 0.01 * float(np.median(y[y > 0]))) if (y > 0).any() else 1.0


def calibration_errors(x: np.ndarray, z: np.ndarray, horizon: int, transient: np.ndarray | None = None) -> np.ndarray:
    """(origins, h) log-scale out-of-sample errors of fits on rolling prefixes of (x, z)."""
    rows = []
    n = len(z)
    for k in range(CALIBRATION_ORIGINS):
        cut = n - horizon - k * CALIBRATION_STEP
        if cut < MIN_DAYS_CALIBRATION_FIT:
            break
        pred = _predict(_fit(x[:cut], z[:cut], None if transient is None else transient[:cut]), x[cut: cut + horizon])
        rows.append(z[cut: cut + horizon] - pred)
    return np.array(rows).reshape(len(rows), horizon)


def forecast(days: list[date], y: np.ndarray, horizon: int, spec: CalendarSpec | None = None) -> Forecast:
    """Forecast `horizon` days after `days` (consecutive UTC days) with 80% and 95% intervals."""
    spec = spec or CalendarSpec()
    y = np.clip(np.asarray(y, dtype=float), 0, None)
    future = future_days(days[-1], horizon)
    if len(days) >= INACTIVE_DAYS and not y[-INACTIVE_DAYS:].any():
        zero = np.zeros(horizon)
        return Forecast(future, zero, zero, zero, zero, zero, "inactive series",
                        [f"nothing in the last {INACTIVE_DAYS} days: forecast 0 until it starts again"])
    if len(days) < MIN_DAYS_MODEL:
        return _weekday_mean(days, y, future)
    spec, notes = _spec_for(len(days), spec)
    # Log scale unless zero days are common (weekday-only batch jobs): log(0 + offset) would
    # make every zero an outlier far below the rest.
    zero_share = float((y[-365:] == 0).mean())
    log_scale = zero_share <= LOG_MAX_ZERO_SHARE
    offset = _offset(y) if log_scale else 0.0
    z = np.log(y + offset) if log_scale else y.copy()
    if not log_scale:
        notes.append(f"{zero_share:.0%} of the last year's days are zero: fitted on the original scale, not log")
    x_all, names = design(days + future, days[0], spec)
    x, x_future = x_all[: len(days)], x_all[len(days):]
    transient = _transient(x, names)
    mu = _predict(_fit(x, z, transient), x_future)
    cal = calibration_errors(x, z, min(CALIBRATION_HORIZON, max(7, len(days) // 4)), transient)
    if cal.shape[0] < 5:
        notes.append(f"only {cal.shape[0]} back-test origins behind the intervals: treat them as rough")
    errors = ErrorModel.from_calibration(mu, offset, cal, log=log_scale)
    lo80, hi80, lo95, hi95 = errors.bands()
    return Forecast(future, errors.point(), lo80, hi80, lo95, hi95, METHOD, notes, errors)


def _weekday_mean(days: list[date], y: np.ndarray, future: list[date]) -> Forecast:
    """Too little history for a model: weekday means of the last weeks, with their empirical spread."""
    recent_days, recent = days[-28:], y[-28:]
    by_dow: dict[int, list[float]] = {}
    for d, v in zip(recent_days, recent):
        by_dow.setdefault(d.weekday(), []).append(float(v))
    overall = float(np.mean(recent))
    offset = _offset(y)
    mean = np.array([np.mean(by_dow.get(d.weekday(), [overall])) for d in future])
    fitted = np.array([np.mean(by_dow.get(d.weekday(), [overall])) for d in recent_days])
    resid = np.log(recent + offset) - np.log(fitted + offset)
    # Residuals around in-sample means understate out-of-sample error: widen by the usual sqrt(1 + 1/k).
    resid = resid * np.sqrt(1 + 7 / max(len(recent), 7))
    errors = ErrorModel.from_calibration(np.log(mean + offset), offset, np.tile(resid, (1, 1)), rho=0.5)
    lo80, hi80, lo95, hi95 = errors.bands()
    return Forecast(future, mean, lo80, hi80, lo95, hi95, "weekday mean (short series)",
                    [f"only {len(days)} days of history: weekday means of the last 4 weeks, no trend or holidays"], errors)


def holiday_free(days: list[date], y: np.ndarray, spec: CalendarSpec | None = None, window: int = 28) -> np.ndarray:
    """The last `window` days as they would have been without holidays.

    Days touched by a holiday term (the holiday, its shoulders, year-end, Golden Week) are
    replaced by the model's calendar value without holiday effects, moved to the level the
    window's ordinary days show; ordinary days keep their actual value. So the depth of the
    trough is the one in the data, not the average holiday effect the model learned.
    """
    spec = spec or CalendarSpec()
    spec, _ = _spec_for(len(days), spec)
    y = np.clip(np.asarray(y, dtype=float), 0, None)
    offset = _offset(y)
    z = np.log(y + offset)
    x, names = design(days, days[0], spec)
    fit = _fit(x, z, _transient(x, names))
    xk = x[:, fit.keep]
    kept = [n for n, k in zip(names, fit.keep) if k]
    hol = np.array([n in HOLIDAY_COLUMNS for n in kept])
    fitted = xk @ fit.beta
    plain = xk[:, ~hol] @ fit.beta[~hol]
    affected = _transient(x, names)[-window:]
    resid = (z - fitted)[-window:]
    level = float(np.mean(resid[~affected])) if (~affected).any() else 0.0
    out = y[-window:].copy()
    out[affected] = np.clip(np.exp(plain[-window:][affected] + level) - offset, 0, None)
    return out
