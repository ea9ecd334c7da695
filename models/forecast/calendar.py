"""Calendar regressors: weekday, yearly Fourier terms and traffic-weighted holiday effects.

Holiday terms are few and chosen for AI traffic: for each country the traffic comes from,
its public holidays, the days either side, the year-end weeks and (Japan) Golden Week,
each weighted by that country's share of traffic. Fewer, pooled terms fit stably on two
years of data where one dummy per holiday would overfit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

import holidays
import numpy as np

DEFAULT_COUNTRIES = {"US": 0.6, "DE": 0.3, "JP": 0.1}
YEARLY_PERIOD = 365.25
HOLIDAY_COLUMNS = ("holiday", "shoulder", "year_end", "golden_week")


@dataclass(frozen=True)
class CalendarSpec:
    countries: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_COUNTRIES))
    fourier_order: int = 4
    yearly: bool = True

    def key(self) -> tuple:
        return (tuple(sorted(self.countries.items())), self.fourier_order, self.yearly)


@lru_cache(maxsize=64)
def _calendar(country: str, first_year: int, last_year: int) -> dict[date, str]:
    """The country's public holidays over the years (cached: building them costs milliseconds)."""
    return dict(holidays.country_holidays(country, years=range(first_year, last_year + 1)).items())


def _ordinals(days: list[date]) -> np.ndarray:
    return np.fromiter((d.toordinal() for d in days), dtype=np.int64, count=len(days))


def _year_end(country: str, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    if country == "JP":
        return ((month == 12) & (day >= 29)) | ((month == 1) & (day <= 3))
    return ((month == 12) & (day >= 24)) | ((month == 1) & (day == 1))


def holiday_terms(days: list[date], countries: dict[str, float]) -> dict[str, np.ndarray]:
    """Traffic-weighted holiday, shoulder, year-end and Golden Week indicators per day."""
    total = sum(countries.values()) or 1.0
    ords = _ordinals(days)
    month = np.fromiter((d.month for d in days), dtype=np.int64, count=len(days))
    dom = np.fromiter((d.day for d in days), dtype=np.int64, count=len(days))
    out = {k: np.zeros(len(days)) for k in HOLIDAY_COLUMNS}
    for country, share in countries.items():
        w = share / total
        cal = _calendar(country, min(days).year - 1, max(days).year + 1)
        hol = np.fromiter((d.toordinal() for d in cal), dtype=np.int64, count=len(cal))
        is_hol = np.isin(ords, hol)
        near = (np.isin(ords - 1, hol) | np.isin(ords + 1, hol)) & ~is_hol
        out["holiday"] += w * is_hol
        out["shoulder"] += w * near
        out["year_end"] += w * _year_end(country, month, dom)
        if country == "JP":
            out["golden_week"] += w * (((month == 4) & (dom >= 29)) | ((month == 5) & (dom <= 5)))
    return out


def holiday_names(days: list[date], countries: dict[str, float]) -> dict[date, str]:
    """Name of the holiday (first country listed) on each holiday in `days`."""
    names: dict[date, str] = {}
    for country in countries:
        cal = _calendar(country, min(days).year, max(days).year)
        for d in days:
            if d in cal:
                names.setdefault(d, f"{cal[d]} ({country})")
    return names


def design(days: list[date], origin: date, spec: CalendarSpec) -> tuple[np.ndarray, list[str]]:
    """The regression matrix for `days` (trend measured from `origin`) and its column names."""
    n = len(days)
    ords = _ordinals(days)
    t = (ords - origin.toordinal()).astype(float)
    cols = [np.ones(n), t / 365.0]
    names = ["intercept", "trend"]
    dow = (ords - 1) % 7  # date.fromordinal(1) is a Monday: 0 = Monday, as date.weekday()
    for k in range(1, 7):
        cols.append((dow == k).astype(float))
        names.append(f"dow{k}")
    if spec.yearly:
        doy = np.fromiter((d.timetuple().tm_yday for d in days), dtype=float, count=n)
        for k in range(1, spec.fourier_order + 1):
            cols += [np.sin(2 * np.pi * k * doy / YEARLY_PERIOD), np.cos(2 * np.pi * k * doy / YEARLY_PERIOD)]
            names += [f"sin{k}", f"cos{k}"]
    for name, values in holiday_terms(days, spec.countries).items():
        cols.append(values)
        names.append(name)
    return np.column_stack(cols), names


def future_days(last: date, horizon: int) -> list[date]:
    return [last + timedelta(days=i) for i in range(1, horizon + 1)]
