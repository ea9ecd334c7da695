"""COGS: cost per task by feature, inference vs the rest, stacked by cost source."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static
from textual.worker import get_current_worker

from finops.tui.data.columns import columns_for
from finops.tui.messages import CogsLoaded
from finops.tui.screens.base import DashboardScreen
from finops.tui.widgets.chart import Chart
from finops.tui.widgets.figure import money, provenance_tag
from finops.tui.widgets.table import FrameTable
from finops.tui.workers import load_worker

if TYPE_CHECKING:
    from finops.tui.data.cogs import CogsData
    from finops.tui.data.context import DashboardContext
    from finops.tui.filters import Filters


class CogsScreen(DashboardScreen):
    SCREEN_TITLE = "COGS"
    MAIN_TABLE = "cogs-table"

    def __init__(self) -> None:
        super().__init__()
        self.data: CogsData | None = None

    def compose_body(self) -> ComposeResult:
        yield Static("", id="cogs-summary", classes="body-part section-title")
        yield FrameTable(id="cogs-table", classes="body-part loads")
        with Horizontal(id="cogs-main", classes="body-part"):
            yield Chart(id="cogs-chart", classes="loads")
        yield Static("", id="cogs-notes", classes="body-part notes")

    def start_load(self, ctx: "DashboardContext", filters: "Filters", generation: int) -> None:
        self.track("cogs", self.load(ctx, filters, generation))

    @load_worker("cogs")
    def load(self, ctx: "DashboardContext", filters: "Filters", generation: int) -> None:
        from finops.tui.data.cache import cached
        from finops.tui.data.cogs import load_cogs

        data = cached("cogs", ctx, (filters,), lambda: load_cogs(ctx, filters))
        if not get_current_worker().is_cancelled:
            self.post_message(CogsLoaded(data, filters, generation))

    @on(CogsLoaded)
    def show_data(self, message: CogsLoaded) -> None:
        if not self.accept(message):
            return
        from finops.tui.data.cogs import KINDS, LABELS

        d: CogsData = message.data
        self.data = d
        provenance = sorted({p for v in d.features["provenance"].to_list() if v for p in v.split(",")})
        summary = Text(f"COGS {d.months[0]} … {d.months[-1]}: {money(d.total, d.currency)} ")
        summary.append_text(provenance_tag(tuple(provenance)))
        summary.append(" allocated to features")
        self.query_one("#cogs-summary", Static).update(summary)
        table = self.query_one("#cogs-table", FrameTable)
        hidden = ("inference", "non_inference")
        table.show(d.features, columns_for(d.features, KINDS, d.currency, LABELS, hidden=hidden))
        chart = self.query_one("#cogs-chart", Chart)
        # Two rows per bar plus axes and legend, so every feature keeps its label.
        chart.styles.height = max(10, 2 * len(d.chart.x_categories) + 6)
        chart.show(d.chart)
        notes = " ".join(d.notes) + " Per-task figures divide by distinct logged tasks; features without logged tasks have none."
        self.query_one("#cogs-notes", Static).update(Text(notes, style="dim"))

    def export_frame(self):  # type: ignore[no-untyped-def]
        return None if self.data is None else self.data.features
