"""Token quantities in FOCUS rows become metered usage (issue 23 item 2), and a reconcile that had
nothing to compare says so on every surface instead of "unexplained 0.00%".

Data: the public FOCUS samples (tests/data/focus/public, README: provenance), our SKU files beside
them, and a Bedrock-like export generated here (split in part files, one gzipped) with a request
log of the same calls. Everything goes through the real CLI into a real store.
"""

from __future__ import annotations

import csv
import gzip
import json
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from finops.cli import app
from finops.connectors.focus_file import read_focus, token_usage

FOCUS_DIR = Path(__file__).parent / "data" / "focus"
PUBLIC = FOCUS_DIR / "public"
BEDROCK_MODEL = "anthropic.claude-sonnet-4-5-20250929-v1:0"
ACCOUNT = "123456789012"
HEADER = ["BilledCost", "BillingAccountId", "BillingCurrency", "BillingPeriodStart", "BillingPeriodEnd",
          "ChargeCategory", "ChargeDescription", "ChargePeriodStart", "ChargePeriodEnd", "ConsumedQuantity",
          "ConsumedUnit", "EffectiveCost", "ListCost", "ServiceProviderName", "HostProviderName",
          "ServiceCategory", "ServiceName", "SkuId", "SkuMeter", "SkuPriceDetails", "SubAccountId", "RegionId"]
# (class words in the SKU, token class we expect, $ per million)
CLASSES = (("input-tokens", "Input Tokens", "input_uncached", 3.0), ("output-tokens", "Output Tokens", "output", 15.0),
           ("cache-read-input-tokens", "Cache Read Input Tokens", "input_cache_read", 0.3))


def _cli(home: Path, *args: str) -> str:
    out = CliRunner().invoke(app, ["--data-dir", str(home), *args])
    assert out.exit_code == 0, out.output
    return out.output


def _requests(days: list[int]) -> list[dict]:
    """The request log of the Bedrock calls: per day, calls with known tokens."""
    rows = []
    for d in days:
        for i in range(3):
            rows.append({"ts": f"2026-10-{d:02d}T{8 + i:02d}:00:00Z", "request_id": f"br-{d}-{i}", "provider": "aws.bedrock",
                         "model": BEDROCK_MODEL, "project_id": ACCOUNT, "region": "us-east-1",
                         "input_tokens": 40_000 + 1_000 * i + d, "cached_input_tokens": 10_000 * i,
                         "cache_write_tokens": 0, "output_tokens": 2_000 + 7 * i + d})
    return rows


def _focus_rows(requests: list[dict], unit: str, details: bool = True) -> list[list[str]]:
    """A Bedrock FOCUS 1.2 export of those calls: one line per day and token class, ConsumedQuantity in `unit`;
    without `details`, SkuPriceDetails is empty and only the SKU words name the model."""
    scale = {"Tokens": 1, "1K Tokens": 1_000}[unit]
    per_day: dict[str, dict[str, int]] = {}
    for r in requests:
        day = r["ts"][:10]
        t = per_day.setdefault(day, {"input_uncached": 0, "output": 0, "input_cache_read": 0})
        t["input_uncached"] += r["input_tokens"] - r["cached_input_tokens"]
        t["input_cache_read"] += r["cached_input_tokens"]
        t["output"] += r["output_tokens"]
    out = []
    for day, tokens in sorted(per_day.items()):
        for sku, meter, cls, price in CLASSES:
            q = tokens[cls]
            out.append([f"{q * price / 1e6:.6f}", ACCOUNT, "USD", "2026-10-01T00:00:00Z", "2026-11-01T00:00:00Z", "Usage",
                        f"Claude Sonnet 4.5 {meter.lower()}", f"{day}T00:00:00Z", f"{day}T23:59:59Z", f"{q / scale:g}",
                        unit, f"{q * price / 1e6:.6f}", f"{q * price / 1e6:.6f}", "AWS", "Anthropic",
                        "AI and Machine Learning", "Amazon Bedrock", f"USE1-Claude4.5Sonnet-{sku}", meter,
                        json.dumps({"ModelId": BEDROCK_MODEL}) if details else "", ACCOUNT, "us-east-1"])
    return out


def _write_csv(path: Path, rows: list[list[str]], gz: bool = False) -> Path:
    opener = gzip.open if gz else open
    with opener(path, "wt", newline="") as fh:  # type: ignore[operator]
        w = csv.writer(fh)
        w.writerow(HEADER)
        w.writerows(rows)
    return path


def test_public_samples_carry_no_token_quantities_so_nothing_is_metered() -> None:
    # The FOCUS 1.0 sample's AI rows (Azure ML) count hours, GB and units; the spec's commitment
    # scenario counts hours: none is a token, so none may become metered usage.
    for name in ("focus_1_0_sample_slice.csv", "commitment_bedrock_from_spec.csv"):
        lines = read_focus(PUBLIC / name)
        assert lines.height > 0
        assert token_usage(lines).height == 0, name


def test_token_rows_become_metered_usage_in_single_tokens() -> None:
    got = {}
    for name, provider in (("aws_bedrock_focus12.csv", "aws.bedrock"), ("azure_openai_focus13.csv", "azure.ai.openai"),
                           ("gcp_vertex_focus10.csv", "gcp.vertex_ai")):
        usage = token_usage(read_focus(FOCUS_DIR / name))
        assert set(usage["provenance"]) == {"metered"} and set(usage["unit"]) == {"tokens"}
        assert set(usage["provider"]) == {provider}
        got[name] = dict(zip(usage["token_class"], usage["quantity"]))
    assert got["azure_openai_focus13.csv"] == {"input_uncached": 1_650_000, "input_cache_read": 500_000, "output": 600_000}
    assert got["aws_bedrock_focus12.csv"] == {"input_uncached": 1_000_000, "output": 500_000, "input_cache_read": 500_000,
                                              "input_cache_write_5m": 500_000}
    assert got["gcp_vertex_focus10.csv"] == {"input_uncached": 8_000_000, "input_cache_read": 4_000_000, "output": 1_200_000}


def test_generated_bedrock_export_meters_every_token_once_and_reconciles_with_the_request_log(tmp_path: Path) -> None:
    home = tmp_path / "home"
    reqs = _requests([5, 6, 7])
    rows = _focus_rows(reqs, "1K Tokens")
    # An export split into part files (AWS Data Exports does), the second gzipped.
    part1 = _write_csv(tmp_path / "part-1.csv", rows[:4])
    part2 = _write_csv(tmp_path / "part-2.csv.gz", rows[4:], gz=True)
    out = _cli(home, "ingest", str(part1), str(part2), "--kind", "focus")
    assert "metered token usage from the same rows: added 9, changed 0, unchanged 0" in out
    # Loaded again, one part at a time: nothing changes, nothing doubles.
    for p in (part1, part2):
        again = _cli(home, "ingest", str(p), "--kind", "focus")
        assert "changed 0" in again and "added 0" in again, again

    from finops.config import Settings
    from finops.store import Store

    usage = Store(Settings.resolve(home).store_dir).read("billed_usage")
    assert set(usage["model"]) == {BEDROCK_MODEL} and set(usage["provider"]) == {"aws.bedrock"}
    assert set(usage["provenance"]) == {"metered"} and set(usage["project_id"]) == {ACCOUNT}
    for cls, field in (("output", "output_tokens"), ("input_cache_read", "cached_input_tokens")):
        assert usage.filter(pl.col("token_class") == cls)["quantity"].sum() == sum(r[field] for r in reqs)
    assert usage.filter(pl.col("token_class") == "input_uncached")["quantity"].sum() == sum(
        r["input_tokens"] - r["cached_input_tokens"] for r in reqs)

    log = tmp_path / "requests.jsonl"
    log.write_text("".join(json.dumps(r) + "\n" for r in reqs))
    _cli(home, "ingest", str(log), "--kind", "requests")
    doc = json.loads(_cli(home, "reconcile", "--since", "2026-10-01", "--until", "2026-10-31", "--format", "json"))
    terms = doc["summary_terms"]
    assert terms["nothing_compared"] is None
    s = doc["summary"]
    assert s["local_tokens"] == s["billed_tokens"] == sum(r["input_tokens"] + r["output_tokens"] for r in reqs)
    assert terms["unexplained_pct"] == pytest.approx(0.0, abs=1e-9)
    table = _cli(home, "reconcile", "--since", "2026-10-01", "--until", "2026-10-31")
    assert "nothing compared" not in table and "unexplained 0.00% of billed" in table


def test_nothing_compared_is_said_by_cli_json_report_and_dashboard(tmp_path: Path) -> None:
    home = tmp_path / "home"
    _cli(home, "ingest", str(FOCUS_DIR / "aws_bedrock_focus12.csv"), "--kind", "focus")
    table = _cli(home, "reconcile", "--since", "2026-10-01", "--until", "2026-10-31")
    said = "nothing compared: no logged request tokens in the window (unexplained drift not computed)"
    assert said in table and "unexplained 0.00%" not in table
    doc = json.loads(_cli(home, "reconcile", "--since", "2026-10-01", "--until", "2026-10-31", "--format", "json"))
    assert doc["summary_terms"]["nothing_compared"] == said

    from finops.config import Settings
    from finops.context import Context
    from finops.report.extras import reconciliation
    from finops.report.figures import Period
    from finops.tui.data.context import DashboardContext
    from finops.tui.data.reconcile import load_reconcile
    from finops.tui.filters import Filters

    settings = Settings.resolve(home)
    october = Period("2026-10", date(2026, 10, 1), date(2026, 10, 31), date(2026, 10, 31), "2026-09", "2026-11")
    report = reconciliation(Context.build(settings, today=date(2026, 11, 1)), october)
    assert ("Unexplained share of billed", said, "estimated") in report.summary
    dash = DashboardContext.open(settings, today=date(2026, 11, 1))
    data = load_reconcile(dash, Filters(start=date(2026, 10, 1), end=date(2026, 10, 31)))
    assert data.summary_line.endswith(f"({said})")

    empty = tmp_path / "empty"
    _cli(empty, "ingest", str(FOCUS_DIR / "azure_openai_focus13.csv"), "--kind", "focus")
    log = tmp_path / "r.jsonl"
    log.write_text(json.dumps(_requests([5])[0]) + "\n")
    _cli(empty, "ingest", str(log), "--kind", "requests")
    none = _cli(empty, "reconcile", "--since", "2026-10-06", "--until", "2026-10-06")
    assert "nothing compared: no logged request tokens and no billed or metered usage in the window" in none



def test_a_model_named_only_by_sku_words_reconciles_with_the_logged_bedrock_id(tmp_path: Path) -> None:
    # Without SkuPriceDetails the export names the model as its SKU does (USE1-Claude4.5Sonnet-...
    # -> claude4.5sonnet); the log names the Bedrock model id. Both are one model: the bill and
    # the log must meet, not show as unlogged traffic plus billed-without-usage.
    home = tmp_path / "home"
    reqs = _requests([5, 6])
    _cli(home, "ingest", str(_write_csv(tmp_path / "export.csv", _focus_rows(reqs, "Tokens", details=False))), "--kind", "focus")
    log = tmp_path / "requests.jsonl"
    log.write_text("".join(json.dumps(r) + "\n" for r in reqs))
    _cli(home, "ingest", str(log), "--kind", "requests")

    from finops.config import Settings
    from finops.store import Store

    assert set(Store(Settings.resolve(home).store_dir).read("billed_usage")["model"]) == {"claude4.5sonnet"}
    doc = json.loads(_cli(home, "reconcile", "--since", "2026-10-01", "--until", "2026-10-31", "--format", "json"))
    s = doc["summary"]
    assert s["local_tokens"] == s["billed_tokens"] == sum(r["input_tokens"] + r["output_tokens"] for r in reqs)
    assert doc["summary_terms"]["unexplained_pct"] == pytest.approx(0.0, abs=1e-9)
    assert not [f for f in doc.get("findings", []) if f.get("cause") in ("unlogged_traffic", "billed_without_usage")]
