"""Build the monthly forecast report from the store: figures first, then Markdown or HTML.

`build(store, config, month)` returns a MonthlyReport whose numbers come from the store and
the models (so tests compare them with the store); `to_markdown` / `to_html` render it.
Sections whose module or configuration is missing say so instead of disappearing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from html import escape

import numpy as np
import polars as pl

from finops.config import ConfigFile
from finops.store import Store
from models.forecast.model import forecast
from models.forecast.series import daily_series, month_days
from models.forecast.service import budget_statuses, calendar_spec

SIMULATIONS = 4000


@dataclass
class MonthlyReport:
    month: str
    last_day: date  # last day with data in the month
    actual_mtd: float
    by_provider: pl.DataFrame
    cogs_by_source: pl.DataFrame | None
    month_end: tuple[float, float, float, float, float]  # point, lo80, hi80, lo95, hi95
    next_month: tuple[float, float, float, float, float]
    next_month_label: str
    last_month_accuracy: tuple[str, float, float] | None  # month, forecast, actual
    movers: pl.DataFrame
    budgets: list[str]
    reconcile: pl.DataFrame | None
    reconcile_note: str
    cogs: pl.DataFrame | None
    carbon: pl.DataFrame | None
    daily: pl.DataFrame  # day, actual, forecast, lo80, hi80
    notes: list[str] = field(default_factory=list)


def _next_month(month: str) -> str:
    y, m = map(int, month.split("-"))
    return f"{y + (m == 12)}-{m % 12 + 1:02d}"


def _prev_month(month: str) -> str:
    y, m = map(int, month.split("-"))
    return f"{y - (m == 1)}-{(m - 2) % 12 + 1:02d}"


def _sum_interval(yhat: np.ndarray, lo80: np.ndarray, hi80: np.ndarray, base: float = 0.0) -> tuple[float, float, float, float, float]:
    """Interval of a sum of days: one shared shock per path (daily errors move together)."""
    if len(yhat) == 0:
        return (base, base, base, base, base)
    rng = np.random.default_rng(0)
    sigma = np.maximum(1e-9, (np.log(np.maximum(hi80, 1e-9)) - np.log(np.maximum(lo80, 1e-9))) / (2 * 1.2816))
    z = rng.standard_normal(SIMULATIONS)[:, None]
    totals = base + (yhat[None, :] * np.exp(z * sigma[None, :] - sigma[None, :] ** 2 / 2)).sum(axis=1)
    return (base + float(yhat.sum()), *map(float, np.percentile(totals, [10, 90, 2.5, 97.5])))  # type: ignore[return-value]


def build(store: Store, config: ConfigFile, month: str | None = None) -> MonthlyReport:
    spec = calendar_spec(config)
    series = daily_series(store, "dollars", "total").sort("day")
    if series.height == 0:
        from finops.errors import InputError

        raise InputError("report: the store has no billed inference cost lines; run `finops sample load` or `finops sync`")
    month = month or series["day"].max().strftime("%Y-%m")  # type: ignore[union-attr]
    days_in_month = month_days(month)
    hist = series.filter(pl.col("day") <= days_in_month[-1])
    in_month = hist.filter(pl.col("day") >= days_in_month[0])
    last_day = in_month["day"].max() if in_month.height else days_in_month[0] - timedelta(days=1)
    actual_mtd = float(in_month["value"].sum())
    days, y = hist["day"].to_list(), hist["value"].to_numpy()
    nxt = _next_month(month)
    horizon = (month_days(nxt)[-1] - days[-1]).days
    fc = forecast(days, y, horizon, spec)
    fdays = fc.days
    rest = np.array([d <= days_in_month[-1] for d in fdays])
    nm = np.array([d.strftime("%Y-%m") == nxt for d in fdays])
    month_end = _sum_interval(fc.yhat[rest], fc.lo80[rest], fc.hi80[rest], actual_mtd)
    next_month = _sum_interval(fc.yhat[nm], fc.lo80[nm], fc.hi80[nm])

    prev = _prev_month(month)
    prev_days = month_days(prev)
    before = series.filter(pl.col("day") < prev_days[0])
    accuracy = None
    if before.height >= 120:
        pf = forecast(before["day"].to_list(), before["value"].to_numpy(), len(prev_days), spec)
        actual_prev = float(series.filter(pl.col("day").is_between(prev_days[0], prev_days[-1]))["value"].sum())
        accuracy = (prev, float(pf.yhat.sum()), actual_prev)

    costs = store.scan("cost_lines").filter(pl.col("ChargePeriodStart").dt.strftime("%Y-%m") == month)
    by_provider = costs.group_by(pl.col("ServiceProviderName").alias("provider"), pl.col("BillingCurrency").alias("currency")).agg(
        pl.col("BilledCost").sum().alias("billed"), pl.col("x_Provenance").unique().sort().str.join(",").alias("provenance")
    ).sort("billed", descending=True).collect()
    cogs_by_source = costs.group_by(pl.col("x_CostSource").alias("source"), pl.col("BillingCurrency").alias("currency")).agg(
        pl.col("BilledCost").sum().alias("billed")).sort("source").collect()
    movers = _movers(store, month, prev, last_day)
    # "now" is the end of the last day with data, so a past month reports its own window.
    now = datetime.combine(last_day, datetime.min.time(), timezone.utc) + timedelta(hours=23, minutes=59)
    budgets = [_budget_line(st) for st in budget_statuses(store, config, now, spec)]
    rec, rec_note = _reconcile(store, days_in_month)
    notes = list(fc.notes)
    daily = pl.DataFrame({"day": days[-60:], "actual": y[-60:]}).join(
        pl.DataFrame({"day": fdays, "forecast": fc.yhat, "lo80": fc.lo80, "hi80": fc.hi80}), on="day", how="full", coalesce=True
    ).sort("day").filter(pl.col("day") <= days_in_month[-1] + timedelta(days=31))
    return MonthlyReport(month, last_day, actual_mtd, by_provider, cogs_by_source, month_end, next_month, nxt, accuracy, movers,
                         budgets, rec, rec_note, _cogs(store, config, month), _carbon(store, month), daily, notes)


def _budget_line(st: object) -> str:
    """One line per budget or quota: spent, cap, expected month end and the chance of hitting it."""
    b = st.budget  # type: ignore[attr-defined]
    spent = getattr(st, "spent_usd", None)
    spent = getattr(st, "spent", 0.0) if spent is None else spent
    expected = getattr(st, "forecast_usd", None)
    expected = getattr(st, "expected", 0.0) if expected is None else expected
    tokens = getattr(b, "monthly_tokens", None)
    cap = tokens if tokens else b.monthly_usd
    fmt = (lambda v: f"{v:,.0f} tokens") if tokens else (lambda v: f"${v:,.2f}")  # noqa: E731
    return (f"{b.name}: {fmt(spent)} of {fmt(cap)} ({b.reset_timezone} month); "
            f"month end {fmt(expected)}; P(hit) {st.probability_hit:.0%}")  # type: ignore[attr-defined]


def _movers(store: Store, month: str, prev: str, last_day: date) -> pl.DataFrame:
    """Spend by model and project this month vs the same days of last month."""
    lf = store.scan("cost_lines").filter(pl.col("x_CostSource").is_in(["inference", "embeddings"]))
    cut = last_day.day
    frames = []
    for label, col in (("model", pl.coalesce("x_Model", pl.lit("(none)"))), ("project", pl.col("SubAccountId"))):
        g = lf.with_columns(pl.col("ChargePeriodStart").dt.strftime("%Y-%m").alias("m"), col.alias("name")).filter(
            pl.col("m").is_in([month, prev]) & (pl.col("ChargePeriodStart").dt.day() <= cut)
        ).group_by("name").agg(
            pl.col("BilledCost").filter(pl.col("m") == month).sum().alias("this"),
            pl.col("BilledCost").filter(pl.col("m") == prev).sum().alias("last"),
        ).with_columns(pl.lit(label).alias("by"), (pl.col("this") - pl.col("last")).alias("change")).collect()
        frames.append(g)
    return pl.concat(frames).sort(pl.col("change").abs(), descending=True).head(8).select("by", "name", "last", "this", "change")


def _reconcile(store: Store, days: list[date]) -> tuple[pl.DataFrame | None, str]:
    try:
        from finops.reconcile import reconcile
    except ImportError:
        return None, "reconciliation is not available in this build"
    res = reconcile(store, days[0], days[-1])
    s = res.summary
    note = (f"billed ${s['billed_usd']:,.2f}; explained ${s['explained_usd']:,.2f}; unexplained ${s['unexplained_usd']:,.2f} "
            f"({s['unexplained_pct']:.2f}% of billed)")
    return res.causes.select("cause", "provider", "projects", "start", "end", "dollar_impact"), note


def _cogs(store: Store, config: ConfigFile, month: str) -> pl.DataFrame | None:
    try:
        from models.cogs.report import unit_economics

        frame = unit_economics(store, config, month)
        return frame if frame.height else None
    except Exception:  # noqa: BLE001 - a missing COGS setup must not sink the report
        return None


def _carbon(store: Store, month: str) -> pl.DataFrame | None:
    try:
        from models.energy.carbon import carbon_by
    except ImportError:
        return None
    frame = carbon_by(store, "feature", month)
    return frame.select("feature", "requests", "wh_low", "wh_high", "gco2e_low", "gco2e_high", "cost_usd") if frame.height else None


def _fmt_interval(t: tuple[float, float, float, float, float]) -> str:
    return f"${t[0]:,.2f} (80%: ${t[1]:,.2f}–${t[2]:,.2f}; 95%: ${t[3]:,.2f}–${t[4]:,.2f})"


def _md_table(frame: pl.DataFrame, money: tuple[str, ...] = ()) -> str:
    head = "| " + " | ".join(frame.columns) + " |\n|" + "---|" * len(frame.columns) + "\n"
    rows = []
    for row in frame.iter_rows():
        cells = [f"{v:,.2f}" if c in money and isinstance(v, float) else (f"{v:,.3g}" if isinstance(v, float) else str(v))
                 for c, v in zip(frame.columns, row)]
        rows.append("| " + " | ".join(cells) + " |")
    return head + "\n".join(rows) + "\n"


def headline(r: MonthlyReport) -> list[tuple[str, str]]:
    acc = "not enough history"
    if r.last_month_accuracy:
        m, f, a = r.last_month_accuracy
        acc = f"{m}: forecast ${f:,.2f} vs actual ${a:,.2f} ({(f - a) / a * 100:+.1f}%)" if a else f"{m}: no spend"
    return [
        ("Month to date (billed, inference USD)", f"${r.actual_mtd:,.2f} through {r.last_day}"),
        (f"End of {r.month} (estimated)", _fmt_interval(r.month_end)),
        (f"{r.next_month_label} (estimated)", _fmt_interval(r.next_month)),
        ("Last month's forecast accuracy", acc),
    ]


def to_markdown(r: MonthlyReport) -> str:
    import plotext as plt

    plt.clear_figure()
    plt.plotsize(90, 18)
    plt.theme("clear")
    d = r.daily
    labels = [x.strftime("%d/%m/%Y") for x in d["day"]]
    plt.date_form("d/m/Y")
    act = d.filter(pl.col("actual").is_not_null())
    fc = d.filter(pl.col("forecast").is_not_null())
    if act.height:
        plt.plot([x.strftime("%d/%m/%Y") for x in act["day"]], act["actual"].to_list(), label="actual (billed)")
    if fc.height:
        plt.plot([x.strftime("%d/%m/%Y") for x in fc["day"]], fc["forecast"].to_list(), label="forecast (estimated)")
    plt.title("Daily inference spend, USD")
    import re

    chart = re.sub(r"\x1b\[[0-9;]*m", "", plt.build()) if labels else ""
    out = [f"# AI spend report, {r.month}", ""]
    out += [f"- **{k}**: {v}" for k, v in headline(r)]
    out += ["", "```", chart, "```", "", "## Spend by provider (billed, each bill's currency)", "", _md_table(r.by_provider, ("billed",))]
    out += ["## Budgets and quotas", ""] + ([f"- {b}" for b in r.budgets] or ["- no budgets configured ([[budgets]] in finops.toml)"])
    out += ["", "## Top movers (same days of last month)", "", _md_table(r.movers, ("last", "this", "change"))]
    out += ["## Reconciliation", "", r.reconcile_note, ""] + ([_md_table(r.reconcile, ("dollar_impact",))] if r.reconcile is not None and r.reconcile.height else ["No drift causes found."])
    out += ["", "## COGS", ""] + ([_md_table(r.cogs.head(12))] if r.cogs is not None else ["COGS rules are not configured ([cogs] in finops.toml)."])
    out += ["", "## Energy and carbon (estimated)", ""] + ([_md_table(r.carbon)] if r.carbon is not None else ["No request logs for this month."])
    out += [""] + [f"_Note: {n}_" for n in r.notes]
    return "\n".join(out) + "\n"


def _html_table(frame: pl.DataFrame) -> str:
    head = "".join(f"<th>{escape(c)}</th>" for c in frame.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(f'{v:,.2f}' if isinstance(v, float) else str(v))}</td>" for v in row) + "</tr>"
        for row in frame.iter_rows()
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def to_html(r: MonthlyReport) -> str:
    from finops.report.svg import line_chart

    d = r.daily
    chart = line_chart(d["day"].to_list(), d["actual"].to_list(), d["forecast"].to_list(), d["lo80"].to_list(), d["hi80"].to_list(),
                       "Daily inference spend, USD: actual (billed) and forecast with 80% band (estimated)")
    parts = [f"<h1>AI spend report, {escape(r.month)}</h1><dl>"]
    parts += [f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in headline(r)]
    parts += ["</dl>", chart, "<h2>Spend by provider (billed)</h2>", _html_table(r.by_provider)]
    parts += ["<h2>Budgets and quotas</h2><ul>" + "".join(f"<li>{escape(b)}</li>" for b in r.budgets) + "</ul>"]
    parts += ["<h2>Top movers</h2>", _html_table(r.movers), "<h2>Reconciliation</h2>", f"<p>{escape(r.reconcile_note)}</p>"]
    if r.reconcile is not None and r.reconcile.height:
        parts.append(_html_table(r.reconcile))
    parts += ["<h2>COGS</h2>", _html_table(r.cogs.head(12)) if r.cogs is not None else "<p>COGS rules are not configured.</p>"]
    parts += ["<h2>Energy and carbon (estimated)</h2>", _html_table(r.carbon) if r.carbon is not None else "<p>No request logs.</p>"]
    style = ("body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;color:#222}"
             "table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ccc;padding:.2rem .5rem;text-align:right}"
             "dt{font-weight:bold}dd{margin:0 0 .4rem 1rem}")
    return f"<!doctype html><html><head><meta charset='utf-8'><title>AI spend {escape(r.month)}</title><style>{style}</style></head><body>{''.join(parts)}</body></html>\n"
