"""Calendar regressors: weekday, yearly Fourier terms, holidays (pooled and one by one), known events.

Holidays come from the countries the traffic comes from, each weighted by its share of
traffic. Two layers: six pooled terms (a public holiday, the days in a holiday's window,
the year-end weeks, Japan's Golden Week, and a holiday or a year-end day that falls on a
weekend, whose effect is not the weekend's plus the holiday's) that every holiday shares, and one term per named
holiday and day of its window ("Thanksgiving Day+1"), penalised harder so that it is a
deviation from the pooled effect: a holiday seen once or twice stays near the pooled
effect, one seen every year for years gets its own. Known events (models/forecast/events.py)
get one term for their days and one for their window, each name shared by its occurrences.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

import numpy as np

from finops.models.forecast.events import Event
from finops.models.forecast.regions import country_calendar, region

DEFAULT_COUNTRIES = {"US": 0.6, "DE": 0.3, "JP": 0.1}
YEARLY_PERIOD = 365.25
HOLIDAY_COLUMNS = ("holiday", "shoulder", "year_end", "golden_week", "holiday_weekend", "year_end_weekend")
DEFAULT_WINDOW = (1, 1)  # days before and after a holiday that it moves
# Holidays whose effect reaches further than a day either side. Keys match the start of the
# holiday's name (the `holidays` package names them in English for every country).
# - The days after Thanksgiving are Black Friday and a long weekend.
# - The last days before Christmas are travel and the first days off: on 31 series 23 Dec came
#   in 16% below the forecast (94% of the series below), 22 Dec 9%, with a day either side.
#   Three days before: 8% and 3% (bench.forecast_panel: MASE 0.9972x, 16 of 31 better).
BUILTIN_WINDOWS = {"Thanksgiving": (1, 3), "Christmas Day": (3, 1)}
RIDGE = 1.0  # penalty on ordinary terms
# Per-holiday deviations from the pooled terms and event effects are shrunk as a prior with
# this standard deviation (log scale) would: their penalty is (residual SD / prior SD)^2, so a
# noisy series keeps a rare holiday near the pooled effect and a clean one lets it speak.
HOLIDAY_PRIOR_SD = 0.15
EVENT_PRIOR_SD = 0.5
HOLIDAY_SHRINK = 2.0  # first-pass penalty on per-holiday deviations, before the residual SD is known
EVENT_RIDGE = 0.5
PER_HOLIDAY_PREFIX = "h:"
EVENT_PREFIX = "e:"


@dataclass(frozen=True)
class CalendarSpec:
    countries: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_COUNTRIES))
    fourier_order: int = 4
    yearly: bool = True
    events: tuple[Event, ...] = ()
    holiday_windows: tuple[tuple[str, int, int], ...] = ()  # (name prefix, before, after), over the built-ins
    per_holiday: bool = True

    def key(self) -> tuple:
        return (tuple(sorted(self.countries.items())), self.fourier_order, self.yearly, self.events,
                self.holiday_windows, self.per_holiday)

    def window(self, name: str) -> tuple[int, int]:
        for prefix, before, after in self.holiday_windows:
            if name.startswith(prefix):
                return before, after
        for prefix, win in BUILTIN_WINDOWS.items():
            if name.startswith(prefix):
                return win
        return DEFAULT_WINDOW


@lru_cache(maxsize=64)
def _calendar(country: str, first_year: int, last_year: int) -> dict[date, str]:
    """The public holidays of a country or "country-subdivision" over the years (cached: building
    them costs milliseconds)."""
    return country_calendar(country, range(first_year, last_year + 1))


def _clean(name: str) -> str:
    # An observed day off is the holiday itself for traffic: "Independence Day (observed)".
    return name.replace(" (observed)", "").strip()


@lru_cache(maxsize=64)
def _named(country: str, first_year: int, last_year: int) -> dict[str, tuple[int, ...]]:
    """Holiday name -> ordinals of its days (a day with two holidays counts for both)."""
    out: dict[str, list[int]] = {}
    for d, names in _calendar(country, first_year, last_year).items():
        for name in names.split("; "):
            out.setdefault(_clean(name), []).append(d.toordinal())
    return {k: tuple(sorted(v)) for k, v in out.items()}


def _ordinals(days: list[date]) -> np.ndarray:
    return np.fromiter((d.toordinal() for d in days), dtype=np.int64, count=len(days))


def _year_end(country: str, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    if region(country)[0] == "JP":
        return ((month == 12) & (day >= 29)) | ((month == 1) & (day <= 3))
    return ((month == 12) & (day >= 24)) | ((month == 1) & (day == 1))


def holiday_terms(days: list[date], countries: dict[str, float], spec: CalendarSpec | None = None) -> dict[str, np.ndarray]:
    """Traffic-weighted pooled terms (holiday, window days, year-end, Golden Week, their weekend days) per day."""
    spec = spec or CalendarSpec(countries)
    pooled, _ = _holiday_columns(days, countries, spec, per_holiday=False)
    return pooled


def _holiday_columns(days: list[date], countries: dict[str, float], spec: CalendarSpec,
                     per_holiday: bool) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    total = sum(countries.values()) or 1.0
    ords = _ordinals(days)
    month = np.fromiter((d.month for d in days), dtype=np.int64, count=len(days))
    dom = np.fromiter((d.day for d in days), dtype=np.int64, count=len(days))
    weekend = (ords - 1) % 7 >= 5
    pooled = {k: np.zeros(len(days)) for k in HOLIDAY_COLUMNS}
    single: dict[str, np.ndarray] = {}
    for country, share in countries.items():
        w = share / total
        if w <= 0:
            continue
        named = _named(country, min(days).year - 1, max(days).year + 1)
        is_hol = np.zeros(len(days), dtype=bool)
        near = np.zeros(len(days), dtype=bool)
        for name, hol_days in named.items():
            before, after = spec.window(name)
            hol = np.asarray(hol_days, dtype=np.int64)
            for off in range(-before, after + 1):
                hit = np.isin(ords - off, hol)
                if not hit.any():
                    continue
                if off == 0:
                    is_hol |= hit
                else:
                    near |= hit
                if per_holiday:
                    key = f"{PER_HOLIDAY_PREFIX}{country}:{name}{off:+d}"
                    single[key] = single.get(key, 0.0) + w * hit
        pooled["holiday"] += w * is_hol
        pooled["shoulder"] += w * (near & ~is_hol)
        ye = _year_end(country, month, dom)
        pooled["year_end"] += w * ye
        # A holiday on a Sunday takes less off than the Sunday already did: the log effects do
        # not add up (power_de, Christmas 2016 on a weekend: the actual came in a third above the forecast).
        pooled["holiday_weekend"] += w * (is_hol & weekend)
        pooled["year_end_weekend"] += w * (ye & weekend & ~is_hol)
        if region(country)[0] == "JP":
            pooled["golden_week"] += w * (((month == 4) & (dom >= 29)) | ((month == 5) & (dom <= 5)))
    return pooled, single


def event_terms(days: list[date], events: tuple[Event, ...]) -> dict[str, np.ndarray]:
    """Per event name: an indicator of its days and one of its window days."""
    out: dict[str, np.ndarray] = {}
    for e in events:
        core, win = e.core_days(), e.window_days()
        out[f"{EVENT_PREFIX}{e.name}"] = np.fromiter((d in core for d in days), dtype=float, count=len(days))
        if win:
            out[f"{EVENT_PREFIX}{e.name}:window"] = np.fromiter((d in win for d in days), dtype=float, count=len(days))
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


def is_holiday_column(name: str) -> bool:
    return name in HOLIDAY_COLUMNS or name.startswith(PER_HOLIDAY_PREFIX)


def yearly_harmonic(name: str) -> int:
    """k of a yearly Fourier column ("sin{k}", "cos{k}" of `design`); 0 for any other column."""
    return int(name[3:]) if name[:3] in ("sin", "cos") and name[3:].isdigit() else 0


def is_special_column(name: str) -> bool:
    """Holiday and event terms: days they touch are not ordinary days."""
    return is_holiday_column(name) or name.startswith(EVENT_PREFIX)


def special_days(x: np.ndarray, names: list[str]) -> np.ndarray:
    """Per row of a design, whether a holiday or event term touches it (the holiday, its window, an event)."""
    special = np.array([is_special_column(c) for c in names])
    return (x[:, special] != 0).any(axis=1) if special.any() else np.zeros(len(x), dtype=bool)


def design(days: list[date], origin: date, spec: CalendarSpec, fourier_order: int | None = None
           ) -> tuple[np.ndarray, list[str]]:
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
        for k in range(1, (fourier_order or spec.fourier_order) + 1):
            cols += [np.sin(2 * np.pi * k * doy / YEARLY_PERIOD), np.cos(2 * np.pi * k * doy / YEARLY_PERIOD)]
            names += [f"sin{k}", f"cos{k}"]
    pooled, single = _holiday_columns(days, spec.countries, spec, spec.per_holiday)
    for group in (pooled, single, event_terms(days, spec.events)):
        for name, values in group.items():
            cols.append(np.asarray(values, dtype=float))
            names.append(name)
    return np.column_stack(cols), names


def penalties(names: list[str]) -> np.ndarray:
    """Ridge penalty per column: none on the intercept, more on per-holiday deviations, less on events."""
    out = np.full(len(names), RIDGE)
    for i, name in enumerate(names):
        if name == "intercept":
            out[i] = 0.0
        elif name.startswith(PER_HOLIDAY_PREFIX):
            out[i] = HOLIDAY_SHRINK
        elif name.startswith(EVENT_PREFIX):
            out[i] = EVENT_RIDGE
    return out


def prior_sds(names: list[str]) -> np.ndarray:
    """Prior SD per column for the residual-scaled penalty; NaN where the fixed penalty stays."""
    out = np.full(len(names), np.nan)
    for i, name in enumerate(names):
        if name.startswith(PER_HOLIDAY_PREFIX):
            out[i] = HOLIDAY_PRIOR_SD
        elif name.startswith(EVENT_PREFIX):
            out[i] = EVENT_PRIOR_SD
    return out


def future_days(last: date, horizon: int) -> list[date]:
    return [last + timedelta(days=i) for i in range(1, horizon + 1)]
