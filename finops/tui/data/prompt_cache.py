"""Prompt-cache figures for the dashboard: a thin adapter over finops.metrics.cache (the CLI's figures).

The figures cover the dashboard's period (all providers, projects and features, as
`finops cache --since --until` prints them); the tables follow the feature, provider and
project filters. The chart is the daily hit rate, logged and metered.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from finops.metrics.cache import CacheView, cache_view
from finops.metrics.figure import Figure
from finops.tui.data.context import DashboardContext
from finops.tui.data.overview import period_of
from finops.tui.data.series import ChartSpec, Series
from finops.tui.filters import Filters

KINDS = {"saved_usd": "money", "write_premium_usd": "money", "lost_miss_usd": "money", "lost_eviction_usd": "money",
         "lost_usd": "money", "hit_rate_pct": "float", "added_usd_per_month": "money", "growth_pct_per_week": "float",
         "median_first": "float", "median_last": "float", "p90_last": "float", "usd_per_month_5m": "money",
         "usd_per_month_1h": "money", "saving_usd_per_month": "money"}
LABELS = {"input": "cacheable input", "hit_rate_pct": "hit rate %", "saved_usd": "saved", "write_premium_usd": "write premium",
          "lost_miss_usd": "lost: misses", "lost_eviction_usd": "lost: evictions", "lost_usd": "lost",
          "growth_pct_per_week": "%/week", "added_usd_per_month": "adds/month", "median_first": "median first",
          "median_last": "median last", "p90_last": "p90 last", "saving_usd_per_month": "saving/month"}


@dataclass(frozen=True)
class PromptCacheData:
    figures: tuple[Figure, ...]
    by_feature: pl.DataFrame
    growth: pl.DataFrame
    episodes: pl.DataFrame
    ttl: pl.DataFrame
    rows: pl.DataFrame  # the view's fine rows under the filters (drill-down to days)
    chart: ChartSpec
    notes: tuple[str, ...] = field(default_factory=tuple)

    def days_of(self, feature: str) -> pl.DataFrame:
        """One feature's days (logged rows): the drill-down."""
        part = self.rows.filter((pl.col("provenance") == "logged") & (pl.col("feature") == feature))
        return part.group_by("day").agg(pl.col("requests", "input", "reads", "missed_reads", "evicted_reads").sum(),
                                        pl.col("saved_usd", "lost_miss_usd", "lost_eviction_usd").sum()).with_columns(
            pl.when(pl.col("input") > 0).then(pl.col("reads") / pl.col("input") * 100).alias("hit_rate_pct")
        ).sort("day")


def _filtered(rows: pl.DataFrame, filters: Filters) -> pl.DataFrame:
    for col, value in (("provider", filters.provider), ("project_id", filters.project), ("feature", filters.feature)):
        if value:
            rows = rows.filter(pl.col(col) == value)
    return rows


def hit_rate_chart(rows: pl.DataFrame) -> ChartSpec:
    series = []
    for prov in ("logged", "metered"):
        daily = rows.filter(pl.col("provenance") == prov).group_by("day").agg(pl.col("input").sum(), pl.col("reads").sum()) \
            .filter(pl.col("input") > 0).sort("day")
        if daily.height:
            series.append(Series(f"hit rate ({prov})", tuple(daily["day"].to_list()),
                                 tuple((daily["reads"] / daily["input"] * 100).to_list())))
    return ChartSpec("Cache hit rate per day (%)", tuple(series), y_label="%")


def load_prompt_cache(ctx: DashboardContext, filters: Filters) -> PromptCacheData:
    start, end = period_of(ctx, filters)
    view: CacheView = cache_view(ctx.core, start, end)
    rows = _filtered(view.rows, filters)
    from finops.models.cache.table import summed

    by_feature = summed(rows.filter(pl.col("provenance") == "logged"), ["feature"]).select(
        "feature", "requests", "input", "reads", "hit_rate_pct", "saved_usd", "write_premium_usd", "lost_miss_usd",
        "lost_eviction_usd")
    growth = view.growth.select("feature", "weeks", "median_first", "median_last", "p90_last", "growth_pct_per_week",
                                "added_usd_per_month", "finding")
    eps = view.episodes
    ttl = view.ttl.select("feature", "provider", "model", "current_ttl", "advice", "usd_per_month_5m", "usd_per_month_1h",
                          "saving_usd_per_month")
    if filters.feature:
        growth, eps, ttl = (f.filter(pl.col("feature") == filters.feature) for f in (growth, eps, ttl))
    notes = list(view.notes)
    if filters.narrowed:
        notes.append("The figures cover every provider, project and feature of the period; the tables follow the filters.")
    return PromptCacheData(view.figures, by_feature, growth, eps, ttl, rows, hit_rate_chart(rows), tuple(notes))
