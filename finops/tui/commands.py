"""Command palette provider: domain commands (go to a screen, change period, filter, sync)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import cast

from textual.command import DiscoveryHit, Hit, Hits, Provider

from finops.tui.filters import PRESETS
from finops.tui.modes import SCREENS_IN_ORDER
from finops.tui.screens.base import DashboardHost


class DashboardCommands(Provider):
    """Everything a key does, plus one command per period and per filter value."""

    def _commands(self) -> list[tuple[str, str, Callable[[], object]]]:
        app = cast(DashboardHost, self.app)
        out: list[tuple[str, str, Callable[[], object]]] = []
        for key, mode, cls in SCREENS_IN_ORDER:
            out.append((f"Go to {cls.SCREEN_TITLE}", f"show the {cls.SCREEN_TITLE} screen (key {key})", partial(app.action_show, mode)))
        for preset, label in PRESETS.items():
            out.append((f"Period: {label}", "set the date range of every screen", partial(app.action_period, preset)))
        out.append(("Filters…", "open the filter dialog (f)", app.action_filters))
        out.append(("Clear filters", "the default period (last 90 days), all providers, projects and features",
                    app.action_clear_filters))
        dims = app.ctx.dims if app.ctx is not None else None
        if dims is not None:
            for name, values in (("provider", dims.providers), ("project", dims.projects), ("feature", dims.features)):
                for value in values:
                    out.append((f"Filter {name}: {value}", f"show only {name} {value}", partial(app.action_set_filter, name, value)))
        out.append(("Sync now", "pull new data from every configured source", app.action_sync))
        out.append(("Export this view as CSV", "write the current table under <data dir>/exports (e)", app.action_export))
        out.append(("Toggle light/dark theme", "t", app.action_toggle_theme))
        out.append(("Refresh", "re-read the store (r)", app.action_refresh))
        out.append(("Help: key bindings", "? or F1", app.action_help))
        return out

    async def discover(self) -> Hits:
        for name, help_text, callback in self._commands():
            if name.startswith("Filter "):
                continue
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, callback in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)
