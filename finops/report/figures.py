"""The monthly report's core figures: month-to-date actuals, month-end and next-month forecasts,
and how last month's forecast did. Pure reads of the store as of the report's last data day.

As-of rule: a report for month M uses only data up to min(last data day, last day of M), so a
report for a past month is the report as it would have been printed when that month closed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import cast

import numpy as np
import polars as pl

from finops.context import Context
from finops.errors import InputError
from finops.metrics.figure import Figure
from finops.models.money import money_total
from finops.store import Store
from finops.models.forecast.backtest import Score
from finops.models.forecast.calendar import CalendarSpec
from finops.models.forecast.model import forecast
from finops.models.forecast.monthly import month_total
from finops.models.forecast.series import month_days
from finops.services.forecast import daily_series


@dataclass(frozen=True)
class Interval:
    expected: float
    lo80: float
    hi80: float
    lo95: float
    hi95: float

    def contains(self, value: float, level: int = 80) -> bool:
        lo, hi = (self.lo80, self.hi80) if level == 80 else (self.lo95, self.hi95)
        return lo <= value <= hi


@dataclass
class Period:
    month: str
    first: date
    last: date  # last calendar day of the month
    as_of: date  # last UTC day of data used
    prev_month: str
    next_month: str

    @property
    def complete(self) -> bool:
        return self.as_of >= self.last

    @property
    def mtd_days(self) -> int:
        return (min(self.as_of, self.last) - self.first).days + 1


@dataclass
class Core:
    period: Period
    mtd_total: float
    mtd_tokens: float
    by_provider: pl.DataFrame  # provider, mtd, prev_same_days, month_end (+ interval), next_month (+ interval)
    month_end: Interval
    next_month: Interval
    chart: pl.DataFrame  # day, kind (actual|forecast), value, lo80, hi80: total dollars
    history: pl.DataFrame  # month, kind (actual|forecast), value, lo80, hi80: monthly totals
    methods: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    mtd: Figure | None = None  # finops.metrics month to date, inference (the figure mtd_total is the value of)
    month_end_figure: Figure | None = None  # finops.metrics month-end forecast (the figure month_end is)


def _shift_month(month: str, k: int) -> str:
    y, m = map(int, month.split("-"))
    idx = y * 12 + (m - 1) + k
    return f"{idx // 12:04d}-{idx % 12 + 1:02d}"


def period_for(store: Store, month: str | None) -> Period:
    """The report period: `month` (default: the month of the last billed day) cut at the data."""
    billed = daily_series(store, "dollars", "total")
    if billed.height == 0:
        raise InputError("report: the store has no billed inference cost lines (run `finops sample load` or `finops sync`)")
    last_day = cast(date, billed["day"].max())
    if month is None:
        month = f"{last_day.year:04d}-{last_day.month:02d}"
    try:
        days = month_days(month)
    except ValueError:
        raise InputError(f"--month: {month!r} is not YYYY-MM") from None
    first, last = days[0], days[-1]
    if first > last_day:
        raise InputError(f"--month: {month} starts after the last billed day in the store ({last_day})")
    return Period(month, first, last, min(last_day, last), _shift_month(month, -1), _shift_month(month, 1))


def _interval(values: dict) -> Interval:
    return Interval(values["expected"], values["lo80"], values["hi80"], values["lo95"], values["hi95"])


def _sum(frame: pl.DataFrame, first: date, last: date) -> float:
    return money_total(frame.filter(pl.col("day").is_between(first, last))["value"])


def _forecast_months(days: list[date], y: np.ndarray, period: Period, spec: CalendarSpec):  # type: ignore[no-untyped-def]
    """Forecast to the end of next month from data through as_of: (this month, next month, Forecast)."""
    next_last = month_days(period.next_month)[-1]
    fc = forecast(days, y, (next_last - period.as_of).days, spec)
    paths = fc.simulate(2000, 0)
    this = month_total(fc, days, y, period.month, paths=paths)
    nxt = month_total(fc, days, y, period.next_month, paths=paths)
    return _interval(this), _interval(nxt), fc


def core_figures(ctx: Context, period: Period) -> Core:
    """Month-to-date, month-end and next-month figures, total and per provider, plus chart data.

    Month to date and the month-end forecast are finops.metrics figures (the dashboard and
    `finops figures` show the same); next month and the per-provider rows are report-only.
    """
    from finops.metrics.forecast import month_end_forecast
    from finops.metrics.month import month_to_date
    from finops.metrics.spend import SCOPE_INFERENCE

    store, spec = ctx.store, ctx.calendar
    total = daily_series(store, "dollars", "total", until=period.as_of)
    days, y = total["day"].to_list(), total["value"].to_numpy()
    month_end, next_month, fc = _forecast_months(days, y, period, spec)
    mtd = month_to_date(ctx, SCOPE_INFERENCE, end=period.as_of)
    me = month_end_forecast(ctx, until=period.as_of)
    if me is not None and me.figure.lo80 is not None and not period.complete:
        month_end = Interval(me.figure.value or 0.0, me.figure.lo80, me.figure.hi80 or 0.0,
                             me.lo95 if me.lo95 is not None else month_end.lo95, me.hi95 if me.hi95 is not None else month_end.hi95)
    tokens = daily_series(store, "tokens", "total", until=period.as_of)
    prev_days = month_days(period.prev_month)
    prev_last_same = prev_days[min(period.mtd_days, len(prev_days)) - 1]

    rows = []
    providers = daily_series(store, "dollars", "provider", until=period.as_of)
    for name in sorted(providers["series"].unique().to_list()):
        s = providers.filter(pl.col("series") == name).sort("day")
        p_this, p_next, _ = _forecast_months(s["day"].to_list(), s["value"].to_numpy(), period, spec)
        rows.append({"provider": name, "mtd": _sum(s, period.first, period.as_of),
                     "prev_same_days": _sum(s, prev_days[0], prev_last_same),
                     "month_end": p_this.expected, "month_end_lo80": p_this.lo80, "month_end_hi80": p_this.hi80,
                     "next_month": p_next.expected, "next_month_lo80": p_next.lo80, "next_month_hi80": p_next.hi80})
    chart = pl.concat([
        total.filter(pl.col("day") > period.as_of - timedelta(days=90)).select(
            "day", pl.lit("actual").alias("kind"), "value", pl.lit(None, pl.Float64).alias("lo80"), pl.lit(None, pl.Float64).alias("hi80")),
        pl.DataFrame({"day": fc.days, "kind": "forecast", "value": fc.yhat, "lo80": fc.lo80, "hi80": fc.hi80}),
    ])
    return Core(period, mtd.value or 0.0, _sum(tokens, period.first, period.as_of),
                pl.DataFrame(rows), month_end, next_month, chart, _history(total, period, month_end, next_month),
                {"total": fc.method, "total_choice": _choice(fc.choice)}, list(fc.notes), mtd, me.figure if me is not None else None)


def method_backtest(store: Store, period: Period, spec: CalendarSpec) -> list[Score]:
    """The total dollar series' backtest through the as-of day: the model and the planner's baselines
    at the default origins (models/forecast/defaults.py), as `finops forecast backtest` scores them."""
    from finops.models.forecast.backtest import backtest

    total = daily_series(store, "dollars", "total", until=period.as_of)
    return backtest(total["day"].to_list(), total["value"].to_numpy(), spec=spec) if total.height else []


def _choice(scores: dict[str, float]) -> str:
    """The family's rolling-origin scores, best first: how the forecast's model was chosen."""
    ranked = sorted(scores.items(), key=lambda kv: kv[1])
    return "; ".join(f"{name} {score:.3f}" for name, score in ranked)


def _history(total: pl.DataFrame, period: Period, month_end: Interval, next_month: Interval) -> pl.DataFrame:
    """Six closed months of actuals, then this month and next as forecasts (this one as actual when closed)."""
    rows: list[tuple[str, str, float, float | None, float | None]] = []
    for k in range(-6, 0):
        m = _shift_month(period.month, k)
        d = month_days(m)
        if d[0] >= cast(date, total["day"].min()):
            rows.append((m, "actual", _sum(total, d[0], d[-1]), None, None))
    if period.complete:
        rows.append((period.month, "actual", month_end.expected, None, None))
    else:
        rows.append((period.month, "forecast", month_end.expected, month_end.lo80, month_end.hi80))
    rows.append((period.next_month, "forecast", next_month.expected, next_month.lo80, next_month.hi80))
    return pl.DataFrame(rows, schema={"month": pl.String, "kind": pl.String, "value": pl.Float64, "lo80": pl.Float64,
                                      "hi80": pl.Float64}, orient="row")


@dataclass
class Accuracy:
    month: str  # the month that was forecast (the report's previous month)
    data_through: date  # the forecast used data up to here (the day before that month began)
    by_series: pl.DataFrame  # series, forecast, lo80, hi80, lo95, hi95, actual, error_pct, inside80, inside95, baseline, baseline_error_pct


def last_month_accuracy(store: Store, period: Period, spec: CalendarSpec) -> Accuracy | None:
    """The forecast of last month made when it began, against what it turned out to be.

    None when last month is not fully inside the data or there is too little history before it.
    """
    days_prev = month_days(period.prev_month)
    cut = days_prev[0] - timedelta(days=1)
    rows = []
    for by in ("total", "provider"):
        data = daily_series(store, "dollars", by, until=days_prev[-1])
        for name in sorted(data["series"].unique().to_list()) if data.height else []:
            s = data.filter(pl.col("series") == name).sort("day")
            hist = s.filter(pl.col("day") <= cut)
            if hist.height < 28 or cast(date, s["day"].max()) < days_prev[-1]:
                continue
            h_days, h_y = hist["day"].to_list(), hist["value"].to_numpy()
            fc = forecast(h_days, h_y, len(days_prev), spec)
            iv = _interval(month_total(fc, [], np.array([]), period.prev_month))
            actual = _sum(s, days_prev[0], days_prev[-1])
            baseline = float(np.mean(h_y[-28:])) * len(days_prev)
            pct = lambda f: (f - actual) / actual * 100 if actual else float("nan")  # noqa: E731
            rows.append({"series": name, "forecast": iv.expected, "lo80": iv.lo80, "hi80": iv.hi80, "lo95": iv.lo95,
                         "hi95": iv.hi95, "actual": actual, "error_pct": pct(iv.expected),
                         "inside80": iv.contains(actual, 80), "inside95": iv.contains(actual, 95),
                         "baseline": baseline, "baseline_error_pct": pct(baseline)})
    if not rows:
        return None
    return Accuracy(period.prev_month, cut, pl.DataFrame(rows))
