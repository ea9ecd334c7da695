"""The dashboard's view of billed spend: cost lines under the global filters, and the movers table.

Sums, conversion and spreading are finops.metrics.spend (one definition for every surface);
this module only applies the dashboard's filters and ranks movers. Money is never summed
across currencies: every aggregate keeps `currency` as a key.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta  # noqa: F401

import polars as pl

from finops.metrics.spend import UNATTRIBUTED, amortized, daily, spend_lines  # noqa: F401  (one definition, re-exported)
from finops.models.money import money_sum
from finops.tui.filters import Filters, apply

_SNAPSHOT_SUFFIX = r"-(\d{8}|\d{4}-\d{2}-\d{2})$"


def short_model(name: pl.Expr) -> pl.Expr:
    """A model snapshot without its date suffix (gpt-4.1-2025-04-14 -> gpt-4.1), for display."""
    return name.str.replace(_SNAPSHOT_SUFFIX, "")


def project_feature_map(feature_projects: Mapping[str, Sequence[str]]) -> dict[str, str]:
    """project -> feature for projects that serve exactly one feature in the request logs."""
    owners: dict[str, set[str]] = {}
    for feature, projects in feature_projects.items():
        for p in projects:
            owners.setdefault(p, set()).add(feature)
    return {p: next(iter(f)) for p, f in owners.items() if len(f) == 1}


def cost_frame(
    cost_lines: pl.LazyFrame,
    filters: Filters,
    feature_projects: Mapping[str, Sequence[str]],
    *,
    dates: bool = True,
) -> pl.LazyFrame:
    """Filtered cost lines as finops.metrics.spend.spend_lines (day, provider, model, project, feature, currency, cost, ...)."""
    lf = apply(cost_lines, "cost_lines", filters, feature_projects, dates=dates)
    return spend_lines(lf, project_feature_map(feature_projects))


def provenances(frame: pl.LazyFrame) -> tuple[str, ...]:
    return tuple(sorted(frame.select(pl.col("provenance").unique()).collect().to_series().to_list()))


def movers(
    frame: pl.LazyFrame, end: date, currency: str, window: int = 7, top: int = 12
) -> pl.DataFrame:
    """Biggest changes in spend: the last `window` days up to `end` vs the window before.

    One row per (dimension, key) over model, project and feature, ranked by the absolute
    dollar change; `pct` is null when the earlier window had no spend.
    """
    cur_start = end - timedelta(days=window - 1)
    prev_start = cur_start - timedelta(days=window)
    lf = frame.filter((pl.col("currency") == currency) & (pl.col("day") >= prev_start) & (pl.col("day") <= end))
    parts = []
    for dim in ("model", "project", "feature"):
        parts.append(
            lf.group_by(pl.col(dim).alias("key"))
            .agg(
                money_sum(pl.col("cost").filter(pl.col("day") >= cur_start)).alias("current"),
                money_sum(pl.col("cost").filter(pl.col("day") < cur_start)).alias("previous"),
            )
            .with_columns(pl.lit(dim).alias("dimension"))
        )
    out = pl.concat(parts).collect() if parts else pl.DataFrame()
    if out.height == 0:
        return pl.DataFrame(
            schema={"dimension": pl.String, "key": pl.String, "label": pl.String, "current": pl.Float64, "previous": pl.Float64,
                    "delta": pl.Float64, "pct": pl.Float64}
        )
    return (
        out.with_columns((pl.col("current") - pl.col("previous")).alias("delta"))
        .with_columns(
            pl.when(pl.col("previous") > 0).then(pl.col("delta") / pl.col("previous") * 100).otherwise(None).alias("pct")
        )
        .filter(pl.col("key").fill_null("") != "")
        # Rounded: parallel sums differ in the last bits, and equal changes (a feature and its
        # only project) must keep the same order on every run.
        .sort(pl.col("delta").abs().round(6), "dimension", "key", descending=[True, False, False])
        .head(top)
        .with_columns(
            pl.when(pl.col("dimension") == "model").then(short_model(pl.col("key"))).otherwise(pl.col("key")).alias("label")
        )
        .select("dimension", "key", "label", "current", "previous", "delta", "pct")
    )
