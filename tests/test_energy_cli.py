"""`finops carbon` on a copy of the loaded sample: groupings, formats, what-if, and one-line errors."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from finops.cli import app
from finops.errors import InputError
from finops.store import Store
from finops.services.energy import carbon_by
from finops.models.pricing.catalog import load_catalog

MONTH = "2026-10"
runner = CliRunner()


def invoke(*args: str) -> str:
    result = runner.invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("by", ["feature", "model", "month", "project"])
def test_json_rows_are_the_api_figures_with_ranges(finops_home: Path, by: str) -> None:
    rows = json.loads(invoke("carbon", "--by", by, "--month", MONTH, "--format", "json"))
    api = carbon_by(Store(finops_home / "store"), by, MONTH, catalog=load_catalog())  # the sample sets no override
    assert len(rows) == api.height
    assert sum(r["wh_mid"] for r in rows) == pytest.approx(api["wh_mid"].sum())
    assert sum(r["cost_usd"] for r in rows) == pytest.approx(api["cost_usd"].sum())
    for r in rows:
        assert r["provenance"] == "estimated"
        assert r["wh_low"] <= r["wh_mid"] <= r["wh_high"] and r["gco2e_low"] < r["gco2e_high"]
        assert r["tokens_per_wh_low"] <= r["tokens_per_wh_high"] and r["cost_per_kgco2e_low"] <= r["cost_per_kgco2e_high"]


def test_table_shows_ranges_and_the_method(finops_home: Path) -> None:
    out = invoke("carbon", "--by", "feature", "--month", MONTH)
    assert "support-chat" in out and "estimated" in out and "–" in out and "EcoLogits" in out


def test_tasks_are_capped_to_the_top_by_energy(finops_home: Path) -> None:
    rows = list(csv.DictReader(io.StringIO(invoke("carbon", "--by", "task", "--month", MONTH, "--format", "csv", "--top", "5"))))
    assert len(rows) == 5
    mids = [float(r["wh_mid"]) for r in rows]
    assert mids == sorted(mids, reverse=True)
    assert all(r["feature"] and r["task_id"] for r in rows)


def test_what_if_prints_both_sides(finops_home: Path) -> None:
    rows = json.loads(invoke("carbon", "--month", MONTH, "--by", "month", "--what-if-model", "anthropic:claude-haiku-4-5",
                             "--what-if-region", "eu-north-1", "--format", "json"))
    (row,) = rows
    assert row["month"] == MONTH and row["moved_requests"] == row["requests"]
    assert row["gco2e_mid_what_if"] < row["gco2e_mid_now"] and row["cost_usd_what_if"] < row["cost_usd_now"]
    table = invoke("carbon", "--month", MONTH, "--what-if-region", "se", "--by", "feature")
    assert "What if" in table and "→" in table and "0.0%" in table  # a region move keeps the catalog cost


def test_what_if_defaults_to_the_latest_month(finops_home: Path) -> None:
    rows = json.loads(invoke("carbon", "--what-if-region", "fr", "--by", "month", "--format", "json"))
    assert rows[0]["month"] == "2026-11"


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--by", "colour"], "--by: 'colour' is not one of"),
        (["--month", "2026-13"], "--month: '2026-13' is not YYYY-MM"),
        (["--what-if-model", "gpt-99"], "--what-if-model: 'gpt-99' is not in models/energy/model_params.csv"),
        (["--what-if-region", "atlantis"], "--what-if-region: 'atlantis' is not in models/energy/grid_intensity.csv"),
        (["--gpu", "Z9000"], "'Z9000' is not in models/energy/hardware.csv"),
    ],
)
def test_bad_options_fail_with_one_line(finops_home: Path, args: list[str], needle: str) -> None:
    result = runner.invoke(app, ["carbon", *args])
    err = result.exception  # finops.cli.main prints one_line() and exits with exit_code
    assert isinstance(err, InputError), result.output
    assert err.exit_code == 2 and needle in err.one_line() and "\n" not in err.one_line()


def test_negotiated_prices_from_finops_toml_change_cost_not_carbon(finops_home: Path) -> None:
    (finops_home / "negotiated.csv").write_text(
        "provider,model,token_class,usd_per_million,effective_from,effective_to,source_url,as_of\n"
        "openai,gpt-4.1-mini,output,0.80,2025-04-14,,contract 2026,2026-01-01\n"
    )
    listed = {r["model"]: r for r in json.loads(invoke("carbon", "--by", "model", "--month", MONTH, "--format", "json"))}
    (finops_home / "finops.toml").write_text('[pricing]\noverride = "negotiated.csv"\n')
    ours = {r["model"]: r for r in json.loads(invoke("carbon", "--by", "model", "--month", MONTH, "--format", "json"))}
    mini = next(m for m in listed if m.startswith("gpt-4.1-mini"))
    assert ours[mini]["cost_usd"] < listed[mini]["cost_usd"] and ours[mini]["gco2e_mid"] == pytest.approx(listed[mini]["gco2e_mid"])
    other = next(m for m in listed if m.startswith("o3"))
    assert ours[other]["cost_usd"] == pytest.approx(listed[other]["cost_usd"])
