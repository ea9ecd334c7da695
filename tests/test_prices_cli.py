"""`finops prices` and the Sources screen's unpriced volume, on a store with a model no catalog prices."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import polars as pl
import pytest

from test_tui_support import SAMPLE_TODAY, anyio_backend, make_app, make_home, settle  # noqa: F401


def _add_unpriced(store_root: Path) -> int:
    from finops.store import Store

    store = Store(store_root)
    rows = store.scan("requests").filter(pl.col("model").str.starts_with("gpt-4.1-mini")).head(50).collect()
    rows = rows.with_columns(pl.lit("openai").alias("provider"), pl.lit("gpt-4.1-mini-experimental-x").alias("model"),
                             ("u-" + pl.col("request_id")).alias("request_id"))
    if "logical_request_id" in rows.columns:
        rows = rows.with_columns(("u-" + pl.col("logical_request_id")).alias("logical_request_id"))
    store.upsert("requests", rows)
    return int(rows["output_tokens"].fill_null(0).sum() + rows["input_tokens"].fill_null(0).sum())


def test_prices_show_unpriced_and_diff(finops_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from finops import cli

    _add_unpriced(finops_home / "store")
    (finops_home / "card.csv").write_text("provider,model,token_class,price,effective_from\nopenai,gpt-4.1,output,6.4,2026-01-01\n")
    (finops_home / "finops.toml").write_text('[pricing]\noverrides = "card.csv"\n')

    def run(*argv: str) -> object:
        with pytest.raises(SystemExit) as done:
            cli.app([*argv, "--format", "json"], prog_name="finops")
        assert done.value.code in (0, None)
        return json.loads(capsys.readouterr().out)

    shown = run("--config", str(finops_home / "finops.toml"), "prices", "show", "gpt-4.1-2025-04-14", "--day", "2026-02-01")
    out = {r["token_class"]: r for r in shown}  # type: ignore[union-attr]
    assert out["output"]["usd_per_million"] == 6.4 and out["output"]["price_row_id"] == "card.csv:2"
    assert out["input_uncached"]["price_row_id"].startswith("genai-prices==")
    gaps = run("--config", str(finops_home / "finops.toml"), "prices", "unpriced")
    row = next(r for r in gaps if r["model"] == "gpt-4.1-mini-experimental-x")  # type: ignore[union-attr]
    assert row["table"] == "requests" and row["tokens"] > 0 and row["provenance"] == "estimated"
    assert row["estimate_model"] == "gpt-4.1-mini" and row["estimated_usd"] > 0
    diff = run("--config", str(finops_home / "finops.toml"), "prices", "diff")
    assert diff[0]["override_usd_per_million"] == 6.4 and diff[0]["list_usd_per_million"] == 8.0  # type: ignore[index]




@pytest.mark.anyio
async def test_sources_screen_shows_the_unpriced_volume(sample_store_path: Path, tmp_path: Path) -> None:
    home = make_home(sample_store_path, tmp_path / "home")
    _add_unpriced(home / "store")
    app = make_app(home)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        notes = str(app.screen.query_one("#sources-notes").render())
        assert "Unpriced:" in notes and "openai/gpt-4.1-mini-experimental-x" in notes and "logged" in notes
