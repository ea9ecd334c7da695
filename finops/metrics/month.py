"""Billed spend figures: period total, month to date (all AI COGS and inference) and burn rate.

Definitions (docs/metrics.md):
- period total: BilledCost of the lines whose charge period starts on a day of the period;
- month to date: the same from the 1st of the as-of day's UTC month through the as-of day;
- burn rate: the mean billed per day over the last BURN_DAYS days through the as-of day,
  with multi-day bills spread evenly over the days they cover (no spike on the 1st).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

import polars as pl

from finops.metrics.figure import Figure
from finops.metrics.spend import SCOPE_ALL, Total, amortized, in_scope, spend_lines, to_reporting, totals

if TYPE_CHECKING:
    from finops.context import Context

BURN_DAYS = 7
_ORDER = ("billed", "metered", "logged", "estimated")


@dataclass(frozen=True)
class SpendView:
    """Cost lines of one scope in the reporting currency, collected once for several figures."""

    scope: str
    currency: str
    frame: pl.LazyFrame  # spend_lines, converted where rates exist
    note: str = ""  # FX note

    @property
    def spread(self) -> pl.LazyFrame:
        return amortized(self.frame)


def spend_view(ctx: "Context", scope: str = SCOPE_ALL, lines: pl.LazyFrame | None = None,
               project_feature: Mapping[str, str] | None = None) -> SpendView:
    """The scope's cost lines (`lines`: cost_lines already narrowed by the caller's filters, default all)."""
    raw = lines if lines is not None else ctx.store.scan("cost_lines")
    converted = to_reporting(ctx, spend_lines(in_scope(raw, scope), project_feature))
    # Collected once: each figure is a small query over these rows (cost lines are daily aggregates).
    return SpendView(scope, ctx.reporting_currency, converted.frame.collect().lazy(), converted.note)


def _provenance(frame: pl.LazyFrame, start: date, end: date) -> str:
    """The weakest provenance among the lines summed (billed unless some line is estimated)."""
    found = frame.filter(pl.col("day").is_between(start, end)).select(pl.col("provenance").unique()).collect()
    names = set(found.to_series().to_list())
    return max(names, key=lambda n: _ORDER.index(n) if n in _ORDER else 0) if names else "billed"


def _figure(name: str, title: str, view: SpendView, total: dict[str, Total], start: date, end: date,
            provenance: str, unit_suffix: str = "", divide: int = 1, note: str = "") -> Figure:
    mine = total.get(view.currency, Total(None))
    value = None if mine.value is None else mine.value / divide
    if mine.value is None and not mine.unpriced and not any(c != view.currency for c in total):
        value = 0.0  # no lines at all: nothing was billed (unlike lines that carry no price)
    others = {c: (t.value or 0.0) / divide for c, t in total.items() if c != view.currency}
    extra = {"other_currencies": others} if others else {}
    notes = [n for n in (note, view.note if others or view.note else "") if n]
    return Figure(name, title, view.scope, value, view.currency + unit_suffix, provenance,  # type: ignore[arg-type]
                  start, end, unpriced=sum(t.unpriced for t in total.values()), note="; ".join(notes), extra=extra)


def period_total(ctx: "Context", start: date, end: date, view: SpendView | None = None) -> Figure:
    """Billed over the UTC days start..end of every line in the view's scope (default all AI COGS)."""
    view = view or spend_view(ctx)
    return _figure("period_total", "Period total", view, totals(view.frame, start, end), start, end,
                   _provenance(view.frame, start, end))


def month_to_date(ctx: "Context", scope: str = SCOPE_ALL, end: date | None = None, view: SpendView | None = None,
                  lines: pl.LazyFrame | None = None) -> Figure:
    """Billed from the 1st of the as-of day's month through the as-of day (`end`, default ctx.as_of)."""
    view = view or spend_view(ctx, scope, lines)
    end = end or ctx.as_of
    start = end.replace(day=1)
    name = "mtd_all" if view.scope == SCOPE_ALL else "mtd_inference"
    return _figure(name, "Month to date", view, totals(view.frame, start, end), start, end,
                   _provenance(view.frame, start, end))


def burn_rate(ctx: "Context", end: date | None = None, view: SpendView | None = None, days: int = BURN_DAYS) -> Figure:
    """Mean billed per day over the `days` days through `end`, multi-day bills spread over their days."""
    view = view or spend_view(ctx)
    end = end or ctx.as_of
    start = end - timedelta(days=days - 1)
    return _figure("burn_rate", "Burn rate", view, totals(view.spread, start, end), start, end,
                   _provenance(view.frame, start, end), "/day", days, note=f"mean of the last {days} days, bills spread")
