"""The prompt-cache figures are the same in `finops cache`, the monthly report and the `cache` export."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from finops.cli import app
from finops.numbers import pct

REPO = Path(__file__).resolve().parents[1]
runner = CliRunner()


def invoke(*args: str) -> str:
    result = runner.invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture()
def home(finops_home: Path) -> Path:
    for name in ("finops.toml", "fx_rates.csv"):
        shutil.copy(REPO / "sample_data" / name, finops_home / name)
    return finops_home


def test_report_section_and_export_show_the_cli_figures(home: Path, tmp_path: Path) -> None:
    cli = json.loads(invoke("cache", "--since", "2026-11-01", "--until", "2026-11-24", "--format", "json"))
    fig = {f["name"]: f for f in cli["figures"]}
    invoke("report", "monthly", "--month", "2026-11", "--out", str(tmp_path / "report"))
    md = next((tmp_path / "report").glob("*.md")).read_text()
    section = md[md.index("## Prompt cache"):]
    section = section[:section.index("\n## ", 3)]
    assert f"| {fig['cache_hit_rate']['label']} | {pct(fig['cache_hit_rate']['value'])} | logged |" in section
    for name in ("cache_saved", "cache_write_premium", "cache_lost_misses", "cache_lost_evictions"):
        assert f"| {fig[name]['label']} | ${fig[name]['value']:,.2f} |" in section, name
    assert "Prefix growth finding · rag-search" in section
    invoke("export", "--dataset", "cache", "--format", "parquet", "--out", str(tmp_path / "exp"), "--since", "2026-11-01",
           "--until", "2026-11-24")
    rows = pl.read_parquet(next((tmp_path / "exp" / "cache").glob("*2026-11*")))
    logged = rows.filter(pl.col("provenance") == "logged")
    assert logged["saved_usd"].sum() == pytest.approx(fig["cache_saved"]["value"], rel=1e-9)
    assert logged["reads"].sum() / logged["input"].sum() * 100 == pytest.approx(fig["cache_hit_rate"]["value"], rel=1e-9)
    metered = rows.filter(pl.col("provenance") == "metered")
    assert metered["reads"].sum() / metered["input"].sum() * 100 == pytest.approx(fig["cache_hit_rate_metered"]["value"], rel=1e-9)
