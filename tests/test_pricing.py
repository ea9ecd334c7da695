"""The price catalog: effective dating, snapshot matching, unpriced models, overrides, bad rows."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from finops.errors import PricingError
from models.pricing.catalog import load_catalog, price, read_catalog

HEADER = "provider,model,token_class,usd_per_million,effective_from,effective_to,source_url,as_of\n"


def _frame(rows: list[tuple[str, str, str, date]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema={"provider": pl.String, "model": pl.String, "token_class": pl.String, "day": pl.Date}, orient="row")


def test_effective_dating_across_the_o3_price_cut() -> None:
    priced = price(_frame([
        ("openai", "o3-2025-04-16", "output", date(2025, 6, 9)),
        ("openai", "o3-2025-04-16", "output", date(2025, 6, 10)),
    ]), load_catalog())
    assert priced["usd_per_million"].to_list() == [40.0, 8.0]
    assert priced["price_row_id"][0] != priced["price_row_id"][1]


def test_snapshot_matches_the_longest_catalog_model() -> None:
    priced = price(_frame([
        ("openai", "gpt-4.1-mini-2025-04-14", "output", date(2026, 1, 1)),
        ("openai", "gpt-4.1-2025-04-14", "output", date(2026, 1, 1)),
    ]), load_catalog())
    assert priced["usd_per_million"].to_list() == [1.6, 8.0]


def test_unknown_model_is_unpriced_not_zero() -> None:
    priced = price(_frame([("openai", "gpt-9-turbo", "output", date(2026, 1, 1))]), load_catalog())
    assert priced["usd_per_million"].to_list() == [None]


def test_user_override_replaces_a_row(tmp_path: Path) -> None:
    override = tmp_path / "negotiated.csv"
    override.write_text(HEADER + "openai,gpt-4.1,output,6.40,2025-04-14,,contract 2026,2026-01-01\n")
    priced = price(_frame([("openai", "gpt-4.1-2025-04-14", "output", date(2026, 1, 1))]), load_catalog(override))
    assert priced["usd_per_million"].to_list() == [6.4]
    assert priced["price_row_id"][0] == "negotiated.csv:2"


def test_bad_row_names_file_line_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "openai,gpt-4.1,output,8.0,2025-04-14,,u,2026-01-01\nopenai,gpt-4.1,input_uncached,two,2025-04-14,,u,2026-01-01\n")
    with pytest.raises(PricingError, match=r"bad.csv:3: field 'usd_per_million'"):
        read_catalog(bad)


def test_reprice_shows_the_diff_and_changes_nothing(sample_store, tmp_path: Path) -> None:
    from finops.reprice import reprice

    other = tmp_path / "neg.csv"
    other.write_text(HEADER + "anthropic,claude-sonnet-4-5,output,12.00,2025-09-29,,negotiated,2026-11-01\n")
    files = {p: p.stat().st_mtime_ns for p in sample_store.root.rglob("*.parquet")}
    frame = reprice(sample_store, other)
    tokens = sample_store.scan("billed_usage").filter(
        pl.col("model").str.starts_with("claude-sonnet-4-5") & (pl.col("token_class") == "output")
    ).select(pl.col("quantity").sum()).collect().item()
    assert frame["diff_usd"].sum() == pytest.approx(tokens * (12.0 - 15.0) / 1e6)
    assert {p: p.stat().st_mtime_ns for p in sample_store.root.rglob("*.parquet")} == files
