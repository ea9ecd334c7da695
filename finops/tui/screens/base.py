"""`DashboardScreen`: top bar, body, footer, and the load-in-a-worker cycle every screen shares.

A screen loads when it is shown and the filters or the store changed since its last
load. The load runs in a thread worker (defined by each screen with its own group) that
posts a typed `Loaded` message; the screen drops results computed for stale filters.
A worker that raises `Unavailable` turns into a plain panel; any other error into an
error panel plus a notification.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer
from textual.worker import Worker, WorkerState

from finops.tui.data.availability import NotAvailable, Unavailable
from finops.tui.messages import Loaded
from finops.tui.widgets.notice import Notice
from finops.tui.widgets.topbar import TopBar

if TYPE_CHECKING:
    from finops.tui.app import FinopsApp
    from finops.tui.data.context import DashboardContext
    from finops.tui.filters import Filters


BUSY_DELAY = 0.2  # seconds a load may take before its widgets show a loading indicator


def empty_store_notice(ctx: "DashboardContext") -> NotAvailable:
    return NotAvailable(
        "The store is empty",
        f"nothing is stored under {ctx.store.root}",
        "load the embedded sample with `finops sample load`, or configure sources and run `finops sync`",
    )


class DashboardScreen(Screen):
    SCREEN_TITLE = ""
    NEEDS_DATA = True  # show the empty-store panel instead of loading when the store is empty

    def __init__(self) -> None:
        super().__init__()
        self._loaded_key: tuple[int, Any] | None = None

    @property
    def fapp(self) -> "FinopsApp":
        return cast("FinopsApp", self.app)

    # -- layout ---------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield TopBar(self.SCREEN_TITLE)
        with VerticalScroll(id="body"):
            yield Notice(id="notice")
            yield from self.compose_body()
        yield Footer()

    def compose_body(self) -> ComposeResult:
        yield from ()

    def busy_widgets(self) -> list[Widget]:
        """Widgets that show a loading indicator while data loads."""
        return list(self.query(".loads"))

    # -- load cycle -----------------------------------------------------------------
    def on_mount(self) -> None:
        self.query_one("#notice", Notice).display = False

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
        raise NotImplementedError

    def accept(self, message: Loaded) -> bool:
        """True when the message answers the current filters (else it is dropped)."""
        message.stop()
        if (message.generation, message.filters) != (self.fapp.generation, self.fapp.filters):
            return False
        self.set_busy(False)
        self.hide_notice()
        self.show_body(True)
        return True

    def set_busy(self, busy: bool, widgets: "list[Widget] | None" = None) -> None:
        """Loading indicators on (after a short delay, so quick loads never flicker) or off."""
        targets = self.busy_widgets() if widgets is None else widgets
        timer = getattr(self, "_busy_timer", None)
        if timer is not None:
            timer.stop()
            self._busy_timer = None
        if busy:
            self._busy_timer = self.set_timer(BUSY_DELAY, lambda: self._show_busy(targets))
        else:
            for w in targets:
                w.loading = False

    def _show_busy(self, widgets: "list[Widget]") -> None:
        self._busy_timer = None
        for w in widgets:
            w.loading = True

    def show_body(self, visible: bool) -> None:
        for w in self.query(".body-part"):
            w.display = visible

    def show_notice(self, info: NotAvailable, error: bool = False) -> None:
        notice = self.query_one("#notice", Notice)
        notice.set_class(error, "error")
        notice.show(info)

    def hide_notice(self) -> None:
        self.query_one("#notice", Notice).display = False

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state != WorkerState.ERROR or event.worker.node is not self:
            return
        event.stop()
        self.set_busy(False)
        error = event.worker.error
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
