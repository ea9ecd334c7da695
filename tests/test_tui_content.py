"""Dashboard content fixes from issue 22, each on the loaded sample through Pilot."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from test_tui_support import anyio_backend, dash_home, figure_text, make_app, open_screen, settle, tui_store_path  # noqa: F401

pytestmark = pytest.mark.anyio


async def test_quota_card_follows_the_provider_filter(dash_home: Path) -> None:
    app = make_app(dash_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.set_filters(app.filters.with_(provider="anthropic"))
        await settle(pilot)
        text = figure_text(app, "fig-quota")
        assert "OpenAI token quota" not in text and "Anthropic agents workspace" in text
        app.set_filters(app.filters.with_(provider="openai"))
        await settle(pilot)
        assert "OpenAI token quota" in figure_text(app, "fig-quota")


async def test_quota_card_of_a_closed_month_reads_as_that_month(dash_home: Path) -> None:
    app = make_app(dash_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.set_filters(app.filters.with_(start=date(2026, 10, 1), end=date(2026, 10, 31), provider="openai"))
        await settle(pilot)
        text = figure_text(app, "fig-quota")
        assert "P(exhausted)" not in text and "closed 2026-10-31" in text, text
        assert "42.5M left of 42.5M" not in text  # October's tokens were used, not a fresh November window


async def test_price_mismatch_drill_shows_billed_against_catalog_rate_per_day(dash_home: Path) -> None:
    from finops.tui.screens.reconcile import DrillScreen
    from finops.tui.widgets.table import FrameTable

    app = make_app(dash_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        findings = app.screen.query_one("#findings", FrameTable)
        findings.focus()
        causes = [findings.row_data(i)["cause"] for i in range(findings.row_count)]
        finding = findings.row_data(causes.index("price_mismatch"))
        await pilot.press(*(["down"] * causes.index("price_mismatch")), "enter")
        await settle(pilot)
        assert isinstance(app.screen, DrillScreen)
        days = app.screen.data.days
        assert days.columns[:4] == ["day", "billed_per_million", "catalog_per_million", "price_diff_usd"]
        assert days["day"].n_unique() == days.height > 1  # one row per day, not per token row
        assert days["price_diff_usd"].sum() == pytest.approx(finding["dollar_impact"], abs=0.005)
        # The sample bills gpt-4.1 output at $10/M where the catalog says $8/M.
        assert days["billed_per_million"].round(6).unique().to_list() == [10.0]
        assert days["catalog_per_million"].round(6).unique().to_list() == [8.0]
        table = app.screen.query_one("#drill-table", FrameTable)
        labels = [str(c.label) for c in table.columns.values()]
        assert labels[1:3] == ["billed $/M", "catalog $/M"]


def test_forecast_by_model_has_no_holiday_trough_for_a_model_without_spend(dash_home: Path) -> None:
    from finops.tui.data.context import DashboardContext
    from finops.tui.data.forecast import load_forecast, trough_lines
    from finops.tui.filters import Filters
    from test_tui_support import SAMPLE_TODAY, settings_for

    data = load_forecast(DashboardContext.open(settings_for(dash_home), today=SAMPLE_TODAY), Filters(), by="model")
    rows = {r["series"]: r for r in data.table.iter_rows(named=True)}
    quiet = [name for name, r in rows.items() if r["mean_28d"] == 0]
    assert quiet == ["claude-sonnet-4"]  # the sample moved its traffic to claude-sonnet-4-5
    assert rows["claude-sonnet-4"]["warning"] == ""
    assert not any("claude-sonnet-4 by" in line for line in trough_lines(data))
    assert any(r["warning"] for r in rows.values())  # the guard still warns for the series with spend


def test_trough_guard_is_silent_for_a_stopped_series() -> None:
    from datetime import timedelta

    import numpy as np

    from finops.models.forecast.guard import trough_guard

    days = [date(2026, 10, 1) + timedelta(days=i) for i in range(90)]  # the window holds Thanksgiving
    y = np.where(np.arange(90) < 50, 10.0, 0.0)
    assert trough_guard(days, y, 28) is None


SCREENS = [("1", "movers"), ("2", "sources"), ("3", "drift"), ("4", "cogs-table"), ("5", "forecast-table"),
           ("6", "carbon-table")]


async def test_every_screen_opens_with_its_main_table_focused(dash_home: Path) -> None:
    app = make_app(dash_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        for key, table in SCREENS:
            await pilot.press(key)
            await settle(pilot)
            assert app.focused is not None and app.focused.id == table, (key, app.focused)


async def test_enter_on_reconcile_drills_without_tab_first(dash_home: Path) -> None:
    from finops.tui.widgets.table import FrameTable

    app = make_app(dash_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        await pilot.press("enter")  # straight into the daily detail of the first drift group
        await settle(pilot)
        from finops.tui.screens.reconcile import DrillScreen

        assert isinstance(app.screen, DrillScreen)
        assert isinstance(app.focused, FrameTable) and app.focused.id == "drill-table"


async def test_help_lists_each_binding_once_with_period_and_theme_keys(dash_home: Path) -> None:
    from textual.widgets import DataTable, Footer

    from finops.tui.screens.help import HelpScreen

    app = make_app(dash_home)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        footer = app.screen.query_one(Footer)

        def shown() -> str:
            return " ".join(str(w.render()) for w in footer.query("*"))

        # The footer recomposes its keys after the focused table's bindings arrive (a refresh the
        # settled signal does not count): give it the frames it needs under load, no sleep.
        for _ in range(200):
            if all(word in shown() for word in ("Period", "Theme", "Help")):
                break
            await pilot.pause()
        assert "Period" in shown() and "Theme" in shown() and "Help" in shown(), shown()
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        table = app.screen.query_one(DataTable)
        rows = [table.get_row_at(i) for i in range(table.row_count)]
        keys = [r[0] for r in rows]
        ids = [r[2] for r in rows]
        assert len(keys) == len(set(keys)) and len(ids) == len(set(ids)), rows
        assert {"[", "]", "t"} <= set(keys)


async def test_clear_filters_also_clears_a_custom_range(dash_home: Path) -> None:

    from finops.tui.filters import default_filters
    from finops.tui.screens.filters import FilterDialog

    app = make_app(dash_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        opening = app.filters
        assert opening == default_filters(app.ctx)
        app.set_filters(app.filters.with_(start=date(2026, 6, 1), end=date(2026, 6, 30), provider="openai"))
        await settle(pilot)
        app.action_clear_filters()  # the palette's "Clear filters"
        await settle(pilot)
        assert app.filters == opening
        app.set_filters(app.filters.with_(start=date(2026, 6, 1), end=date(2026, 6, 30), provider="openai"))
        await settle(pilot)
        await pilot.press("f")
        await pilot.pause()
        assert isinstance(app.screen, FilterDialog)
        await pilot.click("#clear")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.filters == opening
        assert app.screen.query_one("#fig-period") is not None



async def test_forecast_screen_shows_the_forecast_the_cli_prints(dash_home: Path) -> None:
    """Each split of the Forecast screen ('b') shows, per series, `finops forecast --by <split>
    --horizon 30d` summed over its days (the screen keeps the largest series): both fit models.forecast.series on the same lines, so
    the model split prices lines that name no model by the context's catalog on both."""
    import json

    from test_cross_surface import Company, cli
    from test_tui_support import SAMPLE_TODAY

    from finops.tui.data.forecast import BREAKDOWNS, MAX_SERIES
    from finops.tui.screens.forecast import ForecastScreen
    from finops.tui.widgets.table import FrameTable

    shown: dict[str, dict[str, str]] = {}
    app = make_app(dash_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = await open_screen(pilot, "5", ForecastScreen)
        for _ in BREAKDOWNS:
            table = screen.query_one("#forecast-table", FrameTable)
            column = list(table.columns).index("next")
            shown[screen.by] = {table.row_data(i)["series"]: str(table.get_row_at(i)[column]).strip()
                                for i in range(table.row_count)}
            await pilot.press("b")
            await settle(pilot)
    assert set(shown) == set(BREAKDOWNS)
    for by, rows in shown.items():
        out = cli(Company("sample", dash_home, SAMPLE_TODAY), "forecast", "--by", by, "--horizon", "30d",
                  "--daily", "--format", "json")
        totals: dict[str, float] = {}
        for row in json.loads(out):
            totals[row["series"]] = totals.get(row["series"], 0.0) + row["forecast"]
        assert rows == {series: f"${totals[series]:,.2f}" for series in rows}, by
        # The screen shows the largest MAX_SERIES and names how many it left out; the CLI prints them all.
        assert len(rows) == min(len(totals), MAX_SERIES), (by, sorted(rows), sorted(totals))
