"""Each rule against the figures the rest of the product shows: one Observation per subject.

A budget or quota rule reads finops.metrics.budgets (the forecaster's simulated paths, the
budget's reset timezone); an anomaly rule reads finops.services.forecast.anomalies; a
reconcile rule reads finops.metrics.reconcile's summary; a sync rule reads the sync
watermarks. Nothing here sums spend or fits a model of its own: an alert quotes the same
figure, with the same label and provenance, as the dashboard and `finops figures`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from finops import numbers
from finops.alerts.rules import Rule
from finops.metrics.figure import Figure

if TYPE_CHECKING:
    from finops.context import Context


@dataclass(frozen=True)
class Observation:
    """One subject of one rule at one check: firing or not, with the figure it was judged on."""

    rule: Rule
    subject: str  # "budget team-openai", "provider openai", "cause cache_eviction", "source openai"
    firing: bool
    figure: Figure | None
    reason: str  # one sentence an on-call reader acts on
    command: str  # the command that shows more

    @property
    def key(self) -> str:
        return f"{self.rule.name}|{self.subject}"

    def to_dict(self) -> dict[str, Any]:
        return {"subject": self.subject, "firing": self.firing, "reason": self.reason, "command": self.command,
                "figure": self.figure.to_dict() if self.figure else None}


def _hours(h: float) -> str:
    return f"{h:,.1f} h" if h < 48 else f"{h / 24:,.1f} days"


def _budget(ctx: "Context", rule: Rule) -> list[Observation]:
    from finops.metrics.budgets import budget_statuses, budget_used, quota_left

    unit = "tokens" if rule.type == "quota" else "usd"
    out = []
    for st in budget_statuses(ctx, units=(unit,)):
        b = st.budget
        if rule.budget is not None and b.name != rule.budget:
            continue
        if any(getattr(b, k) != v for k, v in rule.scope.items()):
            continue
        fig = quota_left(st) if rule.type == "quota" else budget_used(st)
        reset = st.window_end.astimezone(ZoneInfo(b.reset_timezone)).strftime("%Y-%m-%d %H:%M %Z")
        firing = st.already_hit or st.probability_hit > rule.threshold
        if st.already_hit:
            reason = f"{b.fmt(st.spent)} spent of the {b.fmt(b.cap)} cap: exhausted before the reset on {reset}"
        else:
            when = f"; median hit {st.hit_in(b.reset_timezone)}" if st.hit_at else ""
            reason = (f"{st.probability_hit:.0%} chance of reaching the {b.fmt(b.cap)} cap before the reset on {reset} "
                      f"(spent {b.fmt(st.spent)}, expected {b.fmt(st.expected)}, 80% {b.fmt(st.lo80)}–{b.fmt(st.hi80)}"
                      f"{when}; alert above {rule.threshold:.0%})")
        out.append(Observation(rule, f"{rule.type} {b.name}", firing, fig, reason, "finops forecast"))
    return out


def _anomaly(ctx: "Context", rule: Rule) -> list[Observation]:
    import polars as pl

    from finops.services.forecast import anomalies

    by, series = next(iter(rule.scope.items()), ("total", None))
    measure = "cost_per_task" if rule.type == "unit_cost_anomaly" else "spend"
    flags = anomalies(ctx.store, "dollars", by, lookback=max(rule.days, 14), spec=ctx.calendar, until=ctx.as_of,
                      cost_per_task=measure == "cost_per_task")
    flags = flags.filter(pl.col("measure") == measure)
    if series is not None:
        flags = flags.filter(pl.col("series") == series)
    names = sorted(set(flags["series"].to_list()) | ({series} if series else set()))
    recent = flags.filter((pl.col("day") > ctx.as_of - timedelta(days=rule.days)) & (pl.col("excess_usd") > 0)
                          & (pl.col("excess_usd") >= rule.threshold))
    out = []
    title = "Cost per task" if measure == "cost_per_task" else "Daily spend"
    unit = "USD/task" if measure == "cost_per_task" else "USD"
    for name in names:
        rows = recent.filter(pl.col("series") == name).sort("day")
        subject = f"{measure.replace('_', ' ')} {by} {name}" if by != "total" else f"{measure.replace('_', ' ')} total"
        if rows.height == 0:
            out.append(Observation(rule, subject, False, None, "no anomaly in the last "
                                   f"{rule.days} day(s) above ${rule.threshold:,.2f}", "finops report monthly"))
            continue
        last = rows.row(rows.height - 1, named=True)
        day: date = last["day"]
        scope = "inference" if by == "total" else f"{by} {name}"
        fig = Figure(f"anomaly:{measure}:{name}", title, scope, last["actual"], unit, "billed", day, day,
                     note=f"expected {last['expected']:,.2f}, 95% band {last['lo95']:,.2f}–{last['hi95']:,.2f}",
                     extra={"expected": last["expected"], "lo95": last["lo95"], "hi95": last["hi95"],
                            "excess_usd": last["excess_usd"], "days_flagged": rows.height})
        reason = (f"{day}: {fig.money()} against an expected {fig.money(last['expected'])} "
                  f"(95% band up to {fig.money(last['hi95'])}): ${last['excess_usd']:,.2f} beyond the usual"
                  + (f"; {rows.height} day(s) flagged in the last {rule.days}" if rows.height > 1 else ""))
        out.append(Observation(rule, subject, True, fig, reason, "finops report monthly"))
    return out


def _reconcile(ctx: "Context", rule: Rule) -> list[Observation]:
    from finops.metrics.reconcile import CAUSE_TITLES, reconcile_summary, run

    until = ctx.as_of
    since = until - timedelta(days=rule.days - 1)
    result = run(ctx, since, until, rule.scope.provider, rule.scope.project)
    summary = reconcile_summary(result, since, until)
    where = " ".join(f"--{k} {v}" for k, v in rule.scope.items())
    command = f"finops reconcile --since {since} --until {until}" + (f" {where}" if where else "")
    scope = rule.scope.text() if rule.scope.items() else "inference"
    if rule.type == "reconcile_unexplained":
        un = summary.term("unexplained")
        fig = Figure("reconcile_unexplained_pct", "Reconcile unexplained", scope, summary.unexplained_pct, "%",
                     "estimated", since, until, note=f"{un.money()} of {summary.billed.money()} billed",
                     extra={"unexplained_usd": un.value, "billed_usd": summary.billed.value})
        reason = (f"{summary.unexplained_pct:.1f}% of {summary.billed.money()} billed is unexplained ({un.money()}) "
                  f"over {since} to {until}; alert above {rule.threshold:g}%")
        return [Observation(rule, f"unexplained {scope}", summary.unexplained_pct > rule.threshold, fig, reason, command)]
    out = []
    for cause, title in CAUSE_TITLES.items():
        term = next((t for t in summary.terms if t.name == f"cause_{cause}"), None)
        value = abs(term.value or 0.0) if term else 0.0
        firing = term is not None and value > 0 and value >= rule.threshold
        reason = (f"reconcile found {title}: {term.money() if term else '$0.00'} at catalog prices over {since} to {until}"
                  f" (alert from ${rule.threshold:,.2f})")
        cause_fig: Figure | None = None
        if term is not None:
            cause_fig = Figure(term.name, f"Reconcile · {title}", scope, term.value, "USD", term.provenance, since,
                               until, note=term.note)
        out.append(Observation(rule, f"cause {cause}", firing, cause_fig, reason, command))
    return out


def _sync(ctx: "Context", rule: Rule, now: datetime) -> list[Observation]:
    from finops.store import Watermarks

    out = []
    for name, st in sorted(Watermarks(ctx.store.root).all().items()):
        if rule.scope.provider is not None and name != rule.scope.provider and not name.startswith(rule.scope.provider + ":"):
            continue
        if st.last_sync is None:
            continue
        hours = (now - st.last_sync.astimezone(timezone.utc)).total_seconds() / 3600
        fig = Figure(f"hours_since_sync:{name}", "Since last sync", name, hours, "h", "logged",
                     extra={"last_sync": st.last_sync.isoformat(timespec="seconds")})
        error = f"; last error: {st.last_error}" if st.last_error else ""
        reason = (f"{name} last synced {st.last_sync:%Y-%m-%d %H:%M} UTC, {_hours(hours)} ago "
                  f"(alert after {_hours(rule.threshold)}){error}")
        out.append(Observation(rule, f"source {name}", hours > rule.threshold, fig, reason, f"finops sync --source {name}"))
    return out


def _cache(ctx: "Context", rule: Rule) -> list[Observation]:
    """Miss episodes (cache_hit_rate) or the lost-dollar figure (cache_lost) of finops.metrics.cache, last `days` days."""
    import polars as pl

    from finops.metrics.cache import Scope, cache_view

    until = ctx.as_of
    since = until - timedelta(days=rule.days - 1)
    # cache_lost quotes the figure of its scope (the same as `finops cache --provider`); a miss rule reads every episode.
    narrowed = rule.type == "cache_lost" and rule.scope.provider is not None
    view = cache_view(ctx, since, until, scope=Scope(provider=rule.scope.provider) if narrowed else Scope())
    command = f"finops cache --since {since} --until {until}" + (f" --provider {rule.scope.provider}" if narrowed else "")
    if rule.type == "cache_lost":
        lost = view.get("cache_lost")
        value = lost.value
        scope = rule.scope.text()
        fig = Figure("cache_lost", lost.title, lost.scope if scope == "all" else f"{lost.scope}, {scope}", value, "USD", "estimated", since, until, note=lost.note)
        reason = (f"{fig.money()} lost to cache misses and evictions over {since} to {until} "
                  f"(alert from ${rule.threshold:,.2f})")
        return [Observation(rule, f"cache lost {scope}", value is not None and value > 0 and value >= rule.threshold, fig,
                            reason, command)]
    eps = view.episodes
    for key in ("provider", "feature"):
        if (v := getattr(rule.scope, key)) is not None:
            eps = eps.filter(pl.col(key) == v)
    out = []
    for e in eps.iter_rows(named=True):
        subject = f"cache miss {e['feature']} ({e['provider']}) from {e['start']}"
        fig = Figure(f"cache_miss:{e['feature']}", "Cache hit rate", f"{e['feature']} ({e['provider']})", e["hit_rate"] * 100,
                     "%", "logged", e["start"], e["end"], note=f"usual {numbers.pct(e['baseline'] * 100)}",
                     extra={"lost_usd": e["lost_usd"], "missed_reads": e["missed_reads"]})
        lost_text = "unpriced" if e["lost_usd"] is None else numbers.money(e["lost_usd"])
        reason = (f"{e['feature']} ({e['provider']}): cache hit rate {numbers.pct(e['hit_rate'] * 100)} vs "
                  f"{numbers.pct(e['baseline'] * 100)} "
                  f"usual on {e['start']}..{e['end']}, {e['missed_reads']:,} reads missed, {lost_text} lost "
                  f"(alert from ${rule.threshold:,.2f})")
        firing = e["lost_usd"] is not None and e["lost_usd"] >= rule.threshold
        out.append(Observation(rule, subject, firing, fig, reason, command))
    if not out:
        out.append(Observation(rule, "cache miss", False, None, f"no cache miss episode in the last {rule.days} day(s)",
                               command))
    return out


def evaluate(ctx: "Context", rule: Rule, now: datetime) -> list[Observation]:
    """Every subject of `rule` in the context's store, as of ctx.as_of (sync rules: as of `now`)."""
    if rule.type in ("budget", "quota"):
        return _budget(ctx, rule)
    if rule.type.endswith("_anomaly"):
        return _anomaly(ctx, rule)
    if rule.type.startswith("reconcile_"):
        return _reconcile(ctx, rule)
    if rule.type == "sync_stale":
        return _sync(ctx, rule, now)
    if rule.type.startswith("cache_"):
        return _cache(ctx, rule)
    raise AssertionError(f"rule type {rule.type} has no evaluator")  # rules.RULE_TYPES and this agree
