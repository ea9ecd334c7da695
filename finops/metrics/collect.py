"""All headline figures of one context, in one list: what `finops figures` prints and the tests compare."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from finops.metrics import budgets, forecast, month, unit
from finops.metrics.coverage import join_coverage
from finops.metrics.figure import Figure
from finops.metrics.reconcile import ReconcileSummary, reconcile_summary, run
from finops.metrics.spend import SCOPE_INFERENCE

if TYPE_CHECKING:
    from finops.context import Context


@dataclass(frozen=True)
class Figures:
    as_of: date
    start: date
    end: date
    figures: tuple[Figure, ...]
    reconcile: ReconcileSummary | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    def get(self, name: str) -> Figure:
        return next(f for f in self.figures if f.name == name)

    def to_dict(self) -> dict[str, Any]:
        return {"as_of": self.as_of.isoformat(), "start": self.start.isoformat(), "end": self.end.isoformat(),
                "figures": [f.to_dict() for f in self.figures],
                "reconcile": self.reconcile.to_dict() if self.reconcile else None, "notes": list(self.notes)}


def collect(ctx: "Context", start: date | None = None, end: date | None = None, *, with_reconcile: bool = True,
            with_units: bool = True) -> Figures:
    """Period total (start..end), month to date, burn rate, month-end forecast, budgets, reconcile and its join coverage, per-task figures."""
    end = end or ctx.as_of
    first = ctx.store.scan("cost_lines").select("ChargePeriodStart").min().collect().item()
    start = start or (first.date() if first is not None else end)
    view = month.spend_view(ctx)
    figs = [month.period_total(ctx, start, end, view), month.month_to_date(ctx, end=end, view=view),
            month.month_to_date(ctx, SCOPE_INFERENCE, end=end), month.burn_rate(ctx, end, view)]
    notes = []
    me = forecast.month_end_forecast(ctx, until=end)
    if me is not None:
        figs.append(me.figure)
    for st in budgets.budget_statuses(ctx, end):
        figs += [budgets.budget_used(st), budgets.quota_left(st)]
    summary = None
    if with_reconcile:
        result = run(ctx, start, end)
        summary = reconcile_summary(result, start, end)
        figs += join_coverage(result, start, end).figures
    if with_units:
        m = f"{end.year:04d}-{end.month:02d}"
        figs += unit.cogs_per_task(ctx, m) + unit.carbon_per_task(ctx, m)
        notes.append(f"per-task figures cover the whole calendar month {m} (COGS is allocated per month)")
    return Figures(ctx.as_of, start, end, tuple(figs), summary, tuple(notes))
