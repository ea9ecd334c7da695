"""Typed messages that workers post: data for a screen, sync progress and results.

Workers never touch widgets; they post one of these and the screen updates itself on
the UI thread. Each message carries the filters it was computed for, so a result that
arrives after the user changed the filters is dropped instead of shown.
"""

from __future__ import annotations

from typing import Any

from textual.message import Message

from finops.tui.filters import Filters


class ContextLoaded(Message):
    """The store was opened and its dimensions read (or re-read after a sync)."""

    def __init__(self, ctx: Any) -> None:
        super().__init__()
        self.ctx = ctx


class Loaded(Message):
    """Base for a screen's data: the payload and the filters it answers."""

    def __init__(self, data: Any, filters: Filters, generation: int) -> None:
        super().__init__()
        self.data = data
        self.filters = filters
        self.generation = generation


class OverviewLoaded(Loaded):
    """`data` is an OverviewData."""


class OverviewExtrasLoaded(Loaded):
    """`data` is an OverviewExtras (budget, month-end forecast, quota), fitted after the first paint."""


class SourcesLoaded(Loaded):
    """`data` is a SourcesData."""


class ReconcileLoaded(Loaded):
    """`data` is a ReconcileData."""


class DrillLoaded(Loaded):
    """`data` is a DrillData (one reconcile group's days)."""


class CogsLoaded(Loaded):
    """`data` is a CogsData."""


class ForecastLoaded(Loaded):
    """`data` is a ForecastData."""


class CarbonLoaded(Loaded):
    """`data` is a CarbonData."""


class SyncProgress(Message):
    def __init__(self, source: str, done: int, total: int, note: str = "") -> None:
        super().__init__()
        self.source, self.done, self.total, self.note = source, done, total, note


class SyncFinished(Message):
    def __init__(self, source: str, rows: int, detail: str = "") -> None:
        super().__init__()
        self.source, self.rows, self.detail = source, rows, detail


class SyncFailed(Message):
    """A source failed; `message` names the source and what to do (never a secret)."""

    def __init__(self, source: str, title: str, message: str) -> None:
        super().__init__()
        self.source, self.title, self.message = source, title, message


class PromptCacheLoaded(Loaded):
    """`data` is a PromptCacheData."""
