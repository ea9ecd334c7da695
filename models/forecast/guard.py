"""The holiday-trough guard: does the window a baseline extrapolates from hold holidays?

A planner who takes "the last 28 days x 1.0" as next quarter's run rate after Christmas
under-forecasts badly. The guard names the holidays in the window and says by how much
the window understates demand, using the model's holiday effects to rebuild the window
without them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from finops.models.forecast.calendar import HOLIDAY_COLUMNS, CalendarSpec, holiday_names, holiday_terms
from finops.models.forecast.model import holiday_free

MIN_UNDERSTATEMENT_PCT = 1.0


@dataclass(frozen=True)
class TroughWarning:
    window_start: date
    window_end: date
    holidays: list[str]
    understatement_pct: float  # how far the window's mean sits below its holiday-free level
    window_mean: float  # what a trailing-mean baseline would carry forward, per day
    holiday_free_mean: float  # the same window with the holiday effects taken out, per day

    def message(self, unit: str = "") -> str:
        names = ", ".join(self.holidays[:4]) + (" ..." if len(self.holidays) > 4 else "")
        days = (self.window_end - self.window_start).days + 1
        per_30 = (self.holiday_free_mean - self.window_mean) * 30
        size = f" ({unit}{per_30:,.2f} per 30 days)" if unit else ""
        return (f"the last {days} days ({self.window_start} to {self.window_end}) include holidays ({names}); "
                f"a trailing average understates demand by {self.understatement_pct:.1f}%{size}")


def trough_guard(days: list[date], y: np.ndarray | list[float], window: int = 28, spec: CalendarSpec | None = None) -> TroughWarning | None:
    """A warning when the last `window` days hold holiday effects worth at least 1% of demand, else None."""
    spec = spec or CalendarSpec()
    y = np.asarray(y, dtype=float)
    recent = days[-window:]
    weights = holiday_terms(recent, spec.countries)
    if not any(weights[k].any() for k in HOLIDAY_COLUMNS):
        return None
    actual = y[-window:]
    if not (actual > 0).any():
        return None  # no demand at all in the window: the series stopped, no holiday explains that
    free = holiday_free(days, y, spec, window)
    if free.mean() <= 0:
        return None
    under = (free.mean() - actual.mean()) / free.mean() * 100
    if under < MIN_UNDERSTATEMENT_PCT:
        return None
    names = sorted(set(holiday_names(recent, spec.countries).values()))
    return TroughWarning(recent[0], recent[-1], names or ["year-end / Golden Week period"], float(under),
                         float(actual.mean()), float(free.mean()))
