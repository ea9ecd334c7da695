"""Terminal charts (plotext) for the Markdown report: plain text, no colour codes.

plotext keeps global state, so these run one at a time (the report builds charts after its
workers finish) and each starts from a cleared figure.
"""

from __future__ import annotations

import re
from datetime import date
from typing import cast

import polars as pl

ANSI = re.compile(r"\x1b\[[0-9;]*m")
WIDTH, HEIGHT = 100, 22


def _build() -> str:
    import plotext as plt

    text = ANSI.sub("", plt.build())
    plt.clear_figure()
    return "\n".join(line.rstrip() for line in text.splitlines())


def _month_ticks(days: list[date], origin: date) -> tuple[list[int], list[str]]:
    firsts = [d for d in days if d.day == 1]
    return [(d - origin).days for d in firsts], [d.strftime("%b %Y") for d in firsts]


def daily_chart(chart: pl.DataFrame, title: str) -> str:
    """Actual daily spend, the forecast, and its 80% band (as two thin lines)."""
    import plotext as plt

    plt.clear_figure()
    plt.plotsize(WIDTH, HEIGHT)
    plt.theme("clear")
    origin = chart["day"].min()
    actual = chart.filter(pl.col("kind") == "actual")
    fc = chart.filter(pl.col("kind") == "forecast")
    x = lambda f: [(d - origin).days for d in f["day"].to_list()]  # noqa: E731
    plt.plot(x(actual), actual["value"].to_list(), label="actual (billed)", marker="braille")
    if fc.height:
        plt.plot(x(fc), fc["value"].to_list(), label="forecast", marker="braille")
        plt.plot(x(fc), fc["hi80"].to_list(), label="80% band", marker=".")
        plt.plot(x(fc), fc["lo80"].to_list(), marker=".")
    ticks, labels = _month_ticks(chart["day"].to_list(), cast(date, origin))
    plt.xticks(ticks, labels)
    plt.ylabel("USD per day")
    plt.title(title)
    return _build()


def _short(month: str) -> str:
    return date(int(month[:4]), int(month[5:7]), 1).strftime("%b %y")


def monthly_chart(history: pl.DataFrame, title: str) -> str:
    """Monthly totals: closed months as actuals, the rest as forecasts."""
    import plotext as plt

    plt.clear_figure()
    plt.plotsize(WIDTH, HEIGHT - 4)
    plt.theme("clear")
    labels = [f"{_short(m)}{'*' if k == 'forecast' else ''}" for m, k in zip(history["month"], history["kind"])]
    plt.bar(labels, history["value"].to_list(), width=0.5)
    plt.ylabel("USD per month")
    plt.title(title)
    return _build()
