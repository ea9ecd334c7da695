"""Overview: month-to-date spend vs budget, burn rate, month-end outlook, movers, spend chart."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Grid, Horizontal, Vertical
from textual.widgets import Static
from textual.worker import Worker, WorkerState, get_current_worker

from finops.tui.messages import OverviewExtrasLoaded, OverviewLoaded
from finops.tui.screens.base import DashboardScreen
from finops.tui.widgets.chart import Chart
from finops.tui.widgets.figure import Figure, money, provenance_tag
from finops.tui.data.columns import Column
from finops.tui.widgets.table import FrameTable

from finops.tui.data.overview import BURN_DAYS
from finops.tui.workers import load_worker

if TYPE_CHECKING:
    from finops.tui.data.context import DashboardContext
    from finops.tui.data.overview import OverviewData
    from finops.tui.filters import Filters


EXTRA_FIGURES = {"Budget": "#fig-budget", "Quota headroom": "#fig-quota", "Month-end forecast": "#fig-month-end"}


class OverviewScreen(DashboardScreen):
    SCREEN_TITLE = "Overview"
    MAIN_TABLE = "movers"

    def __init__(self) -> None:
        super().__init__()
        self.data: OverviewData | None = None
        self.extras: tuple = ()
        self._extras_for: tuple | None = None  # (generation, filters) the pending extras answer

    def compose_body(self) -> ComposeResult:
        with Grid(id="figures", classes="body-part loads"):
            yield Figure("Period total", id="fig-period")
            yield Figure("Month to date", id="fig-mtd")
            yield Figure("Burn rate", id="fig-burn")
            yield Figure("Month-end forecast", id="fig-month-end")
            yield Figure("Budget", id="fig-budget")
            yield Figure("Quota", id="fig-quota")
        with Horizontal(id="main", classes="body-part"):
            yield Chart(id="spend-chart", classes="loads")
            with Vertical(id="movers-box"):
                yield Static("Top movers · last 7 days vs the 7 before", id="movers-title", classes="section-title")
                yield FrameTable(id="movers", classes="loads")
        yield Static("", id="notes", classes="body-part notes")

    def start_load(self, ctx: "DashboardContext", filters: "Filters", generation: int) -> None:
        self.track("overview", self.load(ctx, filters, generation))

    @load_worker("overview")
    def load(self, ctx: "DashboardContext", filters: "Filters", generation: int) -> None:
        from finops.tui.data.cache import cached
        from finops.tui.data.overview import load_overview

        data = self.fapp.take_preloaded_overview(filters) or cached("overview", ctx, (filters,), lambda: load_overview(ctx, filters))
        if not get_current_worker().is_cancelled:
            self.post_message(OverviewLoaded(data, filters, generation))

    @load_worker("overview-extras")
    def load_extras(self, ctx: "DashboardContext", filters: "Filters", generation: int) -> None:
        from finops.tui.data.cache import cached
        from finops.tui.data.forecast_link import overview_extras

        data = cached("overview-extras", ctx, (filters,), lambda: overview_extras(ctx, filters))
        if not get_current_worker().is_cancelled:
            self.post_message(OverviewExtrasLoaded(data, filters, generation))

    @on(OverviewLoaded)
    def show_data(self, message: OverviewLoaded) -> None:
        if not self.accept(message):
            return
        d: OverviewData = message.data
        self.data = d
        cur = d.currency
        self.query_one("#fig-period", Figure).show(d.period, f"{d.start:%b %d} – {d.end:%b %d}")
        mtd_note = f"{d.mtd_start:%b %d} – {d.end:%b %d} · inference {d.mtd_inference.money()}"
        self.query_one("#fig-mtd", Figure).show(d.mtd, mtd_note)
        self.query_one("#fig-burn", Figure).show(d.burn, f"mean of last {BURN_DAYS} days, bills spread")
        self.query_one("#spend-chart", Chart).show(d.chart)
        columns = (
            Column("dimension", "by"), Column("label", "name"), Column("delta", "Δ billed", "money", cur),
            Column("pct", "Δ%", "pct"), Column("current", "last 7d", "money", cur),
        )
        self.query_one("#movers", FrameTable).show(d.movers, columns)
        self.query_one("#notes", Static).update(self._notes(d))
        self.fapp.overview_painted()  # before the extras start: the benchmark stops at this paint
        # Budgets, the month-end forecast and holiday marks fit models: fetch them after this paint.
        # The load is pending from now on (not only once its worker starts), so the screen is
        # never "settled" between this paint and the extras.
        ctx, filters, generation = self.fapp.ctx, message.filters, message.generation
        self._extras_for = (generation, filters)
        self.track("overview-extras")
        self.set_busy(True, self._extra_figures(), key="extras")
        # After the app's refresh, not the screen's: the app runs its callbacks in order, so the
        # fit (its imports hold the GIL for a second) starts after this paint's own callbacks
        # (the cold-start benchmark's among them) rather than racing them.
        self.app.call_after_refresh(self._start_extras, ctx, filters, generation)

    def _start_extras(self, ctx: "DashboardContext", filters: "Filters", generation: int) -> None:
        if self._extras_for != (generation, filters):
            return  # a newer paint reserved the extras for its own filters
        if (generation, filters) != (self.fapp.generation, self.fapp.filters):
            # The filters changed before the fit started: drop it; the newer load's paint asks again.
            self._loads.pop("overview-extras", None)
            self.set_busy(False, self._extra_figures(), key="extras")
            return
        self.track("overview-extras", self.load_extras(ctx, filters, generation))

    def _extra_figures(self) -> list[Figure]:
        return [self.query_one(fid, Figure) for fid in EXTRA_FIGURES.values()]

    def worker_ended(self, worker: Worker) -> None:
        # A failed forecast must not hide the spend figures: only its own figures say so.
        if worker.group != "overview-extras" or worker.state != WorkerState.ERROR:
            super().worker_ended(worker)
            return
        if self._loads.get("overview-extras") is not worker:
            return  # an answer to filters changed since
        self.set_busy(False, self._extra_figures(), key="extras")
        error = worker.error
        for fid in EXTRA_FIGURES.values():
            fig = self.query_one(fid, Figure)
            fig.set("not available", (), f"{getattr(error, 'title', type(error).__name__)}: see notification")
        self.fapp.report_error(error, where="budgets and forecast")

    @on(OverviewExtrasLoaded)
    def show_extras(self, message: OverviewExtrasLoaded) -> None:
        message.stop()
        if (message.generation, message.filters) != (self.fapp.generation, self.fapp.filters):
            return
        self.extras = message.data.extras
        self.set_busy(False, self._extra_figures(), key="extras")
        if self.data is not None and message.data.marks:
            from dataclasses import replace

            chart = replace(self.data.chart, marks=message.data.marks)
            self.data = replace(self.data, chart=chart)
            self.query_one("#spend-chart", Chart).show(chart)
        for extra in self.extras:
            target = EXTRA_FIGURES.get(extra.title)
            if target is None:
                continue
            fig = self.query_one(target, Figure)
            if extra.missing is not None:
                fig.set("not available", (), extra.missing.reason)
                continue
            fig.set(extra.lines[0] if extra.lines else "", extra.provenance, "\n".join(extra.lines[1:]), label=extra.label)
            fig.set_class(bool(extra.warning), "warning")
        if self.data is not None:
            self.query_one("#notes", Static).update(self._notes(self.data))

    def _notes(self, d: "OverviewData") -> Text:
        text = Text()
        text.append("Figures: ")
        text.append_text(provenance_tag(d.provenance or ("billed",)))
        text.append(f" cost lines ({d.rows:,} in period) · estimated = our projection."
                    " Chart, burn rate and movers spread multi-day bills over the days they cover.")
        if d.chart.marks:
            text.append(f" Red lines: public holidays ({len(d.chart.marks)}).")
        if d.fx_note:
            text.append(f" {d.fx_note}.")
        for currency, amount in d.other_currencies.items():
            text.append(f" Also {money(amount, currency)} billed in {currency}, not converted to {d.currency}.")
        missing = [e for e in self.extras if e.missing is not None]
        if missing:
            text.append("\nNot available yet: " + "; ".join(f"{e.title.lower()} ({e.missing.reason})" for e in missing), style="dim")
        return text

    def export_frame(self):  # type: ignore[no-untyped-def]
        return None if self.data is None else self.data.movers
