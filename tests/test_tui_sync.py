"""'Sync now' from the dashboard against the local fake provider server (real HTTP on 127.0.0.1)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import polars as pl
import pytest

from test_tui_support import Recorder, anyio_backend, make_app, open_screen, settle  # noqa: F401
from tests.support.fake_provider import FakeProvider, sample_data

pytestmark = pytest.mark.anyio
OA_KEY, AN_KEY = "sk-admin-TUITEST-0123456789", "sk-ant-admin01-TUITEST-abcdef"


@pytest.fixture(scope="module")
def server():  # type: ignore[no-untyped-def]
    # Data up to yesterday (UTC): a sync "now" pulls every complete day of it.
    yesterday = datetime.now(timezone.utc).date() - timedelta(days=1)
    fake = FakeProvider(sample_data(yesterday, days=12, requests=1500), OA_KEY, AN_KEY)
    url = fake.start()
    yield fake, url
    fake.stop()


@pytest.fixture()
def live_env(server, monkeypatch: pytest.MonkeyPatch) -> FakeProvider:  # type: ignore[no-untyped-def]
    fake, url = server
    fake.latency_seconds = 0.0
    monkeypatch.setenv("FINOPS_OPENAI_BASE_URL", url + "/v1")
    monkeypatch.setenv("FINOPS_ANTHROPIC_BASE_URL", url)
    monkeypatch.setenv("FINOPS_OPENAI_ADMIN_KEY", OA_KEY)
    monkeypatch.setenv("FINOPS_ANTHROPIC_ADMIN_KEY", AN_KEY)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    monkeypatch.delenv("FINOPS_TODAY", raising=False)
    return fake


def _stored(home: Path, table: str, source: str) -> int:
    col = "x_Source" if table == "cost_lines" else "source"
    files = list((home / "store" / table).glob("*/*.parquet"))
    if not files:
        return 0
    return pl.scan_parquet([str(f) for f in files]).filter(pl.col(col) == source).select(pl.len()).collect().item()


async def test_sync_now_pulls_new_rows_with_progress_and_shows_them(live_env: FakeProvider, tmp_path: Path) -> None:
    """Asserted on what the app handled (captured messages) and its final state, never on a passing frame."""
    from finops.tui.messages import SyncFinished, SyncProgress
    from finops.tui.screens.sources import SourcesScreen
    from finops.tui.widgets.table import FrameTable

    live_env.latency_seconds = 0.02  # pages land one by one, each handled while the sync still runs
    home = tmp_path / "home"
    box_at_progress: dict[int, bool] = {}  # SyncProgress -> was the progress box shown when it arrived
    seen = Recorder()

    def hook(message: object) -> None:
        seen(message)
        # Called on the UI thread just before a node handles the message: the state the user saw then.
        if isinstance(message, SyncProgress) and isinstance(app.screen, SourcesScreen):
            box_at_progress.setdefault(id(message), bool(app.screen.query_one("#sync-box").display))

    app = make_app(home, today=None)
    async with app.run_test(size=(120, 40), notifications=True, message_hook=hook) as pilot:
        await settle(pilot)
        screen = await open_screen(pilot, "2", SourcesScreen)
        table = screen.query_one("#sources", FrameTable)
        assert table.row_count == 0  # an empty store
        assert "openai" in screen.data.live and "anthropic" in screen.data.live
        await pilot.press("s")
        await settle(pilot)  # the sync is a tracked load: settled = synced, store re-read, table reloaded
        finished = {m.source: m for m in seen.of(SyncFinished)}
        assert set(finished) == {"openai", "anthropic"}
        # The progress bar was driven page by page, source by source, while the box was up; then put away.
        progress = seen.of(SyncProgress)
        pages = [m for m in progress if "page" in m.note]
        assert len(pages) >= 4 and {m.source for m in pages} == {"openai", "anthropic"}
        assert [(m.done, m.total) for m in progress if m.note in ("done", "failed")] == [(1, 2), (2, 2)]
        assert len(box_at_progress) == len(progress) and all(box_at_progress.values())
        assert not screen.query_one("#sync-box").display and not screen.syncing
        # The table now shows what the sync stored, counted here straight from the Parquet files.
        rows = {(table.row_data(i)["table"], table.row_data(i)["source"]): table.row_data(i) for i in range(table.row_count)}
        for source in ("openai", "anthropic"):
            for t in ("billed_usage", "cost_lines"):
                stored = _stored(home, t, source)
                assert stored > 0 and rows[(t, source)]["rows"] == stored
            assert rows[("cost_lines", source)]["watermark"] is not None
            assert finished[source].rows == _stored(home, "billed_usage", source) + _stored(home, "cost_lines", source)
        synced = [n for n in seen.notifications if n.title == "Synced"]
        assert sorted(n.message.split(":")[0] for n in synced) == ["anthropic", "openai"]
        for n in synced:
            source = n.message.split(":")[0]
            assert f"{finished[source].rows:,} row(s)" in n.message
        # The store was re-read: the Overview now has figures, equal to the synced cost lines' sum.
        await pilot.press("1")
        await settle(pilot)
        data = app.screen.data
        assert data is not None and data.period_total > 0
        start, end = data.start, data.end
        lines = pl.scan_parquet(str(home / "store" / "cost_lines" / "*" / "*.parquet")).filter(
            pl.col("ChargePeriodStart").dt.date().is_between(start, end) & (pl.col("BillingCurrency") == "USD"))
        assert data.period_total == pytest.approx(lines.select(pl.col("BilledCost").sum()).collect().item(), rel=1e-9)


async def test_sync_failure_is_a_notification_naming_the_source_and_what_to_do(
    live_env: FakeProvider, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from finops.tui.messages import SyncFailed, SyncFinished

    monkeypatch.delenv("FINOPS_ANTHROPIC_ADMIN_KEY")
    home = tmp_path / "home"
    app = make_app(home, today=None)
    seen = Recorder()
    async with app.run_test(size=(120, 40), notifications=True, message_hook=seen) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        assert [m.source for m in seen.of(SyncFailed)] == ["anthropic"]
        assert [m.source for m in seen.of(SyncFinished)] == ["openai"]
        errors = [n for n in seen.notifications if n.severity == "error"]
        assert len(errors) == 1
        assert "anthropic" in errors[0].title and "FINOPS_ANTHROPIC_ADMIN_KEY" in errors[0].message
        assert AN_KEY not in errors[0].message and OA_KEY not in errors[0].message
        assert _stored(home, "cost_lines", "openai") > 0  # the other source still synced
        assert _stored(home, "cost_lines", "anthropic") == 0
