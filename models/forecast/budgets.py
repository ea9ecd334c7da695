"""Monthly budgets and quotas that reset in their own timezone: status, exhaustion, probability.

A budget window is the calendar month in the reset timezone: from local midnight on the
1st to local midnight on the next 1st, converted to UTC, so the month is 743 hours long
when daylight saving time starts in it and 745 when it ends. Spend arrives in UTC-day
buckets; a bucket counts toward a window by the share of the day's traffic (its hour-of-day
profile, uniform when unknown) that falls inside the window. Caps are in USD (billed cost)
or tokens (metered usage).

Pure: finops/services/forecast.py reads the [[budgets]] of finops.toml into `Budget`s and
the daily history from the store.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

import numpy as np

from finops.models.forecast.calendar import CalendarSpec
from finops.models.forecast.model import forecast

SIMULATIONS = 2000
UNIFORM = np.full(24, 1 / 24)


@dataclass(frozen=True)
class Budget:
    name: str
    monthly_usd: float | None
    reset_timezone: str = "UTC"
    provider: str | None = None
    project: str | None = None
    monthly_tokens: float | None = None

    @property
    def unit(self) -> str:
        return "tokens" if self.monthly_tokens is not None else "usd"

    @property
    def cap(self) -> float:
        return float(self.monthly_tokens if self.monthly_tokens is not None else self.monthly_usd)  # type: ignore[arg-type]

    def fmt(self, value: float) -> str:
        return f"{value:,.0f} tokens" if self.unit == "tokens" else f"${value:,.2f}"


def window(month_of: datetime, tz: str) -> tuple[datetime, datetime]:
    """The budget month containing `month_of`, as UTC instants [start, end)."""
    zone = ZoneInfo(tz)
    local = month_of.astimezone(zone)
    start = datetime(local.year, local.month, 1, tzinfo=zone)
    end = datetime(local.year + (local.month == 12), local.month % 12 + 1, 1, tzinfo=zone)
    return start.astimezone(timezone.utc), end.astimezone(timezone.utc)


@lru_cache(maxsize=4096)
def _hour_overlap(day: date, start: datetime, end: datetime) -> np.ndarray:
    """For each UTC hour of `day`, the share of that hour inside [start, end)."""
    d0 = datetime(day.year, day.month, day.day, tzinfo=timezone.utc)
    out = np.empty(24)
    for h in range(24):
        a, b = d0 + timedelta(hours=h), d0 + timedelta(hours=h + 1)
        out[h] = max(0.0, (min(b, end) - max(a, start)).total_seconds()) / 3600.0
    out.setflags(write=False)  # cached: shared between callers
    return out


def overlap_share(day: date, start: datetime, end: datetime, profile: np.ndarray | None = None) -> float:
    """Share of a UTC day's traffic inside [start, end): by the hour-of-day profile, else by hours."""
    p = UNIFORM if profile is None else profile
    return float(np.dot(_hour_overlap(day, start, end), p))


@dataclass(frozen=True)
class BudgetStatus:
    budget: Budget
    window_start: datetime
    window_end: datetime
    spent: float  # in the window up to now (USD billed or tokens metered)
    expected: float  # mean simulated total by the end of the window
    lo80: float
    hi80: float
    probability_hit: float  # of reaching the cap before the reset
    hit_at: datetime | None  # UTC: when it was hit, or the median hit instant among simulated paths that hit
    hit_p10: datetime | None = None  # earliest plausible hit (10th percentile of hitting paths)

    @property
    def already_hit(self) -> bool:
        return self.spent >= self.budget.cap

    # Names the dashboard used before token caps existed (USD budgets only).
    spent_usd = property(lambda self: self.spent)
    forecast_usd = property(lambda self: self.expected)
    forecast_lo80 = property(lambda self: self.lo80)
    forecast_hi80 = property(lambda self: self.hi80)

    def hit_in(self, tz: str) -> str | None:
        return self.hit_at.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:00 %Z") if self.hit_at else None


def _crossing(day: date, before: float, value: float, cap: float, start: datetime, end: datetime, profile: np.ndarray) -> datetime:
    """The hour in which spend passes the cap, spreading the day's in-window value over its hours."""
    weights = _hour_overlap(day, start, end) * profile
    cum = before + value * np.cumsum(weights) / max(weights.sum(), 1e-12)
    h = int(np.searchsorted(cum, cap - 1e-9 * max(cap, 1.0)))
    return datetime(day.year, day.month, day.day, tzinfo=timezone.utc) + timedelta(hours=min(h, 23))


def _paths_from_bands(yhat: np.ndarray, lo80: np.ndarray, hi80: np.ndarray, seed: int) -> np.ndarray:
    """Lognormal paths from 80% bands, for callers without the forecast's error model."""
    rng = np.random.default_rng(seed)
    sigma = np.maximum(1e-9, (np.log(np.maximum(hi80, 1e-9)) - np.log(np.maximum(lo80, 1e-9))) / (2 * 1.2816))
    shock = np.sqrt(0.5) * rng.standard_normal((SIMULATIONS, 1)) + np.sqrt(0.5) * rng.standard_normal((SIMULATIONS, len(yhat)))
    return np.asarray(yhat)[None, :] * np.exp(shock * sigma - sigma**2 / 2)


def status(budget: Budget, actual_days: list[date], actual: np.ndarray, fc_days: list[date], yhat: np.ndarray,
           lo80: np.ndarray, hi80: np.ndarray, now: datetime, seed: int = 0, paths: np.ndarray | None = None,
           hour_profile: np.ndarray | None = None) -> BudgetStatus:
    """Spend so far in the window containing `now`, and the simulated rest of it.

    `paths` are (n, len(fc_days)) simulated daily values (Forecast.simulate); without them,
    paths are drawn from the 80% bands. `hour_profile` is the UTC hour-of-day share of traffic.
    """
    profile = UNIFORM if hour_profile is None else np.asarray(hour_profile, dtype=float) / np.sum(hour_profile)
    start, end = window(now, budget.reset_timezone)
    cap = budget.cap
    shares = [overlap_share(d, start, end, profile) for d in actual_days]
    spent, hit_at = 0.0, None
    for d, v, s in zip(actual_days, np.asarray(actual, dtype=float), shares):
        if s > 0 and datetime(d.year, d.month, d.day, tzinfo=timezone.utc) < now:
            if hit_at is None and spent + v * s >= cap:
                hit_at = _crossing(d, spent, v * s, cap, start, end, profile)
            spent += v * s
    idx = [i for i, d in enumerate(fc_days) if overlap_share(d, start, end) > 0]
    sims = paths if paths is not None else _paths_from_bands(np.asarray(yhat), np.asarray(lo80), np.asarray(hi80), seed)
    day_share = np.array([overlap_share(fc_days[i], start, end, profile) for i in idx])
    values = sims[:, idx] * day_share[None, :] if idx else np.zeros((sims.shape[0], 0))
    cum = spent + np.cumsum(values, axis=1) if idx else np.full((sims.shape[0], 1), spent)
    total = cum[:, -1]
    if hit_at is not None:
        return BudgetStatus(budget, start, end, spent, float(total.mean()), float(np.percentile(total, 10)),
                            float(np.percentile(total, 90)), 1.0, hit_at, hit_at)
    hits = cum >= cap
    hit_any = hits.any(axis=1)
    instants: list[datetime] = []
    first = np.argmax(hits, axis=1)
    for p in np.flatnonzero(hit_any):
        j = int(first[p])
        before = spent if j == 0 else float(cum[p, j - 1])
        instants.append(_crossing(fc_days[idx[j]], before, float(values[p, j]), cap, start, end, profile))
    instants.sort()
    median = instants[len(instants) // 2] if instants else None
    p10 = instants[len(instants) // 10] if instants else None
    return BudgetStatus(budget, start, end, spent, float(total.mean()), float(np.percentile(total, 10)),
                        float(np.percentile(total, 90)), float(hit_any.mean()), median, p10)


def status_from_history(budget: Budget, days: list[date], y: np.ndarray, now: datetime, spec: CalendarSpec | None = None,
                        hour_profile: np.ndarray | None = None, seed: int = 0) -> BudgetStatus:
    """The status of `budget` at `now` from its daily history (`days`, `y`, cut at the last day begun by `now`).

    Forecasts to the end of the window and simulates paths from the forecast's error model.
    """
    _, end = window(now, budget.reset_timezone)
    horizon = max(1, (end.date() - days[-1]).days + 1)
    fc = forecast(days, y, horizon, spec)
    return status(budget, days, y, fc.days, fc.yhat, fc.lo80, fc.hi80, now, seed=seed,
                  paths=fc.simulate(SIMULATIONS, seed), hour_profile=hour_profile)
