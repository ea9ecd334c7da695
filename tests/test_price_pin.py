"""Stored history keeps its list prices: pinned in the data directory until `finops reprice --installed --adopt`.

An upgrade of genai-prices cannot be installed here, so the test does the reverse with the
same effect: it rewrites the pin as an older release's list prices (GPT-4.1 output at $9/M
instead of the installed $8/M) and checks that every figure keeps the pinned price, that
`reprice --installed` shows exactly what the installed data would change, and that adopting
it moves the figures.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from finops.cli import app
from finops.errors import PricingError
from finops.models.pricing.catalog import list_prices
from finops.services.price_pin import PIN, digest, pin, read_pin
from finops.store import Store

runner = CliRunner()


def _cli(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, (args, result.output, result.exception)
    return result.stdout


def _gpt41_output(*, day: str = "2026-11-01") -> float:
    rows = json.loads(_cli("prices", "show", "gpt-4.1", "--day", day, "--format", "json"))
    return next(r["usd_per_million"] for r in rows if r["token_class"] == "output")


def _older_release(frame: pl.DataFrame) -> pl.DataFrame:
    """The installed list prices as an older release had them: GPT-4.1 output at $9/M."""
    older = (pl.col("provider") == "openai") & (pl.col("model") == "gpt-4.1") & (pl.col("token_class") == "output")
    return frame.with_columns(
        pl.when(older).then(9.0).otherwise(pl.col("usd_per_million")).alias("usd_per_million"),
        pl.when(pl.col("source").str.starts_with("genai-prices==")).then(pl.lit("genai-prices==0.2.4"))
        .otherwise(pl.col("source")).alias("source"))


def test_history_keeps_its_list_prices_until_the_installed_ones_are_adopted(finops_home: Path) -> None:
    assert not (finops_home / PIN).exists()
    assert _gpt41_output() == 8.0  # the first priced figure over stored data pins the installed list prices
    assert digest(read_pin(finops_home / PIN)) == digest(list_prices())
    assert "installed data differs" not in _cli("status")

    pin(finops_home, _older_release(list_prices()))
    assert _gpt41_output() == 9.0, "figures must keep the pinned price after the installed data changed"
    assert "installed data differs" in _cli("status")

    rows = json.loads(_cli("reprice", "--installed", "--format", "json"))
    changed = [r for r in rows if abs(r["diff_usd"]) > 1e-9]
    assert changed and {r["model"] for r in changed} == {"gpt-4.1-2025-04-14"}
    assert all(r["diff_usd"] < 0 for r in changed)  # $9/M pinned -> $8/M installed
    # every stored month's figure was priced at the pin: the diff is the output tokens x $1/M
    store_tokens = Store(finops_home / "store").scan("billed_usage").filter(
        pl.col("model").str.starts_with("gpt-4.1-2025") & (pl.col("token_class") == "output")).select(
        pl.col("quantity").sum()).collect().item()
    assert sum(r["diff_usd"] for r in changed) == pytest.approx(-store_tokens / 1e6)
    assert _gpt41_output() == 9.0  # a diff changes nothing

    out = _cli("reprice", "--installed", "--adopt")
    assert "adopted" in out
    assert _gpt41_output() == 8.0
    assert digest(read_pin(finops_home / PIN)) == digest(list_prices())


def test_an_empty_data_directory_pins_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FINOPS_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("FINOPS_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    assert _gpt41_output() == 8.0
    assert not (tmp_path / "home" / PIN).exists()


@pytest.mark.parametrize("content", [b"not parquet", b""])
def test_a_broken_pin_is_one_line_naming_the_file(finops_home: Path, content: bytes) -> None:
    (finops_home / PIN).parent.mkdir(parents=True, exist_ok=True)
    (finops_home / PIN).write_bytes(content)
    result = runner.invoke(app, ["prices", "show", "gpt-4.1"])
    assert isinstance(result.exception, PricingError)
    line = result.exception.one_line()
    assert str(finops_home / PIN) in line and "\n" not in line


def test_a_pin_without_the_catalog_columns_is_refused(finops_home: Path) -> None:
    (finops_home / PIN).parent.mkdir(parents=True, exist_ok=True)
    list_prices().drop("tier").write_parquet(finops_home / PIN)
    with pytest.raises(PricingError, match="catalog's columns"):
        read_pin(finops_home / PIN)
