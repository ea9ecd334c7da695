"""The month-end forecast of inference spend, with its 80% interval: one definition for every surface.

Month-end forecast = billed inference dollars of the as-of day's UTC month so far plus the
mean of SIMULATIONS simulated paths of the rest of the month (seed SEED), fitted on the
inference series through the as-of day (models.forecast). The interval is the 10th and
90th percentiles of the same path totals. Paths are drawn day by day, so the month's total
does not depend on how far past the month a caller forecast (`finops forecast --horizon`,
the report's next month): the dashboard, the report and the CLI print the same number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

import polars as pl

from finops.metrics.figure import Figure
from finops.metrics.spend import SCOPE_INFERENCE, inference_daily
from finops.models.money import money_total

if TYPE_CHECKING:
    from finops.context import Context

SIMULATIONS = 2000
SEED = 0


@dataclass(frozen=True)
class MonthEnd:
    figure: Figure
    lo95: float | None = None
    hi95: float | None = None
    method: str = ""


def _month_end_of(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def month_end_forecast(ctx: "Context", lines: pl.LazyFrame | None = None, until: date | None = None) -> MonthEnd | None:
    """The month-end forecast of the month of `until` (default ctx.as_of); None with no inference spend."""
    from finops.models.forecast.model import forecast
    from finops.models.forecast.monthly import month_of, month_total

    daily = inference_daily(ctx, lines, until)
    if daily.height == 0:
        return None
    days, y = daily["day"].to_list(), daily["value"].to_numpy()
    last = days[-1]
    month = month_of(until or ctx.as_of)
    first = date(int(month[:4]), int(month[5:]), 1)
    end = _month_end_of(first)
    horizon = (end - last).days
    if horizon <= 0:  # the month is complete: its total is billed, not forecast
        actual = money_total(daily.filter(pl.col("day").is_between(first, end))["value"])
        fig = Figure("month_end", "Month end", SCOPE_INFERENCE, actual, "USD", "billed", first, end,
                     note="the month is complete")
        return MonthEnd(fig, actual, actual, "actual")
    fc = forecast(days, y, horizon, ctx.calendar)
    total = month_total(fc, days, y, month, paths=fc.simulate(SIMULATIONS, SEED))
    fig = Figure("month_end_forecast", "Month-end forecast", SCOPE_INFERENCE, float(total["expected"]), "USD", "estimated",
                 first, end, lo80=float(total["lo80"]), hi80=float(total["hi80"]),
                 note=f"billed to {last}, then the mean of {SIMULATIONS:,} simulated paths")
    return MonthEnd(fig, float(total["lo95"]), float(total["hi95"]), fc.method)


def interval_text(fig: Figure) -> str:
    return f"{fig.money(fig.lo80)}–{fig.money(fig.hi80)}" if fig.lo80 is not None else ""


__all__ = ["MonthEnd", "SEED", "SIMULATIONS", "interval_text", "month_end_forecast"]
