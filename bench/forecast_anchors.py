"""Our forecaster against public anchors (Prophet, a SARIMAX reference) on public daily series.

Run by hand, one core, niced: `nice -n 19 python -m bench.forecast_anchors [--models ours,prophet,sarimax]
[--series births_us,power_de,wiki_r] [--origins 26] [--cache DIR]`.

Protocol (issue 20): 26 rolling origins 28 days apart, the last one 28 days before the end of
the series; horizon 28 days; every model sees the same training window (at most `--max-train`
days before the origin, default 4 years); MASE = mean absolute error over the in-sample MAE
of the seasonal naive (m = 7) of that window, averaged over origins; 80% and 95% coverage of
the daily intervals, overall and by season (year-end weeks 20 Dec - 7 Jan, and the rest);
seconds per fit (wall, and CPU for the fits run now), numerical libraries held to one thread
(threadpoolctl).

How firm each coverage is: a table gives its 90% interval with the origins resampled (one origin's 28
days share a level error: 26 origins are 26 draws, not 728), the days outside the 95% band and how many
of them the two worst origins hold. A cell outside the target with the target inside its interval may
be this placement's luck; one with the target outside it is not.

The rolling protocol reaches the year-end weeks in only 2 of its 26 windows per series (about
36 days), so its year-end coverage moves 3 points per day covered. A second check places one
origin per year with data through 14 Dec (forecasts 15 Dec - 11 Jan, the whole season 6-24 days
ahead), every year with at least `--year-end-history` days (default 730) behind it: 12 years of
births_us, 9 of power_de, 5 of wiki_r. Both figures are printed; neither replaces the other.

The series (bench/data/SOURCES.md has their origin and licence):

- births_us: daily US births 2000-2014 (Social Security Administration via FiveThirtyEight);
  strong weekday effect, holidays (US) pull births down by a quarter or more.
- power_de: daily electricity consumption in Germany 2006-2017 (Open Power System Data);
  weekday, yearly and holiday (DE) effects, deep Christmas weeks.
- wiki_r: daily Wikipedia page views of "R (programming language)" 2008-2015 (Prophet's
  example data, given as log views; here exp() back to views); weekday and year-end troughs;
  holidays US. A few missing days are filled by interpolation for fitting and not scored.
- wiki_peyton (held out, not in the default run: `--series wiki_peyton`): daily Wikipedia page
  views of "Peyton Manning" 2007-12-10 to 2016-01-20 (Prophet's other example, log views, here
  views); weekly and NFL-season effects, playoff and Super Bowl spikes; holidays US. Added
  after the model's changes of 2026-12-06 and scored; one later change (the model-choice
  variance whole on holiday days) was prompted by what it showed, so it is only half held out.
- visitors (held out; the file is not in the repository, see bench/data/SOURCES.md): daily
  unique visitors of a statistical forecasting course site 2014-09 to 2020-08; academic-year
  and weekday effects, US holidays, the 2020 lockdown. Scored once, after every change.
- bikes (held out; not in the repository either): daily bicycle counts on Seattle's Fremont
  Bridge 2012-10 to 2025-12; weekday, weather, year-end and US holiday effects, the 2020
  lockdown. Scored once, after every change.

Since 2026-12-07 wiki_peyton, visitors and bikes are among the eleven `dev` series of
bench.forecast_panel, on which that day's changes were judged: none of the six is held out any
more. Held out then: bench/panel's `final` five and `final2` six (docs/forecast.md, "A panel of
twenty-two series").

Anchors:
- prophet: Prophet 1.5 defaults + `add_country_holidays(country)`. Optional: skipped with a
  line saying so when `prophet` is not installed (`pip install prophet`).
- sarimax: SARIMAX(1,0,1)(0,1,1,7) on log(y) with 10 yearly Fourier pairs and one dummy per
  named holiday of the country (the day itself), intervals from its state-space variance.

Anchor forecasts are slow (Prophet seconds, SARIMAX tens of seconds per fit): with `--cache DIR`
each (series, model, origin) forecast is kept as JSON and a later run reuses it, saying so.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import numpy as np

DATA = Path(__file__).resolve().parent / "data"
HORIZON = 28
STEP = 28
TARGETS = {80: (0.77, 0.83), 95: (0.93, 0.97)}  # the coverage targets, 80% and 95% bands
TWIN_DRAWS = 20000
YE_LAST_DAY = (12, 14)  # the year-end origins' last day of data (forecasts from 15 Dec to 11 Jan)


@dataclass
class Series:
    name: str
    country: str
    days: list[date]
    y: np.ndarray
    observed: np.ndarray  # False where a missing day was filled (not scored)


@dataclass
class Band:
    yhat: np.ndarray
    lo80: np.ndarray
    hi80: np.ndarray
    lo95: np.ndarray
    hi95: np.ndarray
    method: str = ""


def _fill(days: list[date], values: list[float]) -> tuple[list[date], np.ndarray, np.ndarray]:
    known = dict(zip(days, values))
    full = [days[0] + timedelta(days=i) for i in range((days[-1] - days[0]).days + 1)]
    y = np.array([known.get(d, np.nan) for d in full])
    obs = ~np.isnan(y)
    idx = np.arange(len(y))
    y[~obs] = np.interp(idx[~obs], idx[obs], y[obs])
    return full, y, obs


def load(name: str) -> Series:
    if name == "births_us":
        rows = list(csv.DictReader(open(DATA / "US_births_2000-2014_SSA.csv")))
        days = [date(int(r["year"]), int(r["month"]), int(r["date_of_month"])) for r in rows]
        d, y, obs = _fill(days, [float(r["births"]) for r in rows])
        return Series(name, "US", d, y, obs)
    if name == "power_de":
        rows = [r for r in csv.DictReader(open(DATA / "opsd_germany_daily.csv")) if r["Consumption"]]
        days = [date(int(r["Date"].split("/")[2]), int(r["Date"].split("/")[0]), int(r["Date"].split("/")[1])) for r in rows]
        d, y, obs = _fill(days, [float(r["Consumption"]) for r in rows])
        return Series(name, "DE", d, y, obs)
    if name == "visitors":
        path = DATA / VISITORS_FILE
        if not path.exists():
            raise SystemExit(f"visitors: {path} is not in the repository (its licence is unstated); copy it from "
                             "Aishwaryastat/PySpark, daily-website-visitors.csv, commit a0d6a1c (bench/data/SOURCES.md)")
        rows = list(csv.DictReader(open(path)))
        first = date(2014, 9, 14)  # row 1; the file's Date column mixes M/D/YYYY and MM-DD-YYYY, the row is unambiguous
        days = [first + timedelta(days=int(r["Row"]) - 1) for r in rows]
        bad = [r["Row"] for r, d in zip(rows, days) if d != _us_date(r["Date"])]
        if bad:
            raise SystemExit(f"visitors: rows {bad[:5]} disagree with their Date column")
        d, y, obs = _fill(days, [float(r["Unique.Visits"].replace(",", "")) for r in rows])
        return Series(name, "US", d, y, obs)
    if name == "bikes":
        path = DATA / BIKES_FILE
        if not path.exists():
            raise SystemExit(f"bikes: {path} is not in the repository (its licence is unstated); copy it from "
                             "suryanshdeep-2sigma/PythonDataScienceHandbook, notebooks/data/FremontBridge.csv, commit "
                             "0f47ce0 (bench/data/SOURCES.md)")
        daily: dict[date, list[float]] = {}
        with open(path) as f:
            reader = csv.reader(f)
            next(reader)
            for row in reader:
                m, d, y = (int(v) for v in row[0].split(" ")[0].split("/"))
                daily.setdefault(date(y, m, d), []).append(float(row[1] or "nan"))
        # A day with a missing or empty hour is filled and not scored, like a missing day.
        whole = {k: sum(v) for k, v in daily.items() if len(v) == 24 and not any(math.isnan(x) for x in v)}
        d, y, obs = _fill(sorted(whole), [whole[k] for k in sorted(whole)])
        return Series(name, "US", d, y, obs)
    if name in PROPHET_EXAMPLES:
        rows = sorted((date.fromisoformat(r["ds"]), math.exp(float(r["y"])))
                      for r in csv.DictReader(open(DATA / PROPHET_EXAMPLES[name])))
        d, y, obs = _fill([r[0] for r in rows], [r[1] for r in rows])
        return Series(name, "US", d, y, obs)
    if name.endswith(".csv") or ".csv:" in name:
        return load_csv(name)
    raise SystemExit(f"unknown series {name!r}: use births_us, power_de, wiki_r, wiki_peyton, visitors, bikes "
                     "or a file PATH.csv[:COUNTRY]")


def load_csv(spec: str) -> Series:
    """`PATH.csv[:COUNTRY]` (default US): a daily series as a CSV with the header `day,value`, ISO days
    ascending, one row per day, values >= 0; a missing day is filled for fitting and not scored.
    Any other shape stops with one line naming the file and row."""
    path_text, country = (spec, "US") if spec.endswith(".csv") else spec.rsplit(":", 1)
    path = Path(path_text)
    if not path.exists():
        raise SystemExit(f"{path}: no such file")
    with open(path, newline="") as f:
        reader = csv.reader(f)
        if next(reader, None) != ["day", "value"]:
            raise SystemExit(f"{path}: the header must be exactly day,value")
        days: list[date] = []
        values: list[float] = []
        for row_no, row in enumerate(reader, start=2):
            try:
                day, value = date.fromisoformat(row[0]), float(row[1])
            except (ValueError, IndexError):
                raise SystemExit(f"{path}, row {row_no}: expected an ISO day and a number, got {row!r}") from None
            if not math.isfinite(value) or value < 0:
                raise SystemExit(f"{path}, row {row_no}: value {row[1]!r} is not a finite number >= 0")
            if days and day <= days[-1]:
                raise SystemExit(f"{path}, row {row_no}: day {day} is not after the row before's {days[-1]}")
            days.append(day)
            values.append(value)
    if len(days) < 2:
        raise SystemExit(f"{path}: fewer than two rows")
    d, y, obs = _fill(days, values)
    return Series(path.stem, country.upper() or "US", d, y, obs)


VISITORS_FILE = "daily-website-visitors.csv"
BIKES_FILE = "FremontBridge.csv"


def _us_date(text: str) -> date:
    m, d, y = (int(v) for v in text.replace("-", "/").split("/"))
    return date(y, m, d)


# Prophet's example page views (log views; here exp() back to views). wiki_peyton came in as a held-out
# series (see the docstring: one change since was prompted by it).
PROPHET_EXAMPLES = {"wiki_r": "example_wp_log_R.csv", "wiki_peyton": "example_wp_log_peyton_manning.csv"}


# ---------------------------------------------------------------------------------------- models


# `--family`: ours with these members only (keys of MEMBERS), to measure what one member adds.
FAMILY: tuple[str, ...] | None = None


def members() -> dict[str, str]:
    from finops.models.forecast import model

    return {"recent": model.RECENT, "long": model.LONG, "drift": model.LONG_DRIFT, "weekdays": model.LONG_WEEKDAYS}


def set_family(keys: str) -> None:
    """Ours with the members named in `keys` (comma-separated keys of `members()`); "" for the whole family."""
    global FAMILY
    if not keys:
        FAMILY = None
        return
    known = members()
    unknown = [k for k in keys.split(",") if k not in known]
    if unknown:
        raise SystemExit(f"--family: unknown member(s) {', '.join(unknown)} (known: {', '.join(known)})")
    FAMILY = tuple(known[k] for k in keys.split(","))


def ours(days: list[date], y: np.ndarray, horizon: int, country: str) -> Band:
    from finops.models.forecast.calendar import CalendarSpec
    from finops.models.forecast.model import FAMILY as WHOLE, forecast

    fc = forecast(days, y, horizon, CalendarSpec(countries={country: 1.0}), family=FAMILY or WHOLE)
    return Band(fc.yhat, fc.lo80, fc.hi80, fc.lo95, fc.hi95, fc.method)


def prophet(days: list[date], y: np.ndarray, horizon: int, country: str) -> Band:
    import logging

    import pandas as pd
    from prophet import Prophet

    logging.getLogger("cmdstanpy").setLevel(logging.ERROR)
    logging.getLogger("prophet").setLevel(logging.ERROR)
    m = Prophet(interval_width=0.80)
    m.add_country_holidays(country_name=country)
    m.fit(pd.DataFrame({"ds": pd.to_datetime(days), "y": y}))
    future = pd.DataFrame({"ds": pd.to_datetime([days[-1] + timedelta(days=i) for i in range(1, horizon + 1)])})
    # One set of posterior samples serves both bands (what Prophet's own interval code does).
    samples = m.predictive_samples(future)["yhat"]
    point = m.predict(future)["yhat"].to_numpy()
    q = np.percentile(samples, [2.5, 10, 90, 97.5], axis=1)
    return Band(point, q[1], q[2], q[0], q[3], "prophet")


def _holiday_dummies(days: list[date], country: str) -> tuple[np.ndarray, list[str]]:
    import holidays

    cal = holidays.country_holidays(country, years=range(days[0].year - 1, days[-1].year + 2))
    names = sorted({n.replace(" (observed)", "") for n in cal.values()})
    out = np.zeros((len(days), len(names)))
    for i, d in enumerate(days):
        if d in cal:
            for part in cal.get_list(d):
                out[i, names.index(part.replace(" (observed)", ""))] = 1.0
    return out, names


def sarimax(days: list[date], y: np.ndarray, horizon: int, country: str) -> Band:
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    alldays = days + [days[-1] + timedelta(days=i) for i in range(1, horizon + 1)]
    doy = np.array([d.timetuple().tm_yday for d in alldays], dtype=float)
    four = np.column_stack([f(2 * np.pi * k * doy / 365.25) for k in range(1, 11) for f in (np.sin, np.cos)])
    hol, _ = _holiday_dummies(alldays, country)
    x = np.column_stack([four, hol])
    seen = x[: len(days)].std(axis=0) > 0  # a holiday absent from the window cannot be estimated
    x = x[:, seen]
    z = np.log(np.clip(y, 1e-9, None))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = SARIMAX(z, exog=x[: len(days)], order=(1, 0, 1), seasonal_order=(0, 1, 1, 7)).fit(disp=False)
        fc = res.get_forecast(horizon, exog=x[len(days):])
    c80, c95 = np.asarray(fc.conf_int(alpha=0.2)), np.asarray(fc.conf_int(alpha=0.05))
    return Band(np.exp(fc.predicted_mean), np.exp(c80[:, 0]), np.exp(c80[:, 1]), np.exp(c95[:, 0]), np.exp(c95[:, 1]),
                "sarimax")


def seasonal_naive(days: list[date], y: np.ndarray, horizon: int, country: str) -> Band:
    p = np.array([y[-7 + (i % 7)] for i in range(horizon)], dtype=float)
    return Band(p, p, p, p, p, "seasonal naive")


MODELS: dict[str, Callable[[list[date], np.ndarray, int, str], Band]] = {
    "ours": ours, "prophet": prophet, "sarimax": sarimax, "snaive": seasonal_naive}
CACHED = {"prophet", "sarimax"}


# ---------------------------------------------------------------------------------------- scoring


@dataclass
class Tally:
    abs_scaled: list[float]
    in80: list[bool]
    in95: list[bool]
    seconds: list[float]
    cached: int = 0
    methods: dict[str, int] | None = None
    cpu: list[float] = field(default_factory=list)  # CPU seconds of the fits run now (not cached ones)
    # the season of each day in in80/in95 (seasons.py: the year-end weeks are the 20 Dec - 7 Jan)
    seasons: list[str] = field(default_factory=list)
    cuts: list[int] = field(default_factory=list)  # the origin (history length) of each day in in80/in95
    at: list[int] = field(default_factory=list)  # the index (into the series) of each day in in80/in95

    def window_spread(self, origins: int, every: int, low: float = 0.1, high: float = 0.9
                      ) -> dict[str, tuple[float, float, float, float]]:
        """Per season, the (low, high) quantiles of its 80% and 95% coverage over every run of `origins`
        consecutive origins taking every `every`-th one: what one placement of the rolling protocol
        could read from the same forecasts, era and luck included."""
        from finops.models.forecast.seasons import SEASONS

        order = sorted(set(self.cuts), reverse=True)
        at = {c: i for i, c in enumerate(order)}
        pos = np.array([at[c] for c in self.cuts])
        kinds = np.array(self.seasons, dtype=object)
        a80, a95 = np.array(self.in80, dtype=bool), np.array(self.in95, dtype=bool)
        out = {}
        for k in SEASONS:
            shares: list[tuple[float, float]] = []
            for start in range(len(order) - (origins - 1) * every):
                pick = np.isin(pos, np.arange(start, start + origins * every, every)) & (kinds == k)
                if pick.any():
                    shares.append((float(a80[pick].mean()), float(a95[pick].mean())))
            if shares:
                v = np.array(shares)
                out[k] = (*np.quantile(v[:, 0], [low, high]), *np.quantile(v[:, 1], [low, high]))
        return out

    def by_season(self) -> list[tuple[str, int, float | None, float | None]]:
        """(season, days, 80% coverage, 95% coverage) for each of the product backtest's seasons."""
        from finops.models.forecast.seasons import SEASONS

        kinds = np.array(self.seasons, dtype=object)
        a80, a95 = np.array(self.in80, dtype=bool), np.array(self.in95, dtype=bool)
        return [(k, int((kinds == k).sum()), float(a80[kinds == k].mean()) if (kinds == k).any() else None,
                 float(a95[kinds == k].mean()) if (kinds == k).any() else None) for k in SEASONS]

    def by_origin(self, draws: int = 2000, seed: int = 0) -> dict[str, tuple[float, float, float, float]]:
        """How firm the 80% and 95% coverage are: their 90% intervals when the origins are resampled
        (a cluster bootstrap: one origin's days share its level error, so they are not independent
        draws). Keys "80" and "95": (low, high) of the resampled coverage, then the days outside the
        band and how many of them the two origins with the most hold."""
        from finops.models.forecast.backtest import origin_interval

        cuts = np.array(self.cuts)
        days, h80, h95 = self.origin_counts()
        out = {}
        for key, flags, hits in (("80", self.in80, h80), ("95", self.in95, h95)):
            if not flags:
                continue
            interval = origin_interval(np.array(flags, dtype=bool), cuts, draws, seed)
            assert interval is not None
            misses = np.sort(days - hits)[::-1]
            out[key] = (*interval, float(misses.sum()), float(misses[:2].sum()))
        return out

    def origin_counts(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per origin: (days scored, days inside the 80% band, inside the 95% band)."""
        inv = np.unique(np.array(self.cuts), return_inverse=True)[1]
        return (np.bincount(inv), np.bincount(inv, weights=np.array(self.in80, dtype=float)),
                np.bincount(inv, weights=np.array(self.in95, dtype=float)))

    def row(self) -> dict[str, float | int | None]:
        from finops.models.forecast.seasons import YEAR_END_WEEKS

        share = lambda v: float(np.mean(v)) if v else None  # noqa: E731
        _, days_ye, cov80_ye, cov95_ye = next(c for c in self.by_season() if c[0] == YEAR_END_WEEKS)
        return {"mase": float(np.mean(self.abs_scaled)), "cov80": share(self.in80), "cov95": share(self.in95),
                "cov80_ye": cov80_ye, "cov95_ye": cov95_ye,
                "s_per_fit": float(np.median(self.seconds)) if self.seconds else None, "cached": self.cached,
                "cpu_median": float(np.median(self.cpu)) if self.cpu else None,
                "cpu_max": float(np.max(self.cpu)) if self.cpu else None,
                "years": len(self.seconds), "days_ye": days_ye}


def inside(v: float | np.ndarray, level: int) -> bool | np.ndarray:
    """Whether a coverage (or each of an array of them) lies in the level's target, edges included."""
    lo, hi = TARGETS[level]
    return (lo <= v) & (v <= hi)


def deviations(n: np.ndarray, hits: np.ndarray) -> np.ndarray:
    """Each block's coverage (hits / n) minus the blocks' pooled coverage, scaled by sqrt(k/(k-1)) for the
    mean it was taken from: how far one block of days strays, to add to a level that is calibrated."""
    rate = hits / n
    return (rate - np.average(rate, weights=n)) * np.sqrt(len(n) / (len(n) - 1))


def calibrated_twin(n: np.ndarray, h80: np.ndarray, h95: np.ndarray, draws: int = TWIN_DRAWS, seed: int = 0
                    ) -> tuple[float, float, float]:
    """How often a forecaster calibrated on average, with this series' own origin-to-origin spread, would put
    its protocol cells inside the targets: (P 80% inside, P 95% inside, P both).

    Each of its origins covers the level plus one of the series' origins' deviations (drawn with
    replacement, the 80% and 95% deviations of one origin together: a level error moves both); the cell
    is the days-weighted mean over the origins. A cell outside the target is then out by more than luck
    only where the twin's probability is high."""
    if len(n) < 2:
        return float("nan"), float("nan"), float("nan")
    dev = np.stack([deviations(n, h80), deviations(n, h95)], axis=1)
    pick = np.random.default_rng(seed).integers(0, len(n), size=(draws, len(n)))
    cell80 = np.clip(0.80 + dev[pick, 0], 0.0, 1.0) @ n / n.sum()
    cell95 = np.clip(0.95 + dev[pick, 1], 0.0, 1.0) @ n / n.sum()
    in80, in95 = inside(cell80, 80), inside(cell95, 95)
    return float(in80.mean()), float(in95.mean()), float((in80 & in95).mean())


def _cache_path(cache: Path | None, series: str, model: str, origin: date, max_train: int) -> Path | None:
    return None if cache is None else cache / f"{series}-{model}-{origin}-{max_train}.json"


def rolling_cuts(s: Series, origins: int) -> list[int]:
    """The protocol's origins (as history lengths): `origins` cut-offs STEP days apart, the last HORIZON days before the end."""
    return [len(s.y) - HORIZON - k * STEP for k in range(origins)]


def year_end_cuts(s: Series, min_history: int) -> list[int]:
    """One origin per year whose horizon holds the whole year-end season: data through YE_LAST_DAY,
    so 20 Dec is 6 days ahead and 7 Jan 24; every year with at least `min_history` days before it.

    Why: the rolling protocol reaches the year-end weeks in only 2 of its 26 windows (about 36
    days per series), so a year-end coverage from it moves several points per day covered. Every
    year's season, from a December origin a planner would forecast from, is a sample worth
    reading (still correlated within a year: each year is one draw of its level error)."""
    index = {d: i for i, d in enumerate(s.days)}
    cuts = []
    for year in range(s.days[0].year, s.days[-1].year + 1):
        last = index.get(date(year, *YE_LAST_DAY))
        if last is None or last + 1 < min_history or last + 1 + HORIZON > len(s.y):
            continue
        cuts.append(last + 1)
    return cuts


_WARM: set[str] = set()


def run_model(s: Series, model: str, cuts: list[int], max_train: int, cache: Path | None) -> Tally:
    from finops.models.forecast.calendar import CalendarSpec
    from finops.models.forecast.seasons import season_of

    t = Tally([], [], [], [], 0, {})
    fn = MODELS[model]
    kinds = season_of(s.days, CalendarSpec(countries={s.country: 1.0}))
    if model == "ours" and model not in _WARM and cuts:
        # One untimed call first: the imports and the thread-pool probe are a process's cost, not a fit's.
        fn(s.days[max(0, cuts[0] - max_train): cuts[0]], s.y[max(0, cuts[0] - max_train): cuts[0]], HORIZON, s.country)
        _WARM.add(model)
    for cut in cuts:
        lo = max(0, cut - max_train)
        days, train = s.days[lo:cut], s.y[lo:cut]
        actual, obs = s.y[cut: cut + HORIZON], s.observed[cut: cut + HORIZON]
        path = _cache_path(cache, s.name, model, s.days[cut], max_train) if model in CACHED else None
        if path is not None and path.exists():
            saved = json.loads(path.read_text())
            band = Band(*(np.array(saved[c]) for c in ("yhat", "lo80", "hi80", "lo95", "hi95")), saved["method"])
            t.cached += 1
            t.seconds.append(saved["seconds"])
        else:
            t0, c0 = time.perf_counter(), time.process_time()
            band = fn(days, train, HORIZON, s.country)
            sec = time.perf_counter() - t0
            t.seconds.append(sec)
            t.cpu.append(time.process_time() - c0)
            if path is not None:
                path.write_text(json.dumps({c: getattr(band, c).tolist() for c in ("yhat", "lo80", "hi80", "lo95", "hi95")}
                                           | {"method": band.method, "seconds": sec}))
        t.methods[band.method] = t.methods.get(band.method, 0) + 1  # type: ignore[index]
        scale = float(np.mean(np.abs(train[7:] - train[:-7])))
        t.abs_scaled += list(np.abs(actual - band.yhat)[obs] / scale)
        if model != "snaive":
            i80 = (actual >= band.lo80) & (actual <= band.hi80)
            i95 = (actual >= band.lo95) & (actual <= band.hi95)
            t.in80 += list(i80[obs])
            t.in95 += list(i95[obs])
            t.seasons += list(kinds[cut: cut + HORIZON][obs])
            t.cuts += [cut] * int(obs.sum())
            t.at += list(cut + np.flatnonzero(obs))
    return t


def dense_cuts(s: Series, step: int, min_history: int) -> list[int]:
    """Origins every `step` days back from the protocol's last one, each with at least `min_history`
    days behind it: the calibration check with hundreds of days in every season."""
    return [c for c in range(len(s.y) - HORIZON, min_history - 1, -step)]


def _fmt(v: float | None, pct: bool = False) -> str:
    if v is None:
        return "-"
    return f"{v:.0%}" if pct else f"{v:.3f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--series", default="births_us,power_de,wiki_r")
    ap.add_argument("--models", default="ours,prophet,sarimax,snaive")
    ap.add_argument("--origins", type=int, default=26)
    ap.add_argument("--max-train", type=int, default=4 * 365 + 1, help="days of history each fit sees, at most")
    ap.add_argument("--cache", type=Path, default=None, help="keep/reuse the anchors' forecasts here")
    ap.add_argument("--family", default="", help="ours with these members only: recent,long,drift,weekdays (default all)")
    ap.add_argument("--year-end-history", type=int, default=730,
                    help="the year-end check: one origin per year with at least this many days behind it (0: skip)")
    ap.add_argument("--dense-step", type=int, default=14,
                    help="the calibration check: ours on origins this many days apart, each with >= 730 days "
                         "of history (0: skip; the anchors are too slow for it)")
    args = ap.parse_args()
    set_family(args.family)
    # One core for every model: BLAS/OpenMP pools held to one thread (Prophet's Stan fit is one process).
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    if args.cache:
        args.cache.mkdir(parents=True, exist_ok=True)
    models = [m for m in args.models.split(",") if m]
    if "prophet" in models:
        try:
            import prophet  # noqa: F401
        except ImportError:
            print("prophet: not installed (pip install prophet), its column is skipped")
            models.remove("prophet")
    print(f"{args.origins} origins x {STEP} days apart, horizon {HORIZON}, training window <= {args.max_train} days, one thread")
    names = [n for n in args.series.split(",") if n]
    results = _run("rolling", names, models, lambda s: rolling_cuts(s, args.origins), args)
    print("\n| series | model | MASE | 80% cov | 95% cov | 80% cov year-end | 95% cov year-end | s per fit | CPU s per fit (median, max) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for (name, model), r in results.items():
        print(f"| {name} | {model} | {_fmt(r['mase'])} | {_fmt(r['cov80'], True)} | {_fmt(r['cov95'], True)} | "
              f"{_fmt(r['cov80_ye'], True)} | {_fmt(r['cov95_ye'], True)} | {r['s_per_fit'] or 0:.3f} | {_cpu(r)} |")
    for name in names:
        if (name, "ours") in results:
            o = results[(name, "ours")]["mase"]
            for ref, factor in (("prophet", 0.9), ("sarimax", 1.0)):
                if (name, ref) in results:
                    target = factor * results[(name, ref)]["mase"]
                    print(f"{name}: ours {o:.3f} vs {factor:g} x {ref} {target:.3f}: {'met' if o <= target else 'NOT met'}")
    _season_table(results)
    _firmness_table(results)
    if args.year_end_history > 0:
        _year_end(names, models, args)
    if args.dense_step > 0 and "ours" in models:
        _dense(names, args)


def _dense(names: list[str], args: argparse.Namespace) -> None:
    """The calibration check: coverage by season over origins every `--dense-step` days (hundreds of
    days per season where the protocol has 35-52), and how far one placement of the 26-origin protocol
    could read from it: the 10th-90th percentile over every run of 26 origins 28 days apart."""
    every = max(1, STEP // args.dense_step)
    print(f"\nDense origins: every {args.dense_step} days, each with >= 730 days of history, ours only")
    print("\n| series | season | days | 80% cov | 95% cov | protocol's 80% (p10-p90) | protocol's 95% (p10-p90) |")
    print("|---|---|---|---|---|---|---|")
    for name in names:
        s = load(name)
        t = run_model(s, "ours", dense_cuts(s, args.dense_step, 730), args.max_train, None)
        spread = t.window_spread(args.origins, every)
        for season, days, c80, c95 in t.by_season():
            lo80, hi80, lo95, hi95 = spread.get(season, (math.nan,) * 4)
            print(f"| {name} | {season} | {days} | {c80:.1%} | {c95:.1%} | {lo80:.1%}-{hi80:.1%} | {lo95:.1%}-{hi95:.1%} |"
                  if days else f"| {name} | {season} | 0 | - | - | - | - |", flush=True)


def _year_end(names: list[str], models: list[str], args: argparse.Namespace) -> None:
    print(f"\nYear-end origins: one per year, data through {YE_LAST_DAY[1]} Dec, forecasts {YE_LAST_DAY[1] + 1} Dec - "
          f"{YE_LAST_DAY[1] + HORIZON - 31} Jan, every year with >= {args.year_end_history} days of history")
    ye = _run("year-end", names, models, lambda s: year_end_cuts(s, args.year_end_history), args)
    print("\n| series | model | years | year-end days | MASE (whole horizon) | 80% cov year-end | 95% cov year-end |")
    print("|---|---|---|---|---|---|---|")
    for (name, model), r in ye.items():
        print(f"| {name} | {model} | {r['years']} | {r['days_ye']} | {_fmt(r['mase'])} | {_fmt(r['cov80_ye'], True)} | "
              f"{_fmt(r['cov95_ye'], True)} |")
    _season_table(ye)


def _season_table(results: dict[tuple[str, str], dict]) -> None:
    """Coverage per season, as `finops forecast backtest --by-season` splits it, with the days behind each share."""
    print("\n| series | model | season | days | 80% cov | 95% cov |")
    print("|---|---|---|---|---|---|")
    for (name, model), r in results.items():
        for season, days, c80, c95 in r.get("by_season", []):
            # one decimal: the targets' edges (77-83%, 93-97%) are read to it
            pct = lambda v: "-" if v is None else f"{v:.1%}"  # noqa: E731
            print(f"| {name} | {model} | {season} | {days} | {pct(c80)} | {pct(c95)} |")


def _firmness_table(results: dict[tuple[str, str], dict]) -> None:
    """Each coverage with its 90% interval over resampled origins, and how many of its misses the two worst
    origins hold: whether a cell outside 77-83% / 93-97% is out by more than 26 origins' luck allows."""
    print("\n| series | model | 80% cov (90% interval, origins resampled) | 95% cov (90% interval) | "
          "days outside the 95% band | of them, from the 2 worst origins | a calibrated twin inside: 80% / 95% |")
    print("|---|---|---|---|---|---|---|")
    # per model, per series: (its cells inside the targets, the twin's expected count, the twin's P(both))
    cells: dict[str, list[tuple[int, float, float]]] = {}
    for (name, model), r in results.items():
        firm = r.get("by_origin") or {}
        if "95" not in firm:
            continue
        lo80, hi80, _, _ = firm["80"]
        lo95, hi95, miss, worst = firm["95"]
        p80, p95, both = r["twin"]
        cells.setdefault(model, []).append((int(inside(r["cov80"], 80)) + int(inside(r["cov95"], 95)), p80 + p95, both))
        # one decimal, as the season table: the targets' edges are read to it
        print(f"| {name} | {model} | {r['cov80']:.1%} ({lo80:.1%}-{hi80:.1%}) | {r['cov95']:.1%} "
              f"({lo95:.1%}-{hi95:.1%}) | {miss:.0f} | {worst:.0f} | {p80:.0%} / {p95:.0%} |")
    for model, per_series in cells.items():
        observed, expected = sum(c[0] for c in per_series), sum(c[1] for c in per_series)
        print(f"{model}: {observed} of {2 * len(per_series)} cells inside the targets; a calibrated twin would have "
              f"{expected:.1f}, and all {2 * len(per_series)} with probability {math.prod(c[2] for c in per_series):.2f}")


def _cpu(r: dict) -> str:
    return "-" if r["cpu_median"] is None else f"{r['cpu_median']:.2f}, {r['cpu_max']:.2f}"


def _run(label: str, names: list[str], models: list[str], cuts: Callable[[Series], list[int]],
         args: argparse.Namespace) -> dict[tuple[str, str], dict]:
    results: dict[tuple[str, str], dict] = {}
    for name in names:
        s = load(name)
        for model in models:
            t = run_model(s, model, cuts(s), args.max_train, args.cache)
            results[(name, model)] = r = t.row()
            r["by_season"] = t.by_season() if model != "snaive" else []  # (snaive has no bands)
            r["by_origin"] = t.by_origin() if model != "snaive" else {}
            r["twin"] = calibrated_twin(*t.origin_counts()) if model != "snaive" else None
            methods = ", ".join(f"{k} x{v}" for k, v in sorted((t.methods or {}).items(), key=lambda kv: -kv[1]))
            print(f"  {label:8s} {name:10s} {model:8s} MASE {_fmt(r['mase'])}  cov80 {_fmt(r['cov80'], True):>4s} "
                  f"cov95 {_fmt(r['cov95'], True):>4s}  year-end cov80 {_fmt(r['cov80_ye'], True):>4s} "
                  f"cov95 {_fmt(r['cov95_ye'], True):>4s} ({r['days_ye']} days)"
                  f"  {r['s_per_fit'] or 0:7.3f} s/fit (median wall), CPU {_cpu(r)}"
                  f"{f'  [{t.cached} from cache]' if t.cached else ''}  {methods}", flush=True)
    return results

if __name__ == "__main__":
    main()
