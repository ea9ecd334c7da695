"""The dashboard's Prompt cache screen (key 7): the CLI's figures, a hit-rate chart, tables, drill-down to days."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from test_tui_support import anyio_backend, dash_home, make_app, open_screen, settle, tui_store_path  # noqa: F401

pytestmark = pytest.mark.anyio


async def test_cache_screen_shows_the_cli_figures_and_drills_to_days(dash_home: Path) -> None:  # noqa: F811
    from finops.tui.screens.prompt_cache import CacheDaysScreen, PromptCacheScreen, shown
    from finops.tui.widgets.table import FrameTable

    app = make_app(dash_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = await open_screen(pilot, "7", PromptCacheScreen)
        assert screen.data is not None
        summary = str(screen.query_one("#cache-summary").render())
        figs = {f.name: f for f in screen.data.figures}
        for f in figs.values():
            assert f"{f.label}: {shown(f)}" in summary
        assert screen.query_one("#cache-chart").display
        assert not screen.data.chart.empty
        table = screen.query_one("#cache-table", FrameTable)
        assert table.row_count == screen.data.by_feature.height
        table.focus()
        await pilot.pause()
        assert screen.query_one("#cache-episodes", FrameTable).row_count == screen.data.episodes.height
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CacheDaysScreen)
        assert app.screen.query_one("#cache-days", FrameTable).row_count == app.screen.days.height > 0
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, PromptCacheScreen)
    # the same values as the CLI's JSON for the same period
    start, end = screen.data.rows["day"].min(), screen.data.rows["day"].max()
    env = {**os.environ, "FINOPS_HOME": str(dash_home)}
    out = subprocess.run([sys.executable, "-m", "finops.cli", "cache", "--since", str(start), "--until", str(end),
                          "--format", "json"], env=env, capture_output=True, text=True, check=True, cwd=dash_home)
    cli = {f["name"]: f for f in json.loads(out.stdout)["figures"]}
    for name, f in figs.items():
        assert cli[name]["label"] == f.label
        assert cli[name]["value"] == pytest.approx(f.value, rel=1e-9) if f.value is not None else cli[name]["value"] is None
