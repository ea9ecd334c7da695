"""Carbon: Wh and gCO2e per task (by feature) and per model, with low–high ranges (all estimated)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.widgets import Static
from textual.worker import get_current_worker

from finops.numbers import significant
from finops.tui.data.columns import columns_for
from finops.tui.messages import CarbonLoaded
from finops.tui.screens.base import DashboardScreen
from finops.tui.widgets.chart import Chart
from finops.tui.widgets.figure import provenance_tag
from finops.tui.widgets.table import FrameTable
from finops.tui.workers import load_worker

if TYPE_CHECKING:
    from finops.tui.data.carbon import CarbonData
    from finops.tui.data.context import DashboardContext
    from finops.tui.filters import Filters


def _sig(v: float) -> str:
    return significant(v, whole_from=1000)


class CarbonScreen(DashboardScreen):
    SCREEN_TITLE = "Carbon"
    MAIN_TABLE = "carbon-table"

    def __init__(self) -> None:
        super().__init__()
        self.data: CarbonData | None = None

    def compose_body(self) -> ComposeResult:
        yield Static("", id="carbon-summary", classes="body-part section-title")
        yield Static("Per task, by feature", classes="body-part section-title")
        yield FrameTable(id="carbon-table", classes="body-part loads")
        yield Static("Per request, by model", classes="body-part section-title")
        yield FrameTable(id="carbon-models", classes="body-part loads")
        yield Chart(id="carbon-chart", classes="body-part loads")
        yield Static("", id="carbon-notes", classes="body-part notes")

    def start_load(self, ctx: "DashboardContext", filters: "Filters", generation: int) -> None:
        self.track("carbon", self.load(ctx, filters, generation))

    @load_worker("carbon")
    def load(self, ctx: "DashboardContext", filters: "Filters", generation: int) -> None:
        from finops.tui.data.cache import cached
        from finops.tui.data.carbon import load_carbon

        data = cached("carbon", ctx, (filters,), lambda: load_carbon(ctx, filters))
        if not get_current_worker().is_cancelled:
            self.post_message(CarbonLoaded(data, filters, generation))

    @on(CarbonLoaded)
    def show_data(self, message: CarbonLoaded) -> None:
        if not self.accept(message):
            return
        from finops.tui.data.carbon import KINDS, LABELS

        d: CarbonData = message.data
        self.data = d
        t = d.totals
        summary = Text(
            f"{d.requests:,} requests: {_sig(t['wh_mid'] / 1000)} kWh ({_sig(t['wh_low'] / 1000)}–{_sig(t['wh_high'] / 1000)}), "
            f"{_sig(t['gco2e_mid'] / 1000)} kgCO2e ({_sig(t['gco2e_low'] / 1000)}–{_sig(t['gco2e_high'] / 1000)}) ",
            style="bold",
        )
        summary.append_text(provenance_tag("estimated"))
        self.query_one("#carbon-summary", Static).update(summary)
        self.query_one("#carbon-table", FrameTable).show(d.by_feature, columns_for(d.by_feature, KINDS, "USD", LABELS))
        self.query_one("#carbon-models", FrameTable).show(
            d.by_model, columns_for(d.by_model, KINDS, "USD", LABELS, hidden=("model",)))
        chart = self.query_one("#carbon-chart", Chart)
        chart.styles.height = max(8, 2 * len(d.chart.x_categories) + 4)
        chart.show(d.chart)
        self.query_one("#carbon-notes", Static).update(Text(" ".join(d.notes), style="dim"))

    def export_frame(self):  # type: ignore[no-untyped-def]
        return None if self.data is None else self.data.by_feature
