"""The FinOps dashboard app: screens as modes, global filters, themes, workers, errors.

Six screens are Textual modes switched with the number keys; each keeps its own stack,
so a drill-down on Reconcile survives a trip to Overview. The store is opened in a
thread worker; until it answers, screens show loading indicators. `settled` /
`wait_settled()` say when every started load is on screen (finops/tui/settled.py).
"""

from __future__ import annotations

import asyncio
import gc
import time
from datetime import date
from typing import Any, ClassVar

from textual.app import App
from textual.binding import Binding, BindingType
from textual.notifications import Notify
from textual.screen import ModalScreen
from textual.worker import Worker, WorkerState

from finops.config import Settings
from finops.tui.commands import DashboardCommands
from finops.tui.data.availability import NotAvailable
from finops.tui.filters import Filters, preset_range
from finops.tui.messages import ContextLoaded
from finops.tui.preload import Preload, default_filters
from finops.tui.modes import SCREENS_IN_ORDER
from finops.tui.screens.base import DashboardHost, DashboardScreen
from finops.tui.workers import load_worker

THEMES = {"dark": "textual-dark", "light": "textual-light"}
_SCREENS = Binding.Group("Screens", compact=True)
_PERIOD = Binding.Group("Period", compact=True)


def _screen_bindings() -> list[BindingType]:
    return [
        Binding(key, f"show('{mode}')", cls.SCREEN_TITLE, id=f"screen.{mode}", group=_SCREENS,
                tooltip=f"Show the {cls.SCREEN_TITLE} screen")
        for key, mode, cls in SCREENS_IN_ORDER
    ]


class FinopsApp(App[tuple[float, float] | None]):
    """A FinOps lead's all-day view of AI spend."""

    TITLE = "FinOps console"
    CSS_PATH = "app.tcss"
    MODES: ClassVar[dict[str, Any]] = {mode: cls for _, mode, cls in SCREENS_IN_ORDER}
    DEFAULT_MODE = "overview"
    COMMANDS = App.COMMANDS | {DashboardCommands}
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide"), (160, "-huge")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (32, "-tall")]
    BINDINGS: ClassVar[list[BindingType]] = [
        *_screen_bindings(),
        Binding("f", "filters", "Filters", id="filters.open", tooltip="Date range, provider, project, feature"),
        Binding("left_square_bracket", "shift_period(-1)", "Earlier period", id="period.earlier", group=_PERIOD,
                key_display="[", tooltip="Move the date range back by its length"),
        Binding("right_square_bracket", "shift_period(1)", "Later period", id="period.later", group=_PERIOD,
                key_display="]", tooltip="Move the date range forward by its length"),
        Binding("r", "refresh", "Refresh", id="data.refresh", show=False, tooltip="Re-read the store"),
        Binding("t", "toggle_theme", "Theme", id="theme.toggle", tooltip="Switch light and dark"),
        Binding("e", "export", "Export", id="view.export", show=False, tooltip="Write this view's table as CSV"),
        Binding("question_mark,f1", "help", "Help", id="help", key_display="?", tooltip="All key bindings"),
        Binding("q", "quit", "Quit", id="quit", tooltip="Leave the dashboard"),
    ]

    def __init__(
        self,
        settings: Settings,
        *,
        today: date | None = None,
        theme: str | None = None,
        filters: Filters | None = None,
        exit_when_painted: bool = False,
        preload: "Preload | None" = None,
        resume_gc: bool = False,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.pinned_today = today
        self.ctx: Any = None  # DashboardContext once the store is open
        self.generation = 0  # bumped each time the store is re-read (after a sync)
        self.filters = filters or Filters()
        self._explicit_filters = filters is not None
        self.exit_when_painted = exit_when_painted  # for bench/dashboard_cold_start.py
        self.preload = preload  # the store read started before Textual was imported
        self.resume_gc = resume_gc  # the caller paused the garbage collector for start-up (finops dashboard)
        self.started = False  # on_mount ran (the first context load is under way)
        self.dashboard_screens: set[DashboardScreen] = set()  # mounted ones (they add themselves)
        self.activity = asyncio.Event()  # set whenever a load starts or ends (wakes wait_settled)
        self._context_worker: Worker | None = None
        self.notices_pending = 0  # notifications posted, not yet handled (the settled signal waits for them)
        self.store_failure: NotAvailable | None = None  # why the last open of the store failed; screens shown later show it
        section = settings.config.section("dashboard")
        wanted = theme or str(section.get("theme", "dark"))
        self.theme = THEMES.get(wanted, wanted if wanted in self.available_themes else THEMES["dark"])
        keys = section.get("keys")
        if isinstance(keys, dict):
            self.set_keymap({str(k): str(v) for k, v in keys.items()})

    # -- start-up -------------------------------------------------------------------
    def on_mount(self) -> None:
        # Log records (a connector's warning, say) must not write to the terminal under the UI;
        # they go to Textual's log, and the screens show failures as notifications.
        import logging

        app = self

        class ToAppLog(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                try:
                    app.log.logging(self.format(record))
                except Exception:  # noqa: BLE001 - logging must never break the UI
                    pass

        finops_log = logging.getLogger("finops")
        self._log_restore = (finops_log.propagate, ToAppLog())
        finops_log.addHandler(self._log_restore[1])
        finops_log.propagate = False
        self.reload_store()
        self.started = True

    def on_ready(self) -> None:
        if self.resume_gc:
            # The first layout is done: what start-up built lives as long as the app, so it is
            # frozen (later collections skip it) before the collector runs again.
            gc.freeze()
            gc.enable()

    def on_unmount(self) -> None:
        import logging

        restore = getattr(self, "_log_restore", None)
        if restore is not None:
            finops_log = logging.getLogger("finops")
            finops_log.removeHandler(restore[1])
            finops_log.propagate = restore[0]

    @load_worker("context")
    def load_context(self) -> None:
        from finops.tui.data.context import DashboardContext

        preload = self.preload if self.generation == 0 else None
        if preload is not None:
            ctx = preload.context()
        else:
            ctx = DashboardContext.open(self.settings, self.pinned_today)
        self.post_message(ContextLoaded(ctx))

    def take_preloaded_overview(self, filters: Filters) -> Any:
        """The Overview computed before the app started, if it answers these filters (first load only)."""
        preload, self.preload = self.preload, None
        return preload.take_overview(filters) if preload is not None else None

    def on_context_loaded(self, message: ContextLoaded) -> None:
        self.ctx = message.ctx
        self.generation += 1
        if not self._explicit_filters and self.filters.start is None and self.filters.end is None:
            self.filters = default_filters(self.ctx)
        self.refresh_active()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.group != "context" or event.state not in (WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED):
            return
        if event.state == WorkerState.ERROR:
            error = worker.error  # a damaged part was named in the worker (finops/tui/workers.py)
            self.report_error(error, where="opening the store")
            if self.ctx is None:
                self._store_unreadable(error)
        if worker is self._context_worker:
            self._context_worker = None  # its ContextLoaded (posted before it ended) was handled
            self.note_activity()

    def _store_unreadable(self, error: BaseException | None) -> None:
        self.store_failure = NotAvailable("The store could not be opened", " ".join(str(error).split()),
                                          "fix it and press r to retry")
        for screen in list(self.dashboard_screens):
            screen.show_store_failure(self.store_failure)

    # -- the settled signal (finops/tui/settled.py) ---------------------------------
    @property
    def context_pending(self) -> bool:
        return self._context_worker is not None

    @property
    def settled(self) -> bool:
        """True when every load the visible screens started has been applied to their widgets."""
        from finops.tui.settled import unsettled

        return not unsettled(self)

    async def wait_settled(self, timeout: float = 60.0) -> None:
        """Wait until `settled` holds across a repaint (from another task, e.g. a test's Pilot)."""
        from finops.tui.settled import wait_settled

        await wait_settled(self, timeout)

    def note_activity(self) -> None:
        self.activity.set()

    def notify(self, *args: Any, **kwargs: Any) -> None:
        # A notification is a message to the app: until it is handled no toast shows, so a
        # frame without it is not final (a failed load's error must be on the settled screen).
        self.notices_pending += 1
        super().notify(*args, **kwargs)

    def on_notify(self, message: Notify) -> None:
        self.notices_pending -= 1
        self.note_activity()

    # -- shared state ----------------------------------------------------------------
    def set_filters(self, filters: Filters) -> None:
        self._explicit_filters = True
        if filters != self.filters:
            self.filters = filters
            self.refresh_active()

    def refresh_active(self) -> None:
        screen = self.screen
        for s in self.screen_stack:
            if isinstance(s, DashboardScreen):
                s.refresh_topbar()
        if isinstance(screen, DashboardScreen):
            screen.maybe_reload()

    def reload_store(self) -> None:
        """Re-read the store (at start, after a sync); every screen reloads when next shown."""
        self.store_failure = None
        self._context_worker = self.load_context()
        self.note_activity()

    def overview_painted(self) -> None:
        """Called by the Overview after its first data is on screen (cold-start benchmark)."""
        if self.exit_when_painted:
            # Wall time and this process's CPU time (all threads) at the first paint.
            self.call_after_refresh(lambda: self.exit((time.time(), time.process_time())))

    def diagnosed(self, error: BaseException) -> BaseException:
        """A read that failed on a damaged part file, as the store error naming the file; else `error`.
        Reads every part's footer: called in the failing worker's thread (finops/tui/workers.py)."""
        from finops.store import as_store_error

        return as_store_error(error, self.settings.store_dir, pages=False) or error

    def report_error(self, error: BaseException | None, where: str = "") -> None:
        title = getattr(error, "title", None) or type(error).__name__
        message = " ".join(str(error).split()) or repr(error)
        self.notify(message, title=f"{title} ({where})" if where else title, severity="error", timeout=10)

    # -- actions ---------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Screen switching and global keys stay quiet while a dialog is open.
        if isinstance(self.screen, ModalScreen) and action in {"show", "filters", "refresh", "export", "toggle_theme", "shift_period"}:
            return False
        return True

    def action_show(self, mode: str) -> None:
        if self.current_mode != mode:
            self.switch_mode(mode)

    def action_refresh(self) -> None:
        self.reload_store()

    def action_toggle_theme(self) -> None:
        self.theme = THEMES["light"] if self.theme == THEMES["dark"] else THEMES["dark"]

    def action_filters(self) -> None:
        from finops.tui.screens.filters import FilterDialog

        if self.ctx is None:
            self.notify("the store is still opening", severity="warning")
            return

        def done(result: Filters | None) -> None:
            if result is not None:
                self.set_filters(result)

        self.push_screen(FilterDialog(self.filters, self.ctx), done)

    def action_period(self, preset: str) -> None:
        if self.ctx is None:
            return
        start, end = preset_range(preset, self.ctx.today, self.ctx.dims.first_day)
        self.set_filters(self.filters.with_(start=start, end=end))

    def action_shift_period(self, direction: int) -> None:
        if self.ctx is None or self.filters.start is None or self.filters.end is None:
            return
        from finops.tui.filters import shift_period

        start, end = shift_period(self.filters.start, self.filters.end, direction, self.ctx.today)
        self.set_filters(self.filters.with_(start=start, end=end))

    def action_set_filter(self, name: str, value: str) -> None:
        self.set_filters(self.filters.with_(**{name: value or None}))

    def action_clear_filters(self) -> None:
        """Every filter back to how the dashboard opens: the default period, all providers, projects, features."""
        if self.ctx is None:
            self.set_filters(Filters())
            return
        self.set_filters(default_filters(self.ctx))

    def action_help(self) -> None:
        from finops.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def action_export(self) -> None:
        from finops.tui.export import export_view

        screen = self.screen
        frame = screen.export_frame() if isinstance(screen, DashboardScreen) else None
        if frame is None or self.ctx is None:
            self.notify("this view has no table to export yet", severity="warning")
            return
        try:
            path = export_view(frame, self.settings.data_dir, type(screen).__name__.removesuffix("Screen").lower(), self.ctx.today)
        except OSError as exc:
            self.report_error(exc, where="export")
            return
        self.notify(f"wrote {frame.height:,} rows to {path}", title="Exported")

    def action_sync(self) -> None:
        self.action_show("sources")
        self.call_after_refresh(lambda: getattr(self.screen, "action_sync_all", lambda: None)())


# The screens use the app through this protocol (they never import this module); mypy checks it holds.
_HOST: type[DashboardHost] = FinopsApp
