"""Blocks for each section of the monthly report (see document.py for the block types)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import polars as pl

from finops.report.contents import MonthlyReport
from finops.report.blocks import Block, Heading, Para, Table, interval, money, month_label, pct
from finops.output import fmt_cell, label
from finops.report.extras import Extra


def summary_rows(r: MonthlyReport) -> list[list[str]]:
    p, c = r.period, r.core
    rows = [
        [f"Month to date · inference ({p.first.isoformat()} to {p.as_of.isoformat()}, {p.mtd_days} days)", money(c.mtd_total),
         "billed"],
        ["Tokens month to date", f"{c.mtd_tokens:,.0f}", "metered"],
        [f"End of {month_label(p.month)} · inference" + (" (month closed)" if p.complete else " · month-end forecast"),
         money(c.month_end.expected) if p.complete else interval(c.month_end), "billed" if p.complete else "estimated"],
        [f"{month_label(p.next_month)} forecast", interval(c.next_month), "estimated"],
    ]
    if r.accuracy is not None:
        total = r.accuracy.by_series.filter(pl.col("series") == "total")
        if total.height:
            t = total.row(0, named=True)
            rows.append([f"{month_label(r.accuracy.month)}: forecast vs actual",
                         f"{money(t['forecast'])} vs {money(t['actual'])} ({pct(t['error_pct'])}, "
                         f"{'inside' if t['inside80'] else 'outside'} the 80% interval)", "estimated vs billed"])
    at_risk = [s for s in r.budgets if s.already_hit or s.probability_hit >= 0.2]
    rows.append(["Budgets and quotas at risk", ", ".join(s.budget.name for s in at_risk) or "none", "estimated"])
    return rows


def provider_blocks(r: MonthlyReport) -> list[Block]:
    p = r.period
    rows = [[row["provider"], money(row["mtd"]), money(row["prev_same_days"]),
             pct((row["mtd"] - row["prev_same_days"]) / row["prev_same_days"] * 100 if row["prev_same_days"] else None),
             f"{money(row['month_end'])} ({money(row['month_end_lo80'])} to {money(row['month_end_hi80'])})",
             f"{money(row['next_month'])} ({money(row['next_month_lo80'])} to {money(row['next_month_hi80'])})"]
            for row in r.core.by_provider.iter_rows(named=True)]
    out: list[Block] = [
        Heading(2, "By provider"),
        Table(["Provider", "Month to date", f"Same days of {month_label(p.prev_month)}", "Change",
               f"End of {month_label(p.month)} (80%)", f"{month_label(p.next_month)} (80%)"], rows, "lrrrrr"),
    ]
    for t in r.troughs:
        out.append(Para(f"Holiday trough [{t.series}]: {t.message}. The forecasts above model holidays; "
                        "a trailing average would not.", note=True))
    return out


def accuracy_blocks(r: MonthlyReport) -> list[Block]:
    out: list[Block] = [Heading(2, "How last month's forecast did")]
    a = r.accuracy
    if a is None:
        return out + [Para(f"Not available: {month_label(r.period.prev_month)} is not fully in the data, "
                           "or there is too little history before it.", note=True)]
    out.append(Para(f"Forecast of {month_label(a.month)} made with data through {a.data_through.isoformat()}, "
                    "against the billed actual; the baseline is the trailing 28-day mean carried forward."))
    rows = [[row["series"], money(row["forecast"]), f"{money(row['lo80'])} to {money(row['hi80'])}", money(row["actual"]),
             pct(row["error_pct"]), "yes" if row["inside80"] else "no", money(row["baseline"]), pct(row["baseline_error_pct"])]
            for row in a.by_series.iter_rows(named=True)]
    out.append(Table(["Series", "Forecast", "80% interval", "Actual", "Error", "Inside 80%", "Trailing-mean baseline",
                      "Baseline error"], rows, "lrrrrlrr"))
    return out


def budget_blocks(r: MonthlyReport) -> list[Block]:
    out: list[Block] = [Heading(2, "Budgets and quotas")]
    if not r.budgets:
        return out + [Para("No budgets configured: add [[budgets]] to finops.toml (docs/forecast.md).", note=True)]
    rows = []
    for s in r.budgets:
        b = s.budget
        scope = " / ".join(v for v in (b.provider, b.project) if v) or "all"
        local = s.window_start.astimezone(ZoneInfo(b.reset_timezone))
        when = "-"
        if s.hit_at:
            when = s.hit_in(b.reset_timezone) or ""
            if r.display_tz != b.reset_timezone:
                when += f" = {s.hit_in(r.display_tz)}"
            when = ("hit " if s.already_hit else "likely ~" if s.probability_hit >= 0.5 else "if hit, ~") + when
        rows.append([b.name, scope, f"{local:%Y-%m} ({b.reset_timezone})", b.fmt(b.cap), b.fmt(s.spent),
                     f"{s.spent / b.cap * 100:.0f}%", f"{b.fmt(s.expected)} ({b.fmt(s.lo80)} to {b.fmt(s.hi80)})",
                     "100% (hit)" if s.already_hit else f"{s.probability_hit:.0%}", when])
    out.append(Table(["Budget", "Scope", "Window", "Cap", "Used", "Used %", "Month end (80%)", "P(hit before reset)",
                      "Cap reached"], rows, "lllrrrrrl"))
    out.append(Para("Windows are calendar months in the reset timezone (daylight saving included); used = billed "
                    "dollars or metered tokens so far; month end and probability come from 2,000 simulated paths."))
    return out


def alert_blocks(r: MonthlyReport) -> list[Block]:
    a = r.alerts
    out: list[Block] = [Heading(2, "Alerts")]
    if a is None:
        return []
    if a.error:
        return out + [Para(f"Alert state not read: {a.error}", note=True)]
    if not a.rules and not a.rows:
        return out + [Para("No alert rules configured: add [[alerts.rules]] to finops.toml (docs/alerts.md).", note=True)]
    pending = f"; {a.pending} message(s) waiting for a channel" if a.pending else ""
    out.append(Para(f"{a.active} alert(s) active now, from {a.rules} rule(s){pending}. Events listed: those of "
                    f"{month_label(r.period.month)} (as-of days through {r.period.as_of.isoformat()}), newest first; "
                    "`finops alert list` shows them all."))
    if a.rows:
        out.append(Table(["State", "Alert", "Since / at (UTC)", "Figure", "Reason"],
                         [[row["state"], row["alert"], row["since"], row["figure"], row["reason"]] for row in a.rows],
                         "lllll"))
    return out


def mover_blocks(r: MonthlyReport) -> list[Block]:
    p = r.period
    rows = [[row["dimension"], row["name"], money(row["this"]), money(row["previous"]), money(row["change"]), pct(row["change_pct"])]
            for row in r.movers.iter_rows(named=True)]
    return [Heading(2, "Top cost movers"),
            Para(f"Month to date against the same {p.mtd_days} days of {month_label(p.prev_month)} (billed)."),
            Table(["By", "Name", "This month", "Last month", "Change", "Change %"], rows, "llrrrr")]


def anomaly_blocks(r: MonthlyReport) -> list[Block]:
    out: list[Block] = [Heading(2, "Anomalies"),
                        Para("Days outside the 95% interval of a forecast made before them, by project: spend, and cost "
                             "per logged task. Size = actual minus forecast, in dollars (per task x tasks).")]
    if r.anomalies.height == 0:
        return out + [Para("None this month.")]
    rows = [[row["day"].isoformat(), row["series"], row["measure"].replace("_", " "),
             money(row["actual"]) if row["measure"] == "spend" else f"${row['actual']:,.4f}",
             money(row["expected"]) if row["measure"] == "spend" else f"${row['expected']:,.4f}", money(row["excess_usd"])]
            for row in r.anomalies.iter_rows(named=True)]
    return out + [Table(["Day", "Project", "Measure", "Actual", "Forecast", "Size"], rows, "lllrrr")]


def extra_blocks(e: Extra) -> list[Block]:
    out: list[Block] = [Heading(2, e.title)]
    if not e.available:
        return out + [Para(f"Not in this report: {e.note}", note=True)]
    out.append(Para(e.note))
    out.append(Table(["Figure", "Value", "Provenance"], [list(row) for row in e.summary], "lrl"))
    if e.table is not None and e.table.height:
        out.append(_frame_table(e.table, e.money_columns, e.currency))
    for caption, frame, money_columns in e.more:
        out += [Para(caption), _frame_table(frame, money_columns, e.currency)]
    return out


def _frame_table(frame: pl.DataFrame, money_columns: tuple[str, ...], currency: str = "USD") -> Table:
    """A result frame as the CLI prints it (finops.output): headers in words, money with its symbol,
    percentages with %, counts with separators."""
    align = "".join("r" if dt.is_numeric() else "l" for dt in frame.dtypes)
    rows = [[fmt_cell(v, c, c in money_columns, currency) for c, v in zip(frame.columns, row)] for row in frame.iter_rows()]
    return Table([label(c) for c in frame.columns], rows, align)


def method_blocks(r: MonthlyReport) -> list[Block]:
    shares = ", ".join(f"{k} {v:.0%}" for k, v in r.countries.items())
    out: list[Block] = [Heading(2, "Method"),
                        Para(f"Forecasts: {r.core.methods.get('total', '')}; weekly and yearly seasonality, a level that "
                             f"follows shifts, holiday terms for the traffic's countries ({shares}), each named holiday "
                             "with its own effect over its window (shrunk toward the pooled holiday effect), the year-end "
                             "weeks, Golden Week and known events. Monthly intervals come from simulated daily paths whose "
                             "errors persist as much as the back-test shows (docs/forecast.md).")]
    if r.core.methods.get("total_choice"):
        out.append(Para("Model chosen by rolling-origin backtest on this series (mean absolute log error at the "
                        f"origins, lower is better): {r.core.methods['total_choice']}."))
    out += _backtest_blocks(r)
    for n in r.core.notes:
        out.append(Para(f"Note: {n}", note=True))
    return out


def _backtest_blocks(r: MonthlyReport) -> list[Block]:
    """The total series' backtest, as `finops forecast backtest [--by-season]` prints it at its defaults."""
    from finops.models.forecast.defaults import HORIZON, STEP

    model = next((s for s in r.backtest if s.model == "model"), None)
    if model is None or not model.origins:
        return [Para("No backtest: the history is too short for one origin.", note=True)]
    mase = ", ".join(f"{label(s.model)} {fmt_cell(s.mase, 'mase')}" for s in r.backtest)
    seasons = pl.DataFrame([c.row() for c in model.by_season])
    return [Para(f"Backtest of the total through {r.period.as_of} ({model.origins} origins every {STEP} days, "
                 f"{HORIZON}-day horizon; `finops forecast backtest --by-season` prints the same): MASE {mase} "
                 "(below 1 beats the in-sample seasonal naive). Interval coverage by season; a season few origins "
                 "reach is a small sample, and low-high is each coverage's 90% interval with the origins resampled "
                 "(how far another draw of as many origins could read):"),
            _frame_table(seasons, ())]
