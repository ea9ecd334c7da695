"""The dashboard driven with Textual's Pilot on the loaded sample: screens, filters, tables, errors."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pytest

from test_tui_support import Recorder, SAMPLE_TODAY, anyio_backend, dash_home, figure_text, make_app, settle, tui_store_path  # noqa: F401

pytestmark = pytest.mark.anyio


def billed(home: Path, start: date, end: date, provider: str | None = None, project: str | None = None,
           feature: tuple[str, set[str]] | None = None) -> float:
    """Billed USD from the stored cost lines, computed here independently of the app.

    Lines in another currency convert at the last rate in the data dir's fx_rates.csv on
    or before the last day their charge period covers.
    """
    lf = pl.scan_parquet(str(home / "store" / "cost_lines" / "*" / "*.parquet"))
    lf = lf.filter((pl.col("ChargePeriodStart").dt.date() >= start) & (pl.col("ChargePeriodStart").dt.date() <= end))
    if provider:
        lf = lf.filter(pl.col("ServiceProviderName").str.to_lowercase() == provider)
    if project:
        lf = lf.filter(pl.col("SubAccountId") == project)
    if feature:
        name, projects = feature
        untagged = pl.col("x_Feature").is_null() | (pl.col("x_Feature") == "")
        lf = lf.filter((~untagged & (pl.col("x_Feature") == name)) | (untagged & pl.col("SubAccountId").is_in(list(projects))))
    lines = lf.select(
        pl.col("BillingCurrency").str.to_uppercase().alias("cur"), "BilledCost",
        (pl.col("ChargePeriodEnd") - pl.duration(microseconds=1)).dt.date().alias("day"),
    ).collect()
    usd = float(lines.filter(pl.col("cur") == "USD")["BilledCost"].sum())
    other = lines.filter(pl.col("cur") != "USD").sort("day")
    if other.height:
        rates = pl.read_csv(home / "fx_rates.csv", try_parse_dates=True).filter(pl.col("quote") == "USD").sort("date")
        joined = other.join_asof(rates, left_on="day", right_on="date", by_left="cur", by_right="base", strategy="backward", check_sortedness=False)
        assert joined["rate"].null_count() == 0
        usd += float((joined["BilledCost"] * joined["rate"]).sum())
    return usd


async def test_opens_on_overview_with_store_figures(dash_home: Path) -> None:
    from finops.tui.screens.overview import OverviewScreen
    from finops.tui.widgets.figure import money

    app = make_app(dash_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, OverviewScreen)
        end = SAMPLE_TODAY - timedelta(days=1)
        assert app.filters.end == end and app.filters.start == end - timedelta(days=89)
        mtd = billed(dash_home, end.replace(day=1), end)
        assert mtd > 0
        assert app.screen.data.mtd_total == pytest.approx(mtd, rel=1e-9)
        assert money(mtd) in figure_text(app, "fig-mtd")
        assert "billed" in figure_text(app, "fig-mtd")
        assert "estimated" in figure_text(app, "fig-month-end")
        assert app.screen.query_one("#badge").has_class("on")  # SAMPLE DATA is visible


def scan(home: Path, table: str, start: date, end: date) -> pl.LazyFrame:
    ts = {"cost_lines": "ChargePeriodStart", "billed_usage": "charge_period_start", "requests": "ts"}[table]
    lf = pl.scan_parquet(str(home / "store" / table / "*" / "*.parquet"))
    return lf.filter(pl.col(ts).dt.date().is_between(start, end))


async def test_switches_every_screen_with_number_keys(dash_home: Path) -> None:
    """Each screen, reached by its key, shows a figure equal to one computed here from the Parquet files."""
    from finops.tui.modes import SCREENS_IN_ORDER
    from finops.tui.widgets.notice import Notice

    app = make_app(dash_home)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        start, end = app.filters.start, app.filters.end
        checked = []
        for key, mode, cls in [*SCREENS_IN_ORDER[1:], SCREENS_IN_ORDER[0]]:
            await pilot.press(key)
            await settle(pilot)
            assert app.current_mode == mode and isinstance(app.screen, cls)
            screen = app.screen
            # Loaded: nothing spins, no panel in place of the data.
            assert not any(w.loading for w in screen.busy_widgets())
            assert not screen.query_one("#notice", Notice).display
            d = screen.data
            if mode == "overview":
                assert d.period_total == pytest.approx(billed(dash_home, start, end), rel=1e-9)
            elif mode == "sources":
                shown = {(r["table"], r["source"]): (r["rows"], r["rows_in_filter"]) for r in d.frame.iter_rows(named=True)}
                col = {"cost_lines": "x_Source", "billed_usage": "source", "requests": "source"}
                for table, column in col.items():
                    every = pl.scan_parquet(str(dash_home / "store" / table / "*" / "*.parquet"))
                    counts = every.group_by(column).len().collect()
                    in_period = scan(dash_home, table, start, end).group_by(column).len().collect()
                    for source, n in counts.iter_rows():
                        within = in_period.filter(pl.col(column) == source)["len"].sum()
                        assert shown[(table, source)] == (n, within)
            elif mode == "reconcile":
                metered = scan(dash_home, "billed_usage", start, end).filter(pl.col("unit") == "tokens")
                assert d.groups["billed"].sum() == metered.select(pl.col("quantity").sum()).collect().item() > 0
            elif mode == "cogs":
                # Every cost line of the months the period touches is allocated somewhere (unallocated included).
                months_start, months_end = start.replace(day=1), date(end.year + end.month // 12, end.month % 12 + 1, 1)
                assert d.total == pytest.approx(billed(dash_home, months_start, months_end - timedelta(days=1)), abs=0.01)
            elif mode == "forecast":
                inference = scan(dash_home, "cost_lines", start, end).filter(
                    pl.col("x_CostSource").is_in(["inference", "embeddings"]) & (pl.col("BillingCurrency") == "USD"))
                assert d.table["history"].sum() == pytest.approx(
                    inference.select(pl.col("BilledCost").sum()).collect().item(), rel=1e-9)
            elif mode == "carbon":
                assert d.requests == scan(dash_home, "requests", start, end).select(pl.len()).collect().item() > 0
            elif mode == "cache":
                logged = scan(dash_home, "requests", start, end).filter(pl.col("cached_input_tokens").is_not_null()
                                                                        & ~pl.col("model").str.contains("embedding"))
                reads = logged.select(pl.col("cached_input_tokens").sum()).collect().item()
                assert d.by_feature["reads"].sum() == reads > 0
            checked.append(mode)
        assert checked == ["sources", "reconcile", "cogs", "forecast", "carbon", "cache", "overview"]


async def until(pilot, ready, what: str, timeout: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    """Let the app run until `ready()` holds (a condition on its state, not a guess at how long it takes)."""
    from time import monotonic

    deadline = monotonic() + timeout
    while not ready():
        if monotonic() > deadline:
            raise TimeoutError(f"not after {timeout:.0f} s: {what}")
        await pilot.pause(0.02)


async def run_command(pilot, command: str) -> None:  # type: ignore[no-untyped-def]
    """Type a command into the palette (ctrl+p), wait until the palette highlights it, run it, wait until settled.

    The palette searches its providers asynchronously; Enter before the results arrive would run nothing
    (or an older match), so the test waits for the highlighted result to be the command, however long it takes.
    """
    from textual.command import CommandList, CommandPalette

    await pilot.press("ctrl+p")
    await until(pilot, lambda: isinstance(pilot.app.screen, CommandPalette), "the command palette opens")
    await pilot.press(*command)

    def highlighted() -> bool:
        options = pilot.app.screen.query_one(CommandList)
        if options.option_count == 0 or options.highlighted is None:
            return False
        return command.lower() in str(options.get_option_at_index(options.highlighted).prompt).lower()

    await until(pilot, highlighted, f"the palette highlights {command!r}")
    await pilot.press("enter")
    await settle(pilot)


async def test_filter_by_provider_from_the_palette_changes_figures_to_filtered_sums(dash_home: Path) -> None:
    from finops.tui.widgets.figure import money

    app = make_app(dash_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        end = app.filters.end
        total_all = app.screen.data.mtd_total
        await run_command(pilot, "provider: openai")
        assert app.filters.provider == "openai"
        expected = billed(dash_home, end.replace(day=1), end, provider="openai")
        assert 0 < expected < total_all
        assert app.screen.data.mtd_total == pytest.approx(expected, rel=1e-9)
        assert money(expected) in figure_text(app, "fig-mtd")
        assert "provider: openai" in str(app.screen.query_one("#filters").render())


def feature_projects(home: Path, feature: str) -> set[str]:
    """The projects a feature owns, read here: its logged requests' projects plus [cogs.features]."""
    import tomllib

    reqs = pl.scan_parquet(str(home / "store" / "requests" / "*" / "*.parquet")).filter(pl.col("feature") == feature)
    projects = set(reqs.select(pl.col("project_id").unique()).collect()["project_id"].drop_nulls().to_list())
    mapping = tomllib.loads((home / "finops.toml").read_text()).get("cogs", {}).get("features", {})
    return projects | {p for p, f in mapping.items() if f == feature}


async def test_feature_filter_from_the_palette_changes_figures_to_the_features_sums(dash_home: Path) -> None:
    from finops.tui.widgets.figure import money

    app = make_app(dash_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        start, end = app.filters.start, app.filters.end
        period_all = app.screen.data.period_total
        await run_command(pilot, "feature: rag-search")
        assert app.filters.feature == "rag-search"
        # Lines tagged with the feature, and untagged lines of the projects it owns.
        projects = feature_projects(dash_home, "rag-search")
        assert "proj_search" in projects and "search" in projects  # its OpenAI project and its Pinecone project
        expected = billed(dash_home, start, end, feature=("rag-search", projects))
        assert 0 < expected < period_all
        assert app.screen.data.period_total == pytest.approx(expected, rel=1e-9)
        assert money(expected) in figure_text(app, "fig-period")
        mtd = billed(dash_home, end.replace(day=1), end, feature=("rag-search", projects))
        assert app.screen.data.mtd_total == pytest.approx(mtd, rel=1e-9)
        movers = app.screen.data.movers
        assert set(movers.filter(pl.col("dimension") == "feature")["key"].to_list()) <= {"rag-search"}
        assert set(movers.filter(pl.col("dimension") == "project")["key"].to_list()) <= projects


async def test_filter_dialog_date_range_and_project(dash_home: Path) -> None:
    from textual.widgets import Select

    from finops.tui.screens.filters import FilterDialog
    from finops.tui.widgets.figure import money

    app = make_app(dash_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f")
        await pilot.pause()
        assert isinstance(app.screen, FilterDialog)
        await pilot.press("ctrl+a", "ctrl+k", *"2026-06-01", "tab", "ctrl+a", "ctrl+k", *"2026-06-30")
        project = app.screen.query_one("#project", Select)
        project.focus()
        await pilot.press("enter")
        await pilot.pause()
        # Options: "all projects" first, then the sorted project ids.
        target = sorted(app.ctx.dims.projects).index("proj_search") + 1
        await pilot.press(*(["down"] * target), "enter")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.filters.start == date(2026, 6, 1) and app.filters.end == date(2026, 6, 30)
        assert app.filters.project == "proj_search"
        expected = billed(dash_home, date(2026, 6, 1), date(2026, 6, 30), project="proj_search")
        assert app.screen.data.period_total == pytest.approx(expected, rel=1e-9)
        assert money(expected) in figure_text(app, "fig-period")
        await pilot.press("left_square_bracket")  # the 30 days before
        await settle(pilot)
        assert (app.filters.start, app.filters.end) == (date(2026, 5, 2), date(2026, 5, 31))
        expected = billed(dash_home, date(2026, 5, 2), date(2026, 5, 31), project="proj_search")
        assert app.screen.data.period_total == pytest.approx(expected, rel=1e-9)


async def test_filter_dialog_rejects_a_bad_date_and_cancels(dash_home: Path) -> None:
    from finops.tui.screens.filters import FilterDialog

    app = make_app(dash_home)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        before = app.filters
        await pilot.press("f")
        await pilot.pause()
        await pilot.press("ctrl+a", "ctrl+k", *"2026-13-01", "ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, FilterDialog)
        assert "not a date" in str(app.screen.query_one("#filter-error").render())
        await pilot.press("escape")
        await pilot.pause()
        assert app.filters == before


async def test_sort_sources_table_from_the_keyboard(dash_home: Path) -> None:
    from finops.tui.widgets.table import FrameTable

    app = make_app(dash_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        table = app.screen.query_one("#sources", FrameTable)
        table.focus()
        await pilot.press("o", "o", "o")  # table -> source -> rows
        assert table.sort_column == "rows" and table.sort_descending
        rows = [table.row_data(i)["rows"] for i in range(table.row_count)]
        assert rows == sorted(rows, reverse=True) and len(rows) >= 3
        await pilot.press("O")
        rows = [table.row_data(i)["rows"] for i in range(table.row_count)]
        assert rows == sorted(rows)
        assert "▲" in str(table.columns["rows"].label)


async def test_help_lists_bindings_with_ids_and_theme_toggles(dash_home: Path) -> None:
    from textual.widgets import DataTable

    from finops.tui.screens.help import HelpScreen

    app = make_app(dash_home)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        table = app.screen.query_one(DataTable)
        ids = {table.get_row_at(i)[2] for i in range(table.row_count)}
        assert {"filters.open", "theme.toggle", "screen.overview", "screen.carbon", "help"} <= ids
        await pilot.press("escape")
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert app.theme == "textual-dark"
        await pilot.press("t")
        assert app.theme == "textual-light"


async def test_empty_store_says_how_to_load_the_sample(tmp_path: Path) -> None:
    from finops.tui.widgets.notice import Notice

    app = make_app(tmp_path / "empty-home", today=date(2026, 1, 15))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        notice = app.screen.query_one("#notice", Notice)
        assert notice.display
        assert "finops sample load" in notice.info.hint
        assert not app.screen.query_one("#badge").has_class("on")


@pytest.fixture()


def fresh_cache():  # type: ignore[no-untyped-def]
    """Screen data cached by earlier tests must not answer for a patched loader, nor leak out of it."""
    from finops.tui.data import cache

    cache.clear()
    yield
    cache.clear()


async def test_a_failing_load_is_a_notification_and_a_panel_not_a_crash(
    dash_home: Path, monkeypatch: pytest.MonkeyPatch, fresh_cache: None
) -> None:
    from finops.errors import StoreError
    from finops.tui.data import overview
    from finops.tui.widgets.notice import Notice

    def broken(ctx, filters):  # type: ignore[no-untyped-def]
        raise StoreError(f"{ctx.store.root}/cost_lines: unreadable partition month=2026-11")

    monkeypatch.setattr(overview, "load_overview", broken)
    app = make_app(dash_home)
    seen = Recorder()
    async with app.run_test(size=(100, 30), notifications=True, message_hook=seen) as pilot:
        await settle(pilot)
        notice = app.screen.query_one("#notice", Notice)
        assert notice.display and notice.has_class("error")
        assert "unreadable partition" in notice.info.reason
        assert any("unreadable partition" in n.message and n.severity == "error" for n in seen.notifications)
        await pilot.press("2")  # the app is still responsive
        await settle(pilot)
        assert app.current_mode == "sources"


def test_finops_without_a_command_opens_the_dashboard(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from finops.cli import app as cli
    from finops.tui.app import FinopsApp

    ran: list[FinopsApp] = []
    monkeypatch.setattr(FinopsApp, "run", lambda self, **kw: ran.append(self))
    monkeypatch.setenv("FINOPS_HOME", str(tmp_path / "elsewhere"))
    monkeypatch.chdir(tmp_path)
    # No subcommand, only a root option: the dashboard runs on that data dir.
    result = CliRunner().invoke(cli, ["--data-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(cli, ["dashboard", "--theme", "light", "--today", "2026-02-03"])
    assert result.exit_code == 0, result.output
    assert len(ran) == 2
    assert ran[0].settings.data_dir == tmp_path
    assert ran[1].settings.data_dir == tmp_path / "elsewhere"
    assert ran[1].theme == "textual-light" and ran[1].pinned_today == date(2026, 2, 3)
    bad = CliRunner().invoke(cli, ["dashboard", "--today", "soon"])
    assert bad.exit_code != 0


async def test_export_writes_the_views_table_and_keys_remap_from_config(dash_home: Path, tmp_path: Path) -> None:
    import shutil

    from finops.tui.screens.filters import FilterDialog

    home = tmp_path / "home"
    shutil.copytree(dash_home, home)
    with open(home / "finops.toml", "a") as fh:
        fh.write('\n[dashboard.keys]\n"filters.open" = "g"\n')
    app = make_app(home)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("e")
        await pilot.pause()
        out = home / "exports" / f"overview-{SAMPLE_TODAY.isoformat()}.csv"
        exported = pl.read_csv(out)
        assert exported.columns[:3] == ["dimension", "key", "label"]
        assert exported.height == app.screen.data.movers.height > 0
        await pilot.press("g")
        await pilot.pause()
        assert isinstance(app.screen, FilterDialog)


async def test_preloaded_store_read_is_used_once_and_matches_a_fresh_load(dash_home: Path) -> None:
    from finops.tui.data.overview import load_overview
    from finops.tui.preload import Preload, default_filters

    from test_tui_support import settings_for

    preload = Preload(settings_for(dash_home), SAMPLE_TODAY)
    ctx = preload.context()
    filters = default_filters(ctx)
    app = make_app(dash_home, preload=preload)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert app.ctx is ctx and app.filters == filters and app.preload is None
        fresh = load_overview(ctx, filters)
        # Equal up to float summation order (polars sums in parallel).
        assert app.screen.data.mtd_total == pytest.approx(fresh.mtd_total, rel=1e-12)
        assert app.screen.data.period_total == pytest.approx(fresh.period_total, rel=1e-12)
    assert Preload(settings_for(dash_home), SAMPLE_TODAY).take_overview(filters.with_(provider="openai")) is None


async def test_a_failing_forecast_keeps_the_spend_figures(
    dash_home: Path, monkeypatch: pytest.MonkeyPatch, fresh_cache: None
) -> None:
    from finops.errors import ConfigError
    from finops.tui.data import forecast_link

    def broken(ctx, filters):  # type: ignore[no-untyped-def]
        raise ConfigError("finops.toml:12: budgets.monthly_usd: budgets[0] needs a positive monthly_usd")

    monkeypatch.setattr(forecast_link, "overview_extras", broken)
    app = make_app(dash_home)
    seen = Recorder()
    async with app.run_test(size=(120, 40), notifications=True, message_hook=seen) as pilot:
        await settle(pilot)
        assert app.screen.query_one("#main").display and app.screen.data.mtd_total > 0
        assert "not available" in figure_text(app, "fig-budget")
        assert not any(w.loading for w in app.screen.query("Figure"))
        # Exactly one notification, naming the config field; the spend figures are untouched.
        errors = [n for n in seen.notifications if n.severity == "error"]
        assert len(errors) == 1 and "budgets.monthly_usd" in errors[0].message
        assert "budgets and forecast" in errors[0].title


async def test_settled_waits_for_the_forecast_fitted_after_the_first_paint(
    dash_home: Path, monkeypatch: pytest.MonkeyPatch, fresh_cache: None
) -> None:
    import re
    import time

    from finops.tui.data import forecast_link
    from finops.tui.messages import OverviewExtrasLoaded, OverviewLoaded
    from finops.tui.widgets.figure import Figure

    real = forecast_link.overview_extras

    def slow(ctx, filters):  # type: ignore[no-untyped-def]
        time.sleep(0.6)  # past the 0.2 s indicator delay: the budget figures show a loading indicator meanwhile
        return real(ctx, filters)

    monkeypatch.setattr(forecast_link, "overview_extras", slow)
    app = make_app(dash_home)
    seen = Recorder()
    async with app.run_test(size=(120, 40), message_hook=seen) as pilot:
        await settle(pilot)
        # The spend figures came first, the forecast afterwards; settled means both are on screen.
        assert len(seen.of(OverviewLoaded)) == 1 and len(seen.of(OverviewExtrasLoaded)) == 1
        assert app.settled and not any(f.loading for f in app.screen.query(Figure))
        spent = re.search(r"\$([\d,]+\.\d\d) of \$([\d,]+\.\d\d)", figure_text(app, "fig-budget"))
        assert spent is not None and 0 < float(spent.group(1).replace(",", "")) < float(spent.group(2).replace(",", ""))
        assert "80%: $" in figure_text(app, "fig-month-end")
        # A filter change is pending at once (no quiet moment before its loads start).
        app.set_filters(app.filters.with_(provider="openai"))
        assert not app.settled and "overview" in app.screen.pending_loads
        await settle(pilot)
        assert len(seen.of(OverviewExtrasLoaded)) == 2
        assert app.screen.data.period_total == pytest.approx(
            billed(dash_home, app.filters.start, app.filters.end, provider="openai"), rel=1e-9)
