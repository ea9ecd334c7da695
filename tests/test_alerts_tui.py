"""The dashboard's alerts panel (Sources screen), driven with Pilot: it lists what `finops alert check` recorded."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from test_tui_support import anyio_backend, make_app, make_home, open_screen, settle, tui_store_path  # noqa: F401

pytestmark = pytest.mark.anyio

CONFIG = """
[[budgets]]
name = "inference"
monthly_usd = {cap}

[[alerts.rules]]
name = "budget risk"
type = "budget"
threshold = 0.9
"""


def _check(home: Path, today: date) -> None:
    from finops.alerts.check import run_check
    from finops.alerts.rules import load_alerts
    from finops.commands.alert import now_for
    from finops.config import Settings
    from finops.context import Context

    settings = Settings.resolve(home, home / "finops.toml")
    run_check(Context.build(settings, today=today), load_alerts(settings.config), home, now_for(today))


async def test_sources_screen_lists_active_and_recent_alerts(tui_store_path: Path, tmp_path: Path) -> None:
    from finops.config import Settings
    from finops.context import Context
    from finops.metrics.budgets import budget_statuses, budget_used
    from finops.tui.screens.sources import SourcesScreen
    from finops.tui.widgets.table import FrameTable

    home = make_home(tui_store_path, tmp_path / "home")
    (home / "finops.toml").write_text(CONFIG.format(cap=250))
    _check(home, date(2026, 11, 25))
    app = make_app(home)
    async with app.run_test(size=(140, 45)) as pilot:
        await settle(pilot)
        screen = await open_screen(pilot, "2", SourcesScreen)
        table = screen.query_one("#alerts", FrameTable)
        assert table.display and table.row_count == 2  # the firing alert, and its "fired" event
        active, event = table.row_data(0), table.row_data(1)
        fig = budget_used(budget_statuses(Context.build(Settings.resolve(home, home / "finops.toml"),
                                                        today=date(2026, 11, 25)))[0])
        assert active["state"] == "firing" and active["alert"] == "budget risk|budget inference"
        assert active["figure"].startswith(f"{fig.label}: {fig.money()}")
        assert event["state"] == "fired" and event["figure"] == "episode 1, as of 2026-11-24"
        summary = str(screen.query_one("#alerts-summary").render())
        assert "Alerts · 1 active · 1 rule(s)" in summary


async def test_sources_screen_says_when_no_rule_is_configured(tui_store_path: Path, tmp_path: Path) -> None:
    from finops.tui.screens.sources import SourcesScreen
    from finops.tui.widgets.table import FrameTable

    home = make_home(tui_store_path, tmp_path / "home")
    app = make_app(home)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = await open_screen(pilot, "2", SourcesScreen)
        assert not screen.query_one("#alerts", FrameTable).display
        assert "no [[alerts.rules]] in finops.toml" in str(screen.query_one("#alerts-summary").render())
