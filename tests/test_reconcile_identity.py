"""The identity map in reconcile: logged names become provider ids before the join, and a
logged name the map does not know is a join failure ("unmapped"), never unlogged traffic."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from tests.scenarios.run import _run, synced
from tests.scenarios.score import score
from tests.scenarios.write import SHAPES, SOURCE, generate_into

SEED = 1  # OpenAI and Anthropic, several workspaces and keys


def _reconcile(folder: Path, home: Path, sc: Any) -> dict[str, Any]:
    with synced(sc, folder, home) as env:
        _run(["ingest", str(folder / "logs" / SHAPES["otel"]), "--kind", "requests", "--source", SOURCE["otel"]], env)
        p = _run(["reconcile", "--since", sc.start.isoformat(), "--until", sc.end.isoformat(), "--by", "day",
                  "--format", "json"], env, ok=(0, 3))
    return json.loads(p.stdout)


def test_a_project_missing_from_the_identity_map_is_unmapped_not_unlogged(tmp_path: Path) -> None:
    folder = tmp_path / "scenario"
    sc = generate_into(SEED, folder)
    rows = list(csv.DictReader((folder / "identity.csv").open()))
    logged = {f.project.name for f in sc.org.features if not f.unlogged}
    dropped = next(r for r in rows if r["kind"] == "project" and r["provider_id"] != "default" and r["name"] in logged)
    with (folder / "identity.csv").open("w", newline="") as fh:
        w = csv.DictWriter(fh, list(rows[0]))
        w.writeheader()
        w.writerows(r for r in rows if r is not dropped)

    doc = _reconcile(folder, tmp_path / "home", sc)
    causes = doc["causes"]
    name, pid = dropped["name"], dropped["provider_id"]
    # No finding of any detector on the logged name or on the project it stands for.
    touched = [c for c in causes if {name, pid} & set(str(c.get("projects") or "").split(","))]
    assert touched == [], touched
    assert not any(c["cause"] == "tokenizer_drift" and "ratio 0.000" in c["evidence"] for c in causes)
    groups = doc["groups"]
    unmapped = [g for g in groups if "unmapped" in (g.get("causes") or "")]
    assert {g["project_id"] for g in unmapped} >= {name, pid}
    assert all(g["unexplained"] == 0 for g in unmapped)
    summary = doc["summary"]
    assert summary["unmapped_projects"] == 1
    assert summary["unmapped_billed_usd"] > 0 and summary["unmapped_logged_usd"] > 0

    # The rest of the company still reconciles: every planted finding elsewhere is found.
    truth = sc.truth
    elsewhere = {**truth, "findings": [f for f in truth["findings"] if pid not in (f.get("project_ids") or [])]}
    s = score(elsewhere, {**doc, "causes": [c for c in causes if c["cause"] != "unexplained"]})
    assert s.recall == 1.0 and s.precision == 1.0
