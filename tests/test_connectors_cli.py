"""`finops sync` and `finops connect` against the fake provider: summaries, exit codes, keyring, no leaked key."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from keyring.backend import KeyringBackend
from typer.testing import CliRunner

from finops.connectors import credentials
from finops.cli import app
from finops.errors import ConfigError, CredentialError
from finops.store import Store
from tests.support.fake_provider import FakeProvider, Fault, fake_provider, use_keyring  # noqa: F401

FAST_TOML = """
[sources.openai]
retry_attempts = 3
retry_base_seconds = 0.01
timeout_seconds = 0.5

[sources.anthropic]
retry_attempts = 3
retry_base_seconds = 0.01
timeout_seconds = 0.5
"""
WINDOW = ["--since", "2026-11-01", "--until", "2026-11-20"]


class MemoryKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.items.pop((service, username), None)


@pytest.fixture()
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    (tmp_path / "finops.toml").write_text(FAST_TOML)
    monkeypatch.setenv("FINOPS_HOME", str(home))
    monkeypatch.setenv("FINOPS_CONFIG", str(tmp_path / "finops.toml"))
    monkeypatch.chdir(tmp_path)
    return home


def test_sync_summarises_each_source_and_a_rerun_changes_nothing(fake_provider: FakeProvider, home: Path) -> None:
    runner = CliRunner()
    first = runner.invoke(app, ["sync", *WINDOW])
    assert first.exit_code == 0, first.output
    store = Store(home / "store")
    for source in ("openai", "anthropic"):
        line = next(x for x in first.output.splitlines() if x.startswith(f"{source}:"))
        rows = store.read("billed_usage").filter(source=source).height + store.read("cost_lines").filter(x_Source=source).height
        assert f"2026-11-01..2026-11-20 (19 days" in line and f"added {rows:,}, changed 0, removed 0 rows" in line
    again = runner.invoke(app, ["sync", *WINDOW, "--source", "anthropic"])
    assert again.exit_code == 0 and "added 0, changed 0, removed 0 rows" in again.output
    assert "openai" not in again.output


def test_a_failing_source_exits_4_and_the_other_still_syncs(fake_provider: FakeProvider, home: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FINOPS_OPENAI_ADMIN_KEY", "sk-proj-a-project-key")
    result = CliRunner().invoke(app, ["sync", *WINDOW])
    assert result.exit_code == 4
    assert "openai: FAILED: credentials: openai: the provider refused the key (HTTP 401); this source needs an organization Admin API key" in result.output
    assert "1 of 2 source(s) failed" in result.output
    assert Store(home / "store").read("billed_usage").filter(provider="anthropic").height > 0
    assert Store(home / "store").read("billed_usage").filter(provider="openai").height == 0


def test_bad_dates_and_config_are_one_line_errors(fake_provider: FakeProvider, home: Path, tmp_path: Path) -> None:
    bad = CliRunner().invoke(app, ["sync", "--since", "2026-13-01"])
    assert "--since: '2026-13-01' is not a YYYY-MM-DD date" in str(bad.exception)
    unknown = CliRunner().invoke(app, ["sync", "--source", "gemini"])
    assert "'gemini' is not one of openai, anthropic" in str(unknown.exception)
    (tmp_path / "finops.toml").write_text(FAST_TOML.replace("retry_attempts = 3\nretry_base_seconds = 0.01\ntimeout_seconds = 0.5\n\n[sources.anthropic]",
                                                            'base_url = "ftp://proxy"\n\n[sources.anthropic]'))
    result = CliRunner().invoke(app, ["sync", *WINDOW, "--source", "openai"], env={"FINOPS_OPENAI_BASE_URL": ""})
    assert result.exit_code == 4
    assert f"{tmp_path / 'finops.toml'}:3: sources.openai.base_url: must be an http(s) URL" in result.output


def test_base_url_from_finops_toml(fake_provider: FakeProvider, home: Path, tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FINOPS_ANTHROPIC_BASE_URL")
    (tmp_path / "finops.toml").write_text(FAST_TOML.replace("[sources.anthropic]", f'[sources.anthropic]\nbase_url = "{fake_provider.url}"'))
    result = CliRunner().invoke(app, ["sync", *WINDOW, "--source", "anthropic"])
    assert result.exit_code == 0 and fake_provider.requests_to("usage_report")


def test_connect_checks_the_key_then_stores_it_in_the_keyring(fake_provider: FakeProvider, home: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    ring = MemoryKeyring()
    use_keyring(monkeypatch, ring)
    monkeypatch.delenv("FINOPS_ANTHROPIC_ADMIN_KEY")
    key = fake_provider.keys["anthropic"]
    result = CliRunner().invoke(app, ["connect", "anthropic"], input=key + "\n")
    assert result.exit_code == 0, result.output
    assert ring.items == {("finops-console", "anthropic"): key}
    assert key not in result.output  # the prompt hides the input
    assert fake_provider.requests_to("usage_report/messages")  # one check call went out
    listing = CliRunner().invoke(app, ["connect", "--list"])
    assert "anthropic  keyring" in listing.output and "openai     environment" in listing.output
    assert key not in listing.output and fake_provider.keys["openai"] not in listing.output
    assert credentials.get_key("anthropic") == key  # keyring first
    sync = CliRunner().invoke(app, ["sync", *WINDOW, "--source", "anthropic"])
    assert sync.exit_code == 0


def test_connect_refuses_a_wrong_key_and_stores_nothing(fake_provider: FakeProvider, home: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    ring = MemoryKeyring()
    use_keyring(monkeypatch, ring)
    result = CliRunner().invoke(app, ["connect", "openai"], input="sk-proj-not-admin-123\n")
    assert isinstance(result.exception, CredentialError) and ring.items == {}
    assert "needs an organization Admin API key" in str(result.exception)
    assert "sk-proj-not-admin-123" not in str(result.exception) + result.output


def test_connect_on_a_headless_machine_says_what_to_do_in_one_line(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    use_keyring(monkeypatch, None)
    env = {**os.environ, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    proc = subprocess.run([sys.executable, "-m", "finops.cli", "connect", "openai"], input="", capture_output=True,
                          text=True, env=env, timeout=60)
    assert proc.returncode == 4
    assert proc.stderr.strip().splitlines() == [
        "credentials: no keyring backend on this machine (a headless server?): set FINOPS_OPENAI_ADMIN_KEY in the "
        "environment, or install the file backend with `pip install keyrings.alt`"]
    with pytest.raises(CredentialError, match="no keyring backend"):
        credentials.set_key("openai", "sk-admin-x")


def test_key_lookup_keyring_then_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    ring = MemoryKeyring()
    use_keyring(monkeypatch, ring)
    monkeypatch.setenv("FINOPS_ANTHROPIC_ADMIN_KEY", "from-env")
    assert credentials.get_key("anthropic") == "from-env"
    credentials.set_key("anthropic", "from-keyring")
    assert credentials.get_key("anthropic") == "from-keyring"
    monkeypatch.delenv("FINOPS_OPENAI_ADMIN_KEY", raising=False)
    with pytest.raises(CredentialError, match=r"no key for openai: run `finops connect openai` or set FINOPS_OPENAI_ADMIN_KEY"):
        credentials.get_key("openai")


def test_no_secret_leaks_anywhere(fake_provider: FakeProvider, home: Path, caplog: pytest.LogCaptureFixture,
                                  capfd: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A known key, a failing server, debug logging on: the key is in no output, log line or file."""
    keys = list(fake_provider.keys.values())
    fake_provider.set_faults(Fault("500", times=6), Fault("401", path="cost_report"), Fault("503", times=1000))
    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore", "finops", "connectors"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    result = CliRunner().invoke(app, ["sync", *WINDOW])
    assert result.exit_code == 4 and "FAILED" in result.output
    proc = subprocess.run([sys.executable, "-m", "finops.cli", "sync", *WINDOW], capture_output=True, text=True,
                          env=dict(os.environ), timeout=120, cwd=str(Path(__file__).parents[1]))
    assert proc.returncode == 4, proc.stderr
    out, err = capfd.readouterr()
    texts = [result.output, caplog.text, out, err, proc.stdout, proc.stderr, repr(result.exception)]
    texts += [r.getMessage() + repr(r.args) for r in caplog.records]
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.suffix == ".json" for p in files)  # the failed sync wrote its state
    texts += [p.read_bytes().decode("utf-8", "replace") for p in files]
    assert len(caplog.records) > 10  # debug logging really was on
    for key in keys:
        for fragment in (key, key[-12:]):
            assert not [t for t in texts if fragment in t]


def test_sync_prints_each_error_once_and_does_not_claim_others_synced(fake_provider: FakeProvider, home: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FINOPS_OPENAI_ADMIN_KEY", "sk-proj-a-project-key")
    result = CliRunner().invoke(app, ["sync", *WINDOW, "--source", "openai"])
    assert result.exit_code == 4
    assert result.output.count("the provider refused the key") == 1, result.output
    assert "the others were synced" not in result.output
    assert "nothing was synced" in result.output
