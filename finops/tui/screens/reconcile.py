"""Reconcile: the drift table (sortable) with causes and dollar impact; Enter drills into a group."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static
from textual.worker import get_current_worker

from finops.tui.messages import DrillLoaded, ReconcileLoaded
from finops.tui.screens.base import DashboardScreen
from finops.tui.data.columns import Column, columns_for
from finops.tui.widgets.table import FrameTable

if TYPE_CHECKING:
    from finops.tui.data.context import DashboardContext
    from finops.tui.data.reconcile import DrillData, ReconcileData
    from finops.tui.filters import Filters


class ReconcileScreen(DashboardScreen):
    SCREEN_TITLE = "Reconcile"
    BINDINGS = [Binding("enter", "drill", "Daily detail", id="reconcile.drill", show=False)]

    def __init__(self) -> None:
        super().__init__()
        self.data: ReconcileData | None = None

    def compose_body(self) -> ComposeResult:
        yield Static("", id="drift-summary", classes="body-part section-title")
        yield FrameTable(id="drift", classes="body-part loads")
        yield Static("", id="drift-notes", classes="body-part notes")

    def start_load(self, ctx: "DashboardContext", filters: "Filters", generation: int) -> None:
        self.load(ctx, filters, generation)

    @work(thread=True, exclusive=True, group="reconcile", exit_on_error=False)
    def load(self, ctx: "DashboardContext", filters: "Filters", generation: int) -> None:
        from finops.tui.data.reconcile import load_reconcile

        data = load_reconcile(ctx, filters)
        if not get_current_worker().is_cancelled:
            self.post_message(ReconcileLoaded(data, filters, generation))

    @on(ReconcileLoaded)
    def show_data(self, message: ReconcileLoaded) -> None:
        if not self.accept(message):
            return
        d: ReconcileData = message.data
        self.data = d
        table = self.query_one("#drift", FrameTable)
        table.show(d.groups, self.columns(d), sort=table.sort_column or self.default_sort(d))
        self.query_one("#drift-summary", Static).update(Text(d.summary, style="bold"))
        notes = "Enter: daily detail of the selected group · o/O: sort · " + " ".join(d.notes)
        self.query_one("#drift-notes", Static).update(Text(notes, style="dim"))
        table.focus()

    def columns(self, d: "ReconcileData") -> tuple[Column, ...]:
        return columns_for(d.groups, d.kinds, d.currency, d.labels, hidden=d.hidden)

    def default_sort(self, d: "ReconcileData") -> str | None:
        return d.sort if d.sort in d.groups.columns else None

    @on(FrameTable.RowSelected, "#drift")
    def action_drill(self) -> None:
        row = self.query_one("#drift", FrameTable).row_data()
        if row is None or self.data is None:
            return
        group = {k: row[k] for k in self.data.key_columns if k in row}
        self.app.push_screen(DrillScreen(group))

    def export_frame(self):  # type: ignore[no-untyped-def]
        return None if self.data is None else self.data.groups


class DrillScreen(DashboardScreen):
    """One drift group's daily detail; Escape returns to the drift table."""

    SCREEN_TITLE = "Reconcile › detail"
    BINDINGS = [Binding("escape", "back", "Back", id="reconcile.back")]

    def __init__(self, group: dict[str, Any]) -> None:
        super().__init__()
        self.group = group
        self.data: DrillData | None = None

    def compose_body(self) -> ComposeResult:
        yield Static("", id="drill-title", classes="body-part section-title")
        yield FrameTable(id="drill-table", classes="body-part loads")
        yield Static("", id="drill-notes", classes="body-part notes")

    def start_load(self, ctx: "DashboardContext", filters: "Filters", generation: int) -> None:
        self.load(ctx, filters, generation)

    @work(thread=True, exclusive=True, group="drill", exit_on_error=False)
    def load(self, ctx: "DashboardContext", filters: "Filters", generation: int) -> None:
        from finops.tui.data.reconcile import load_drill

        data = load_drill(ctx, filters, self.group)
        if not get_current_worker().is_cancelled:
            self.post_message(DrillLoaded(data, filters, generation))

    @on(DrillLoaded)
    def show_data(self, message: DrillLoaded) -> None:
        if not self.accept(message):
            return
        d: DrillData = message.data
        self.data = d
        self.query_one("#drill-title", Static).update(Text(d.title, style="bold"))
        table = self.query_one("#drill-table", FrameTable)
        table.show(d.days, columns_for(d.days, d.kinds, d.currency, d.labels), sort=table.sort_column or d.sort,
                   descending=False)
        self.query_one("#drill-notes", Static).update(Text("Escape: back to the drift table · " + " ".join(d.notes), style="dim"))
        table.focus()

    def action_back(self) -> None:
        self.app.pop_screen()

    def export_frame(self):  # type: ignore[no-untyped-def]
        return None if self.data is None else self.data.days
