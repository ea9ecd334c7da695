"""`finops forecast` and `finops forecast backtest`: holiday-aware daily forecasts of spend and tokens."""

from __future__ import annotations

from typing import Annotated

import typer

from finops.output import Format


def _horizon(text: str) -> int:
    from finops.errors import InputError

    t = text.strip().lower().removesuffix("d")
    if not t.isdigit() or int(t) < 1:
        raise InputError(f"--horizon: {text!r} is not a number of days such as 90d")
    return int(t)


def register(app: typer.Typer) -> None:
    fc = typer.Typer(help="Forecast spend and tokens; budgets and quotas.", invoke_without_command=True)
    app.add_typer(fc, name="forecast")

    @fc.callback(invoke_without_command=True)
    def forecast_cmd(
        ctx: typer.Context,
        horizon: Annotated[str, typer.Option(help="Days ahead, e.g. 90d.")] = "90d",
        by: Annotated[str, typer.Option(help="total, provider, model or project")] = "total",
        metric: Annotated[str, typer.Option(help="dollars (billed) or tokens (metered)")] = "dollars",
        fmt: Annotated[Format, typer.Option("--format", help="table, csv or json")] = Format.table,
        daily: Annotated[bool, typer.Option(help="Print every forecast day instead of monthly totals.")] = False,
    ) -> None:
        """Daily forecast with 80% and 95% intervals, summed by month unless --daily."""
        if ctx.invoked_subcommand is not None:
            return
        import polars as pl

        from finops.commands._common import get_settings, get_store
        from finops.output import emit
        from zoneinfo import ZoneInfo

        from models.forecast.service import budget_statuses, calendar_spec, forecast_series

        settings = get_settings()
        spec = calendar_spec(settings.config)
        store = get_store(settings)
        result = forecast_series(store, metric, by, _horizon(horizon), spec)
        frame = result.frame.filter(pl.col("kind") == "forecast")
        if frame.height == 0:
            typer.echo("nothing to forecast: the store has no billed cost lines (run `finops sample load` or `finops sync`)")
            raise typer.Exit(1)
        if not daily:
            # Interval bounds of a monthly sum are not sums of daily bounds; show the point sum only
            # and say so, rather than print a misleadingly wide or narrow band.
            frame = frame.group_by(pl.col("day").dt.strftime("%Y-%m").alias("month"), "series").agg(
                pl.col("value").sum().alias("forecast"), pl.len().alias("days")
            ).sort("series", "month")
        unit = "USD (estimated from billed history)" if metric == "dollars" else "tokens (estimated from metered history)"
        if fmt is Format.table:
            money = ["forecast", "value", "lo80", "hi80", "lo95", "hi95"] if metric == "dollars" else []
            emit(frame, fmt, title=f"Forecast by {by}, {unit}", money_columns=money)
            for name, notes in result.notes.items():
                for n in notes:
                    typer.echo(f"note [{name}]: {n}")
            for name, w in result.warnings.items():
                typer.echo(f"holiday trough [{name}]: {w.message()}")
            for st in budget_statuses(store, settings.config, spec=spec):
                tz = settings.config.section("display").get("timezone", "UTC")
                hit = st.hit_in(st.budget.reset_timezone)
                typer.echo(
                    f"budget {st.budget.name}: ${st.spent_usd:,.2f} of ${st.budget.monthly_usd:,.2f} spent (billed) in "
                    f"the {st.window_start.astimezone(ZoneInfo(st.budget.reset_timezone)).strftime('%Y-%m')} window "
                    f"({st.budget.reset_timezone}); month end ${st.forecast_usd:,.2f} "
                    f"(80%: ${st.forecast_lo80:,.2f}-${st.forecast_hi80:,.2f}, estimated); "
                    + ("already over the cap" if st.spent_usd >= st.budget.monthly_usd else f"P(hit before reset) {st.probability_hit:.1%}")
                    + (f"; if hit, most likely ~{hit} = {st.hit_in(tz)}" if hit and st.probability_hit >= 0.01 else "")
                )
        else:
            emit(frame, fmt)

    @fc.command("backtest")
    def backtest_cmd(
        by: Annotated[str, typer.Option(help="total, provider, model or project")] = "total",
        metric: Annotated[str, typer.Option(help="dollars or tokens")] = "dollars",
        horizon: Annotated[int, typer.Option(help="Days per origin.")] = 28,
        origins: Annotated[int, typer.Option(help="Rolling origins.")] = 10,
        fmt: Annotated[Format, typer.Option("--format", help="table, csv or json")] = Format.table,
    ) -> None:
        """Rolling-origin backtest: MASE, sMAPE and interval coverage against the planner's baselines."""
        import polars as pl

        from finops.commands._common import get_settings, get_store
        from finops.output import emit
        from models.forecast.backtest import backtest
        from models.forecast.service import calendar_spec
        from models.forecast.series import daily_series

        settings = get_settings()
        spec = calendar_spec(settings.config)
        data = daily_series(get_store(settings), metric, by)
        rows = []
        for name in sorted(data["series"].unique().to_list()) if data.height else []:
            s = data.filter(pl.col("series") == name).sort("day")
            for sc in backtest(s["day"].to_list(), s["value"].to_numpy(), horizon, origins, spec=spec):
                rows.append({"series": name, "model": sc.model, "mase": sc.mase, "smape_pct": sc.smape,
                             "coverage80": sc.coverage80, "coverage95": sc.coverage95, "origins": sc.origins})
        emit(pl.DataFrame(rows), fmt, title=f"Backtest ({metric} by {by}, {horizon}-day horizon)")
