"""Connectors against the fake provider over real HTTP: exact data, faults, restatements, secrets."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from connectors import anthropic_usage, openai_usage
from connectors._http import RetryPolicy
from connectors.sync import sync_all, sync_source
from finops.cli import app
from finops.config import ConfigFile, Settings
from finops.errors import CredentialError, SourceError
from finops.store import Store, Watermarks
from tests.support.fake_provider import Fault, FakeProvider, sample_data

END = date(2026, 11, 20)
NOW = datetime(2026, 11, 20, 15, 30, tzinfo=timezone.utc)  # mid-day: the 20th is not complete
SINCE = datetime(2026, 11, 1, tzinfo=timezone.utc)
FAST = RetryPolicy(attempts=4, base_seconds=0.01, cap_seconds=0.05, timeout_seconds=0.5)
OA_KEY, AN_KEY = "sk-admin-TESTKEY-0123456789", "sk-ant-admin01-TESTKEY-abcdef"


@pytest.fixture()
def fake(monkeypatch: pytest.MonkeyPatch):
    server = FakeProvider(sample_data(END), OA_KEY, AN_KEY)
    url = server.start()
    monkeypatch.setenv("FINOPS_OPENAI_BASE_URL", url + "/v1")
    monkeypatch.setenv("FINOPS_ANTHROPIC_BASE_URL", url)
    monkeypatch.setenv("FINOPS_OPENAI_ADMIN_KEY", OA_KEY)
    monkeypatch.setenv("FINOPS_ANTHROPIC_ADMIN_KEY", AN_KEY)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    yield server
    server.stop()


def _expected(server: FakeProvider, start: datetime, end: datetime) -> dict[str, pl.DataFrame]:
    """What the server holds for complete days in [start, end), parsed independently of the sync."""
    s, e = start.timestamp(), end.timestamp()
    oa = lambda b: s <= b["start_time"] and b["end_time"] <= e  # noqa: E731
    an = lambda b: s <= datetime.fromisoformat(b["starting_at"].replace("Z", "+00:00")).timestamp() and datetime.fromisoformat(b["ending_at"].replace("Z", "+00:00")).timestamp() <= e  # noqa: E731
    usage = pl.concat([
        openai_usage.parse_usage_page({"data": [b for b in server.data.openai["completions"] if oa(b)]}, "completions"),
        openai_usage.parse_usage_page({"data": [b for b in server.data.openai["embeddings"] if oa(b)]}, "embeddings"),
        anthropic_usage.parse_usage_page({"data": [b for b in server.data.anthropic["usage"] if an(b)]}),
    ])
    costs = pl.concat([
        openai_usage.parse_costs_page({"data": [b for b in server.data.openai["costs"] if oa(b)]}),
        anthropic_usage.parse_cost_page({"data": [b for b in server.data.anthropic["cost"] if an(b)]}),
    ])
    return {"billed_usage": usage, "cost_lines": costs}


def _only(expected: dict[str, pl.DataFrame], provider: str) -> dict[str, pl.DataFrame]:
    return {
        "billed_usage": expected["billed_usage"].filter(pl.col("provider") == provider),
        "cost_lines": expected["cost_lines"].filter(pl.col("ServiceProviderName").str.to_lowercase() == provider),
    }


def _assert_store_equals(store: Store, expected: dict[str, pl.DataFrame]) -> None:
    usage = store.read("billed_usage")
    key = ["charge_period_start", "provider", "model", "project_id", "api_key_id", "token_class"]
    got = usage.select(*key, "quantity").sort(key)
    want = expected["billed_usage"].select(*key, "quantity").sort(key)
    assert got.equals(want)
    costs = store.read("cost_lines")
    assert costs.height == expected["cost_lines"].height
    got_c = costs.select("x_LineId", "BilledCost").sort("x_LineId")
    want_c = expected["cost_lines"].select("x_LineId", "BilledCost").sort("x_LineId")
    assert got_c["x_LineId"].to_list() == want_c["x_LineId"].to_list()
    assert all(abs(a - b) < 1e-12 for a, b in zip(got_c["BilledCost"], want_c["BilledCost"]))


def _sync(store: Store, name: str, **kw):  # type: ignore[no-untyped-def]
    return sync_source(store, ConfigFile(None), name, since=kw.pop("since", SINCE), now=kw.pop("now", NOW), policy=FAST, **kw)


@pytest.mark.parametrize("name", ["openai", "anthropic"])
def test_sync_stores_exactly_the_servers_complete_days(fake: FakeProvider, tmp_path: Path, name: str) -> None:
    store = Store(tmp_path)
    result = _sync(store, name)
    assert result.end == datetime(2026, 11, 20, tzinfo=timezone.utc) and result.added > 0
    _assert_store_equals(store, _only(_expected(fake, SINCE, result.end), name))
    assert store.read("billed_usage")["charge_period_end"].max() <= result.end  # no partial day
    assert Watermarks(tmp_path).get(name).watermark == result.end
    again = _sync(store, name)
    assert (again.added, again.changed) == (0, 0)


@pytest.mark.parametrize("fault", [
    Fault("429", retry_after=0), Fault("429"), Fault("500"), Fault("502"), Fault("503", times=2),
    Fault("slow"), Fault("truncated"), Fault("expire", path="usage"),
])
def test_faults_are_survived_with_the_right_data(fake: FakeProvider, tmp_path: Path, fault: Fault) -> None:
    fake.set_faults(fault)
    store = Store(tmp_path)
    for name in ("openai", "anthropic"):
        _sync(store, name)
    _assert_store_equals(store, _expected(fake, SINCE, datetime(2026, 11, 20, tzinfo=timezone.utc)))


def test_persistent_failure_stores_nothing_and_keeps_the_watermark(fake: FakeProvider, tmp_path: Path) -> None:
    fake.set_faults(Fault("503", path="costs", times=100))
    store = Store(tmp_path)
    with pytest.raises(SourceError, match=r"openai: gave up on organization/costs after 4 attempts \(HTTP 503\)"):
        _sync(store, "openai")
    assert store.read("billed_usage").height == 0 and store.read("cost_lines").height == 0
    assert Watermarks(tmp_path).get("openai").watermark is None


def test_refused_key_names_the_key_type_and_other_sources_still_sync(fake: FakeProvider, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("FINOPS_OPENAI_ADMIN_KEY", "sk-proj-wrong")
    settings = Settings(tmp_path, ConfigFile(None))
    results = {r.source: r for r in sync_all(settings, since=SINCE, until=datetime(2026, 11, 20, tzinfo=timezone.utc), policy=FAST)}
    assert "organization Admin API key" in (results["openai"].error or "")
    assert results["anthropic"].error is None and results["anthropic"].added > 0


def test_restated_day_is_updated_within_the_window(fake: FakeProvider, tmp_path: Path) -> None:
    store = Store(tmp_path)
    _sync(store, "anthropic")
    buckets = [dict(b) for b in fake.data.anthropic["usage"]]
    target = next(b for b in buckets if b["starting_at"].startswith("2026-11-18"))
    target["results"] = [dict(r, output_tokens=r["output_tokens"] + 1000) for r in target["results"]]
    fake.restate("anthropic", "usage", buckets)
    again = sync_source(store, ConfigFile(None), "anthropic", now=NOW + timedelta(days=1), policy=FAST)
    assert again.start == datetime(2026, 11, 17, tzinfo=timezone.utc)  # watermark (20th) - 3 days
    assert again.changed == len(target["results"])
    _assert_store_equals(store, _only(_expected(fake, SINCE, datetime(2026, 11, 21, tzinfo=timezone.utc)), "anthropic"))


def test_params_follow_each_providers_array_syntax(fake: FakeProvider, tmp_path: Path) -> None:
    store = Store(tmp_path)
    _sync(store, "openai")
    _sync(store, "anthropic")
    oa = [p for path, p in fake.log if path == "/v1/organization/usage/completions"][0]
    an = [p for path, p in fake.log if path == "/v1/organizations/usage_report/messages"][0]
    assert [v for k, v in oa if k == "group_by"] == ["model", "project_id", "api_key_id", "batch", "service_tier"]
    assert [v for k, v in an if k == "group_by[]"][:2] == ["model", "workspace_id"]


def test_no_secret_leaks_anywhere(fake: FakeProvider, tmp_path: Path, monkeypatch, caplog, capsys) -> None:
    fake.set_faults(Fault("500", times=100))
    caplog.set_level(logging.DEBUG)
    logging.getLogger("httpx").setLevel(logging.DEBUG)
    monkeypatch.setenv("FINOPS_HOME", str(tmp_path / "home"))
    result = CliRunner().invoke(app, ["sync", "--since", "2026-11-10", "--until", "2026-11-12"])
    assert result.exit_code == 4
    texts = [result.output, caplog.text, capsys.readouterr().out, capsys.readouterr().err, str(result.exception or "")]
    for path in (tmp_path / "home").rglob("*"):
        if path.is_file():
            texts.append(path.read_bytes().decode("utf-8", "replace"))
    for secret in (OA_KEY, AN_KEY, "TESTKEY"):
        assert all(secret not in t for t in texts)
    assert "FAILED" in result.output


@pytest.fixture(autouse=True)
def _restore_keyring():
    import keyring

    before = keyring.get_keyring()
    yield
    keyring.set_keyring(before)


def test_headless_keyring_says_what_to_do(monkeypatch) -> None:
    from connectors import credentials

    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    import keyring
    from keyring.backends import fail

    keyring.set_keyring(fail.Keyring())
    with pytest.raises(CredentialError, match="no keyring backend.*FINOPS_OPENAI_ADMIN_KEY.*keyrings.alt"):
        credentials.set_key("openai", "sk-admin-x")
    monkeypatch.delenv("FINOPS_OPENAI_ADMIN_KEY", raising=False)
    with pytest.raises(CredentialError, match="finops connect openai"):
        credentials.get_key("openai")


def test_keyring_first_then_environment(monkeypatch) -> None:
    import keyring
    from keyring.backend import KeyringBackend

    class MemoryKeyring(KeyringBackend):
        priority = 1  # type: ignore[assignment]

        def __init__(self) -> None:
            self.store: dict[tuple[str, str], str] = {}

        def get_password(self, service: str, username: str) -> str | None:
            return self.store.get((service, username))

        def set_password(self, service: str, username: str, password: str) -> None:
            self.store[(service, username)] = password

        def delete_password(self, service: str, username: str) -> None:
            self.store.pop((service, username), None)

    from connectors import credentials

    keyring.set_keyring(MemoryKeyring())
    monkeypatch.setenv("FINOPS_ANTHROPIC_ADMIN_KEY", "from-env")
    assert credentials.get_key("anthropic") == "from-env"
    credentials.set_key("anthropic", "from-keyring")
    assert credentials.get_key("anthropic") == "from-keyring"
    assert {s.source: s.where for s in credentials.status()}["anthropic"] == "keyring"
