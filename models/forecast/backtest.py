"""Rolling-origin backtest of our model against the baselines a planner would otherwise use.

Baselines: the trailing 28-day mean carried forward, and the seasonal naive (same weekday
last week). Metrics: MASE (scaled by the in-sample seasonal-naive MAE, m = 7), sMAPE, the
empirical coverage of the 80% and 95% daily intervals, and the coverage of the 80%
interval of each origin's horizon total (from simulated paths). Other forecasters (the
SARIMAX reference in bench/) plug in through the same `Forecaster` signature.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import Any

import numpy as np

from finops.models.forecast.calendar import CalendarSpec
from finops.models.forecast.defaults import HORIZON, ORIGINS, STEP
from finops.models.forecast.model import FAMILY, forecast
from finops.models.forecast.seasons import SEASONS, season_of

Forecaster = Callable[[list[date], np.ndarray, int, CalendarSpec], Any]  # returns an object with .yhat (and bands)


@dataclass
class Score:
    model: str
    mase: float
    smape: float
    coverage80: float | None
    coverage95: float | None
    origins: int
    seconds_per_fit: float = 0.0
    total_coverage80: float | None = None  # share of origins whose horizon total fell in its 80% interval
    by_season: list[SeasonCoverage] = field(default_factory=list)  # for a forecaster with intervals


@dataclass
class SeasonCoverage:
    """The 80% and 95% coverage over the scored days of one season (seasons.py); None without days.

    `origins`: how many origins' horizons reached the season. Days of one horizon miss together
    (a level error lasts), so 36 year-end days from 2 origins are about 2 draws, not 36: on wiki_r
    the anchors' 26-origin protocol reads its year-end 80% coverage anywhere from 58% to 97% by
    where its origins fall (p10-p90; bench.forecast_anchors, dense check)."""

    season: str
    days: int
    coverage80: float | None
    coverage95: float | None
    origins: int = 0
    # The 90% interval of each coverage when the origins are resampled (`origin_interval`): how far
    # another draw of as many origins could read. None without days.
    coverage80_low: float | None = None
    coverage80_high: float | None = None
    coverage95_low: float | None = None
    coverage95_high: float | None = None

    def row(self) -> dict[str, object]:
        """The season's figures as `finops forecast backtest --by-season` and the report's method section
        print them, in their column order (the intervals last: a narrow terminal leaves them out first)."""
        return {"season": self.season, "days": self.days, "origins": self.origins, "coverage80": self.coverage80,
                "coverage95": self.coverage95, "coverage80_low": self.coverage80_low,
                "coverage80_high": self.coverage80_high, "coverage95_low": self.coverage95_low,
                "coverage95_high": self.coverage95_high}


RESAMPLES = 2000


def origin_interval(inside: np.ndarray, origin: np.ndarray, draws: int = RESAMPLES, seed: int = 0
                    ) -> tuple[float, float] | None:
    """The 5th and 95th percentiles of a coverage when whole origins are resampled with replacement
    (a cluster bootstrap); None without days.

    One origin's days share its level error and miss together, so they are one draw, not many: a
    day-level interval would promise a precision the origins do not give (on wiki_r, 26 origins
    put the 95% coverage's interval at 88.6-95.6%, bench.forecast_anchors)."""
    inside, origin = np.asarray(inside, dtype=float), np.asarray(origin)
    if not inside.size:
        return None
    ids, at = np.unique(origin, return_inverse=True)
    days = np.bincount(at).astype(float)
    covered = np.bincount(at, weights=inside)
    pick = np.random.default_rng(seed).integers(0, len(ids), size=(draws, len(ids)))
    share = covered[pick].sum(axis=1) / days[pick].sum(axis=1)
    low, high = np.quantile(share, [0.05, 0.95])
    return float(low), float(high)


@dataclass
class _Naive:
    yhat: np.ndarray


def trailing_mean(days: list[date], y: np.ndarray, horizon: int, spec: CalendarSpec) -> _Naive:
    """The planner's run rate: the mean of the last 28 days, carried forward."""
    return _Naive(np.full(horizon, float(np.mean(y[-28:]))))


def seasonal_naive(days: list[date], y: np.ndarray, horizon: int, spec: CalendarSpec) -> _Naive:
    """Same weekday last week."""
    return _Naive(np.array([y[-7 + (i % 7)] for i in range(horizon)], dtype=float))


BASELINES: dict[str, Forecaster] = {"trailing_28d_mean": trailing_mean, "seasonal_naive_7": seasonal_naive}
MEMBER_PREFIX = "member: "


def member_forecasters() -> dict[str, Forecaster]:
    """Each member of the model's family on its own, to show what the per-series choice gains."""
    return {f"{MEMBER_PREFIX}{m}": partial(forecast, family=(m,)) for m in FAMILY}


def mase_scale(y: np.ndarray) -> float:
    """In-sample MAE of the seasonal naive (m = 7): the MASE denominator."""
    return float(np.mean(np.abs(y[7:] - y[:-7]))) if len(y) > 7 else float("nan")


def smape(actual: np.ndarray, pred: np.ndarray) -> np.ndarray:
    denom = (np.abs(actual) + np.abs(pred)) / 2
    return np.where(denom > 0, np.abs(actual - pred) / np.where(denom > 0, denom, 1), 0.0)


def backtest(days: list[date], y: list[float] | np.ndarray, horizon: int = HORIZON, origins: int = ORIGINS, step: int = STEP,
             spec: CalendarSpec | None = None, forecasters: dict[str, Forecaster] | None = None,
             min_train: int = 120) -> list[Score]:
    """Scores of each forecaster over `origins` rolling cut-offs, the latest ending at the last day.

    Default forecasters: our model ("model") and the two baselines.
    """
    spec = spec or CalendarSpec()
    y = np.asarray(y, dtype=float)
    fcs = forecasters or {"model": lambda d, v, h, s: forecast(d, v, h, s), **BASELINES}
    errs: dict[str, list[float]] = {k: [] for k in fcs}
    smapes: dict[str, list[float]] = {k: [] for k in fcs}
    in80: dict[str, list[bool]] = {k: [] for k in fcs}
    in95: dict[str, list[bool]] = {k: [] for k in fcs}
    total80: dict[str, list[bool]] = {k: [] for k in fcs}
    seconds: dict[str, float] = {k: 0.0 for k in fcs}
    season = season_of(list(days), spec)
    scored: list[str] = []  # the season of each scored day, in the order in80/in95 hold them
    origin_of: list[int] = []  # the origin of each scored day
    used = 0
    for k in range(origins):
        cut = len(y) - horizon - k * step
        if cut < min_train:
            break
        used += 1
        train, actual = y[:cut], y[cut: cut + horizon]
        scored += list(season[cut: cut + horizon])
        origin_of += [k] * horizon
        scale = mase_scale(train) or 1.0
        for name, fn in fcs.items():
            t0 = time.perf_counter()
            p = fn(days[:cut], train, horizon, spec)
            seconds[name] += time.perf_counter() - t0
            errs[name] += list(np.abs(actual - p.yhat) / scale)
            smapes[name] += list(smape(actual, p.yhat))
            if getattr(p, "lo80", None) is not None:
                in80[name] += list((actual >= p.lo80) & (actual <= p.hi80))
                in95[name] += list((actual >= p.lo95) & (actual <= p.hi95))
            if hasattr(p, "simulate"):
                sums = p.simulate(1000, seed=k).sum(axis=1)
                lo, hi = np.percentile(sums, [10, 90])
                total80[name].append(bool(lo <= actual.sum() <= hi))
    share = lambda v: float(np.mean(v)) if v else None  # noqa: E731
    kinds, origin = np.array(scored, dtype=object), np.array(origin_of)

    def by_season(name: str) -> list[SeasonCoverage]:
        if not in80[name] or len(in80[name]) != len(kinds):  # no bands, or not at every origin
            return []
        a80, a95 = np.array(in80[name]), np.array(in95[name])
        out = []
        for s in SEASONS:
            at = kinds == s
            i80, i95 = origin_interval(a80[at], origin[at]), origin_interval(a95[at], origin[at])
            out.append(SeasonCoverage(s, int(at.sum()), share(list(a80[at])), share(list(a95[at])), len(set(origin[at])),
                                      *(i80 or (None, None)), *(i95 or (None, None))))
        return out

    return [Score(name, float(np.mean(errs[name])) if errs[name] else float("nan"),
                  float(np.mean(smapes[name])) * 100 if smapes[name] else float("nan"),
                  share(in80[name]), share(in95[name]), used, seconds[name] / max(used, 1), share(total80[name]),
                  by_season(name))
            for name in fcs]
