"""The seasons a forecast's interval coverage is checked by: the year-end weeks, the days a
holiday or event touches, and the ordinary rest.

A band calibrated on the whole year can be right on average and wrong where the planner was
burned: over Christmas, on a holiday weekend, around a launch. The backtest reports coverage
per season, with the number of days behind each share, so a season the origins barely reach
(a few year-end days) is read as the small sample it is. The year-end weeks are also the days
the model bands with the holiday days' errors (model.BAND_SEASON).
"""

from __future__ import annotations

from datetime import date

import numpy as np

from finops.models.forecast.calendar import CalendarSpec, design, special_days

YEAR_END = ((12, 20), (1, 7))  # 20 Dec - 7 Jan: the weeks whose trough misled the trailing window
ORDINARY = "ordinary days"
SPECIAL = "holidays and events"
YEAR_END_WEEKS = "year-end weeks"
SEASONS = (ORDINARY, SPECIAL, YEAR_END_WEEKS)


def in_year_end(days: list[date], window: tuple[tuple[int, int], tuple[int, int]] = YEAR_END) -> np.ndarray:
    """Per day, whether it falls in `window` ((month, day) from, (month, day) to, across New Year)."""
    (m1, d1), (m2, d2) = window
    return np.fromiter(((d.month == m1 and d.day >= d1) or (d.month == m2 and d.day <= d2) for d in days),
                       dtype=bool, count=len(days))


def season_of(days: list[date], spec: CalendarSpec) -> np.ndarray:
    """Per day, its season: the year-end weeks first, then any day a holiday or event term of
    `spec` touches (the holiday itself and its window), else ordinary."""
    if not days:
        return np.array([], dtype=object)
    touched = special_days(*design(days, days[0], spec))
    return np.where(in_year_end(days), YEAR_END_WEEKS, np.where(touched, SPECIAL, ORDINARY)).astype(object)
