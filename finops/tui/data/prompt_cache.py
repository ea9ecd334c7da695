"""Prompt-cache figures for the dashboard: a thin adapter over finops.metrics.cache (the CLI's figures).

The figures, the tables and the chart follow the dashboard's period and its provider,
project and feature filters, as `finops cache --since --until --provider --project
--feature` prints them (finops.metrics.cache.Scope). The chart is the daily hit rate,
logged and metered.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from finops.metrics.cache import CacheView, Scope, cache_view, coverage_line
from finops.metrics.figure import Figure
from finops.models.money import money_sum
from finops.tui.data.context import DashboardContext
from finops.tui.data.overview import period_of
from finops.tui.data.series import ChartSpec, Series
from finops.tui.filters import Filters

KINDS = {"saved_usd": "money", "write_premium_usd": "money", "lost_miss_usd": "money", "lost_eviction_usd": "money",
         "lost_usd": "money", "hit_rate_pct": "float", "added_usd_per_month": "money", "growth_pct_per_week": "float",
         "median_first": "float", "median_last": "float", "p90_last": "float", "usd_per_month_5m": "money",
         "usd_per_month_1h": "money", "saving_usd_per_month": "money", "write_amplification_pct": "float"}
LABELS = {"input": "cacheable input", "hit_rate_pct": "hit rate %", "saved_usd": "saved", "write_premium_usd": "write premium",
          "lost_miss_usd": "lost: misses", "lost_eviction_usd": "lost: evictions", "lost_usd": "lost",
          "growth_pct_per_week": "%/week", "added_usd_per_month": "adds/month", "median_first": "median first",
          "median_last": "median last", "p90_last": "p90 last", "saving_usd_per_month": "saving/month",
          "write_amplification_pct": "writes unread %",
          "usd_per_month_5m": "$/month 5m", "usd_per_month_1h": "$/month 1h"}


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
    coverage: str = ""  # per request-log source: requests with cache counts ("no cache counts in this log")

    def days_of(self, feature: str) -> pl.DataFrame:
        """One feature's days (logged rows): the drill-down."""
        part = self.rows.filter((pl.col("provenance") == "logged") & (pl.col("feature") == feature))
        return part.group_by("day").agg(pl.col("requests", "input", "reads", "missed_reads", "evicted_reads").sum(),
                                        money_sum(pl.col("saved_usd", "lost_miss_usd", "lost_eviction_usd"))).with_columns(
            pl.when(pl.col("input") > 0).then(pl.col("reads") / pl.col("input") * 100).alias("hit_rate_pct")
        ).sort("day")


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
    view: CacheView = cache_view(ctx.core, start, end, scope=Scope(filters.provider, filters.project, filters.feature))
    rows = view.rows
    from finops.models.cache.table import summed

    by_feature = summed(rows.filter(pl.col("provenance") == "logged"), ["feature"]).select(
        "feature", "requests", "input", "reads", "hit_rate_pct", "saved_usd", "write_premium_usd",
        "write_amplification_pct", "lost_miss_usd", "lost_eviction_usd")
    growth = view.growth.select("feature", "weeks", "median_first", "median_last", "p90_last", "growth_pct_per_week",
                                "added_usd_per_month", "finding")
    eps = view.episodes
    ttl = view.ttl.select("feature", "provider", "model", "current_ttl", "advice", "usd_per_month_5m", "usd_per_month_1h",
                          "saving_usd_per_month")
    return PromptCacheData(view.figures, by_feature, growth, eps, ttl, rows, hit_rate_chart(rows), view.notes,
                           coverage_line(view.sources))
