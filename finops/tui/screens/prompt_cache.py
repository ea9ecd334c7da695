"""Prompt cache: hit rate (logged and metered) per day, dollars saved and lost, prefix growth, TTL advice; Enter on a
feature shows its days (finops.metrics.cache, the figures `finops cache` prints)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static
from textual.worker import get_current_worker

from finops.tui.data.columns import columns_for
from finops.tui.messages import PromptCacheLoaded
from finops.tui.screens.base import DashboardScreen
from finops.tui.widgets.chart import Chart
from finops.tui.widgets.figure import provenance_tag
from finops.tui.widgets.table import FrameTable
from finops.tui.workers import load_worker

if TYPE_CHECKING:
    from finops.metrics.figure import Figure
    from finops.tui.data.context import DashboardContext
    from finops.tui.data.prompt_cache import PromptCacheData
    from finops.tui.filters import Filters


def shown(f: "Figure") -> str:
    """A figure's value as every surface prints it (a hit rate without counts says so, never 0 %)."""
    from finops.metrics.cache import shown as cache_shown

    return cache_shown(f)


class PromptCacheScreen(DashboardScreen):
    SCREEN_TITLE = "Prompt cache"
    MAIN_TABLE = "cache-table"

    def __init__(self) -> None:
        super().__init__()
        self.data: PromptCacheData | None = None

    def compose_body(self) -> ComposeResult:
        yield Static("", id="cache-summary", classes="body-part")
        yield Chart(id="cache-chart", classes="body-part loads")
        yield Static("By feature (Enter: its days)", classes="body-part section-title")
        yield FrameTable(id="cache-table", classes="body-part loads")
        yield Static("Miss episodes", classes="body-part section-title")
        yield FrameTable(id="cache-episodes", classes="body-part loads")
        yield Static("Prefix growth (cached prefix per request, weekly median)", classes="body-part section-title")
        yield FrameTable(id="cache-growth", classes="body-part loads")
        yield Static("TTL advice", classes="body-part section-title")
        yield FrameTable(id="cache-ttl", classes="body-part loads")
        yield Static("", id="cache-notes", classes="body-part notes")

    def start_load(self, ctx: "DashboardContext", filters: "Filters", generation: int) -> None:
        self.track("prompt-cache", self.load(ctx, filters, generation))

    @load_worker("prompt-cache")
    def load(self, ctx: "DashboardContext", filters: "Filters", generation: int) -> None:
        from finops.tui.data.cache import cached
        from finops.tui.data.prompt_cache import load_prompt_cache

        data = cached("prompt-cache", ctx, (filters,), lambda: load_prompt_cache(ctx, filters))
        if not get_current_worker().is_cancelled:
            self.post_message(PromptCacheLoaded(data, filters, generation))

    @on(PromptCacheLoaded)
    def show_data(self, message: PromptCacheLoaded) -> None:
        if not self.accept(message):
            return
        from finops.tui.data.prompt_cache import KINDS, LABELS

        d: PromptCacheData = message.data
        self.data = d
        summary = Text()
        for f in d.figures:
            summary.append(f"{f.label}: ", style="dim")
            summary.append(shown(f), style="bold")
            summary.append(" ")
            summary.append_text(provenance_tag(f.provenance))
            summary.append("\n")
        summary.append(d.coverage, style="dim")
        self.query_one("#cache-summary", Static).update(summary)
        chart = self.query_one("#cache-chart", Chart)
        chart.styles.height = 14
        chart.show(d.chart)
        for wid, frame in (("#cache-table", d.by_feature), ("#cache-episodes", d.episodes), ("#cache-growth", d.growth),
                           ("#cache-ttl", d.ttl)):
            self.query_one(wid, FrameTable).show(frame, columns_for(frame, KINDS, "USD", LABELS))
        self.query_one("#cache-notes", Static).update(Text(" ".join(d.notes), style="dim"))

    @on(FrameTable.RowSelected, "#cache-table")
    def action_drill(self) -> None:
        row = self.query_one("#cache-table", FrameTable).row_data()
        if row is None or self.data is None:
            return
        self.app.push_screen(CacheDaysScreen(row, self.data))

    def export_frame(self):  # type: ignore[no-untyped-def]
        return None if self.data is None else self.data.by_feature


class CacheDaysScreen(DashboardScreen):
    """One feature's days: hit rate, reads, missed and evicted reads, dollars; Escape returns."""

    SCREEN_TITLE = "Prompt cache › days"
    MAIN_TABLE = "cache-days"
    BINDINGS = [Binding("escape", "back", "Back", id="cache.back")]

    def __init__(self, selection: dict[str, Any], data: "PromptCacheData") -> None:
        super().__init__()
        self.selection = selection
        self.data = data
        self.days = data.days_of(str(selection.get("feature") or ""))

    def compose_body(self) -> ComposeResult:
        yield Static(f"{self.selection.get('feature') or '(no feature)'}: days", id="cache-days-title",
                     classes="body-part section-title")
        yield FrameTable(id="cache-days", classes="body-part")

    def start_load(self, ctx: "DashboardContext", filters: "Filters", generation: int) -> None:
        from finops.tui.data.prompt_cache import KINDS, LABELS

        table = self.query_one("#cache-days", FrameTable)
        table.show(self.days, columns_for(self.days, KINDS, "USD", LABELS))
        table.focus()

    def action_back(self) -> None:
        self.app.pop_screen()

    def export_frame(self):  # type: ignore[no-untyped-def]
        return self.days
