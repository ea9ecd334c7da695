"""`finops figures`: every headline figure with its label, provenance and period (as the dashboard and report show them)."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from finops.commands._common import WideOpt
from finops.numbers import json_ready
from finops.output import Format, say


def register(app: typer.Typer) -> None:
    @app.command("figures")
    def figures_cmd(
        since: Annotated[Optional[str], typer.Option(help="First UTC day of the period total and reconcile summary (default: first data day).")] = None,
        until: Annotated[Optional[str], typer.Option(help="Last UTC day (default: the day before today; today is $FINOPS_TODAY, or the day after the sample's last day).")] = None,
        today: Annotated[Optional[str], typer.Option(help="Pretend today is this UTC day, YYYY-MM-DD.")] = None,
        fmt: Annotated[Format, typer.Option("--format", help="table, csv or json")] = Format.table,
        wide: WideOpt = False,
    ) -> None:
        """Period total, month to date (all AI COGS and inference), burn rate, month-end forecast, budgets,
        the reconcile summary as the sum it is, and per-task COGS, margin, energy and carbon (docs/metrics.md)."""
        import json
        import sys

        import polars as pl

        from finops.commands._common import get_context, option_day
        from finops.metrics.collect import collect
        from finops.output import emit

        ctx = get_context(today=option_day(today, "today"))
        result = collect(ctx, option_day(since, "since"), option_day(until, "until"))
        if fmt is Format.json:
            sys.stdout.write(json.dumps(json_ready(result.to_dict()), default=str, indent=2) + "\n")
            return
        rows = [{"figure": f.label, "value": f.money(), "interval": (f"{f.money(f.lo80)}–{f.money(f.hi80)}" if f.lo80 is not None else ""),
                 "period": f.period, "name": f.name} for f in result.figures]
        if result.reconcile is not None:
            r = result.reconcile
            rows.append({"figure": "Reconcile · billed", "value": r.billed.money(), "interval": "", "period": r.billed.period,
                         "name": "reconcile_billed"})
            rows += [{"figure": f"Reconcile · {t.title} · {t.provenance}", "value": t.money(), "interval": "",
                      "period": t.period, "name": f"reconcile_{t.name}"} for t in r.terms]
        frame = pl.DataFrame(rows, schema={"figure": pl.String, "value": pl.String, "interval": pl.String,
                                           "period": pl.String, "name": pl.String})
        if fmt is Format.csv:
            emit(frame, fmt)
            return
        emit(frame.drop("name"), fmt, title=f"Figures as of {result.as_of} (UTC)",
             caption="; ".join(result.notes) or None)
        if result.reconcile is not None:
            say("reconcile: " + result.reconcile.line())
