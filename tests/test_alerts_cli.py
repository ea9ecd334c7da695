"""`finops alert check|list`, `finops schedule show` and `finops export --sync-first` with alert rules."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from finops import cli
from tests.support.alert_receiver import Receiver
from tests.support.fake_provider import use_keyring
from tests.test_alerts import SECRET, verify, webhook_config, write_config


@pytest.fixture()
def hook(monkeypatch: pytest.MonkeyPatch) -> Iterator[Receiver]:
    r = Receiver().start()
    use_keyring(monkeypatch, None)
    monkeypatch.setenv("FINOPS_ALERT_HOOK_URL", r.url)
    monkeypatch.setenv("FINOPS_ALERT_HOOK_SECRET", SECRET)
    for var in ("FINOPS_OPENAI_ADMIN_KEY", "FINOPS_ANTHROPIC_ADMIN_KEY", "FINOPS_TODAY"):
        monkeypatch.delenv(var, raising=False)
    yield r
    r.close()


def run(home: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli.app, ["--data-dir", str(home), "--config", str(home / "finops.toml"), *args])
    return result.exit_code, result.output


def test_check_dry_run_then_check_then_list(finops_home: Path, hook: Receiver) -> None:
    write_config(finops_home, webhook_config(cap=250))
    code, out = run(finops_home, "alert", "check", "--dry-run")
    assert code == 0, out
    assert out.startswith("would FIRE budget risk|budget inference: Budget used · inference · billed: ")
    assert not hook.requests
    code, out = run(finops_home, "alert", "check")
    assert code == 0, out
    assert "FIRE budget risk|budget inference" in out and "sent budget risk|budget inference#1:fired@hook" in out
    assert len(hook.requests) == 1 and verify(hook.requests[0])["event"] == "fired"
    code, out = run(finops_home, "alert", "list")
    assert code == 0 and "active: 1" in out and "firing    budget risk|budget inference" in out
    assert "fired     budget risk|budget inference" in out
    code, out = run(finops_home, "alert", "check", "--today", "2026-12-02")  # December: a new window, clear
    assert code == 0 and "clearing budget risk|budget inference" in out, out


def test_schedule_show_lists_the_check_beside_the_export(finops_home: Path, hook: Receiver) -> None:
    write_config(finops_home, webhook_config(cap=250, extra="every_minutes = 30"))
    code, out = run(finops_home, "schedule", "show")
    assert code == 0, out
    assert " export --dataset costs " in out
    assert "# ---- alerts: finops alert check every 30 min ----" in out
    cron = next(line for line in out.splitlines() if line.startswith("*/30 * * * * "))
    assert cron.endswith(f"--config {finops_home / 'finops.toml'} alert check >> {finops_home / 'alerts.log'} 2>&1")
    assert "OnUnitActiveSec=30min" in out
    write_config(finops_home, "")
    code, out = run(finops_home, "schedule", "show")
    assert "# finops alert check: no [[alerts.rules]] in finops.toml" in out


def test_export_sync_first_runs_the_check_in_the_same_run(finops_home: Path, hook: Receiver, tmp_path: Path) -> None:
    write_config(finops_home, webhook_config(cap=250))
    code, out = run(finops_home, "export", "--dataset", "costs", "--format", "csv", "--out", str(tmp_path / "x"),
                    "--sync-first")
    assert code == 4  # no provider keys here: the sync fails, the export and the check still run
    assert (tmp_path / "x" / "costs").is_dir()
    assert len(hook.requests) == 1 and verify(hook.requests[0])["id"] == "budget risk|budget inference#1:fired"
    write_config(finops_home, webhook_config(cap=250, extra="run_with_export = false"))
    (finops_home / "alerts" / "state.json").unlink()
    run(finops_home, "export", "--dataset", "costs", "--format", "csv", "--out", str(tmp_path / "x"), "--sync-first")
    assert len(hook.requests) == 1


def test_alert_secret_keeps_a_channel_url_in_the_keyring(finops_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.test_alerts import MemoryKeyring

    ring = MemoryKeyring()
    use_keyring(monkeypatch, ring)
    write_config(finops_home, webhook_config(cap=250))
    url = "http://127.0.0.1:1/hook-secret-path"
    result = CliRunner().invoke(cli.app, ["--data-dir", str(finops_home), "--config", str(finops_home / "finops.toml"),
                                          "alert", "secret", "hook", "url"], input=url + "\n")
    assert result.exit_code == 0, result.output
    assert ring.get_password("finops-console", "alert:hook:url") == url
    assert "stored in the keyring" in result.output
    from finops.errors import InputError

    result = CliRunner().invoke(cli.app, ["--data-dir", str(finops_home), "--config", str(finops_home / "finops.toml"),
                                          "alert", "secret", "hook", "password"], input="x\n")
    assert isinstance(result.exception, InputError)  # finops.cli.main prints it as one line, exit 2
    assert "a webhook channel keeps url, secret, not 'password'" in str(result.exception)
