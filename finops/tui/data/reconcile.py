"""Reconcile figures for the dashboard: the drift table and one group's daily detail.

A thin adapter over finops.reconcile (imported lazily): it shapes that package's result
into a groups frame and a per-day detail frame under the global filters.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from finops.tui.data.availability import NotAvailable, Unavailable, optional_module
from finops.tui.data.context import DashboardContext
from finops.tui.filters import Filters


@dataclass(frozen=True)
class ReconcileData:
    groups: pl.DataFrame  # one row per drift group; `key_columns` identify it
    key_columns: tuple[str, ...]
    currency: str
    kinds: dict[str, str] = field(default_factory=dict)  # column -> money | int | pct | provenance
    labels: dict[str, str] = field(default_factory=dict)
    hidden: tuple[str, ...] = ()
    sort: str | None = None
    summary: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class DrillData:
    title: str
    days: pl.DataFrame  # one row per UTC day of the group
    currency: str
    kinds: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    sort: str | None = "day"
    notes: tuple[str, ...] = field(default_factory=tuple)


def _module():  # type: ignore[no-untyped-def]
    module = optional_module("finops.reconcile", "Reconcile", "the reconcile engine is not installed in this build yet")
    if isinstance(module, NotAvailable):
        raise Unavailable(module)
    return module


def load_reconcile(ctx: DashboardContext, filters: Filters) -> ReconcileData:
    _module()
    raise Unavailable(NotAvailable("Reconcile", "the reconcile engine is not wired into the dashboard yet"))


def load_drill(ctx: DashboardContext, filters: Filters, group: dict) -> DrillData:
    _module()
    raise Unavailable(NotAvailable("Reconcile detail", "the reconcile engine is not wired into the dashboard yet"))
