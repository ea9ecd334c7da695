"""Calendar regressors: weekday, yearly Fourier terms and traffic-weighted holiday effects.

Holiday terms are few and chosen for AI traffic: for each country the traffic comes from,
its public holidays, the days either side, the year-end weeks and (Japan) Golden Week,
each weighted by that country's share of traffic. Fewer, pooled terms fit stably on two
years of data where one dummy per holiday would overfit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import holidays
import numpy as np

DEFAULT_COUNTRIES = {"US": 0.6, "DE": 0.3, "JP": 0.1}
YEARLY_PERIOD = 365.25


@dataclass(frozen=True)
class CalendarSpec:
    countries: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_COUNTRIES))
    fourier_order: int = 4
    yearly: bool = True


def _year_end(country: str, d: date) -> bool:
    if country == "JP":
        return (d.month == 12 and d.day >= 29) or (d.month == 1 and d.day <= 3)
    return (d.month == 12 and d.day >= 24) or (d.month == 1 and d.day == 1)


def _golden_week(d: date) -> bool:
    return (d.month == 4 and d.day >= 29) or (d.month == 5 and d.day <= 5)


def holiday_terms(days: list[date], countries: dict[str, float]) -> dict[str, np.ndarray]:
    """Traffic-weighted holiday, shoulder, year-end and Golden Week indicators per day."""
    total = sum(countries.values()) or 1.0
    years = range(min(days).year - 1, max(days).year + 2)
    out = {k: np.zeros(len(days)) for k in ("holiday", "shoulder", "year_end", "golden_week")}
    for country, share in countries.items():
        w = share / total
        cal = holidays.country_holidays(country, years=years)
        for i, d in enumerate(days):
            if d in cal:
                out["holiday"][i] += w
            elif (d - timedelta(days=1)) in cal or (d + timedelta(days=1)) in cal:
                out["shoulder"][i] += w
            if _year_end(country, d):
                out["year_end"][i] += w
            if country == "JP" and _golden_week(d):
                out["golden_week"][i] += w
    return out


def holiday_names(days: list[date], countries: dict[str, float]) -> dict[date, str]:
    years = range(min(days).year, max(days).year + 1)
    names: dict[date, str] = {}
    for country in countries:
        cal = holidays.country_holidays(country, years=years)
        for d in days:
            if d in cal:
                names.setdefault(d, f"{cal.get(d)} ({country})")
    return names


def design(days: list[date], origin: date, spec: CalendarSpec) -> tuple[np.ndarray, list[str]]:
    """The regression matrix for `days` (trend measured from `origin`) and its column names."""
    n = len(days)
    t = np.array([(d - origin).days for d in days], dtype=float)
    cols = [np.ones(n), t / 365.0]
    names = ["intercept", "trend"]
    dow = np.array([d.weekday() for d in days])
    for k in range(1, 7):
        cols.append((dow == k).astype(float))
        names.append(f"dow{k}")
    if spec.yearly:
        doy = np.array([d.timetuple().tm_yday for d in days], dtype=float)
        for k in range(1, spec.fourier_order + 1):
            cols += [np.sin(2 * np.pi * k * doy / YEARLY_PERIOD), np.cos(2 * np.pi * k * doy / YEARLY_PERIOD)]
            names += [f"sin{k}", f"cos{k}"]
    for name, values in holiday_terms(days, spec.countries).items():
        if values.any():
            cols.append(values)
            names.append(name)
    return np.column_stack(cols), names

