"""Forecast screen (placeholder until its analytics land)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.widgets import Static
from textual.worker import get_current_worker

from finops.tui.messages import ForecastLoaded
from finops.tui.screens.base import DashboardScreen

if TYPE_CHECKING:
    from finops.tui.data.context import DashboardContext
    from finops.tui.filters import Filters


class ForecastScreen(DashboardScreen):
    SCREEN_TITLE = "Forecast"

    def compose_body(self) -> ComposeResult:
        yield Static("", id="forecast-body", classes="body-part loads")

    def start_load(self, ctx: "DashboardContext", filters: "Filters", generation: int) -> None:
        self.load(ctx, filters, generation)

    @work(thread=True, exclusive=True, group="forecast", exit_on_error=False)
    def load(self, ctx: "DashboardContext", filters: "Filters", generation: int) -> None:
        from finops.tui.data.forecast import load_forecast

        data = load_forecast(ctx, filters)
        if not get_current_worker().is_cancelled:
            self.post_message(ForecastLoaded(data, filters, generation))

    @on(ForecastLoaded)
    def show_data(self, message: ForecastLoaded) -> None:
        if self.accept(message):
            self.query_one("#forecast-body", Static).update(str(message.data))
