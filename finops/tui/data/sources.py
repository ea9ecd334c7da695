"""The Sources screen's table: per (table, source) rows, date range, sync state, rows in the filter."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import polars as pl

from finops.models.money import money_total
from finops.status import SOURCE_COLUMN
from finops.tui.data.context import DashboardContext
from finops.tui.filters import Filters, apply

if TYPE_CHECKING:
    from finops.tui.data.alerts import AlertPanel


@dataclass(frozen=True)
class SourcesData:
    frame: pl.DataFrame  # table, source, rows, rows_in_filter, first_day, last_day, provenance, watermark, last_sync, last_error
    configured: tuple[str, ...]  # sources named in finops.toml [sources.*]
    live: tuple[str, ...] = ()  # sources "sync now" pulls (empty when the connectors are absent)
    alerts: "AlertPanel | None" = None  # alerts firing and recent events (finops alert check)
    # table, provider, model, tokens, ... estimate_model, estimated_usd: tokens the catalog has no price for
    unpriced: pl.DataFrame = field(default_factory=pl.DataFrame)


def rows_in_filter(ctx: DashboardContext, filters: Filters) -> pl.DataFrame:
    frames = []
    for table, column in SOURCE_COLUMN.items():
        lf = apply(ctx.store.scan(table), table, filters, ctx.dims.feature_projects)
        frames.append(
            lf.group_by(pl.col(column).fill_null("?").alias("source"))
            .agg(pl.len().alias("rows_in_filter"))
            .with_columns(pl.lit(table).alias("table"))
            .collect()
        )
    return pl.concat(frames).select("table", "source", "rows_in_filter")


def configured_sources(ctx: DashboardContext) -> tuple[str, ...]:
    sources = ctx.section("sources")
    # [sources.requests.<name>] describes request logs (how to read them), not a provider to sync
    return tuple(sorted(k for k, v in sources.items() if isinstance(v, dict) and k != "requests"))


def load_sources(ctx: DashboardContext, filters: Filters) -> SourcesData:
    from finops.status import source_status
    from finops.store import Watermarks

    status = source_status(ctx.store)
    errors = pl.DataFrame(
        [(k, v.last_error) for k, v in Watermarks(ctx.store.root).all().items()],
        schema={"source": pl.String, "last_error": pl.String},
        orient="row",
    )
    frame = (
        status.join(rows_in_filter(ctx, filters), on=["table", "source"], how="left")
        .join(errors, on="source", how="left")
        .with_columns(pl.col("rows_in_filter").fill_null(0))
        .select("table", "source", "rows", "rows_in_filter", "first_day", "last_day", "provenance",
                "watermark", "last_sync", "last_error")
    )
    from finops.tui.data.alerts import load_alert_panel
    from finops.tui.data.sync_link import syncable

    from finops.services.pricing import unpriced_volume

    return SourcesData(frame, configured_sources(ctx), syncable(ctx), load_alert_panel(ctx),
                       unpriced_volume(ctx.store, ctx.core.catalog))


def unpriced_note(unpriced: pl.DataFrame, top: int = 3) -> str:
    """One line for the Sources screen: the unpriced tokens per table and the largest models ("" when none)."""
    if unpriced.height == 0:
        return ""
    parts = []
    for table, label in (("requests", "logged"), ("billed_usage", "metered")):
        rows = unpriced.filter(pl.col("table") == table).sort("tokens", descending=True)
        if rows.height == 0:
            continue
        names = ", ".join(f"{r['provider']}/{r['model']} {r['tokens']:,}" for r in rows.head(top).iter_rows(named=True))
        more = f" +{rows.height - top} more" if rows.height > top else ""
        est = rows["estimated_usd"].drop_nulls()
        guess = f", ~${money_total(est):,.2f} at the nearest family's price (estimated)" if est.len() else ""
        parts.append(f"{int(rows['tokens'].sum()):,} {label} token(s) unpriced ({names}{more}{guess})")
    return "Unpriced: " + "; ".join(parts) + " · `finops prices unpriced` lists them; they are never counted as $0."
