"""A request log without cache counts (issue 21, bad input): every surface says "no cache counts", never 0 %.

The log is not made by the cache code: it is a company of the independent scenario
generator (tests/scenarios) whose generic log had its cache columns removed, as a team that
never logged them would ship it. It is ingested as a user would, then read from the CLI (JSON
and table), the monthly report and the dashboard's Prompt cache data (its coverage line).
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from finops.cli import app

CACHE_FIELDS = ("cached_input_tokens", "cache_write_tokens", "cache_write_1h_tokens")


@pytest.fixture()
def company(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """The company's provider usage and bills synced from the fake provider; its log ingested without cache columns."""
    from tests.scenarios.run import synced
    from tests.scenarios.write import SHAPES, generate_into

    folder = tmp_path / "company"
    sc = generate_into(1, folder)
    rows = [json.loads(line) for line in (folder / "logs" / SHAPES["generic"]).read_text().splitlines() if line.strip()]
    assert any(r.get("cached_input_tokens") for r in rows)  # the company does cache; its log will not say so
    stripped = tmp_path / "no-cache.jsonl"
    stripped.write_text("".join(json.dumps({k: v for k, v in r.items() if k not in CACHE_FIELDS}) + "\n" for r in rows))
    with synced(sc, folder, tmp_path / "home") as env:
        pass  # synced; what follows reads the store only
    for key, value in env.items():
        if key.startswith("FINOPS_") or key == "PYTHON_KEYRING_BACKEND":
            monkeypatch.setenv(key, value)
    monkeypatch.setenv("FINOPS_TODAY", (sc.end + timedelta(days=1)).isoformat())
    monkeypatch.setenv("COLUMNS", "200")
    cli("ingest", str(stripped), "--kind", "requests")
    return sc, tmp_path / "home", folder / "finops.toml"


def cli(*args: str) -> str:
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_no_cache_counts_on_every_surface(company, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sc, home, config = company
    period = ["--since", sc.start.isoformat(), "--until", sc.end.isoformat()]
    doc = json.loads(cli("cache", *period, "--format", "json"))
    fig = {f["name"]: f for f in doc["figures"]}
    assert fig["cache_hit_rate"]["value"] is None and fig["cache_hit_rate"]["note"] == "no cache counts in this log"
    assert fig["cache_hit_rate"]["requests"] > 0 and fig["cache_hit_rate"]["counted_requests"] == 0
    assert fig["cache_write_amplification"]["value"] is None
    assert fig["cache_hit_rate_metered"]["value"] > 0  # the provider billed cache reads: the metered rate stands
    assert doc["rows"] and all(r["hit_rate_pct"] is None and r["counted"] == 0 for r in doc["rows"])  # by feature: logged
    assert [c["counted"] for c in doc["coverage"]] == [0]

    table = cli("cache", *period, "--format", "table", "--wide")
    assert "Cache hit rate · reads / cacheable input · logged: no cache counts (no cache counts in this log)" in table
    assert "requests, no cache counts in this log" in table  # the coverage line
    assert "no counts" in table and "0.0%" not in table and "0.0 %" not in table

    month = f"{sc.end:%Y-%m}"
    cli("report", "monthly", "--month", month, "--format", "md", "--out", str(tmp_path / "report"))
    report = (tmp_path / "report" / f"finops-report-{month}.md").read_text()
    section = report.split("## Prompt cache", 1)[1].split("\n## ", 1)[0]
    assert "| Cache hit rate · reads / cacheable input · logged | no cache counts |" in section
    assert "no cache counts in this log" in section and "0.0 %" not in section

    from finops.config import Settings
    from finops.tui.data.context import DashboardContext
    from finops.tui.data.prompt_cache import load_prompt_cache
    from finops.tui.filters import Filters
    from finops.tui.screens.prompt_cache import shown

    ctx = DashboardContext.open(Settings.resolve(home, config), today=sc.end + timedelta(days=1))
    data = load_prompt_cache(ctx, Filters(start=sc.start, end=sc.end))
    hit = next(f for f in data.figures if f.name == "cache_hit_rate")
    assert shown(hit) == "no cache counts"
    assert "no cache counts in this log" in data.coverage
    assert data.by_feature["hit_rate_pct"].null_count() == data.by_feature.height > 0
