"""The price catalog: effective dating, snapshot matching, tiers, unpriced models, overrides, bad rows."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from finops.config import ConfigFile
from finops.errors import ConfigError, PricingError
from finops.models.pricing import package
from finops.models.pricing.package_catalog import FIRST_DAY
from finops.models.pricing.catalog import cost, default_catalog_path, load_catalog, price, read_catalog, resolve_models
from finops.services.pricing import configured_catalog

HEADER = "provider,model,token_class,usd_per_million,effective_from,effective_to,source_url,as_of\n"
O3_CUT = date(2025, 6, 10)


@pytest.fixture(scope="module")
def catalog() -> pl.DataFrame:
    return load_catalog()


def _frame(rows: list[tuple], extra: dict[str, list] | None = None) -> pl.DataFrame:
    frame = pl.DataFrame(rows, schema={"provider": pl.String, "model": pl.String, "token_class": pl.String, "day": pl.Date}, orient="row")
    return frame.with_columns(**{k: pl.Series(v) for k, v in (extra or {}).items()})


def _catalog_row(model: str, token_class: str, day: date) -> dict:
    """The default catalog row in force, read straight from the CSV (independently of the code)."""
    import csv

    with open(default_catalog_path(), newline="") as fh:
        for line, rec in enumerate(csv.DictReader(fh), start=2):
            end = date.fromisoformat(rec["effective_to"]) if rec["effective_to"] else date.max
            if (rec["model"], rec["token_class"]) == (model, token_class) and date.fromisoformat(rec["effective_from"]) <= day < end:
                return {**rec, "line": line}
    raise AssertionError(f"no row for {model} {token_class} {day}")


def test_effective_dating_across_the_o3_price_cut(catalog: pl.DataFrame) -> None:
    """Before the cut: catalog.csv's launch rows (the package has no launch dates); from it: the package's dated price."""
    days = [O3_CUT - timedelta(days=1), O3_CUT]
    priced = price(_frame([("openai", "o3-2025-04-16", c, d) for c in ("input_uncached", "output") for d in days]), catalog)
    before = [float(_catalog_row("o3", c, days[0])["usd_per_million"]) for c in ("input_uncached", "output")]
    after = [_package_price("o3", c, days[1]) for c in ("input_uncached", "output")]
    assert priced["usd_per_million"].to_list() == [before[0], after[0], before[1], after[1]] == [10.0, 2.0, 40.0, 8.0]
    rows = priced["price_row_id"].to_list()
    assert rows[0] == f"catalog.csv:{_catalog_row('o3', 'input_uncached', days[0])['line']}"
    assert rows[1] == f"{package.source_label()}:openai/o3:input_mtok@{O3_CUT}" and len(set(rows)) == 4


def _package_price(model: str, token_class: str, day: date, provider: str = "openai") -> float:
    """USD per million from genai-prices' own calculator (independently of our catalog build)."""
    from datetime import datetime, timezone

    from genai_prices import Usage, calc_price

    usage = Usage(input_tokens=10**6) if token_class == "input_uncached" else Usage(output_tokens=10**6)
    when = datetime(day.year, day.month, day.day, 12, tzinfo=timezone.utc)
    return float(calc_price(usage, model, provider_id=provider, genai_request_timestamp=when).total_price)


@settings(max_examples=40, deadline=None)
@given(st.dates(min_value=date(2025, 4, 16), max_value=date(2026, 12, 31)))
def test_any_day_takes_the_one_row_in_force(day: date) -> None:
    priced = price(_frame([("openai", "o3-2025-04-16", "output", day)]), load_catalog())
    assert priced["usd_per_million"][0] == (40.0 if day < O3_CUT else 8.0)


def test_snapshot_matches_the_longest_catalog_model(catalog: pl.DataFrame) -> None:
    models = ["gpt-4.1-mini-2025-04-14", "gpt-4.1-2025-04-14", "o3-mini-2025-01-31", "o3-2025-04-16",
              "claude-opus-4-1-20250805", "claude-opus-4-20250514", "claude-sonnet-4-5-20250929", "gpt-4.1"]
    mapping = resolve_models(pl.Series(models), pl.Series(["openai"] * 4 + ["anthropic"] * 3 + ["openai"]), catalog)
    got = dict(mapping.select("model", "catalog_model").iter_rows())
    assert got == {
        "gpt-4.1-mini-2025-04-14": "gpt-4.1-mini", "gpt-4.1-2025-04-14": "gpt-4.1", "o3-mini-2025-01-31": "o3-mini",
        "o3-2025-04-16": "o3", "claude-opus-4-1-20250805": "claude-opus-4-1", "claude-opus-4-20250514": "claude-opus-4",
        "claude-sonnet-4-5-20250929": "claude-sonnet-4-5", "gpt-4.1": "gpt-4.1",
    }


def test_a_name_that_only_shares_a_prefix_does_not_match(catalog: pl.DataFrame) -> None:
    mapping = resolve_models(pl.Series(["gpt-4.10", "claude-3-9-sonnet-20241022", None]), pl.Series(["openai", "anthropic", "openai"]), catalog)
    assert mapping["catalog_model"].null_count() == 3


def test_unknown_model_costs_null_and_says_unpriced_never_zero(catalog: pl.DataFrame) -> None:
    frame = _frame([("openai", "gpt-9-turbo", "output", date(2026, 1, 1)), ("openai", "gpt-4.1-2025-04-14", "output", date(2026, 1, 1))],
                   {"quantity": [2_000_000, 2_000_000]})
    out = cost(frame, catalog)
    assert out["cost_usd"].to_list() == [None, 16.0]
    assert out["price_row_id"][0] == "unpriced" and out["price_row_id"][1].startswith(package.source_label() + ":openai/gpt-4.1:")
    assert out["cost_usd"].sum() == 16.0  # the unpriced row is missing, not a $0 row


def test_reasoning_is_billed_as_output(catalog: pl.DataFrame) -> None:
    out = cost(_frame([("openai", "o3-2025-04-16", c, date(2026, 1, 1)) for c in ("reasoning", "output")], {"quantity": [10**6, 10**6]}), catalog)
    assert out["cost_usd"].to_list() == [8.0, 8.0]
    assert out["price_row_id"][0] == out["price_row_id"][1]


def test_batch_and_long_context_tiers(catalog: pl.DataFrame) -> None:
    day = date(2026, 3, 1)
    rows = [("anthropic", "claude-sonnet-4-5-20250929", "input_uncached", day)] * 4 + [("openai", "gpt-4.1-2025-04-14", "output", day)] * 3
    frame = _frame(rows, {
        "service_tier": ["standard", "batch", "standard", "batch", "default", "batch", "priority"],
        "context_window": ["0-200k", "0-200k", "200k-1M", "200k-1M", "", "", ""],
        "quantity": [10**6] * 7,
    })
    out = cost(frame, catalog)
    assert out["cost_usd"].to_list() == [3.0, 1.5, 6.0, 3.0, 8.0, 4.0, None]
    assert out["price_row_id"][3].endswith("#long_context#batch")
    assert out["price_row_id"][6] == "unpriced"  # no priority price in the catalog: unpriced, not the standard rate


def test_request_level_long_context_flag(catalog: pl.DataFrame) -> None:
    frame = _frame([("anthropic", "claude-sonnet-4-20250514", "output", date(2026, 1, 5))] * 2, {"long_context": [False, True]})
    assert price(frame, catalog)["usd_per_million"].to_list() == [15.0, 22.5]


def test_price_keeps_rows_and_order_for_many_rows(catalog: pl.DataFrame) -> None:
    n = 50_000
    frame = pl.DataFrame({
        "provider": ["openai", "anthropic"] * (n // 2), "model": ["o3-2025-04-16", "claude-3-5-haiku-20241022"] * (n // 2),
        "token_class": ["output"] * n, "day": [date(2025, 6, 1) + timedelta(days=i % 30) for i in range(n)], "quantity": list(range(n)),
    })
    out = cost(frame, catalog)
    assert out.height == n and out["quantity"].to_list() == list(range(n))
    assert out["cost_usd"].null_count() == 0


def test_user_override_replaces_a_row(tmp_path: Path) -> None:
    override = tmp_path / "negotiated.csv"
    override.write_text(HEADER + "openai,gpt-4.1,output,6.40,2025-04-14,,contract 2026,2026-01-01\n")
    priced = price(_frame([("openai", "gpt-4.1-2025-04-14", "output", date(2026, 1, 1))]), load_catalog(override))
    assert priced["usd_per_million"].to_list() == [6.4]
    assert priced["price_row_id"][0] == "negotiated.csv:2"


def test_override_for_part_of_a_period_clips_the_default(tmp_path: Path) -> None:
    override = tmp_path / "neg.csv"
    override.write_text(HEADER + "openai,gpt-4.1,output,6.00,2026-01-01,2026-07-01,contract,2026-01-01\n"
                                 "openai,my-finetune,output,3.00,2026-01-01,,contract,2026-01-01\n")
    merged = load_catalog(override)
    days = [date(2025, 12, 31), date(2026, 1, 1), date(2026, 6, 30), date(2026, 7, 1)]
    priced = price(_frame([("openai", "gpt-4.1-2025-04-14", "output", d) for d in days] + [("openai", "my-finetune", "output", days[1])]), merged)
    assert priced["usd_per_million"].to_list() == [8.0, 6.0, 6.0, 8.0, 3.0]
    listed = f"{package.source_label()}:openai/gpt-4.1:output_mtok"
    assert priced["price_row_id"].to_list()[:4] == [listed, "neg.csv:2", "neg.csv:2", listed]
    # No two rows in force on one day for one price, after the merge.
    gpt = merged.filter((pl.col("model") == "gpt-4.1") & (pl.col("token_class") == "output")).sort("effective_from")
    gpt = gpt.filter(pl.col("tier") == "")
    assert gpt["effective_from"].to_list() == [FIRST_DAY, date(2026, 1, 1), date(2026, 7, 1)]
    assert gpt["effective_to"].to_list() == [date(2026, 1, 1), date(2026, 7, 1), None]


BAD_ROWS = [
    ("openai,gpt-4.1,input_uncached,two,2025-04-14,,u,2026-01-01", 3, "usd_per_million", "not a number"),
    ("openai,gpt-4.1,input_uncached,-1,2025-04-14,,u,2026-01-01", 3, "usd_per_million", "is not >= 0"),
    ("openai,gpt-4.1,input_uncached,2,2025-13-01,,u,2026-01-01", 3, "effective_from", "YYYY-MM-DD"),
    ("openai,gpt-4.1,input_uncached,2,2025-04-14,2025-04-01,u,2026-01-01", 3, "effective_to", "not after"),
    ("openai,gpt-4.1,outptu,2,2025-04-14,,u,2026-01-01", 3, "token_class", "not a token class"),
    ("openai,gpt-4.1,reasoning,2,2025-04-14,,u,2026-01-01", 3, "token_class", "billed as output"),
    ("openai,gpt-4.1,output,2,2025-04-14,,,2026-01-01", 3, "source_url", "is empty"),
    ("OpenAI,gpt-4.1,input_uncached,2,2025-04-14,,u,2026-01-01", 3, "provider", "not a valid name"),
    ("openai,gpt-4.1,output,9,2025-06-01,,u,2026-01-01", 3, "effective_from", "overlaps line 2"),
]


@pytest.mark.parametrize(("row", "line", "field", "problem"), BAD_ROWS)
def test_bad_row_is_one_line_naming_file_line_and_field(tmp_path: Path, row: str, line: int, field: str, problem: str) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "openai,gpt-4.1,output,8.0,2025-04-14,,u,2026-01-01\n" + row + "\n")
    with pytest.raises(PricingError) as err:
        read_catalog(bad)
    message = err.value.one_line()
    assert "\n" not in message and f"bad.csv:{line}: field '{field}'" in message and problem in message


def test_tier_columns_are_validated(tmp_path: Path) -> None:
    bad = tmp_path / "tiers.csv"
    bad.write_text(HEADER.strip() + ",batch_discount,long_context_above_tokens,long_context_usd_per_million\n"
                   "anthropic,claude-x,output,15,2025-01-01,,u,2025-01-01,0.5,200000,\n")
    with pytest.raises(PricingError, match=r"tiers.csv:2: field 'long_context_usd_per_million': is empty"):
        read_catalog(bad)
    bad.write_text(HEADER.strip() + ",batch_discount\nanthropic,claude-x,output,15,2025-01-01,,u,2025-01-01,1.5\n")
    with pytest.raises(PricingError, match=r"tiers.csv:2: field 'batch_discount'"):
        read_catalog(bad)


def test_header_problems_name_the_column(tmp_path: Path) -> None:
    bad = tmp_path / "h.csv"
    bad.write_text("provider,model,token_class,usd_per_million,effective_from,effective_to,source_url\n")
    with pytest.raises(PricingError, match=r"h.csv:1: missing column\(s\) as_of"):
        read_catalog(bad)
    bad.write_text(HEADER.strip() + ",batch_discout\n")
    with pytest.raises(PricingError, match=r"h.csv:1: field 'batch_discout' is not a catalog column"):
        read_catalog(bad)


def test_default_catalog_is_valid_and_prices_every_sample_model(catalog: pl.DataFrame, sample_dir: Path) -> None:
    assert catalog["source_url"].null_count() == 0 and catalog["source"].null_count() == 0
    assert catalog.filter(pl.col("source").str.starts_with("catalog.csv:"))["as_of"].null_count() == 0
    log = pl.read_parquet(sample_dir / "requests" / "requests.parquet", columns=["provider", "model"]).unique()
    assert resolve_models(log["model"], log["provider"], catalog)["catalog_model"].null_count() == 0


def test_finops_toml_names_the_override(tmp_path: Path) -> None:
    (tmp_path / "neg.csv").write_text(HEADER + "openai,gpt-4.1,output,6.40,2025-04-14,,contract,2026-01-01\n")
    (tmp_path / "finops.toml").write_text('[display]\ntimezone = "UTC"\n\n[pricing]\noverride = "neg.csv"\n')
    merged = configured_catalog(ConfigFile.load(tmp_path / "finops.toml"))
    assert price(_frame([("openai", "gpt-4.1", "output", date(2026, 1, 1))]), merged)["usd_per_million"][0] == 6.4
    (tmp_path / "finops.toml").write_text("[pricing]\noverride = 3\n")
    with pytest.raises(ConfigError, match=r"finops.toml:2: pricing.override"):
        configured_catalog(ConfigFile.load(tmp_path / "finops.toml"))
