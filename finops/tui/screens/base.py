"""`DashboardScreen`: top bar, body, footer, and the load-in-a-worker cycle every screen shares.

A screen loads when it is shown and the filters or the store changed since its last
load. The load runs in a thread worker (defined by each screen with its own group) that
posts a typed `Loaded` message; the screen drops results computed for stale filters.
A worker that raises `Unavailable` turns into a plain panel; any other error into an
error panel plus a notification.

Every load a screen waits for is `track`ed until its worker's final state change has been
handled. A worker posts its result before it ends, to the same queue, so by then the
result is on the widgets (or was dropped as stale). `settled` (no tracked load, no
loading indicator shown or about to be) is what `FinopsApp.settled` is made of.

Screens see the app as a `DashboardHost` (the part of FinopsApp they use), so no screen
imports finops.tui.app: the app imports its screens, never the other way round.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol, cast

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widget import Widget
from textual.worker import Worker, WorkerState

from finops.tui.data.availability import NotAvailable, Unavailable
from finops.tui.messages import Loaded
from finops.tui.widgets.footer import DashboardFooter
from finops.tui.widgets.notice import Notice
from finops.tui.widgets.topbar import TopBar

if TYPE_CHECKING:
    from textual.timer import Timer

    from finops.tui.data.context import DashboardContext
    from finops.tui.filters import Filters


BUSY_DELAY = 0.2  # seconds a load may take before its widgets show a loading indicator
ENDED = (WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED)


def empty_store_notice(ctx: "DashboardContext") -> NotAvailable:
    return NotAvailable(
        "The store is empty",
        f"nothing is stored under {ctx.store.root}",
        "load the embedded sample with `finops sample load`, or configure sources and run `finops sync`",
    )


class DashboardHost(Protocol):
    """What the screens, the command palette and the settled signal use of the app (FinopsApp)."""

    ctx: Any  # DashboardContext once the store is open, else None
    filters: "Filters"
    generation: int
    started: bool
    activity: asyncio.Event
    dashboard_screens: "set[DashboardScreen]"
    notices_pending: int  # notifications posted, not yet handled
    store_failure: "NotAvailable | None"  # why the store could not be opened, until the next reload

    @property
    def context_pending(self) -> bool: ...
    @property
    def screen(self) -> Screen[object]: ...
    @property
    def screen_stack(self) -> list[Screen[Any]]: ...
    def note_activity(self) -> None: ...
    def report_error(self, error: BaseException | None, where: str = "") -> None: ...
    def diagnosed(self, error: BaseException) -> BaseException: ...
    def take_preloaded_overview(self, filters: "Filters") -> Any: ...
    def overview_painted(self) -> None: ...
    def reload_store(self) -> None: ...
    def action_show(self, mode: str) -> None: ...
    def action_period(self, preset: str) -> None: ...
    def action_filters(self) -> None: ...
    def action_clear_filters(self) -> None: ...
    def action_set_filter(self, name: str, value: str) -> None: ...
    def action_sync(self) -> None: ...
    def action_export(self) -> None: ...
    def action_toggle_theme(self) -> None: ...
    def action_refresh(self) -> None: ...
    def action_help(self) -> None: ...


class DashboardScreen(Screen):
    SCREEN_TITLE = ""
    NEEDS_DATA = True  # show the empty-store panel instead of loading when the store is empty
    MAIN_TABLE = ""  # id of the table that has the focus when the screen shows data (Enter works at once)

    def __init__(self) -> None:
        super().__init__()
        self._loaded_key: tuple[int, Any] | None = None
        # name -> the worker whose result the screen still waits for (None: about to start)
        self._loads: dict[str, Worker | None] = {}
        self._busy_timers: dict[str, tuple[int, Timer]] = {}  # key -> (sequence number, timer)
        self._busy_seq = 0

    @property
    def fapp(self) -> DashboardHost:
        return cast(DashboardHost, self.app)

    # -- layout ---------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield TopBar(self.SCREEN_TITLE)
        with VerticalScroll(id="body"):
            yield Notice(id="notice")
            yield from self.compose_body()
        # The palette (ctrl+p) is the first row of the help (?): its footer slot is kept for the keys.
        yield DashboardFooter()

    def compose_body(self) -> ComposeResult:
        yield from ()

    def busy_widgets(self) -> list[Widget]:
        """Widgets that show a loading indicator while data loads."""
        return list(self.query(".loads"))

    # -- load cycle -----------------------------------------------------------------
    def on_mount(self) -> None:
        self.query_one("#notice", Notice).display = False
        self.fapp.dashboard_screens.add(self)

    def on_unmount(self) -> None:
        self.fapp.dashboard_screens.discard(self)

    def on_screen_resume(self) -> None:
        self.refresh_topbar()
        self.maybe_reload()

    def refresh_topbar(self) -> None:
        app = self.fapp
        if app.ctx is not None:
            self.query_one(TopBar).show(app.filters, app.ctx.dims.sample, app.ctx.today.isoformat())

    def maybe_reload(self, force: bool = False) -> None:
        app = self.fapp
        if app.ctx is None:
            if app.store_failure is not None:
                self.show_store_failure(app.store_failure)
            else:
                self.set_busy(True)
            return
        key = (app.generation, app.filters)
        if key == self._loaded_key and not force:
            return
        self._loaded_key = key
        self.refresh_topbar()
        if self.NEEDS_DATA and app.ctx.dims.empty:
            self.set_busy(False)
            self.show_notice(empty_store_notice(app.ctx))
            self.show_body(False)
            return
        self.set_busy(True)
        self.start_load(app.ctx, app.filters, app.generation)

    def start_load(self, ctx: "DashboardContext", filters: "Filters", generation: int) -> None:
        """Start the screen's worker(s), each passed through `track`."""
        raise NotImplementedError

    # -- pending loads (the "settled" signal) ------------------------------------------
    def track(self, name: str, worker: "Worker | None" = None) -> "Worker | None":
        """Wait for `worker` under `name` (replacing an earlier one); None reserves the name for a load about to start."""
        self._loads[name] = worker
        self.fapp.note_activity()
        return worker

    def _forget(self, worker: Worker) -> None:
        for name, w in list(self._loads.items()):
            if w is worker:
                del self._loads[name]
                self.fapp.note_activity()

    @property
    def pending_loads(self) -> tuple[str, ...]:
        return tuple(self._loads)

    @property
    def loaded_for_current(self) -> bool:
        """True once a load was started for the app's current store and filters (or none can start)."""
        app = self.fapp
        return app.ctx is None or self._loaded_key == (app.generation, app.filters)

    def unsettled(self) -> list[str]:
        """Why this screen is not settled (empty when it is): loads, indicators, timers."""
        why = [f"load {name}" for name in self._loads]
        why += [f"indicator timer {key}" for key in self._busy_timers]
        # A widget's `loading` covers it with a LoadingIndicator (animated): never settled while one shows.
        why += [f"loading #{w.id or type(w).__name__}" for w in self.query("*")
                if w.loading or getattr(w, "_cover_widget", None) is not None]
        from finops.tui.widgets.table import FrameTable

        why += [f"measuring #{t.id}" for t in self.query(FrameTable) if t.measuring]
        if not self.loaded_for_current:
            why.append("not loaded for the current filters")
        if any(f.trimming for f in self.query(DashboardFooter)):
            why.append("footer keys overflow")
        return why

    def accept(self, message: Loaded) -> bool:
        """True when the message answers the current filters (else it is dropped)."""
        message.stop()
        if (message.generation, message.filters) != (self.fapp.generation, self.fapp.filters):
            return False
        self.set_busy(False)
        self.hide_notice()
        self.show_body(True)
        self.focus_main()
        return True

    def focus_main(self) -> None:
        """Focus the main table unless a table of this screen already has the focus (the user chose it)."""
        if not self.MAIN_TABLE:
            return
        from finops.tui.widgets.table import FrameTable

        if isinstance(self.focused, FrameTable):
            return
        for table in self.query(f"#{self.MAIN_TABLE}").results(FrameTable):
            # Without scrolling: the figures above the table (Overview at 80x24) stay in view. Screen.set_focus
            # applies it now; Widget.focus would in a later app callback, after the load could count as settled.
            self.set_focus(table, scroll_visible=False)

    def set_busy(self, busy: bool, widgets: "Sequence[Widget] | None" = None, key: str = "data") -> None:
        """Loading indicators on (after a short delay, so quick loads never flicker) or off.

        `key` names the load the indicators belong to, so one load's end never cancels another's timer.
        """
        targets = self.busy_widgets() if widgets is None else widgets
        pending = self._busy_timers.pop(key, None)
        if pending is not None:
            pending[1].stop()
        if busy:
            self._busy_seq += 1
            seq = self._busy_seq
            self._busy_timers[key] = (seq, self.set_timer(BUSY_DELAY, partial(self._show_busy, key, seq, targets)))
        else:
            for w in targets:
                w.loading = False
        self.fapp.note_activity()

    def _show_busy(self, key: str, seq: int, widgets: "Sequence[Widget]") -> None:
        # A timer that fired just before it was stopped still delivers its callback: only the
        # timer still registered under `key` may show indicators (else one would stick).
        pending = self._busy_timers.get(key)
        if pending is None or pending[0] != seq:
            return
        del self._busy_timers[key]
        for w in widgets:
            w.loading = True
        self.fapp.note_activity()

    def show_body(self, visible: bool) -> None:
        for w in self.query(".body-part"):
            w.display = visible

    def show_store_failure(self, info: NotAvailable) -> None:
        self.set_busy(False)
        self.show_body(False)
        self.show_notice(info, error=True)

    def show_notice(self, info: NotAvailable, error: bool = False) -> None:
        notice = self.query_one("#notice", Notice)
        notice.set_class(error, "error")
        notice.show(info)

    def hide_notice(self) -> None:
        self.query_one("#notice", Notice).display = False

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # The one handler for this screen's workers (subclasses override `worker_ended`, so no
        # handler can skip the bookkeeping). Messages the worker posted were handled before this.
        if event.worker.node is not self or event.state not in ENDED:
            return
        event.stop()
        try:
            self.worker_ended(event.worker)
        finally:
            self._forget(event.worker)

    def worker_ended(self, worker: Worker) -> None:
        """A worker of this screen ended; by default a failed load becomes a panel and a notification."""
        if worker.state != WorkerState.ERROR:
            return
        self.set_busy(False)
        error = worker.error  # a damaged part was named in the worker (finops/tui/workers.py)
        if isinstance(error, Unavailable):
            self.show_body(False)
            self.show_notice(error.info)
            return
        self.show_body(False)
        self.fapp.report_error(error, where=self.SCREEN_TITLE)
        title = getattr(error, "title", type(error).__name__)
        self.show_notice(NotAvailable(f"{self.SCREEN_TITLE}: {title}", str(error), "press r to retry"), error=True)

    # -- export ---------------------------------------------------------------------
    def export_frame(self) -> Any:
        """The table this screen shows, as a polars frame, for "export this view"."""
        return None
