"""The analytics screens driven with Pilot on the loaded sample: reconcile drill-downs, budgets, forecast, carbon."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pytest

from test_tui_support import anyio_backend, dash_home, figure_text, make_app, open_screen, settle, tui_store_path  # noqa: F401

pytestmark = pytest.mark.anyio


async def test_reconcile_sorts_drills_into_a_group_and_back(dash_home: Path) -> None:
    from test_reconcile_support import reconcile
    from finops.store import Store
    from finops.tui.screens.reconcile import DrillScreen, ReconcileScreen
    from finops.tui.widgets.table import FrameTable

    app = make_app(dash_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = await open_screen(pilot, "3", ReconcileScreen)
        drift = screen.query_one("#drift", FrameTable)
        assert app.focused is drift
        # Default order: biggest estimated dollar drift first.
        usd = [drift.row_data(i)["delta_usd"] for i in range(drift.row_count)]
        assert usd[0] == max(u for u in usd if u is not None)
        # Sort by another column from the keyboard, then back to dollars ascending.
        while drift.sort_column != "local":
            await pilot.press("o")
        logged = [drift.row_data(i)["local"] for i in range(drift.row_count)]
        assert logged == sorted(logged, reverse=True)
        while drift.sort_column != "delta_usd":
            await pilot.press("o")
        await pilot.press("O")
        usd = [drift.row_data(i)["delta_usd"] for i in range(drift.row_count)]
        assert usd == sorted(usd) and not drift.sort_descending
        await pilot.press("end")  # the biggest drift is last now
        group = drift.row_data()
        await pilot.press("enter")
        await settle(pilot)
        drill = app.screen
        assert isinstance(drill, DrillScreen)
        days = drill.data.days
        # Independently: the reconciler's own daily rows for that group over the period.
        independent = reconcile(Store(dash_home / "store"), app.filters.start, app.filters.end).groups.filter(
            (pl.col("provider") == group["provider"]) & (pl.col("project_id") == group["project_id"])
            & (pl.col("model") == group["model"]) & (pl.col("token_class") == group["token_class"])
        )
        assert days.height == independent.height > 1
        assert int(days["delta"].sum()) == int(independent["delta"].sum()) == group["delta"]
        assert days["day"].to_list() == sorted(independent["day"].to_list())
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen and app.current_mode == "reconcile"


async def test_reconcile_finding_drill_shows_the_days_behind_it(dash_home: Path) -> None:
    from finops.tui.screens.reconcile import DrillScreen
    from finops.tui.widgets.table import FrameTable

    app = make_app(dash_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        findings = app.screen.query_one("#findings", FrameTable)
        app.screen.set_focus(findings)  # now (Widget.focus would apply it in a later callback)
        causes = [findings.row_data(i)["cause"] for i in range(findings.row_count)]
        assert "unlogged_traffic" in causes  # the sample's eval-batch traffic is never logged
        row = causes.index("unlogged_traffic")
        await pilot.press(*(["down"] * row), "enter")
        await settle(pilot)
        assert isinstance(app.screen, DrillScreen)
        days = app.screen.data.days
        assert days.height > 0 and set(days["causes"].str.split(",").explode()) >= {"unlogged_traffic"}
        assert int(days["local"].sum()) == 0  # nothing of it was logged
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen.query_one("#findings", FrameTable) is findings


def inference_usd(home: Path, day: date, provider: str | None = None, project: str | None = None) -> float:
    lf = pl.scan_parquet(str(home / "store" / "cost_lines" / "*" / "*.parquet")).filter(
        (pl.col("ChargePeriodStart").dt.date() == day) & pl.col("x_CostSource").is_in(["inference", "embeddings"])
        & (pl.col("BillingCurrency") == "USD")
    )
    if provider:
        lf = lf.filter(pl.col("ServiceProviderName").str.to_lowercase() == provider)
    if project:
        lf = lf.filter(pl.col("SubAccountId") == project)
    return float(lf.select(pl.col("BilledCost").sum()).collect().item())


async def test_budget_figure_follows_the_filters_and_the_budget_timezone(dash_home: Path) -> None:
    import re

    app = make_app(dash_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        end = app.filters.end
        first = end.replace(day=1)

        def spent_shown() -> float:
            text = figure_text(app, "fig-budget")
            return float(re.search(r"\$([\d,]+\.\d\d) of", text).group(1).replace(",", ""))

        # "AI inference (all providers)" resets at midnight in Los Angeles, 07:00 or 08:00 UTC on the 1st:
        # the full UTC days after the 1st count entirely, the 1st only in part.
        full = sum(inference_usd(dash_home, first + timedelta(days=i)) for i in range(1, (end - first).days + 1))
        partial = inference_usd(dash_home, first)
        assert "AI inference (all providers)" in figure_text(app, "fig-budget")
        assert full < spent_shown() < full + partial
        # (The palette path to these filters is covered above; here only the figures matter.)
        app.set_filters(app.filters.with_(provider="anthropic", project="wrkspc_agents"))
        await settle(pilot)
        # "Anthropic agents workspace" resets in Berlin: 23:00 UTC on the last day of the month before.
        full = sum(inference_usd(dash_home, first + timedelta(days=i), "anthropic", "wrkspc_agents")
                   for i in range((end - first).days + 1))
        partial = inference_usd(dash_home, first - timedelta(days=1), "anthropic", "wrkspc_agents")
        assert "Anthropic agents workspace" in figure_text(app, "fig-budget")
        assert full < spent_shown() < full + partial
        assert "estimated" in figure_text(app, "fig-month-end") and "80%" in figure_text(app, "fig-month-end")


async def test_carbon_per_task_follows_the_feature_filter(dash_home: Path) -> None:
    from finops.tui.screens.carbon import CarbonScreen
    from finops.tui.widgets.table import FrameTable

    app = make_app(dash_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("6")
        await settle(pilot)
        assert isinstance(app.screen, CarbonScreen)
        table = app.screen.query_one("#carbon-table", FrameTable)
        assert table.row_count >= 5
        app.set_filters(app.filters.with_(feature="support-chat"))
        await settle(pilot)
        rows = [table.row_data(i) for i in range(table.row_count)]
        assert [r["feature"] for r in rows] == ["support-chat"]
        start, end = app.filters.start, app.filters.end
        tasks = pl.scan_parquet(str(dash_home / "store" / "requests" / "*" / "*.parquet")).filter(
            (pl.col("feature") == "support-chat") & (pl.col("ts").dt.date() >= start) & (pl.col("ts").dt.date() <= end)
        ).select(pl.col("task_id").n_unique()).collect().item()
        assert rows[0]["tasks"] == tasks
        assert rows[0]["provenance"] == "estimated" and rows[0]["wh_per_task"] > 0


async def test_forecast_per_series_with_intervals_and_the_trough_warning(dash_home: Path) -> None:
    from finops.tui.screens.forecast import ForecastScreen
    from finops.tui.widgets.chart import Chart
    from finops.tui.widgets.table import FrameTable

    app = make_app(dash_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = await open_screen(pilot, "5", ForecastScreen)
        table = screen.query_one("#forecast-table", FrameTable)
        rows = {table.row_data(i)["series"]: table.row_data(i) for i in range(table.row_count)}
        assert set(rows) == {"anthropic", "openai"}
        start, end = app.filters.start, app.filters.end
        for provider, row in rows.items():
            history = sum(inference_usd(dash_home, start + timedelta(days=i), provider) for i in range((end - start).days + 1))
            assert row["history"] == pytest.approx(history, rel=1e-9)
            assert 0 < row["next_lo80"] <= row["next"] <= row["next_hi80"]
        # The sample's last 28 days hold US and JP holidays: the guard says so.
        assert screen.query_one("#forecast-warning").display
        assert "Holiday trough" in str(screen.query_one("#forecast-warning").render())
        chart = screen.query_one("#forecast-chart", Chart)
        first = table.row_data()["series"]
        assert chart.spec.title.startswith(first)
        await pilot.press("down")
        assert table.row_data()["series"] != first and chart.spec.title.startswith(table.row_data()["series"])
        await pilot.press("b")  # split by project
        await settle(pilot)
        names = {table.row_data(i)["series"] for i in range(table.row_count)}
        assert "wrkspc_agents" in names and screen.data.by == "project"
        await pilot.press("m")  # tokens, metered
        await settle(pilot)
        assert screen.data.metric == "tokens" and screen.data.provenance == "metered"


def test_chart_legend_sits_under_the_plot_and_wraps_without_splitting_entries() -> None:
    from finops.tui.data.series import ChartSpec, Mark, Series
    from finops.tui.widgets.chart import legend, legend_text

    days = (date(2026, 11, 1), date(2026, 11, 2))
    names = ["human review", "anthropic", "datadog", "openai", "other"]
    spec = ChartSpec("spend", tuple(Series(n, days, (1.0, 2.0)) for n in names), marks=(Mark(days[0], "US: x"),))
    entries = legend(spec)
    assert [label for _, label, _ in entries] == [*names, "holiday"]
    lines = legend_text(entries, 55)
    assert len(lines) == 2 and all(line.cell_len <= 55 for line in lines)
    text = " ".join(line.plain for line in lines)
    assert all(f" {label}" in text for label in [*names, "holiday"])
    # One bar series needs no legend (the title says what it is); stacked bars name each segment.
    bars = ChartSpec("per task", (Series("gCO2e/task", (), (1.0, 2.0)),), x_categories=("a", "b"))
    assert legend(bars) == []
    stacked = ChartSpec("cost", (Series("inference", (), (1.0,)), Series("review", (), (2.0,))), stacked=True, x_categories=("a",))
    assert [label for _, label, _ in legend(stacked)] == ["inference", "review"]
