"""The foundation commands on the sample: load is idempotent, status and summary trace to data."""

from __future__ import annotations

import gzip
import json
from decimal import Decimal
from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from finops.cli import app

runner = CliRunner()


def _invoke(*args: str) -> str:
    result = runner.invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def _pages(path: Path):
    with gzip.open(path, "rt") as fh:
        for line in fh:
            yield json.loads(line)


def _billed_by_provider_from_pages(sample_dir: Path) -> dict[str, Decimal]:
    """The sample's bills summed straight from the provider pages, independently of our parsers."""
    openai = sum(
        (Decimal(str(r["amount"]["value"])) for p in _pages(sample_dir / "openai/costs.jsonl.gz") for b in p["data"] for r in b["results"]),
        Decimal(0),
    )
    anthropic = sum(
        (Decimal(r["amount"]) / 100 for p in _pages(sample_dir / "anthropic/cost_report.jsonl.gz") for b in p["data"] for r in b["results"]),
        Decimal(0),
    )
    return {"OpenAI": openai, "Anthropic": anthropic}


def test_summary_totals_equal_the_sample_bills(finops_home: Path, sample_dir: Path) -> None:
    rows = json.loads(_invoke("summary", "--format", "json"))
    totals: dict[str, float] = {}
    for r in rows:
        totals[r["provider"]] = totals.get(r["provider"], 0.0) + r["billed_cost"]
    expected = _billed_by_provider_from_pages(sample_dir)
    for provider, amount in expected.items():
        assert abs(Decimal(str(totals[provider])) - amount) < Decimal("0.000001"), provider
    assert {r["provenance"] for r in rows if r["provider"] in expected} == {"billed"}
    months = {r["month"] for r in rows}
    assert len(months) == 19 and min(months) == "2025-05" and max(months) == "2026-11"


def test_summary_table_shows_money_and_total(finops_home: Path) -> None:
    out = _invoke("summary", "--since", "2026-10", "--until", "2026-10")
    assert "2026-10" in out and "2026-09" not in out and "total:" in out


def test_sample_load_twice_changes_nothing(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("FINOPS_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    _invoke("sample", "load")
    store = tmp_path / "home" / "store"
    files = {p: p.read_bytes() for p in store.rglob("*.parquet")}
    from finops.store import Store

    def sums() -> dict[str, tuple[int, float]]:
        s = Store(store)
        return {
            "requests": (s.scan("requests").select(pl.len()).collect().item(), float(s.scan("requests").select(pl.col("input_tokens").sum()).collect().item())),
            "billed_usage": (s.scan("billed_usage").select(pl.len()).collect().item(), float(s.scan("billed_usage").select(pl.col("quantity").sum()).collect().item())),
            # Rounded: the last bit of a parallel float sum depends on the order the parts are added in.
            "cost_lines": (s.scan("cost_lines").select(pl.len()).collect().item(),
                           round(float(s.scan("cost_lines").select(pl.col("BilledCost").sum()).collect().item()), 6)),
        }

    before = sums()
    out = _invoke("sample", "load")
    assert sums() == before
    assert {p: p.read_bytes() for p in store.rglob("*.parquet")} == files
    assert " added        0" in out
    assert (tmp_path / "home" / "finops.toml").is_file()  # the sample config was installed


def test_status_lists_every_table_and_source(finops_home: Path) -> None:
    rows = json.loads(_invoke("status", "--format", "json"))
    tables = {r["table"] for r in rows}
    assert tables == {"billed_usage", "cost_lines", "requests"}
    req = next(r for r in rows if r["table"] == "requests")
    assert req["first_day"] == "2025-05-25" and req["last_day"] == "2026-11-24" and req["provenance"] == "logged"


def test_empty_store_says_what_to_do(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("FINOPS_HOME", str(tmp_path))
    result = runner.invoke(app, ["summary"])
    assert result.exit_code == 1 and "finops sample load" in result.output
