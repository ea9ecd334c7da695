"""How a screen's table shows a frame: column label and kind (money, int, pct, provenance...)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import polars as pl

# money: null is "unpriced"; unit_money: per-unit money with 4 decimals, null is "—" (no units);
# pct: a signed change; share: an unsigned part of a whole, in percent.
KINDS = ("text", "money", "unit_money", "int", "float", "pct", "share", "provenance", "date")


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = "text"  # one of KINDS
    currency: str = "USD"


def columns_for(
    frame: pl.DataFrame,
    kinds: Mapping[str, str],
    currency: str,
    labels: Mapping[str, str] | None = None,
    hidden: Iterable[str] = (),
) -> tuple[Column, ...]:
    """One Column per frame column (in frame order), numeric kinds inferred when not given."""
    labels = labels or {}
    skip = set(hidden)
    out = []
    for name, dtype in frame.schema.items():
        if name in skip:
            continue
        kind = kinds.get(name) or ("int" if dtype.is_integer() else "float" if dtype.is_float() else "text")
        out.append(Column(name, labels.get(name, name.replace("_", " ")), kind, currency))
    return tuple(out)


# The one place that says which columns of each dashboard table matter (issue 22): a table
# keeps these at any width, most important first; the others show, left to right, while they
# fit whole, and `w` shows every column with horizontal scrolling. Keyed by the table's widget
# id. Each set fits 76 cells (an 80-column terminal less the body padding and a scrollbar) on
# the sample; tests/test_tui_widths.py checks it at 80x24 and 120x40.
KEY_COLUMNS: dict[str, tuple[str, ...]] = {
    "movers": ("label", "delta", "pct"),
    "sources": ("table", "source", "rows", "last_day", "last_error"),
    "alerts": ("state", "alert", "since"),
    "findings": ("cause", "dollar_impact", "provider", "projects", "start"),
    "drift": ("delta_usd", "project_id", "model_name", "token_class"),
    "coverage": ("usd", "reason", "project_id", "model"),
    "drill-table": ("day", "delta_usd", "delta_pct", "local", "billed", "billed_per_million", "catalog_per_million",
                    "price_diff_usd", "token_class"),
    "cogs-table": ("feature", "cost_per_task", "cost", "gross_margin", "revenue_per_task", "provenance"),
    "forecast-table": ("series", "next", "next_lo80", "next_hi80"),
    "carbon-table": ("feature", "wh_per_task", "gco2e_per_task", "kwh", "kgco2e"),
    "carbon-models": ("model_name", "wh_per_request", "gco2e_per_request", "tokens_per_wh"),
    "cache-table": ("feature", "hit_rate_pct", "saved_usd", "lost_miss_usd", "lost_eviction_usd"),
    "cache-episodes": ("feature", "start", "end", "lost_usd"),
    "cache-growth": ("feature", "growth_pct_per_week", "added_usd_per_month", "finding"),
    "cache-ttl": ("feature", "model", "saving_usd_per_month"),
    "cache-days": ("day", "hit_rate_pct", "saved_usd", "lost_miss_usd", "lost_eviction_usd"),
}


def fit_columns(table_id: str | None, columns: Sequence[Column], widths: Sequence[int], room: int) -> tuple[Column, ...]:
    """The columns shown in `room` cells: every column if they fit, else the key columns and, left to
    right, the others while they fit whole (a column is shown entirely or not at all)."""
    if room <= 0 or sum(widths) <= room:
        return tuple(columns)
    keys = KEY_COLUMNS.get(table_id or "", ())
    width = dict(zip((c.key for c in columns), widths))
    ranked = [k for k in keys if k in width] + [c.key for c in columns if c.key not in keys]
    shown: set[str] = set()
    used = 0
    for i, key in enumerate(ranked):
        # The first column always shows (a table that shows nothing helps nobody); key columns
        # past the room are left out like any other: horizontal scroll (w) still reaches them.
        if i == 0 or used + width[key] <= room:
            shown.add(key)
            used += width[key]
    return tuple(c for c in columns if c.key in shown)
