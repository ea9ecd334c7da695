"""Join coverage (issue 16 items 2 and 5): which billed tokens and dollars join to logged rows, and why the rest does not.

Checked against what the data says independently of the coverage code: the sample's cost
lines of its one unlogged project, a ground truth's unlogged keys (tests/test_reconcile_scenarios
checks every unlogged group of 24 companies), cost lines added to a real store that name an
unknown model or none, an identity map missing one name; through the engine, the CLI
(`finops reconcile --coverage`, table and JSON) and the dashboard's Reconcile panel.
"""

from __future__ import annotations

import csv
import json
from datetime import timedelta
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from finops.numbers import pct

from test_reconcile_support import reconcile
from test_tui_support import SAMPLE_TODAY, anyio_backend, dash_home, make_app, settle, tui_store_path  # noqa: F401


def _closes(result) -> None:  # type: ignore[no-untyped-def]
    """Joined + not joined dollars = billed dollars; joined + not joined tokens = billed tokens."""
    from finops.metrics.coverage import join_coverage

    cov = join_coverage(result, None, None)
    billed = result.summary["billed_usd"]
    assert float(cov.by_group["billed_usd"].sum()) == pytest.approx(billed, abs=1e-6)
    nj = cov.get("not_joined_usd").value
    assert nj == pytest.approx(float(cov.not_joined["usd"].sum()), abs=1e-6)
    assert cov.get("join_coverage_usd").value == pytest.approx((billed - nj) / billed * 100)
    assert int(cov.by_group["billed_tokens"].sum()) == result.summary["billed_tokens"]
    return cov  # type: ignore[return-value]


def test_sample_coverage_names_the_unlogged_project_with_its_cost_line_dollars(sample_store) -> None:  # type: ignore[no-untyped-def]
    result = reconcile(sample_store)
    cov = _closes(result)
    # The sample's eval project calls OpenAI without logging: every one of its billed dollars is
    # not joined, as its own cost lines say (summed here from the stored lines, not by coverage).
    lines = sample_store.scan("cost_lines").filter(
        (pl.col("SubAccountId") == "proj_eval") & pl.col("x_CostSource").is_in(["inference", "embeddings"])
    ).select(pl.col("BilledCost").sum()).collect().item()
    gaps = cov.not_joined
    assert gaps["reason"].unique().to_list() == ["project never logged"]
    assert gaps["project_id"].unique().to_list() == ["proj_eval"]
    assert cov.get("not_joined_usd").value == pytest.approx(lines, abs=1e-6)
    eval_row = cov.by_group.filter(pl.col("project_id") == "proj_eval").row(0, named=True)
    assert eval_row["joined_tokens"] == 0 and eval_row["usd_pct"] == 0
    assert cov.by_group.filter(pl.col("project_id") != "proj_eval")["usd_pct"].min() == pytest.approx(100)
    # The sample log carries one cache write count (no 5m/1h split): coverage says so.
    assert cov.get("cache_ttl_unknown_tokens").value > 0
    assert "cannot tell 5m from 1h" in cov.line()


def test_cost_lines_no_usage_takes_show_their_dollars_and_reason(sample_store) -> None:  # type: ignore[no-untyped-def]
    """Item 5: a line naming a model no metered usage resolves to, and a line naming no model,
    are listed with their dollars and reason; the dollars still close to billed."""
    from finops.models.pricing.catalog import load_catalog
    from finops.reconcile.run import reconcile_frames

    costs = sample_store.scan("cost_lines").collect()
    base = costs.filter((pl.col("SubAccountId") == "proj_search") & pl.col("x_Model").is_not_null()).head(1)
    day = base["ChargePeriodStart"][0]
    extra = pl.concat([
        base.with_columns(pl.lit("mystery-model-9000").alias("x_Model"), pl.lit(12.34).alias("BilledCost")),
        base.with_columns(pl.lit(None, pl.String).alias("x_Model"), pl.lit(None, pl.String).alias("x_TokenClass"),
                          pl.lit("Web search tool calls").alias("ChargeDescription"), pl.lit(5.0).alias("BilledCost")),
    ])
    before = reconcile(sample_store)
    result = reconcile_frames(sample_store.scan("requests"), sample_store.scan("billed_usage"),
                              pl.concat([costs, extra]).lazy(), load_catalog())
    assert result.summary["billed_usd"] == pytest.approx(before.summary["billed_usd"] + 17.34)
    cov = _closes(result)
    lines = cov.not_joined.filter(pl.col("side") == "cost line")
    rows = {r["reason"]: r for r in lines.iter_rows(named=True)}
    assert rows["model not resolved"]["usd"] == pytest.approx(12.34)
    assert rows["model not resolved"]["model"] == "mystery-model-9000"
    assert "mystery-model-9000" in rows["model not resolved"]["detail"]
    assert rows["no model on the line"]["usd"] == pytest.approx(5.0)
    assert rows["no model on the line"]["model"] == "Web search tool calls"
    assert rows["no model on the line"]["first_day"] == day.date()
    assert cov.get("not_joined_usd").value == pytest.approx(
        before.summary["billed_usd"] - float(cov.get("join_coverage_usd").extra["joined_usd"]) + 17.34)


def _env(home: Path, config: Path) -> dict[str, str]:
    return {"FINOPS_HOME": str(home), "FINOPS_CONFIG": str(config), "NO_COLOR": "1", "COLUMNS": "220",
            "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}


def test_cli_coverage_of_an_unmapped_name_lists_it_with_its_likely_project(tmp_path: Path) -> None:
    """A company whose identity map lacks one logged project name: the project's bill does not join,
    as "unmapped name", and the name is listed with that project as its first candidate."""
    from finops.cli import app
    from tests.scenarios.write import SHAPES, SOURCE, generate_into
    from tests.support.fake_provider import FakeProvider, scenario_data

    folder = tmp_path / "scenario"
    sc = generate_into(1, folder)
    rows = list(csv.DictReader((folder / "identity.csv").open()))
    logged = {f.project.name for f in sc.org.features if not f.unlogged}
    dropped = next(r for r in rows if r["kind"] == "project" and r["provider_id"] != "default" and r["name"] in logged)
    with (folder / "identity.csv").open("w", newline="") as fh:
        w = csv.DictWriter(fh, list(rows[0]))
        w.writeheader()
        w.writerows(r for r in rows if r is not dropped)
    env = _env(tmp_path / "home", folder / "finops.toml")
    server = FakeProvider()
    server.start(scenario_data(folder))
    runner = CliRunner()
    try:
        sync_env = {**env, "FINOPS_OPENAI_BASE_URL": server.url + "/v1", "FINOPS_ANTHROPIC_BASE_URL": server.url,
                    "FINOPS_OPENAI_ADMIN_KEY": server.keys["openai"], "FINOPS_ANTHROPIC_ADMIN_KEY": server.keys["anthropic"]}
        sources = [a for p in sc.org.providers for a in ("--source", p)]
        for args in (["sync", *sources, "--since", sc.start.isoformat(), "--until", (sc.end + timedelta(days=1)).isoformat()],
                     ["ingest", str(folder / "logs" / SHAPES["otel"]), "--kind", "requests", "--source", SOURCE["otel"]]):
            r = runner.invoke(app, args, env=sync_env)
            assert r.exit_code == 0, r.output[-1500:]
    finally:
        server.stop()
    period = ["--since", sc.start.isoformat(), "--until", sc.end.isoformat()]
    r = runner.invoke(app, ["reconcile", *period, "--coverage", "--format", "json"], env=env)
    assert r.exit_code == 0, r.output[-1500:]
    doc = json.loads(r.stdout)
    name, pid = dropped["name"], dropped["provider_id"]
    unmapped = [g for g in doc["not_joined"] if g["reason"] == "unmapped name"]
    assert {g["project_id"] for g in unmapped} == {pid}
    assert all(name in g["detail"] for g in unmapped)
    assert sum(g["usd"] for g in unmapped) > 0
    names = [n for n in doc["unmapped_names"] if n["name"] == name]
    assert len(names) == 1 and names[0]["kind"] == "project" and names[0]["candidates"].startswith(pid)
    figures = {f["name"]: f for f in doc["figures"]}
    pid_usd = sum(g["billed_usd"] for g in doc["by_group"] if g["project_id"] == pid)
    assert sum(g["usd"] for g in unmapped) == pytest.approx(pid_usd)
    assert figures["not_joined_usd"]["value"] == pytest.approx(sum(g["usd"] for g in doc["not_joined"]))
    # The unlogged key and the Console usage of the ground truth are there too, with their own reasons.
    reasons = {g["reason"] for g in doc["not_joined"]}
    assert {"key never logged", "usage without a key never logged"} <= reasons

    table = runner.invoke(app, ["reconcile", *period, "--coverage"], env=env)
    assert table.exit_code == 0, table.output[-1500:]
    assert "Not joined, and why" in table.stdout and "unmapped name" in table.stdout and name in table.stdout
    shares = f"{pct(figures['join_coverage_tokens']['value'])} of billed tokens"
    assert shares in table.stdout.splitlines()[-1]


@pytest.mark.anyio
async def test_dashboard_coverage_panel_shows_the_cli_figures(dash_home: Path) -> None:
    from finops.cli import app as cli_app
    from finops.tui.screens.reconcile import ReconcileScreen
    from finops.tui.widgets.table import FrameTable

    app = make_app(dash_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        assert isinstance(app.screen, ReconcileScreen)
        d = app.screen.data
        line = str(app.screen.query_one("#coverage-summary").render())
        gaps = app.screen.query_one("#coverage", FrameTable)
        assert gaps.display and gaps.row_count == d.coverage.not_joined.height
        first = dict(zip([str(c.label).replace(" ▼", "") for c in gaps.ordered_columns], (str(c) for c in gaps.get_row_at(0))))
        gaps.focus()
        await pilot.press("enter")  # no daily detail behind a coverage row
        await settle(pilot)
        assert isinstance(app.screen, ReconcileScreen)

    env = {**_env(dash_home, dash_home / "finops.toml"), "FINOPS_TODAY": SAMPLE_TODAY.isoformat()}
    r = CliRunner().invoke(cli_app, ["reconcile", "--since", d.start.isoformat(), "--until", d.end.isoformat(),
                                     "--coverage", "--format", "json"], env=env)
    assert r.exit_code == 0, r.output[-1500:]
    figures = {f["name"]: f for f in json.loads(r.stdout)["figures"]}
    tokens, usd, nj = (figures[n]["value"] for n in ("join_coverage_tokens", "join_coverage_usd", "not_joined_usd"))
    assert line.startswith(f"Join coverage: {pct(tokens)} of billed tokens, {pct(usd)} of billed dollars · "
                           f"not joined ${nj:,.2f} (project never logged ${nj:,.2f})"), line
    assert first["reason"] == "project never logged" and first["project"] == "proj_eval" and first["billed $"] == f"${nj:,.2f}"
