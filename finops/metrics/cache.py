"""Prompt-cache figures, defined once (docs/cache.md): hit rate, dollars saved, write premium, dollars lost.

`cache_view(ctx, since, until)` builds every row once: logged rows (request log) and
metered rows (providers' usage) per UTC day, provider, model, project, key and feature,
priced at the context's catalog; misses from the log's own baseline; evictions from the
reconcile run at the same catalog (its cache_eviction cause, so the dollars equal the
reconcile summary's "cache evictions" term over the same days). The CLI, the dashboard,
the report and the export read the view's figures and tables; none recomputes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import TYPE_CHECKING, Any, Final

import polars as pl

from finops.metrics.figure import Figure
from finops.models.cache import misses, money, prefix, table, ttl, writes
from finops.models.cache.days import LOGGED, METERED
from finops.models.cache.evictions import apportion
from finops.models.money import money_sum, money_total

if TYPE_CHECKING:
    from finops.context import Context

NO_COUNTS: Final = "no cache counts in this log"
NO_WRITES: Final = "no cache writes with timestamps to judge (raw request log, TTL ended in the period)"
BY: Final = {"feature": "feature", "model": "model", "project": "project_id", "key": "api_key_id", "provider": "provider",
             "day": "day"}


@dataclass(frozen=True)
class CacheView:
    start: date
    end: date
    rows: pl.DataFrame  # fine rows: CACHE_DAYS + rates, saved/premium, missed/evicted reads, lost dollars
    series: pl.DataFrame  # per (day, feature, provider): hit rate, baseline, miss flag
    episodes: pl.DataFrame  # runs of miss days per series with their lost dollars
    sources: pl.DataFrame  # per request-log source: requests, counted
    prefix_weeks: pl.DataFrame  # per feature and week: requests, median and p90 cached prefix
    growth: pl.DataFrame  # per feature: prefix growth %/week, monthly dollars it adds, finding
    ttl: pl.DataFrame  # per feature, provider, model: 5m vs 1h monthly cost, advice
    figures: tuple[Figure, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)

    def get(self, name: str) -> Figure:
        return next(f for f in self.figures if f.name == name)

    def by(self, dim: str) -> pl.DataFrame:
        """Rows summed per `dim` (feature, model, project, key, provider, day) and provenance.
        By feature there are no metered rows: the providers' usage carries no feature."""
        col = BY[dim]
        rows = self.rows.filter(pl.col("provenance") == LOGGED) if col == "feature" else self.rows
        return table.summed(rows, [col])

    def to_dict(self, dim: str = "feature") -> dict[str, Any]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat(), "by": dim,
                "figures": [f.to_dict() for f in self.figures],
                "rows": self.by(dim).to_dicts(),
                "miss_episodes": self.episodes.to_dicts(),
                "prefix_growth": self.growth.to_dicts(), "prefix_weeks": self.prefix_weeks.to_dicts(),
                "ttl_advice": self.ttl.to_dicts(),
                "coverage": self.sources.to_dicts(), "notes": list(self.notes)}


# What a % figure without a value says on every surface (never 0 %).
ABSENT: Final = {"cache_hit_rate": "no cache counts", "cache_hit_rate_metered": "no metered usage",
                 "cache_write_amplification": "no writes to judge"}


def shown(f: Figure) -> str:
    """A cache figure's value as the CLI, the dashboard and the report print it."""
    if f.unit == "%" and f.value is None:
        return ABSENT.get(f.name, "n/a")
    return f.money()


def coverage_line(sources: pl.DataFrame) -> str:
    """Per request-log source, how many requests logged cache counts; "no cache counts" where none did."""
    if sources.height == 0:
        return "Coverage: no request log in the period (metered figures only)"
    parts = []
    for r in sources.iter_rows(named=True):
        name = r["source"] or "(no source)"
        if not r["counted"]:
            parts.append(f"{name}: {r['requests']:,} requests, {NO_COUNTS}")
        else:
            parts.append(f"{name}: {r['counted']:,} of {r['requests']:,} requests with cache counts")
    return "Coverage: " + "; ".join(parts)


def _sum(frame: pl.DataFrame, col: str) -> float | None:
    """A dollar sum, null (unpriced) when a row with tokens has no price."""
    if frame.height == 0:
        return 0.0
    if frame[col].null_count():
        return None
    return money_total(frame[col])


def _figures(rows: pl.DataFrame, start: date, end: date) -> tuple[list[Figure], list[str]]:
    logged = rows.filter(pl.col("provenance") == LOGGED)
    metered = rows.filter(pl.col("provenance") == METERED)
    notes: list[str] = []
    counted = int(logged["counted"].sum() or 0)

    def fig(name: str, title: str, scope: str, value: float | None, unit: str, prov: str, note: str = "",
            unpriced: int = 0, extra: dict[str, Any] | None = None) -> Figure:
        return Figure(name, title, scope, value, unit, prov, start, end, unpriced=unpriced, note=note,  # type: ignore[arg-type]
                      extra=extra or {})

    def rate(frame: pl.DataFrame, ok: bool) -> float | None:
        inp = int(frame["input"].sum() or 0)
        return float(frame["reads"].sum()) / inp * 100 if ok and inp else None

    def unpriced(frame: pl.DataFrame, col: str) -> int:
        return int(frame[col].null_count())

    has_counts = counted > 0
    if not has_counts and logged.height:
        notes.append(f"request log: {NO_COUNTS} (no request logged cache reads or writes): no logged hit rate")
    figs = [
        fig("cache_hit_rate", "Cache hit rate", "reads / cacheable input", rate(logged, has_counts), "%", "logged",
            "" if has_counts else NO_COUNTS,
            extra={"reads": int(logged["reads"].sum() or 0), "cacheable_input": int(logged["input"].sum() or 0),
                   "requests": int(logged["requests"].sum() or 0), "counted_requests": counted}),
        fig("cache_hit_rate_metered", "Cache hit rate", "reads / input", rate(metered, metered.height > 0), "%", "metered",
            "" if metered.height else "no metered usage in the period",
            extra={"reads": int(metered["reads"].sum() or 0), "input": int(metered["input"].sum() or 0)}),
        fig("cache_saved", "Saved by cache reads", "vs uncached input price", _sum(logged, "saved_usd"), "USD", "logged",
            "cache reads x (uncached − read rate), catalog", unpriced(logged, "saved_usd")),
        fig("cache_write_premium", "Cache write premium", "over uncached input price", _sum(logged, "write_premium_usd"), "USD",
            "logged", "cache writes x (write − uncached rate), catalog", unpriced(logged, "write_premium_usd")),
        fig("cache_lost_misses", "Lost to cache misses", "reads the log expected", _sum(logged, "lost_miss_usd"), "USD",
            "estimated", "missed reads x (uncached − read rate) on miss days", unpriced(logged, "lost_miss_usd"),
            extra={"missed_reads": int(logged["missed_reads"].sum() or 0)}),
        fig("cache_lost_evictions", "Lost to cache evictions", "metered as uncached", _sum(logged, "lost_eviction_usd"), "USD",
            "estimated", "reconcile's cache_eviction tokens x catalog rate",
            extra={"evicted_reads": int(logged["evicted_reads"].sum() or 0)}),
    ]
    judged, unread = int(logged["writes_judged"].sum() or 0), int(logged["writes_unread"].sum() or 0)
    figs.insert(4, fig(
        "cache_write_amplification", "Write amplification", "writes not read within TTL",
        unread / judged * 100 if judged else None, "%", "estimated",
        "writes no later request of the feature read within their TTL / writes judged" if judged else NO_WRITES,
        extra={"writes": int(logged["writes_5m"].sum() or 0) + int(logged["writes_1h"].sum() or 0), "writes_judged": judged,
               "writes_unread": unread, "unread_premium_usd": _sum(logged, "unread_premium_usd")}))
    lm, le = figs[5].value, figs[6].value
    figs.append(fig("cache_lost", "Lost to the cache", "misses + evictions", None if lm is None or le is None else lm + le,
                    "USD", "estimated", "lost to misses + lost to evictions"))
    return figs, notes


@dataclass(frozen=True)
class Scope:
    """What the view is narrowed to (the dashboard's filters, `finops cache --provider --project --feature`);
    None = all. Misses and evictions are found on every row first, so a narrowed view shows the same
    episode and dollars as the whole one, only fewer of them."""

    provider: str | None = None
    project: str | None = None
    feature: str | None = None

    def rows(self, frame: pl.DataFrame) -> pl.DataFrame:
        if self.provider:
            frame = frame.filter(pl.col("provider").str.to_lowercase() == self.provider.lower())
        if self.project:
            frame = frame.filter(pl.col("project_id") == self.project)
        if self.feature:
            frame = frame.filter(pl.col("feature") == self.feature)
        return frame

    def series(self, frame: pl.DataFrame, logged: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
        """Per-series rows (episodes, growth, TTL advice) of the series that have logged rows in scope."""
        if not (self.provider or self.project or self.feature):
            return frame
        return frame.join(logged.select(keys).unique(), on=keys, how="semi")

    def text(self) -> str:
        return ", ".join(f"{k} {v}" for k, v in (("provider", self.provider), ("project", self.project),
                                                  ("feature", self.feature)) if v)


def cache_view(ctx: "Context", since: date | None = None, until: date | None = None,
               evicted: pl.DataFrame | None = None, scope: Scope = Scope()) -> CacheView:
    """Every cache row and figure of [since, until] (default: the first logged day to the as-of day), in `scope`."""
    from finops.metrics.reconcile import cause_dollars, run
    from finops.services import cache as service

    end = until or ctx.as_of
    conf = service.settings(ctx.config)
    rule = conf.miss
    history = (since - timedelta(days=rule.window_days)) if since else None
    logged = service.logged(ctx.store, history, end, ctx.identity)
    start = since or (logged["day"].min() if logged.height else end)
    assert isinstance(start, date)
    priced = money.with_money(logged, ctx.catalog)
    series = misses.series_days(priced, rule)
    rows = misses.with_missed(priced, series).with_columns(money.read_gap_usd(pl.col("missed_reads")).alias("lost_miss_usd"))
    rows = rows.filter(pl.col("day") >= start)
    series = series.filter(pl.col("day") >= start)
    if evicted is None:
        result = run(ctx, start, end)
        ev = cause_dollars(result, "cache_eviction").filter(pl.col("token_class") == "input_uncached")
        # The +uncached row carries the evicted tokens; its −read twin is priced in the same cause sum.
        usd = cause_dollars(result, "cache_eviction").group_by("day", "provider", "model", "project_id", "api_key_id").agg(
            money_sum(pl.col("usd")).alias("lost_eviction_usd"))
        evicted = ev.select("day", "provider", "model", "project_id", "api_key_id", pl.col("tokens").alias("evicted_reads")).join(
            usd, on=["day", "provider", "model", "project_id", "api_key_id"], how="left")
    rows = apportion(evicted, rows)
    # Writes are judged up to the end of the period's last day: a later read is outside what was read.
    horizon = datetime.combine(end + timedelta(days=1), time(), tzinfo=timezone.utc)
    unread = writes.unread_writes(service.requests(ctx.store, start, end, ctx.identity), horizon).collect()
    rows = writes.with_unread(rows, unread)
    metered = money.with_money(service.metered(ctx.store, start, end), ctx.catalog).with_columns(
        pl.lit(0, pl.Int64).alias("missed_reads"), pl.lit(0, pl.Int64).alias("evicted_reads"),
        pl.lit(0.0).alias("lost_miss_usd"), pl.lit(0.0).alias("lost_eviction_usd"),
        pl.lit(0, pl.Int64).alias("writes_judged"), pl.lit(0, pl.Int64).alias("writes_unread"),
        pl.lit(0.0).alias("unread_premium_usd"))
    every = scope.rows(pl.concat([rows, metered.select(rows.columns)], how="vertical_relaxed"))
    figs, notes = _figures(every, start, end)
    in_scope = every.filter(pl.col("provenance") == LOGGED)
    eps = scope.series(misses.episodes(series, rows), in_scope, ["feature", "provider"])
    series = scope.series(series, in_scope, ["feature", "provider"])
    weeks, grow, ttl_rows, more = _prefix_and_ttl(ctx, every, conf, start, end)
    weeks, grow = (scope.series(f, in_scope, ["feature"]) for f in (weeks, grow))
    ttl_rows = scope.series(ttl_rows, in_scope, ["feature", "provider", "model"])
    figs += _prefix_figures(grow, ttl_rows, conf, start, end)
    if scope.text():
        notes.append(f"narrowed to {scope.text()}")
    return CacheView(start, end, every, series, eps, service.sources(ctx.store, start, end, scope, ctx.identity), weeks, grow, ttl_rows,
                     tuple(figs), tuple([*notes, *more]))


def _prefix_and_ttl(ctx: "Context", rows: pl.DataFrame, conf: Any, start: date, end: date
                    ) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, list[str]]:
    """Weekly prefix medians, growth per feature (window ending `end`), TTL advice (last days)."""
    from finops.services import cache as service

    # Growth and TTL look back from the period's last day over their own windows, whatever the period's
    # start: a month's report still sees a 12-week trend.
    g_start = end - timedelta(weeks=conf.growth.window_weeks) + timedelta(days=1)
    t_start = end - timedelta(days=conf.ttl_window_days - 1)
    reqs = service.prefix_requests(ctx.store, min(g_start, t_start), end, ctx.identity)
    notes = [prefix.NO_PREFIX_ID] if reqs.height else []
    weeks = prefix.weekly(reqs)
    grow = prefix.growth(weeks, prefix.prefix_cost(rows, end, min(conf.ttl_window_days, (end - start).days + 1)), end, conf.growth)
    recent = reqs.filter(pl.col("ts").dt.date() >= t_start)
    rate_keys = recent.select(pl.lit(end).alias("day"), "provider", "model").unique()
    rates = money.rates(rate_keys, ctx.catalog).drop("day")
    ttl_rows = ttl.advice(recent, rates, (end - t_start).days + 1)
    current = rows.filter((pl.col("provenance") == LOGGED) & (pl.col("day") >= t_start)).group_by(
        "feature", "provider", "model").agg(
        pl.when(pl.col("writes_1h").sum() > pl.col("writes_5m").sum()).then(pl.lit("1h")).otherwise(pl.lit("5m")).alias("current_ttl"))
    ttl_rows = ttl_rows.join(current, on=["feature", "provider", "model"], how="left").with_columns(
        pl.when(pl.col("provider") != "anthropic").then(pl.lit("automatic")).otherwise(pl.col("current_ttl")).alias("current_ttl"))
    return weeks, grow, ttl_rows, notes


def _prefix_figures(grow: pl.DataFrame, ttl_rows: pl.DataFrame, conf: Any, start: date, end: date) -> list[Figure]:
    found = grow.filter(pl.col("finding"))
    added = None if found["added_usd_per_month"].null_count() else money_total(found["added_usd_per_month"])
    switch = ttl_rows.filter(pl.col("advice").is_in(["5m", "1h"]) & (pl.col("advice") != pl.col("current_ttl")))
    saving = None if switch["saving_usd_per_month"].null_count() else money_total(switch["saving_usd_per_month"])
    return [
        Figure("cache_prefix_growth_added", "Prefix growth", f"features above {conf.growth.max_pct_per_week:g}%/week, per month",
               added, "USD/month", "estimated", start, end, note="(last − first weekly median prefix) x requests per 30 days x "
               "cost per prefix token", extra={"features": found["feature"].to_list()}),
        Figure("cache_ttl_saving", "TTL advice", "switching cache TTL, per month", saving, "USD/month", "estimated", start, end,
               note="5m vs 1h writes modelled from request gaps", extra={"switch": switch.select(
                   "feature", "model", "current_ttl", "advice").to_dicts()}),
    ]
