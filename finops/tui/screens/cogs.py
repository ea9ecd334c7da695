"""COGS screen (placeholder until its analytics land)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.widgets import Static
from textual.worker import get_current_worker

from finops.tui.messages import CogsLoaded
from finops.tui.screens.base import DashboardScreen

if TYPE_CHECKING:
    from finops.tui.data.context import DashboardContext
    from finops.tui.filters import Filters


class CogsScreen(DashboardScreen):
    SCREEN_TITLE = "COGS"

    def compose_body(self) -> ComposeResult:
        yield Static("", id="cogs-body", classes="body-part loads")

    def start_load(self, ctx: "DashboardContext", filters: "Filters", generation: int) -> None:
        self.load(ctx, filters, generation)

    @work(thread=True, exclusive=True, group="cogs", exit_on_error=False)
    def load(self, ctx: "DashboardContext", filters: "Filters", generation: int) -> None:
        from finops.tui.data.cogs import load_cogs

        data = load_cogs(ctx, filters)
        if not get_current_worker().is_cancelled:
            self.post_message(CogsLoaded(data, filters, generation))

    @on(CogsLoaded)
    def show_data(self, message: CogsLoaded) -> None:
        if self.accept(message):
            self.query_one("#cogs-body", Static).update(str(message.data))
