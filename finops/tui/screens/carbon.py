"""Carbon screen (placeholder until its analytics land)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.widgets import Static
from textual.worker import get_current_worker

from finops.tui.messages import CarbonLoaded
from finops.tui.screens.base import DashboardScreen

if TYPE_CHECKING:
    from finops.tui.data.context import DashboardContext
    from finops.tui.filters import Filters


class CarbonScreen(DashboardScreen):
    SCREEN_TITLE = "Carbon"

    def compose_body(self) -> ComposeResult:
        yield Static("", id="carbon-body", classes="body-part loads")

    def start_load(self, ctx: "DashboardContext", filters: "Filters", generation: int) -> None:
        self.load(ctx, filters, generation)

    @work(thread=True, exclusive=True, group="carbon", exit_on_error=False)
    def load(self, ctx: "DashboardContext", filters: "Filters", generation: int) -> None:
        from finops.tui.data.carbon import load_carbon

        data = load_carbon(ctx, filters)
        if not get_current_worker().is_cancelled:
            self.post_message(CarbonLoaded(data, filters, generation))

    @on(CarbonLoaded)
    def show_data(self, message: CarbonLoaded) -> None:
        if self.accept(message):
            self.query_one("#carbon-body", Static).update(str(message.data))
