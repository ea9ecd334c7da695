"""Read the store in a thread while Textual is still importing (the dashboard's cold start).

`finops dashboard` starts a Preload before it imports the app; the app's first context
load and the Overview's first load take its results instead of reading again. Headless:
it runs the same loaders the screens' workers run, nothing else.
"""

from __future__ import annotations

import threading
from datetime import date
from typing import Any

from finops.config import Settings
from finops.tui.filters import DEFAULT_PERIOD, Filters, default_filters

__all__ = ["DEFAULT_PERIOD", "Filters", "Preload", "default_filters"]


class Preload:
    def __init__(self, settings: Settings, today: date | None = None) -> None:
        self.settings, self.today = settings, today
        self._ctx: Any = None
        self._overview: tuple[Filters, Any] | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="finops-preload", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            from finops.tui.data.context import DashboardContext

            self._ctx = DashboardContext.open(self.settings, self.today)
            if not self._ctx.dims.empty:
                from finops.tui.data.overview import load_overview

                filters = default_filters(self._ctx)
                self._overview = (filters, load_overview(self._ctx, filters))
        except BaseException as exc:  # noqa: BLE001 - re-raised in the worker that asks for it
            self._error = exc

    def context(self) -> Any:
        """The opened DashboardContext (waits for the thread; re-raises its error)."""
        self._thread.join()
        if self._error is not None and self._ctx is None:
            raise self._error
        return self._ctx

    def take_overview(self, filters: Filters) -> Any:
        """The preloaded OverviewData if it answers `filters` (once), else None."""
        self._thread.join()
        if self._overview is None or self._overview[0] != filters:
            return None
        data, self._overview = self._overview[1], None
        return data
