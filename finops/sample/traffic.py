"""Daily request volume for the sample: growth, weekly rhythm and national holidays.

Holiday effects come from the `holidays` package for each country the traffic comes
from, weighted by that country's share of a feature's traffic, with softer days either
side and the year-end and Golden Week periods.
"""

from __future__ import annotations

from datetime import date, timedelta

import holidays
import numpy as np

from finops.sample.spec import COUNTRIES, Feature

WEEKDAY_FACTOR = np.array([1.0, 1.03, 1.04, 1.02, 0.95, 0.46, 0.40])  # Mon..Sun
HOLIDAY_FACTOR = 0.35
SHOULDER_FACTOR = 0.80  # the day before and after a holiday
YEAR_END_FACTOR = 0.55  # Dec 24 - Jan 1 (West), Dec 29 - Jan 3 (JP)
MONTHLY_GROWTH = 0.03


def country_factors(days: list[date]) -> dict[str, np.ndarray]:
    """Per country, the multiplier on its traffic for each day (1.0 = a normal day)."""
    years = sorted({d.year for d in days} | {days[0].year - 1, days[-1].year + 1})
    out: dict[str, np.ndarray] = {}
    for country in COUNTRIES:
        cal = holidays.country_holidays(country, years=years)
        f = np.ones(len(days))
        for i, d in enumerate(days):
            if d in cal:
                f[i] = HOLIDAY_FACTOR
            elif (d - timedelta(days=1)) in cal or (d + timedelta(days=1)) in cal:
                f[i] = SHOULDER_FACTOR
            if _year_end(country, d):
                f[i] = min(f[i], YEAR_END_FACTOR)
        out[country] = f
    return out


def _year_end(country: str, d: date) -> bool:
    if country == "JP":
        return (d.month == 12 and d.day >= 29) or (d.month == 1 and d.day <= 3)
    return (d.month == 12 and d.day >= 24) or (d.month == 1 and d.day == 1)


def daily_weights(feature: Feature, days: list[date], factors: dict[str, np.ndarray], rng: np.random.Generator) -> np.ndarray:
    """Relative expected requests per day for one feature (before scaling to a total)."""
    t = np.arange(len(days), dtype=float)
    growth = (1 + MONTHLY_GROWTH) ** (t / 30.44)
    weekly = WEEKDAY_FACTOR[[d.weekday() for d in days]]
    holiday = sum(share * factors[c] for c, share in feature.countries.items())
    noise = rng.lognormal(0.0, 0.06, len(days))
    return growth * weekly * holiday * noise
