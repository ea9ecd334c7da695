"""Cache alerts (issue 21 item 4): a rule fires on the sample's planted miss episode, and on lost dollars; quiet otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from finops import cli
from test_tui_support import anyio_backend, make_app, make_home, open_screen, settle, tui_store_path  # noqa: F401

RULES = """
[[alerts.rules]]
name = "cache drop"
type = "cache_hit_rate"
threshold = 0.05
days = 7
scope = { feature = "support-chat" }

[[alerts.rules]]
name = "cache lost"
type = "cache_lost"
threshold = 10
days = 14
"""


def run(home: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli.app, ["--data-dir", str(home), "--config", str(home / "finops.toml"), *args])
    return result.exit_code, result.output


def test_cache_rules_fire_on_the_planted_episodes_and_stay_quiet_elsewhere(finops_home: Path, ground_truth: dict) -> None:
    (finops_home / "finops.toml").write_text(RULES)
    miss = ground_truth["cache"]["cache_miss"]
    code, out = run(finops_home, "alert", "check", "--dry-run", "--today", "2026-05-28")  # the miss episode is 05-22..26
    assert code == 0, out
    assert f"would FIRE cache drop|cache miss support-chat (openai) from {miss['start']}" in out
    assert "cache hit rate 0.0% vs" in out and "lost" in out
    assert "would FIRE cache lost" not in out  # $0.16 lost: under the $10 threshold
    eviction = next(a for a in ground_truth["anomalies"] if a["cause"] == "cache_eviction")  # 2026-08-18..24, $33.17
    code, out = run(finops_home, "alert", "check", "--dry-run", "--today", "2026-08-26")
    assert code == 0, out
    assert "would FIRE cache lost|cache lost all" in out and f"${eviction['dollar_impact']:,.2f}" in out
    assert "would FIRE cache drop" not in out
    code, out = run(finops_home, "alert", "check", "--dry-run", "--today", "2026-07-01")
    assert code == 0 and "would FIRE" not in out, out


@pytest.mark.anyio
async def test_the_dashboard_alert_list_shows_the_cache_miss_episode(tui_store_path: Path, tmp_path: Path,  # noqa: F811
                                                                    ground_truth: dict) -> None:
    """After a real `finops alert check`, the Sources screen's alerts list names the episode and quotes its figure."""
    from finops.tui.screens.sources import SourcesScreen
    from finops.tui.widgets.table import FrameTable

    home = make_home(tui_store_path, tmp_path / "home")
    (home / "finops.toml").write_text(RULES)
    miss = ground_truth["cache"]["cache_miss"]
    code, out = run(home, "alert", "check", "--today", "2026-05-28")
    assert code == 0, out
    code, listed = run(home, "alert", "list")
    assert code == 0 and f"cache drop|cache miss support-chat (openai) from {miss['start']}" in listed, listed
    app = make_app(home)
    async with app.run_test(size=(140, 45)) as pilot:
        await settle(pilot)
        screen = await open_screen(pilot, "2", SourcesScreen)
        table = screen.query_one("#alerts", FrameTable)
        rows = [table.row_data(i) for i in range(table.row_count)]
        active = [r for r in rows if r["state"] == "firing"]
        assert [r["alert"] for r in active] == [f"cache drop|cache miss support-chat (openai) from {miss['start']}"]
        assert active[0]["figure"].startswith("Cache hit rate")
        assert "0.0" in active[0]["figure"]
