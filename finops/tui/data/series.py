"""Chart series as plain data, built by pure functions over polars frames.

The chart widget (finops/tui/widgets/chart.py) is the only code that calls plotext; it
draws a `ChartSpec` and nothing else, so the chart library can be swapped and the series
are tested without Textual.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import polars as pl

from finops.models.forecast.regions import country_calendar
from finops.models.money import money_sum


@dataclass(frozen=True)
class Series:
    label: str
    x: tuple[date, ...]
    y: tuple[float, ...]
    style: str = "line"  # line | dashed (forecast) | band (interval bound) | bar


@dataclass(frozen=True)
class Mark:
    """A vertical marker on a day (a public holiday, today)."""

    day: date
    label: str
    kind: str = "holiday"  # holiday | today


@dataclass(frozen=True)
class ChartSpec:
    title: str
    series: tuple[Series, ...] = ()
    marks: tuple[Mark, ...] = ()
    y_label: str = ""
    stacked: bool = False  # bars stacked by series
    x_categories: tuple[str, ...] = ()  # for bar charts over categories instead of days
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def empty(self) -> bool:
        return not any(s.y for s in self.series)


def _day_range(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def daily_series(
    daily: pl.DataFrame, by: str, currency: str, start: date, end: date, top: int = 4
) -> tuple[Series, ...]:
    """One line per value of `by` (largest first, the rest summed as "other"), zero-filled."""
    part = daily.filter(pl.col("currency") == currency)
    if part.height == 0:
        return ()
    ranking = part.group_by(by).agg(money_sum(pl.col("cost"))).sort("cost", by, descending=[True, False])[by].to_list()
    keep = ranking[:top]
    labelled = part.with_columns(
        pl.when(pl.col(by).is_in(keep)).then(pl.col(by)).otherwise(pl.lit("other")).alias("__label")
    ).group_by("day", "__label").agg(money_sum(pl.col("cost")))
    days = _day_range(start, end)
    grid = pl.DataFrame({"day": days}, schema={"day": pl.Date})
    out = []
    for label in [*keep, *(["other"] if len(ranking) > top else [])]:
        values = grid.join(labelled.filter(pl.col("__label") == label), on="day", how="left")["cost"].fill_null(0.0)
        out.append(Series(str(label), tuple(days), tuple(float(v) for v in values)))
    return tuple(out)


def holiday_marks(start: date, end: date, countries: Sequence[str]) -> tuple[Mark, ...]:
    """Public holidays in the range for the given ISO countries, one mark per day."""
    if not countries or end < start:
        return ()
    names: dict[date, list[str]] = {}
    for country in countries:
        try:
            cal = country_calendar(country, range(start.year, end.year + 1))
        except NotImplementedError:
            continue
        for day, name in cal.items():
            if start <= day <= end:
                names.setdefault(day, []).append(f"{country}: {name}")
    return tuple(Mark(d, "; ".join(n)) for d, n in sorted(names.items()))


def band_series(label: str, x: Iterable[date], lower: Iterable[float], upper: Iterable[float]) -> tuple[Series, Series]:
    xs = tuple(x)
    return (
        Series(f"{label} low", xs, tuple(float(v) for v in lower), "band"),
        Series(f"{label} high", xs, tuple(float(v) for v in upper), "band"),
    )
