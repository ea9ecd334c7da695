"""Values no bill or log can hold are refused in one line naming file, line and field:
NaN and infinite money, absurd magnitudes, epoch times out of range, times outside the
configured window. Runs the real `finops ingest` entry point on hand-made files."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from finops import cli
from finops.store import Store

FOCUS_HEAD = "BilledCost,BillingCurrency,ChargePeriodStart,ChargePeriodEnd,ServiceName,SkuId,ChargeDescription\n"
GOOD_ROW = "1.5,USD,2026-03-01T00:00:00Z,2026-03-02T00:00:00Z,Amazon Bedrock,claude-input,Claude input tokens\n"


def _ingest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *argv: str,
            config: Path | None = None) -> tuple[int, str]:
    options = ["--config", str(config)] if config is not None else []
    monkeypatch.setattr(sys, "argv", ["finops", "--data-dir", str(tmp_path / "home"), *options, "ingest", *argv])
    try:
        cli.main()
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.err + out.out


@pytest.mark.parametrize(("cost", "why"), [
    ("NaN", "not a finite number"), ("inf", "not a finite number"), ("1e400", "not a finite number"),
    ("-1e23", "beyond the sane range"), ("1e23", "beyond the sane range"),
])
def test_focus_money_must_be_finite_and_sane(cost: str, why: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "focus.csv"
    path.write_text(FOCUS_HEAD + GOOD_ROW + GOOD_ROW.replace("1.5", cost, 1).replace("claude-input", "claude-output"))
    code, out = _ingest(tmp_path, monkeypatch, capsys, str(path), "--kind", "focus")
    assert code != 0 and "Traceback" not in out
    assert f"{path}:3: field 'BilledCost'" in out and why in out, out
    assert Store(tmp_path / "home" / "store").read("cost_lines").height == 0  # nothing stored


@pytest.mark.parametrize(("when", "why"), [("9999-01-01T00:00:00Z", "outside 2015"), ("1999-12-31T00:00:00Z", "outside 2015")])
def test_focus_times_must_lie_in_the_window(when: str, why: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "focus.csv"
    path.write_text(FOCUS_HEAD + GOOD_ROW.replace("2026-03-01T00:00:00Z", when))
    code, out = _ingest(tmp_path, monkeypatch, capsys, str(path), "--kind", "focus")
    assert code != 0 and "Traceback" not in out
    assert f"{path}:2: field 'ChargePeriodStart'" in out and why in out, out


def test_an_epoch_of_1e30_is_a_bad_value_not_a_crash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "requests.jsonl"
    path.write_text('{"ts": 1e30, "request_id": "r1", "provider": "openai", "model": "gpt-4o", "input_tokens": 1,'
                    ' "output_tokens": 1}\n')
    code, out = _ingest(tmp_path, monkeypatch, capsys, str(path))
    assert code != 0 and "Traceback" not in out and "internal error" not in out, out
    assert f"{path}:1:" in out and "'ts'" in out, out


REQ = '{{"ts": "2026-03-01T00:00:00Z", "request_id": "{rid}", "provider": "openai", "model": "m", "input_tokens": 1, "output_tokens": 1{extra}}}\n'


@pytest.mark.parametrize(("name", "content", "expect"), [
    ("empty.csv", b"", "{path}: the file is empty"),
    ("vendor.csv", FOCUS_HEAD.encode() + b"1,USD,2026-03-01T00:00:00Z,2026-03-02T00:00:00Z,Amazon Bedrock,x\xff\xfe,y\n",
     "{path}: line 2: byte"),
    ("dup.csv", b"BilledCost,BilledCost,BillingCurrency,ChargePeriodStart,ChargePeriodEnd,ServiceName\n1,2,USD,a,b,c\n",
     "{path}: line 1: column 'BilledCost' appears more than once"),
    # a request log's byte-order mark is read past (docs/request-log.md), and its cut-short last line named
    ("cut.jsonl", (REQ.format(rid="r1", extra="") + '{"ts": "2026-03-01T00:0').encode(), "{path}:2: field '(line)': cut short"),
    ("items.json", b'[{"ts": "2026-03-01T00:00:00Z"}, 7]', "{path}: record 2: a JSON int, not an object"),
    ("attempt.jsonl", REQ.format(rid="r1", extra=', "attempt": 5e16').encode(), "{path}:1: field 'attempt'"),
    ("nul.jsonl", REQ.format(rid="r\\u0000x", extra="").encode(), "{path}:1: field 'request_id'"),
])
def test_bad_files_are_one_line_naming_file_and_line(name: str, content: bytes, expect: str, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    kind = ["--kind", "focus"] if name.endswith(".csv") else []
    code, out = _ingest(tmp_path, monkeypatch, capsys, str(path), *kind)
    assert code != 0 and "Traceback" not in out and "internal error" not in out, out
    assert expect.format(path=path) in out, out


def _with_config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "finops.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(("config", "cost", "when", "expect"), [
    # the defaults take a cost of 5,000 and a 2016 time; a configured bound refuses them
    ("", "5000", "2016-03-01T00:00:00Z", None),
    ("[ingest]\nmax_number = 1000\n", "5000", "2026-03-01T00:00:00Z", "{path}:3: field 'BilledCost': 5000 is beyond the sane range (±1000)"),
    ("[ingest]\nmax_number = 1000\n", "-5000", "2026-03-01T00:00:00Z", "{path}:3: field 'BilledCost': -5000 is beyond the sane range (±1000)"),
    ("[ingest]\nfirst_year = 2020\n", "1.5", "2016-03-01T00:00:00Z", "{path}:3: field 'ChargePeriodStart': '2016-03-01T00:00:00Z' is outside 2020 to"),
    ("[ingest]\nlast_year = 2025\n", "1.5", "2026-03-01T00:00:00Z", "{path}:3: field 'ChargePeriodStart': '2026-03-01T00:00:00Z' is outside 2015 to 2025"),
])
def test_configured_bounds_change_what_is_refused(config: str, cost: str, when: str, expect: str | None, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    toml = _with_config(tmp_path, config)
    path = tmp_path / "focus.csv"
    good = GOOD_ROW.replace("2026-03-01T00:00:00Z", "2025-03-01T00:00:00Z").replace("2026-03-02T00:00:00Z", "2025-03-02T00:00:00Z")
    odd = GOOD_ROW.replace("1.5", cost, 1).replace("claude-input", "claude-output").replace("2026-03-01T00:00:00Z", when)
    path.write_text(FOCUS_HEAD + good + odd)
    code, text = _ingest(tmp_path, monkeypatch, capsys, str(path), "--kind", "focus", config=toml)
    stored = Store(tmp_path / "home" / "store").read("cost_lines").height
    if expect is None:
        assert code == 0 and stored == 2, text
        return
    assert code != 0 and "Traceback" not in text and expect.format(path=path) in text, text
    assert stored == 0  # nothing stored


@pytest.mark.parametrize(("config", "expect"), [
    ("[ingest]\nmax_number = -1\n", "finops.toml:2: ingest.max_number: must be a number above 0"),
    ("[ingest]\nmax_number = inf\n", "finops.toml:2: ingest.max_number: must be a number above 0"),
    ("[ingest]\nmax_number = nan\n", "finops.toml:2: ingest.max_number: must be a number above 0"),
    ("[ingest]\nfirst_year = \"2015\"\n", "finops.toml:2: ingest.first_year: must be a year from 1970 to 9998"),
    ("[ingest]\nfirst_year = 2020\nlast_year = 2019\n", "finops.toml:3: ingest.last_year: must not be before first_year (2020)"),
    ("[ingest]\nmax_numbr = 5\n", "finops.toml:2: ingest.max_numbr: is not a setting"),
])
def test_a_bad_bound_setting_is_one_line_naming_file_line_and_key(config: str, expect: str, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    toml = _with_config(tmp_path, config)
    path = tmp_path / "focus.csv"
    path.write_text(FOCUS_HEAD + GOOD_ROW)
    monkeypatch.setattr(sys, "argv", ["finops", "--data-dir", str(tmp_path / "home"), "--config", str(toml),
                                      "ingest", str(path), "--kind", "focus"])
    with pytest.raises(SystemExit) as exc:
        cli.main()
    err = capsys.readouterr().err
    assert exc.value.code != 0 and "Traceback" not in err and "internal error" not in err, err
    assert expect in err and len(err.strip().splitlines()) == 1, err
