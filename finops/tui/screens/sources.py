"""Sources: what each source holds, its last sync and watermark; "sync now" in a worker; alerts firing and recent."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import ProgressBar, Static
from textual.worker import Worker, WorkerState, get_current_worker

from finops.tui.messages import SourcesLoaded, SyncFailed, SyncFinished, SyncProgress
from finops.tui.screens.base import DashboardScreen
from finops.tui.data.columns import Column
from finops.tui.widgets.table import FrameTable
from finops.tui.workers import load_worker

if TYPE_CHECKING:
    from finops.tui.data.context import DashboardContext
    from finops.tui.data.sources import SourcesData
    from finops.tui.filters import Filters

COLUMNS = (
    Column("table", "table"), Column("source", "source"), Column("rows", "rows", "int"),
    Column("rows_in_filter", "in filter", "int"), Column("first_day", "first day"), Column("last_day", "last day"),
    Column("provenance", "provenance", "provenance"), Column("watermark", "watermark"),
    Column("last_sync", "last sync"), Column("last_error", "last error"),
)

ALERT_COLUMNS = (
    Column("state", "state"), Column("alert", "alert"), Column("since", "since / at"), Column("figure", "figure"),
    Column("reason", "reason"),
)


class SourcesScreen(DashboardScreen):
    SCREEN_TITLE = "Sources"
    MAIN_TABLE = "sources"
    NEEDS_DATA = False  # an empty store is exactly when you want to sync
    BINDINGS = [
        Binding("s", "sync_all", "Sync", id="sources.sync", tooltip="Pull new data from every configured source"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.data: SourcesData | None = None
        self.syncing = False

    def compose_body(self) -> ComposeResult:
        yield Static("", id="sources-summary", classes="body-part section-title")
        yield FrameTable(id="sources", classes="body-part loads")
        with Horizontal(id="sync-box"):
            yield Static("", id="sync-label")
            yield ProgressBar(id="sync-progress", total=100, show_eta=False)
        yield Static("", id="sources-notes", classes="body-part notes")
        yield Static("", id="alerts-summary", classes="body-part section-title")
        yield FrameTable(id="alerts", classes="body-part loads")

    def on_mount(self) -> None:
        # (DashboardScreen.on_mount runs too: Textual calls the handlers of every base class.)
        self.query_one("#sync-box").display = False

    def start_load(self, ctx: "DashboardContext", filters: "Filters", generation: int) -> None:
        self.track("sources", self.load(ctx, filters, generation))

    @load_worker("sources")
    def load(self, ctx: "DashboardContext", filters: "Filters", generation: int) -> None:
        from finops.tui.data.sources import load_sources

        data = load_sources(ctx, filters)
        if not get_current_worker().is_cancelled:
            self.post_message(SourcesLoaded(data, filters, generation))

    @on(SourcesLoaded)
    def show_data(self, message: SourcesLoaded) -> None:
        if not self.accept(message):
            return
        d: SourcesData = message.data
        self.data = d
        self.query_one("#sources", FrameTable).show(d.frame, COLUMNS)
        stored = sorted(set(d.frame["source"].to_list()))
        summary = Text(f"{len(stored)} source(s) in the store", style="bold")
        summary.append(f" · live sources (s syncs): {', '.join(d.live)}")
        if not d.configured:
            summary.append(" · no [sources.*] in finops.toml (defaults apply)", style="dim")
        self.query_one("#sources-summary", Static).update(summary)
        notes = Text("s: sync every configured source · Enter: sync the selected one · ", style="dim")
        notes.append("rows = stored; in filter = rows inside the current filters.", style="dim")
        from finops.tui.data.sources import unpriced_note

        gap = unpriced_note(d.unpriced)
        if gap:
            notes.append("\n" + gap, style="yellow")
        if not stored:
            notes.append("\nThe store is empty: run `finops sample load` for the sample, or configure sources and press s.", style="yellow")
        self.query_one("#sources-notes", Static).update(notes)
        self._show_alerts(d)

    def _show_alerts(self, d: "SourcesData") -> None:
        panel = d.alerts
        table = self.query_one("#alerts", FrameTable)
        head = Text("Alerts", style="bold")
        if panel is None or panel.error:
            head.append(f" · {panel.error if panel else 'not read'}", style="red")
            table.display = False
        elif not panel.rules and not panel.rows.height:
            head.append(" · no [[alerts.rules]] in finops.toml (docs/alerts.md)", style="dim")
            table.display = False
        else:
            head.append(f" · {panel.active} active · {panel.rules} rule(s)")
            if panel.pending:
                head.append(f" · {panel.pending} message(s) pending", style="yellow")
            head.append(" · `finops alert check` evaluates and sends", style="dim")
            table.display = panel.rows.height > 0
            table.show(panel.rows, ALERT_COLUMNS)
        self.query_one("#alerts-summary", Static).update(head)

    def export_frame(self):  # type: ignore[no-untyped-def]
        return None if self.data is None else self.data.frame

    # -- sync ------------------------------------------------------------------------
    def action_sync_all(self) -> None:
        self._start_sync(None)

    @on(FrameTable.RowSelected, "#sources")
    def action_sync_selected(self) -> None:
        row = self.query_one("#sources", FrameTable).row_data()
        self._start_sync([row["source"]] if row else None)

    def _start_sync(self, sources: list[str] | None) -> None:
        ctx = self.fapp.ctx
        if ctx is None or self.syncing:
            return
        self.syncing = True
        self.query_one("#sync-box").display = True
        self.query_one("#sync-label", Static).update("sync: starting…")
        self.query_one("#sync-progress", ProgressBar).update(total=None, progress=0)
        self.track("sync", self.sync(ctx, sources))

    @load_worker("sync")
    def sync(self, ctx: "DashboardContext", sources: list[str] | None) -> None:
        from finops.tui.data.sync_link import run_sync

        def progress(source: str, done: int, total: int, note: str) -> None:
            self.post_message(SyncProgress(source, done, total, note))

        for outcome in run_sync(ctx, sources, progress):
            if outcome.ok:
                self.post_message(SyncFinished(outcome.source, outcome.rows, outcome.detail))
            else:
                self.post_message(SyncFailed(outcome.source, outcome.error_title or "sync failed", outcome.error))

    def on_sync_progress(self, message: SyncProgress) -> None:
        bar = self.query_one("#sync-progress", ProgressBar)
        bar.update(total=message.total or None, progress=message.done)
        self.query_one("#sync-label", Static).update(f"sync {message.source} ({message.done}/{message.total}): {message.note}")

    def on_sync_finished(self, message: SyncFinished) -> None:
        self.app.notify(f"{message.source}: {message.rows:,} row(s) added or changed. {message.detail}".strip(), title="Synced")

    def on_sync_failed(self, message: SyncFailed) -> None:
        self.app.notify(message.message, title=f"{message.title}: {message.source}", severity="error", timeout=15)

    def worker_ended(self, worker: Worker) -> None:
        if worker.group != "sync":
            super().worker_ended(worker)
            return
        self.syncing = False
        self.query_one("#sync-box").display = False
        if worker.state == WorkerState.ERROR:
            from finops.tui.data.availability import Unavailable

            error = worker.error
            if isinstance(error, Unavailable):
                self.app.notify(error.info.text(), title="Sync not available", severity="warning", timeout=10)
            else:
                self.fapp.report_error(error, where="sync")
        # Re-read the store before the sync stops counting as pending: no settled moment in between.
        self.fapp.reload_store()
