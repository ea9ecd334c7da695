"""`finops forecast` and `finops forecast backtest`: holiday-aware daily forecasts of spend and tokens."""

from __future__ import annotations

from typing import Annotated

import typer

from finops.commands._common import WideOpt
from finops.models.forecast import defaults as backtest_defaults
from finops.output import Format, say

BY_HELP = "total, provider, model or project"


def _horizon(text: str) -> int:
    from finops.errors import InputError

    t = text.strip().lower().removesuffix("d")
    if not t.isdigit() or not 1 <= int(t) <= 730:
        raise InputError(f"--horizon: {text!r} is not a number of days from 1d to 730d, such as 90d")
    return int(t)


def _check(by: str, metric: str) -> None:
    from finops.errors import InputError
    from finops.models.forecast.series import BY_VALUES

    if by not in BY_VALUES:
        raise InputError(f"--by: {by!r} is not one of {', '.join(BY_VALUES)}")
    if metric not in ("dollars", "tokens"):
        raise InputError(f"--metric: {metric!r} is not dollars or tokens")


def _print_budgets(ctx) -> None:  # type: ignore[no-untyped-def]
    from zoneinfo import ZoneInfo

    from finops.metrics.budgets import budget_statuses

    user_tz = ctx.config.section("display").get("timezone", "UTC")
    statuses = budget_statuses(ctx)
    if statuses:
        typer.echo(f"budgets as of the end of {ctx.as_of} (UTC)")
    for st in statuses:
        b = st.budget
        month = st.window_start.astimezone(ZoneInfo(b.reset_timezone)).strftime("%Y-%m")
        source = "metered" if b.unit == "tokens" else "billed"
        line = (f"budget {b.name}: {b.fmt(st.spent)} of {b.fmt(b.cap)} used ({source}) in the {month} window "
                f"(resets {b.reset_timezone}); month end {b.fmt(st.expected)} (80%: {b.fmt(st.lo80)} to {b.fmt(st.hi80)}, estimated); ")
        if st.already_hit:
            line += f"cap reached {st.hit_in(b.reset_timezone)} = {st.hit_in(user_tz)}"
        else:
            line += f"P(cap hit before reset) {st.probability_hit:.1%}"
            if st.hit_at and st.probability_hit >= 0.05:
                line += f"; if hit, most likely ~{st.hit_in(b.reset_timezone)} = {st.hit_in(user_tz)}"
        say(line)


def register(app: typer.Typer) -> None:
    fc = typer.Typer(help="Forecast spend and tokens; budgets and quotas.", invoke_without_command=True)
    app.add_typer(fc, name="forecast")

    @fc.callback(invoke_without_command=True)
    def forecast_cmd(
        ctx: typer.Context,
        horizon: Annotated[str, typer.Option(help="Days ahead, e.g. 90d.")] = "90d",
        by: Annotated[str, typer.Option(help=BY_HELP)] = "total",
        metric: Annotated[str, typer.Option(help="dollars (billed) or tokens (metered)")] = "dollars",
        fmt: Annotated[Format, typer.Option("--format", help="table, csv or json")] = Format.table,
        wide: WideOpt = False,
        daily: Annotated[bool, typer.Option(help="Print every forecast day instead of monthly totals.")] = False,
    ) -> None:
        """Forecast with 80% and 95% intervals: monthly totals (actual so far + forecast), or --daily."""
        if ctx.invoked_subcommand is not None:
            return
        import polars as pl

        from finops.commands._common import get_context
        from finops.output import emit
        from finops.models.forecast.monthly import monthly_totals
        from finops.services.forecast import daily_series, forecast_series

        _check(by, metric)
        days = _horizon(horizon)
        context = get_context()
        spec, store = context.calendar, context.store
        result = forecast_series(store, metric, by, days, spec, until=context.as_of, catalog=context.catalog)
        if not result.forecasts:
            what = "billed cost lines" if metric == "dollars" else "metered token usage"
            typer.echo(f"nothing to forecast: the store has no {what} (run `finops sample load` or `finops sync`)", err=True)
            raise typer.Exit(1)
        actuals = daily_series(store, metric, by, until=context.as_of, catalog=context.catalog)
        if daily:
            frame = result.frame.filter(pl.col("kind") == "forecast").drop("kind").rename({"value": "forecast"})
        else:
            frame = monthly_totals(result.forecasts, actuals)
        unit = "USD (billed history, estimated ahead)" if metric == "dollars" else "tokens (metered history, estimated ahead)"
        if fmt is not Format.table:
            emit(frame, fmt)
            return
        money = [c for c in ("forecast", "actual", "expected", "lo80", "hi80", "lo95", "hi95") if c in frame.columns] if metric == "dollars" else []
        caption = None if daily else "expected = actual so far + mean of 2,000 simulated paths; intervals from the same paths"
        emit(frame, fmt, title=f"Forecast by {by}, {unit}", money_columns=money, caption=caption)
        for name, notes in result.notes.items():
            for n in notes:
                say(f"note [{name}]: {n}")
        for name, w in result.warnings.items():
            say(f"holiday trough [{name}]: {w.message('$' if metric == 'dollars' else '')}")
        _print_budgets(context)

    @fc.command("backtest")
    def backtest_cmd(
        by: Annotated[str, typer.Option(help=BY_HELP)] = "total",
        metric: Annotated[str, typer.Option(help="dollars or tokens")] = "dollars",
        horizon: Annotated[int, typer.Option(help="Days per origin.", min=7, max=120)] = backtest_defaults.HORIZON,
        origins: Annotated[int, typer.Option(help="Rolling origins (200 every 14 days: a calibration check over years).",
                                             min=1, max=200)] = backtest_defaults.ORIGINS,
        step: Annotated[int, typer.Option(help="Days between origins.", min=1, max=90)] = backtest_defaults.STEP,
        fmt: Annotated[Format, typer.Option("--format", help="table, csv or json")] = Format.table,
        wide: WideOpt = False,
        by_season: Annotated[bool, typer.Option(
            "--by-season", help="Interval coverage per season instead: ordinary days, holidays and events, year-end weeks.")] = False,
    ) -> None:
        """Rolling-origin backtest: MASE, sMAPE and interval coverage against the planner's baselines."""
        import polars as pl

        from finops.commands._common import get_context, progress
        from finops.output import emit
        from finops.models.forecast.backtest import BASELINES, backtest, member_forecasters
        from finops.models.forecast.model import forecast
        from finops.services.forecast import daily_series

        _check(by, metric)
        context = get_context()
        spec = context.calendar
        data = daily_series(context.store, metric, by, catalog=context.catalog)
        names = sorted(data["series"].unique().to_list()) if data.height else []
        rows = []
        with progress() as bar:
            task = bar.add_task("backtest", total=len(names))
            for name in names:
                s = data.filter(pl.col("series") == name).sort("day")
                days, y = s["day"].to_list(), s["value"].to_numpy()
                # "model" chooses its family member per origin by its own rolling-origin errors;
                # the members alone show what that choice gains; "chosen now" is the member the
                # forecast from the last day uses.
                chosen = None if by_season else forecast(days, y, horizon, spec).method.split(",")[0]  # (no column by season)
                fcs = {"model": lambda d, v, h, sp: forecast(d, v, h, sp), **member_forecasters(), **BASELINES}
                for sc in backtest(days, y, horizon, origins, step, spec=spec, forecasters=fcs):
                    if by_season:
                        rows += [{"series": name, "model": sc.model, **c.row()} for c in sc.by_season]
                        continue
                    rows.append({"series": name, "model": sc.model, "mase": sc.mase, "smape_pct": sc.smape,
                                 "coverage80": sc.coverage80, "coverage95": sc.coverage95,
                                 "total_coverage80": sc.total_coverage80, "origins": sc.origins,
                                 "chosen_now": chosen if sc.model == "model" else None})
                bar.advance(task)
        if not rows:
            typer.echo("nothing to backtest: the store has no usable history", err=True)
            raise typer.Exit(1)
        if by_season:
            emit(pl.DataFrame(rows), fmt, title=f"Backtest coverage by season ({metric} by {by}, {horizon}-day horizon, "
                 f"every {step} days)", caption="coverage = share of the season's scored days inside the interval; "
                 "days = how many were scored, origins = how many horizons reached them (days of one horizon miss "
                 "together: a season 2 origins reach is 2 draws, however many days); low-high = the coverage's 90% interval "
                 "with the origins resampled (how far another draw of as many origins could read); year-end weeks = "
                 "20 Dec-7 Jan; holidays and events = the days a holiday or event term touches, with their windows")
            return
        emit(pl.DataFrame(rows), fmt, title=f"Backtest ({metric} by {by}, {horizon}-day horizon, every {step} days)",
             caption="MASE < 1 beats the in-sample seasonal naive; coverage = share of actuals inside the interval; "
                     "model = the family member chosen per series by its own backtest (member rows: each alone)")
