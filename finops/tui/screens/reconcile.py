"""Reconcile: findings with causes and dollar impact, the sortable drift table, daily drill-downs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static
from textual.worker import get_current_worker

from finops.tui.data.columns import columns_for
from finops.tui.messages import DrillLoaded, ReconcileLoaded
from finops.tui.screens.base import DashboardScreen
from finops.tui.widgets.chart import Chart
from finops.tui.widgets.table import FrameTable
from finops.tui.workers import load_worker

if TYPE_CHECKING:
    from finops.tui.data.context import DashboardContext
    from finops.tui.data.reconcile import DrillData, ReconcileData
    from finops.tui.filters import Filters


class ReconcileScreen(DashboardScreen):
    SCREEN_TITLE = "Reconcile"
    MAIN_TABLE = "drift"
    BINDINGS = [Binding("enter", "drill", "Daily detail", id="reconcile.drill", show=False)]

    def __init__(self) -> None:
        super().__init__()
        self.data: ReconcileData | None = None
        self.data_key: tuple[int, Any] | None = None

    def compose_body(self) -> ComposeResult:
        yield Static("", id="drift-summary", classes="body-part section-title")
        yield Static("Findings · Enter for the days behind one", classes="body-part section-title")
        yield FrameTable(id="findings", classes="body-part loads")
        yield Static("Drift per project · model · token class · Δ $ estimated · Enter: days", classes="body-part section-title")
        yield FrameTable(id="drift", classes="body-part loads")
        yield Static("", id="coverage-summary", classes="body-part section-title")
        yield FrameTable(id="coverage", classes="body-part loads")
        yield Static("", id="drift-notes", classes="body-part notes")

    def start_load(self, ctx: "DashboardContext", filters: "Filters", generation: int) -> None:
        self.track("reconcile", self.load(ctx, filters, generation))

    @load_worker("reconcile")
    def load(self, ctx: "DashboardContext", filters: "Filters", generation: int) -> None:
        from finops.tui.data.cache import cached
        from finops.tui.data.reconcile import load_reconcile

        data = cached("reconcile", ctx, (filters,), lambda: load_reconcile(ctx, filters))
        if not get_current_worker().is_cancelled:
            self.post_message(ReconcileLoaded(data, filters, generation))

    @on(ReconcileLoaded)
    def show_data(self, message: ReconcileLoaded) -> None:
        if not self.accept(message):
            return
        d: ReconcileData = message.data
        self.data, self.data_key = d, (message.generation, message.filters)
        self.query_one("#drift-summary", Static).update(Text(d.summary_line, style="bold"))
        findings = self.query_one("#findings", FrameTable)
        findings.show(d.findings, columns_for(d.findings, d.kinds, d.currency, d.labels, hidden=("evidence", "details")),
                      sort=findings.sort_column or "dollar_impact")
        drift = self.query_one("#drift", FrameTable)
        drift.show(d.groups, columns_for(d.groups, d.kinds, d.currency, d.labels, hidden=d.hidden),
                   sort=drift.sort_column or d.sort)
        self.query_one("#coverage-summary", Static).update(Text(d.coverage_line, style="bold"))
        cover = self.query_one("#coverage", FrameTable)
        gaps = d.coverage_rows
        cover.display = gaps.height > 0
        cover.show(gaps, columns_for(gaps, d.kinds, d.currency, d.labels), sort=cover.sort_column or "usd")
        notes = "o/O: sort the focused table · Tab: other table · e: export the drift table. " + " ".join(d.notes)
        self.query_one("#drift-notes", Static).update(Text(notes, style="dim"))
        if not isinstance(self.focused, FrameTable):
            # Screen.set_focus now, not Widget.focus (a callback the app runs later): the table has focus
            # by the time this load counts as settled.
            self.set_focus(drift)

    @on(FrameTable.RowSelected)
    def action_drill(self) -> None:
        table = self.focused if isinstance(self.focused, FrameTable) else self.query_one("#drift", FrameTable)
        if table.id not in ("findings", "drift"):  # the coverage table has no daily detail
            return
        row = table.row_data()
        if row is None or self.data is None:
            return
        self.app.push_screen(DrillScreen(row, self))

    def export_frame(self):  # type: ignore[no-untyped-def]
        return None if self.data is None else self.data.groups


class DrillScreen(DashboardScreen):
    """The days behind one drift group or finding; Escape returns to the tables."""

    SCREEN_TITLE = "Reconcile › daily detail"
    BINDINGS = [Binding("escape", "back", "Back", id="reconcile.back")]

    def __init__(self, selection: dict[str, Any], parent: ReconcileScreen) -> None:
        super().__init__()
        self.selection = selection
        self.parent_screen = parent
        self.data: DrillData | None = None

    def compose_body(self) -> ComposeResult:
        yield Static("", id="drill-title", classes="body-part section-title")
        yield Chart(id="drill-chart", classes="body-part loads")
        yield FrameTable(id="drill-table", classes="body-part loads")
        yield Static("", id="drill-notes", classes="body-part notes")

    def start_load(self, ctx: "DashboardContext", filters: "Filters", generation: int) -> None:
        parent = self.parent_screen
        # The parent's rows answer the same filters: reuse them instead of reconciling again.
        cached = parent.data if parent.data_key == (generation, filters) else None
        self.track("drill", self.load(ctx, filters, generation, cached))

    @load_worker("drill")
    def load(self, ctx: "DashboardContext", filters: "Filters", generation: int, cached: "ReconcileData | None") -> None:
        from finops.tui.data.cache import cached as cache
        from finops.tui.data.reconcile import drill, load_reconcile

        data = drill(cached or cache("reconcile", ctx, (filters,), lambda: load_reconcile(ctx, filters)), self.selection)
        if not get_current_worker().is_cancelled:
            self.post_message(DrillLoaded(data, filters, generation))

    @on(DrillLoaded)
    def show_data(self, message: DrillLoaded) -> None:
        if not self.accept(message):
            return
        d: DrillData = message.data
        self.data = d
        self.query_one("#drill-title", Static).update(Text(d.title, style="bold"))
        self.query_one("#drill-chart", Chart).show(d.chart)
        table = self.query_one("#drill-table", FrameTable)
        table.show(d.days, columns_for(d.days, d.kinds, d.currency, d.labels), sort=table.sort_column or d.sort,
                   descending=False)
        self.query_one("#drill-notes", Static).update(Text("Escape: back · " + " ".join(d.notes), style="dim"))
        self.set_focus(table)

    def action_back(self) -> None:
        self.app.pop_screen()

    def export_frame(self):  # type: ignore[no-untyped-def]
        return None if self.data is None else self.data.days
