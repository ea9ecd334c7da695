"""Forecast: history and forecast with intervals per series, with the holiday-trough warning."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static
from textual.worker import get_current_worker

from finops.tui.data.columns import columns_for
from finops.tui.messages import ForecastLoaded
from finops.tui.screens.base import DashboardScreen
from finops.tui.widgets.chart import Chart
from finops.tui.widgets.figure import provenance_tag
from finops.tui.widgets.table import FrameTable
from finops.tui.workers import load_worker

if TYPE_CHECKING:
    from finops.tui.data.context import DashboardContext
    from finops.tui.data.forecast import ForecastData
    from finops.tui.filters import Filters


def _cycle(values: tuple, current: object) -> object:
    return values[(values.index(current) + 1) % len(values)]


class ForecastScreen(DashboardScreen):
    SCREEN_TITLE = "Forecast"
    MAIN_TABLE = "forecast-table"
    BINDINGS = [
        Binding("b", "cycle_by", "Split", id="forecast.by", tooltip="Split by total, provider, project or model"),
        Binding("m", "cycle_metric", "$/tokens", id="forecast.metric", tooltip="Dollars (billed) or tokens (metered)"),
        Binding("h", "cycle_horizon", "Horizon", id="forecast.horizon", tooltip="30 or 90 days ahead"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.data: ForecastData | None = None
        self.metric, self.by, self.horizon = "dollars", "provider", 30

    def compose_body(self) -> ComposeResult:
        yield Static("", id="forecast-summary", classes="body-part section-title")
        yield Static("", id="forecast-warning", classes="body-part")
        yield FrameTable(id="forecast-table", classes="body-part loads")
        yield Chart(id="forecast-chart", classes="body-part loads")
        yield Static("", id="forecast-notes", classes="body-part notes")

    def start_load(self, ctx: "DashboardContext", filters: "Filters", generation: int) -> None:
        self.track("forecast", self.load(ctx, filters, generation, self.metric, self.by, self.horizon))

    @load_worker("forecast")
    def load(self, ctx: "DashboardContext", filters: "Filters", generation: int, metric: str, by: str, horizon: int) -> None:
        from finops.tui.data.cache import cached
        from finops.tui.data.forecast import load_forecast

        data = cached("forecast", ctx, (filters, metric, by, horizon), lambda: load_forecast(ctx, filters, metric, by, horizon))
        if not get_current_worker().is_cancelled:
            self.post_message(ForecastLoaded(data, filters, generation))

    @on(ForecastLoaded)
    def show_data(self, message: ForecastLoaded) -> None:
        if not self.accept(message):
            return
        d: ForecastData = message.data
        if (d.metric, d.by, d.horizon) != (self.metric, self.by, self.horizon):
            return  # an answer to settings changed since
        self.data = d
        summary = Text(f"Daily {d.metric} by {d.by}, {d.horizon} days ahead · history ")
        summary.append_text(provenance_tag(d.provenance))
        summary.append(" · forecast ")
        summary.append_text(provenance_tag("estimated"))
        self.query_one("#forecast-summary", Static).update(summary)
        from finops.tui.data.forecast import trough_lines

        warnings = [f"⚠ {line}" for line in trough_lines(d)]
        warn = self.query_one("#forecast-warning", Static)
        warn.update(Text("\n".join(warnings), style="bold yellow"))
        warn.display = bool(warnings)
        currency = "USD"
        table = self.query_one("#forecast-table", FrameTable)
        table.show(d.table, columns_for(d.table, d.kinds(), currency, d.labels(), hidden=("method",)))
        if not isinstance(self.focused, FrameTable):
            # Now, not via Widget.focus's later callback, so it holds once the load is settled; no scrolling,
            # so the summary and warning above the table stay in view.
            self.set_focus(table, scroll_visible=False)
        self.show_chart()
        methods = sorted(set(d.table["method"].to_list()))
        notes = " ".join(d.notes) + f" Method: {'; '.join(methods)}. ↑↓: series (b, m, h: see the footer)."
        self.query_one("#forecast-notes", Static).update(Text(notes, style="dim"))

    def show_chart(self) -> None:
        from finops.tui.data.forecast import chart_for

        if self.data is None or not self.data.series:
            return
        row = self.query_one("#forecast-table", FrameTable).row_data()
        name = row["series"] if row else next(iter(self.data.series))
        self.query_one("#forecast-chart", Chart).show(chart_for(self.data, name))

    @on(DataTable.RowHighlighted, "#forecast-table")
    def _highlighted(self) -> None:
        self.show_chart()

    def _reload(self) -> None:
        self.maybe_reload(force=True)

    def action_cycle_by(self) -> None:
        from finops.tui.data.forecast import BREAKDOWNS

        self.by = str(_cycle(BREAKDOWNS, self.by))
        self._reload()

    def action_cycle_metric(self) -> None:
        from finops.tui.data.forecast import METRICS

        self.metric = str(_cycle(METRICS, self.metric))
        self._reload()

    def action_cycle_horizon(self) -> None:
        from finops.tui.data.forecast import HORIZONS

        self.horizon = int(_cycle(HORIZONS, self.horizon))  # type: ignore[call-overload]
        self._reload()

    def export_frame(self):  # type: ignore[no-untyped-def]
        return None if self.data is None else self.data.table
