"""Monthly budgets and quotas that reset in their own timezone: status, exhaustion, probability.

A budget window is the calendar month in the reset timezone: from local midnight on the
1st to local midnight on the next 1st, converted to UTC, so the month is 743 hours long
when daylight saving time starts in it and 745 when it ends. Spend arrives in UTC-day
buckets; a bucket counts toward a window in proportion to the hours they share.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import numpy as np

from finops.config import ConfigFile
from finops.errors import ConfigError

SIMULATIONS = 2000


@dataclass(frozen=True)
class Budget:
    name: str
    monthly_usd: float
    reset_timezone: str = "UTC"
    provider: str | None = None
    project: str | None = None


def load_budgets(config: ConfigFile) -> list[Budget]:
    raw = config.data.get("budgets", [])
    if not isinstance(raw, list):
        config.fail("budgets", "must be an array of tables ([[budgets]])")
    out = []
    for i, b in enumerate(raw):
        key = f"budgets[{i}]"
        if not isinstance(b, dict):
            config.fail("budgets", f"entry {i} must be a table")
        unknown = set(b) - {"name", "monthly_usd", "reset_timezone", "provider", "project"}
        if unknown:
            config.fail(f"budgets.{sorted(unknown)[0]}", f"unknown key in {key}")
        if not isinstance(b.get("name"), str):
            config.fail("budgets.name", f"{key} needs a name")
        cap = b.get("monthly_usd")
        if not isinstance(cap, (int, float)) or cap <= 0:
            config.fail("budgets.monthly_usd", f"{key} needs a positive monthly_usd")
        tz = b.get("reset_timezone", "UTC")
        try:
            ZoneInfo(tz)
        except Exception:
            config.fail("budgets.reset_timezone", f"{key}: unknown timezone {tz!r}")
        out.append(Budget(b["name"], float(cap), tz, b.get("provider"), b.get("project")))
    return out


def window(month_of: datetime, tz: str) -> tuple[datetime, datetime]:
    """The budget month containing `month_of`, as UTC instants [start, end)."""
    zone = ZoneInfo(tz)
    local = month_of.astimezone(zone)
    start = datetime(local.year, local.month, 1, tzinfo=zone)
    end = datetime(local.year + (local.month == 12), local.month % 12 + 1, 1, tzinfo=zone)
    return start.astimezone(timezone.utc), end.astimezone(timezone.utc)


def overlap_share(day: date, start: datetime, end: datetime) -> float:
    """Share of a UTC day's 24 hours inside [start, end)."""
    d0 = datetime(day.year, day.month, day.day, tzinfo=timezone.utc)
    d1 = d0 + timedelta(days=1)
    seconds = (min(d1, end) - max(d0, start)).total_seconds()
    return max(0.0, seconds) / 86400.0


@dataclass(frozen=True)
class BudgetStatus:
    budget: Budget
    window_start: datetime
    window_end: datetime
    spent_usd: float
    forecast_usd: float  # expected spend by the end of the window
    forecast_lo80: float
    forecast_hi80: float
    probability_hit: float
    hit_at: datetime | None  # median exhaustion instant (UTC) among paths that hit

    def hit_in(self, tz: str) -> str | None:
        return self.hit_at.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:00 %Z") if self.hit_at else None


def status(budget: Budget, actual_days: list[date], actual: np.ndarray, fc_days: list[date], yhat: np.ndarray,
           lo80: np.ndarray, hi80: np.ndarray, now: datetime, seed: int = 0) -> BudgetStatus:
    """Spend so far in the current window, and the simulated path of the rest of it."""
    start, end = window(now, budget.reset_timezone)
    spent = float(sum(v * overlap_share(d, start, end) for d, v in zip(actual_days, actual)))
    rest = [(d, m, lo, hi) for d, m, lo, hi in zip(fc_days, yhat, lo80, hi80) if overlap_share(d, start, end) > 0]
    rng = np.random.default_rng(seed)
    shock = rng.standard_normal(SIMULATIONS)
    total = np.full(SIMULATIONS, spent)
    hits: list[datetime] = []
    hit_mask = np.zeros(SIMULATIONS, dtype=bool)
    for d, m, lo, hi in rest:
        # The 80% band gives a log-scale sigma; one shock per path keeps days correlated, as spend is.
        sigma = max(1e-9, (np.log(max(hi, 1e-9)) - np.log(max(lo, 1e-9))) / (2 * 1.2816))
        day_value = m * np.exp(shock * sigma - sigma**2 / 2) * overlap_share(d, start, end)
        before = total.copy()
        total = total + day_value
        crossed = (~hit_mask) & (total >= budget.monthly_usd) & (before < budget.monthly_usd)
        for i in np.flatnonzero(crossed):
            frac = (budget.monthly_usd - before[i]) / max(day_value[i], 1e-12)
            d0 = max(datetime(d.year, d.month, d.day, tzinfo=timezone.utc), start)
            hits.append(d0 + timedelta(hours=int(frac * 24 * overlap_share(d, start, end))))
        hit_mask |= crossed
    already = spent >= budget.monthly_usd
    prob = 1.0 if already else float(hit_mask.mean())
    hit_at = None
    if hits and not already:
        hits.sort()
        hit_at = hits[len(hits) // 2]
    return BudgetStatus(budget, start, end, spent, float(np.mean(total)), float(np.percentile(total, 10)),
                        float(np.percentile(total, 90)), prob, hit_at)
