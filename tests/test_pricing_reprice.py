"""`finops reprice`: history under another catalog as a diff, stored figures untouched."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from finops.cli import app
from finops.errors import PricingError
from finops.models.pricing.catalog import load_catalog
from finops.store import Store
from finops.services.pricing import reprice

HEADER = "provider,model,token_class,usd_per_million,effective_from,effective_to,source_url,as_of\n"
runner = CliRunner()


def _mtimes(store: Store) -> dict[Path, int]:
    return {p: p.stat().st_mtime_ns for p in store.root.rglob("*.parquet")}


def test_reprice_shows_the_diff_and_changes_nothing(sample_store: Store, tmp_path: Path) -> None:
    other = tmp_path / "neg.csv"
    other.write_text(HEADER + "anthropic,claude-sonnet-4-5,output,12.00,2025-09-29,,negotiated,2026-11-01\n")
    before = _mtimes(sample_store)
    frame = reprice(sample_store, other, load_catalog())
    # Independently of the code: every stored output token of Sonnet 4.5 gets $3/M cheaper.
    tokens = sample_store.scan("billed_usage").filter(
        pl.col("model").str.starts_with("claude-sonnet-4-5") & (pl.col("token_class") == "output")
    ).select(pl.col("quantity").sum()).collect().item()
    assert frame["diff_usd"].sum() == pytest.approx(tokens * (12.0 - 15.0) / 1e6)
    changed = frame.filter(pl.col("diff_usd").abs() > 1e-9)
    assert set(changed["model"]) == {"claude-sonnet-4-5-20250929"}
    assert all("neg.csv:2" in rows for rows in changed["repriced_rows"])
    assert _mtimes(sample_store) == before


def test_replacing_the_catalog_leaves_missing_models_unpriced(sample_store: Store, tmp_path: Path) -> None:
    only = tmp_path / "only_openai.csv"
    only.write_text(HEADER + "openai,gpt-4.1,output,8.00,2025-01-01,,u,2026-01-01\n")
    frame = reprice(sample_store, only, load_catalog(), merge_over=False)
    claude = frame.filter(pl.col("provider") == "anthropic")
    assert claude.height > 0 and claude["repriced_usd"].null_count() == claude.height  # null, never $0
    assert (claude["unpriced_tokens"] == claude["tokens"]).all()


def test_cli_prints_the_diff(finops_home: Path, tmp_path: Path) -> None:
    other = tmp_path / "neg.csv"
    other.write_text(HEADER + "openai,gpt-4.1,output,6.40,2026-01-01,,contract 2026,2026-01-01\n")
    result = runner.invoke(app, ["reprice", "--catalog", str(other), "--since", "2026-10-01", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    changed = [r for r in rows if abs(r["diff_usd"]) > 1e-9]
    assert {r["model"] for r in changed} == {"gpt-4.1-2025-04-14"} and all(r["diff_usd"] < 0 for r in changed)
    table = runner.invoke(app, ["reprice", "--catalog", str(other)])
    assert table.exit_code == 0 and "total diff -$" in table.output
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "openai,gpt-4.1,output,cheap,2026-01-01,,c,2026-01-01\n")
    failed = runner.invoke(app, ["reprice", "--catalog", str(bad)])
    assert isinstance(failed.exception, PricingError)
    assert "bad.csv:2: field 'usd_per_million'" in failed.exception.one_line()


def test_reprice_keeps_the_teams_configured_prices(finops_home: Path, tmp_path: Path) -> None:
    """Under `[pricing] override`, repricing with a file that touches one model changes that model only:
    the file is merged over the configured catalog, not over the list prices (which would also
    'reprice' GPT-4.1 from the team's $10/M back to the list's $8/M)."""
    (finops_home / "negotiated.csv").write_text(HEADER + "openai,gpt-4.1,output,10.00,2025-04-14,,contract 2025,2025-04-14\n")
    (finops_home / "finops.toml").write_text('[pricing]\noverride = "negotiated.csv"\n')
    other = tmp_path / "sonnet.csv"
    other.write_text(HEADER + "anthropic,claude-sonnet-4-5,output,12.00,2025-09-29,,negotiated,2026-11-01\n")
    result = runner.invoke(app, ["reprice", "--catalog", str(other), "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    changed = {r["model"] for r in rows if r["diff_usd"] is None or abs(r["diff_usd"]) > 1e-9}
    assert changed == {"claude-sonnet-4-5-20250929"}, changed


def test_the_installed_command_prints_one_line_and_exits_2(finops_home: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "openai,gpt-4.1,output,8,2026-01-01,,c,2026-01-01\nopenai,gpt-4.1,output,9,2026-02-01,,c,2026-02-01\n")
    proc = subprocess.run([sys.executable, "-c", "from finops.cli import main; main()", "reprice", "--catalog", str(bad)],
                          capture_output=True, text=True, env={**os.environ, "FINOPS_HOME": str(finops_home)})
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "bad.csv:3: field 'effective_from'" in lines[0] and "overlaps line 2" in lines[0]
