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


async def test_cache_screen_follows_the_dashboard_filters(dash_home: Path) -> None:  # noqa: F811
    """Provider, project and date range narrow the figures, tables and chart, exactly as `finops cache --provider
    --project --since --until` does; the May miss episode shows under OpenAI's support project, not under Anthropic."""
    from datetime import date

    from finops.tui.screens.prompt_cache import PromptCacheScreen, shown

    app = make_app(dash_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = await open_screen(pilot, "7", PromptCacheScreen)
        assert screen.data is not None
        whole = {f.name: f.value for f in screen.data.figures}
        may = app.filters.with_(start=date(2026, 5, 1), end=date(2026, 5, 31), provider="openai", project="proj_support")
        app.set_filters(may)
        await settle(pilot)
        d = screen.data
        assert d is not None
        summary = str(screen.query_one("#cache-summary").render())
        assert set(d.rows["provider"].unique()) == {"openai"} and set(d.rows["project_id"].unique()) == {"proj_support"}
        assert d.rows["day"].min() >= date(2026, 5, 1) and d.rows["day"].max() <= date(2026, 5, 31)
        assert d.by_feature["feature"].to_list() == ["support-chat"]
        assert [(e["feature"], e["provider"]) for e in d.episodes.iter_rows(named=True)] == [("support-chat", "openai")]
        narrowed = {f.name: f for f in d.figures}
        assert narrowed["cache_saved"].value != whole["cache_saved"]
        for f in narrowed.values():
            assert f"{f.label}: {shown(f)}" in summary
        app.set_filters(may.with_(provider="anthropic", project=None))
        await settle(pilot)
        assert screen.data is not d and screen.data.episodes.height == 0
        assert set(screen.data.rows["provider"].unique()) == {"anthropic"}
    env = {**os.environ, "FINOPS_HOME": str(dash_home)}
    out = subprocess.run([sys.executable, "-m", "finops.cli", "cache", "--since", "2026-05-01", "--until", "2026-05-31",
                          "--provider", "openai", "--project", "proj_support", "--format", "json"],
                         env=env, capture_output=True, text=True, check=True, cwd=dash_home)
    doc = json.loads(out.stdout)
    cli = {f["name"]: f for f in doc["figures"]}
    assert set(cli) == set(narrowed)
    for name, f in narrowed.items():
        assert cli[name]["label"] == f.label
        assert cli[name]["value"] == pytest.approx(f.value, rel=1e-9) if f.value is not None else cli[name]["value"] is None
    assert [e["start"] for e in doc["miss_episodes"]] == ["2026-05-22"]
