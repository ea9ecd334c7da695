"""What a monthly report holds, and its machine-readable figures (written beside the document)."""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from finops.alerts.summary import AlertSummary
from finops.report.extras import Extra
from finops.report.figures import Accuracy, Core, Interval, Period
from finops.report.sections import TroughNote
from finops.models.forecast.backtest import Score
from finops.models.forecast.budgets import BudgetStatus


@dataclass
class MonthlyReport:
    period: Period
    core: Core
    accuracy: Accuracy | None
    budgets: list[BudgetStatus]
    movers: pl.DataFrame
    anomalies: pl.DataFrame
    troughs: list[TroughNote]
    extras: list[Extra]
    display_tz: str = "UTC"
    countries: dict[str, float] = field(default_factory=dict)
    alerts: AlertSummary | None = None  # active alerts and the month's alert events (finops alert check)
    backtest: list[Score] = field(default_factory=list)  # the total series' default backtest (method section)


def _interval(i: Interval) -> dict[str, float]:
    return {"expected": i.expected, "lo80": i.lo80, "hi80": i.hi80, "lo95": i.lo95, "hi95": i.hi95}


def figures(report: MonthlyReport) -> dict:
    """The report's numbers as plain JSON-able data: what the tests and other tools read."""
    p, c = report.period, report.core
    return {
        "month": p.month, "as_of": p.as_of.isoformat(), "complete": p.complete, "mtd_days": p.mtd_days,
        "mtd_usd": c.mtd_total, "mtd_tokens": c.mtd_tokens, "provenance": {"mtd_usd": "billed", "mtd_tokens": "metered",
                                                                          "forecasts": "estimated"},
        "month_end_usd": _interval(c.month_end), "next_month": p.next_month, "next_month_usd": _interval(c.next_month),
        "by_provider": c.by_provider.to_dicts(),
        "last_month_accuracy": None if report.accuracy is None else {
            "month": report.accuracy.month, "data_through": report.accuracy.data_through.isoformat(),
            "by_series": report.accuracy.by_series.to_dicts()},
        "budgets": [{
            "name": s.budget.name, "unit": s.budget.unit, "cap": s.budget.cap, "reset_timezone": s.budget.reset_timezone,
            "window_start": s.window_start.isoformat(), "window_end": s.window_end.isoformat(), "spent": s.spent,
            "expected": s.expected, "lo80": s.lo80, "hi80": s.hi80, "probability_hit": s.probability_hit,
            "hit_at": s.hit_at.isoformat() if s.hit_at else None, "already_hit": s.already_hit,
        } for s in report.budgets],
        "movers": report.movers.to_dicts(),
        "anomalies": [{**r, "day": r["day"].isoformat()} for r in report.anomalies.to_dicts()],
        "holiday_troughs": [{"series": t.series, "message": t.message} for t in report.troughs],
        "alerts": report.alerts.to_dict() if report.alerts else None,
        "sections": {e.key: {"available": e.available, "note": e.note} for e in report.extras},
        "method_backtest": [{"model": s.model, "mase": s.mase, "coverage80": s.coverage80, "coverage95": s.coverage95,
                             "origins": s.origins, "by_season": [vars(c) for c in s.by_season]} for s in report.backtest],
    }
