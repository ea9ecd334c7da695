"""One error path: every command, run against broken inputs, ends in one line on stderr and
never a traceback (the traceback goes to <data dir>/logs/errors.log, and to stderr with -v).

Commands run in-process through finops.cli.main, the console entry point, so the test sees
what a user sees. Broken inputs: a store whose part files are corrupt and whose watermarks
are not JSON; an empty data directory; a finops.toml that is not TOML.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
import typer

from finops import cli

# Every leaf command (and group run on its own), with the arguments a user might give it.
# `connect` prompts for a key and `dashboard` starts the TUI: both are run with stdin closed.
COMMANDS: dict[str, list[str]] = {
    "alert check": ["alert", "check"],
    "alert list": ["alert", "list"],
    "alert secret": ["alert", "secret", "ops", "url"],
    "cache": ["cache"],
    "carbon": ["carbon"],
    "connect": ["connect", "--source", "openai"],
    "export": ["export", "--dataset", "costs", "--format", "csv"],
    "figures": ["figures"],
    "ingest": ["ingest", "{bad_csv}", "--kind", "focus"],
    "reconcile": ["reconcile"],
    "reprice": ["reprice", "--catalog", "{bad_csv}"],
    "prices show": ["prices", "show", "gpt-4.1", "--day", "2026-13-01"],
    "prices unpriced": ["prices", "unpriced"],
    "prices diff": ["prices", "diff"],
    "status": ["status"],
    "summary": ["summary"],
    "sync": ["sync"],
    "cogs": ["cogs"],
    "cogs statement": ["cogs", "statement"],
    "cogs review": ["cogs", "review"],
    "cogs what-if": ["cogs", "what-if"],
    "forecast": ["forecast"],
    "forecast backtest": ["forecast", "backtest"],
    "report monthly": ["report", "monthly", "--out", "{tmp}/report"],
    "sample generate": ["sample", "generate", "--out", "{bad_csv}"],
    "sample load": ["sample", "load", "{tmp}"],
    "schedule show": ["schedule", "show"],
}
SKIP = {"dashboard"}  # a full-screen app: its errors are shown in the app (tests/test_tui_*.py)


def _leaves() -> set[str]:
    out: set[str] = set()

    def walk(cmd: object, path: list[str]) -> None:
        subs = getattr(cmd, "commands", None)
        if subs is None:
            out.add(" ".join(path))
            return
        if path and getattr(cmd, "invoke_without_command", False):
            out.add(" ".join(path))
        for name, sub in subs.items():
            walk(sub, [*path, name])

    walk(typer.main.get_command(cli.app), [])
    return out


def test_every_command_is_covered() -> None:
    assert _leaves() - SKIP == set(COMMANDS)


def _broken_store(sample_store_path: Path, home: Path) -> None:
    store = home / "store"
    shutil.copytree(sample_store_path, store)
    for table in ("requests", "cost_lines", "billed_usage"):
        for part in list((store / table).glob("month=*/*.parquet"))[:2]:
            part.unlink()  # the version's hard link keeps the old bytes: corrupt both
            part.write_bytes(b"PAR1 this is not parquet")
        for link in (store / "_state" / "snapshots").glob(f"v*/{table}/month=*/*.parquet"):
            if not (store / table / link.parent.name / link.name).exists() or link.stat().st_size < 100:
                continue
    for link in (store / "_state" / "snapshots").glob("v*/*/month=*/*.parquet"):
        twin = store / link.parent.parent.name / link.parent.name / link.name
        if twin.exists() and twin.stat().st_size < 100:
            link.unlink()
            link.write_bytes(twin.read_bytes())
    (store / "_state" / "watermarks.json").write_text("{not json")


def _run(argv: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    monkeypatch.setattr(sys, "argv", ["finops", *argv])
    monkeypatch.setattr(sys, "stdin", open("/dev/null"))  # noqa: SIM115 - a prompt reads end of input
    cli.GlobalOptions.verbose = False
    code = 0
    try:
        cli.main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    captured = capsys.readouterr()
    return code, captured.err + captured.out


@pytest.mark.parametrize("case", ["broken-store", "empty-dir", "bad-config", "config-not-utf8", "home-is-a-file",
                                  "garbage-current"])
def test_no_command_prints_a_traceback(case: str, sample_store_path: Path, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    home = tmp_path / "home"
    if case == "home-is-a-file":  # FINOPS_HOME names a file, not a folder
        home.write_text("not a folder")
    else:
        home.mkdir()
    if case == "broken-store":
        _broken_store(sample_store_path, home)
    if case == "garbage-current":  # the pointer to the committed version is not a number
        shutil.copytree(sample_store_path, home / "store")
        (home / "store" / "_state" / "CURRENT").write_bytes(b"\x00garbage\xff")
    monkeypatch.setenv("FINOPS_HOME", str(home))
    monkeypatch.delenv("FINOPS_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    for var in ("FINOPS_OPENAI_ADMIN_KEY", "FINOPS_ANTHROPIC_ADMIN_KEY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    bad_csv = tmp_path / "bad.csv"
    bad_csv.write_bytes(b"BilledCost,BilledCost\n\xff\xfe,1\n")
    config = []
    if case == "bad-config":
        (tmp_path / "finops.toml").write_text("[sources.openai\nbase_url = 'x'\n")
        config = ["--config", str(tmp_path / "finops.toml")]
    if case == "config-not-utf8":  # found by the contracts fuzzer: an internal error before
        (tmp_path / "finops.toml").write_bytes(b"[display]\nreporting_currency = \"\xff\"\n")
        config = ["--config", str(tmp_path / "finops.toml")]
    failures = []
    for name, argv in COMMANDS.items():
        args = [a.format(tmp=tmp_path, bad_csv=bad_csv) for a in argv]
        code, err = _run([*config, *args], monkeypatch, capsys)
        if "Traceback" in err or (code and not err.strip()):  # a failure says something
            failures.append(f"{name} (exit {code}): {err[-600:]}")
        elif "internal error" in err and case != "broken-store":  # only a corrupt part file is still ours to word
            failures.append(f"{name} (exit {code}): {err[-600:]}")
    assert not failures, "\n\n".join(failures)


def test_an_internal_error_is_one_line_and_logged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    import finops.commands.status as status_cmd

    home = tmp_path / "home"
    monkeypatch.setenv("FINOPS_HOME", str(home))
    monkeypatch.chdir(tmp_path)

    def boom(*_a: object, **_k: object) -> None:
        raise ZeroDivisionError("planted\nsecond line sk-admin-0123456789abcdef")

    monkeypatch.setattr("finops.status.status_lines", boom, raising=False)
    monkeypatch.setattr("finops.commands._common.get_store", boom)
    monkeypatch.setattr("finops.commands._common.get_context", boom)
    code, err = _run(["status"], monkeypatch, capsys)
    assert code == cli.EXIT_INTERNAL and "Traceback" not in err
    assert err.strip().count("\n") == 0 and "internal error: ZeroDivisionError: planted" in err
    log = (home / "logs" / "errors.log").read_text()
    assert "Traceback" in log and "sk-admin-0123456789abcdef" not in log
    code, err = _run(["--verbose", "status"], monkeypatch, capsys)
    assert "Traceback" in err  # asked for
    assert status_cmd  # the module whose call failed
