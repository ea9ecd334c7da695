"""The sample's planted prompt-cache episodes are found with their dollars; an independent company without them shows none.

ground_truth.json["cache"] holds the plants (finops/sample): a cached prefix that grows every
week on one feature, and a miss episode (a prefix change) on another, distinct from the
eviction reconcile finds. The negative case runs companies of the independent generator
(tests/scenarios) through sync, ingest and `finops cache` as a user would.
"""

from __future__ import annotations

import json
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from finops.cli import app

REPO = Path(__file__).resolve().parents[1]
ANY_CACHE_ALERT = """

[[alerts.rules]]
name = "cache drop"
type = "cache_hit_rate"
threshold = 0
days = 30

[[alerts.rules]]
name = "cache lost"
type = "cache_lost"
threshold = 1  # dollars: seed 1 has $0.12 of evictions reconcile finds in its bills
days = 30
"""
runner = CliRunner()


@pytest.fixture()
def doc(finops_home: Path) -> dict:
    for name in ("finops.toml", "fx_rates.csv"):
        shutil.copy(REPO / "sample_data" / name, finops_home / name)
    result = runner.invoke(app, ["cache", "--format", "json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_the_planted_miss_episode_is_found_with_its_dollars(doc: dict, ground_truth: dict) -> None:
    truth = ground_truth["cache"]["cache_miss"]
    assert len(doc["miss_episodes"]) == 1, doc["miss_episodes"]
    ep = doc["miss_episodes"][0]
    assert (ep["feature"], ep["provider"], ep["start"], ep["end"]) == (truth["feature"], truth["provider"], truth["start"], truth["end"])
    assert ep["missed_reads"] == pytest.approx(truth["missed_reads"], rel=0.05)
    assert ep["lost_usd"] == pytest.approx(truth["dollar_impact"], rel=0.05)
    fig = {f["name"]: f for f in doc["figures"]}
    assert fig["cache_lost_misses"]["value"] == pytest.approx(ep["lost_usd"])
    # distinct from the eviction: a different feature, and the reconcile eviction is still the planted one alone
    eviction = next(a for a in ground_truth["anomalies"] if a["cause"] == "cache_eviction")
    assert eviction["feature"] != truth["feature"]
    assert fig["cache_lost_evictions"]["value"] == pytest.approx(eviction["dollar_impact"], rel=0.01)


def test_the_planted_prefix_growth_is_found_with_its_dollars(doc: dict, ground_truth: dict) -> None:
    truth = ground_truth["cache"]["prefix_growth"]
    findings = [g for g in doc["prefix_growth"] if g["finding"]]
    assert [g["feature"] for g in findings] == [truth["feature"]]
    g = findings[0]
    assert g["growth_pct_per_week"] == pytest.approx(truth["growth_pct_per_week"], abs=0.5)
    assert g["from_week"] == truth["start"]
    assert g["added_usd_per_month"] == pytest.approx(truth["dollar_impact"], rel=0.10)
    fig = next(f for f in doc["figures"] if f["name"] == "cache_prefix_growth_added")
    assert fig["value"] == pytest.approx(g["added_usd_per_month"]) and fig["features"] == [truth["feature"]]
    weeks = [w for w in doc["prefix_weeks"] if w["feature"] == truth["feature"]]
    assert weeks[-2]["median"] > 1.5 * weeks[0]["median"] and all(w["p90"] >= w["median"] for w in weeks)
    assert any("no prefix id" in n for n in doc["notes"])


@pytest.mark.parametrize("seed", [1, 2])
def test_an_independent_company_without_plants_shows_no_episode_and_no_growth(seed: int, tmp_path: Path) -> None:
    from tests.scenarios.run import _run, synced
    from tests.scenarios.write import SHAPES, generate_into

    folder = tmp_path / "company"
    sc = generate_into(seed, folder)
    with synced(sc, folder, tmp_path / "home") as env:
        _run(["ingest", str(folder / "logs" / SHAPES["generic"]), "--kind", "requests"], env)
        out = _run(["cache", "--since", sc.start.isoformat(), "--until", sc.end.isoformat(), "--format", "json"], env)
        # The anomaly list: cache alert rules (any miss episode, a lost dollar) fire on nothing.
        with (folder / "finops.toml").open("a") as fh:
            fh.write(ANY_CACHE_ALERT)
        check = _run(["alert", "check", "--dry-run", "--today", (sc.end + timedelta(days=1)).isoformat()], env)
    doc = json.loads(out.stdout)
    fig = {f["name"]: f for f in doc["figures"]}
    assert fig["cache_hit_rate"]["value"] is not None and fig["cache_hit_rate"]["value"] > 0  # the company does cache
    assert doc["miss_episodes"] == []
    assert fig["cache_lost_misses"]["value"] == 0.0
    assert [g for g in doc["prefix_growth"] if g["finding"]] == []
    assert check.stdout.strip() == "all clear", check.stdout  # the rules ran (tests/test_cache_alerts.py: they fire on the sample)
