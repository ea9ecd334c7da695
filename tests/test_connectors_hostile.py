"""Sync against a hostile server on 127.0.0.1: nothing hangs past its deadline, nothing
echoed of a key is printed or stored, a redirect is refused, and the watermark holds.

Deadlines are set small in finops.toml ([sources.<name>]) so each case is bounded to a
few seconds; the bounds asserted are the configured deadlines plus a margin for a loaded
CI machine, not performance targets.
"""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from finops.config import ConfigFile
from finops.connectors._http import redact
from finops.connectors.sync import sync_all, sync_source
from finops.store import Store, Watermarks
from tests.support.fake_provider import ANTHROPIC_KEY, OPENAI_KEY, use_keyring
from tests.support.hostile_server import HostileServer

NOW = datetime(2026, 11, 20, 15, 30, tzinfo=timezone.utc)
REQUEST_DEADLINE = 1.0
SYNC_DEADLINE = 3.0
MARGIN = 4.0  # thread start-up, a slow CI box


def _config(tmp_path: Path, **extra: object) -> ConfigFile:
    lines = []
    for name in ("openai", "anthropic"):
        lines += [f"[sources.{name}]", f"request_deadline_seconds = {REQUEST_DEADLINE}",
                  f"sync_deadline_seconds = {SYNC_DEADLINE}", "retry_base_seconds = 0.05", "retry_cap_seconds = 0.2",
                  "timeout_seconds = 5", *(f"{k} = {v}" for k, v in extra.items())]
    path = tmp_path / "finops.toml"
    path.write_text("\n".join(lines) + "\n")
    return ConfigFile.load(path)


def _point(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("FINOPS_OPENAI_BASE_URL", url + "/v1")
    monkeypatch.setenv("FINOPS_ANTHROPIC_BASE_URL", url)
    monkeypatch.setenv("FINOPS_OPENAI_ADMIN_KEY", OPENAI_KEY)
    monkeypatch.setenv("FINOPS_ANTHROPIC_ADMIN_KEY", ANTHROPIC_KEY)
    use_keyring(monkeypatch, None)


def _fragments(key: str) -> list[str]:
    return [key[i:i + 8] for i in range(len(key) - 7) if not key[i:i + 8].startswith(("sk-", "k-a"))]




@pytest.mark.parametrize(("mode", "expect"), [
    ("drip_body", "no complete reply within"),
    ("drip_headers", "no complete reply within"),
    ("503", "HTTP 503"),
    ("529", "HTTP 529"),
    ("big", "larger than|no complete reply within"),  # the size cap, or on a very busy machine the deadline
    ("redirect", "redirect (HTTP 302)"),
    ("echo", "HTTP 400"),
])
def test_each_hostile_reply_fails_the_source_in_one_line_within_its_deadline(
        mode: str, expect: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from finops.config import Settings

    config = tmp_path / "finops.toml"
    _config(tmp_path)  # writes finops.toml
    settings = Settings.resolve(tmp_path / "data", config)
    with HostileServer(mode) as server:
        _point(monkeypatch, server.url)
        t0 = time.monotonic()
        results = sync_all(settings, now=NOW)
        took = time.monotonic() - t0
    # Two sources, one after the other, each bounded by its own sync deadline.
    assert took < 2 * (SYNC_DEADLINE + REQUEST_DEADLINE) + MARGIN, f"{mode}: {took:.1f}s"
    for r in results:
        assert r.error and any(e in r.error for e in expect.split("|")), r.error
        assert "\n" not in r.error
    stored = (settings.store_dir / "_state" / "watermarks.json").read_text()
    for key in (OPENAI_KEY, ANTHROPIC_KEY):
        for part in _fragments(key):
            assert part not in stored, f"{part!r} of a key stored in watermarks.json"
            assert all(part not in (r.error or "") for r in results)
    marks = Watermarks(settings.store_dir).all()
    assert all(s.watermark is None for s in marks.values())  # nothing answered, nothing moved
    assert all(not p.exists() for p in settings.store_dir.glob("*/month=*"))


def test_redirect_never_follows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with HostileServer("redirect") as server:
        _point(monkeypatch, server.url)
        with pytest.raises(Exception, match="does not follow redirects") as info:
            sync_source(Store(tmp_path / "store"), _config(tmp_path), "openai", now=NOW)
        assert server.requests == 1
    assert OPENAI_KEY not in str(info.value) and "[redacted]" in str(info.value)


def test_redact_removes_any_run_of_six_key_characters() -> None:
    key = "sk-ant-admin01-Zq81mVbX4kT0pLw9"
    text = f"bad key {key[:14]}...{key[-6:]} or {key[10:22]} in /v1/organizations/usage_report"
    out = redact(text, [key])
    assert all(key[i:i + 6] not in out for i in range(6, len(key) - 5)), out
    assert "/v1/organizations/usage_report" in out  # ordinary text stays
    assert redact("this endpoint is retired", [key]) == "this endpoint is retired"
    assert json.dumps(out)  # plain text


def test_an_empty_or_short_reply_does_not_move_the_watermark(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import date, timedelta

    from tests.support.fake_provider import FakeData, FakeProvider, point_env, sample_data

    server = FakeProvider(FakeData())
    server.start()
    try:
        point_env(monkeypatch, server)
        store = Store(tmp_path / "store")
        result = sync_source(store, ConfigFile(None), "anthropic", now=NOW)
        assert result.pages > 0 and result.added == 0
        assert Watermarks(store.root).get("anthropic").watermark is None  # an empty reply answers for no day
        # The provider answers for the days up to the 15th only: the watermark stops there.
        data = sample_data(date(2026, 11, 15), days=10)
        server.data = data
        sync_source(store, ConfigFile(None), "anthropic", now=NOW)
        last = max(datetime.fromisoformat(b["ending_at"].replace("Z", "+00:00")) for b in data.anthropic["usage"])
        assert Watermarks(store.root).get("anthropic").watermark == last == datetime(2026, 11, 16, tzinfo=timezone.utc)
        assert last < NOW.replace(hour=0, minute=0) - timedelta(days=1)
    finally:
        server.stop()


@pytest.mark.parametrize("argv", [["sync"], ["export", "--dataset", "costs", "--sync-first", "--format", "csv"]],
                         ids=["sync", "export-sync-first"])
@pytest.mark.parametrize("mode", ["drip_body", "529"])
def test_the_commands_end_within_the_sync_deadline_in_one_line_each(mode: str, argv: list[str], tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """`finops sync` and a scheduled `finops export --sync-first`, as real processes, against a
    server that drips or is overloaded for ever: each ends within the deadlines, exit 4 (a
    source failed), one line per source, no traceback, nothing of a key."""
    import os
    import subprocess
    import sys

    config = tmp_path / "finops.toml"
    _config(tmp_path)
    with HostileServer(mode) as server:
        _point(monkeypatch, server.url)
        t0 = time.monotonic()
        proc = subprocess.run([sys.executable, "-m", "finops.cli", "--data-dir", str(tmp_path / "data"), "--config", str(config),
                               *argv, *(["--out", str(tmp_path / "out")] if argv[0] == "export" else [])],
                              env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])},
                              capture_output=True, text=True, timeout=120, cwd=tmp_path)
        took = time.monotonic() - t0
    text = proc.stdout + proc.stderr
    print(f"{mode} {argv[0]}: {took:.1f}s, exit {proc.returncode}: {text.strip().splitlines()}")
    # Two sources one after the other, plus the start-up of a fresh interpreter on a busy machine.
    assert took < 2 * (SYNC_DEADLINE + REQUEST_DEADLINE) + MARGIN + 6, f"{mode} {argv[0]}: {took:.1f}s"
    assert proc.returncode == 4, text
    assert "Traceback" not in text and "internal error" not in text, text
    failed = [line for line in text.splitlines() if "openai" in line.lower() or "anthropic" in line.lower()]
    assert failed and all(("deadline" in line or "HTTP 529" in line) for line in failed if "fail" in line), text
    for key in (OPENAI_KEY, ANTHROPIC_KEY):
        assert all(part not in text for part in _fragments(key)), text
