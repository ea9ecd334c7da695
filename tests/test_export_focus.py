"""FOCUS cost export: read back with polars and DuckDB, totals equal the store, FOCUS 1.2 conformance."""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

import duckdb
import polars as pl
import pytest

from finops.export import focus_spec as spec
from finops.export.context import Context
from finops.export.focus_check import check, check_columns
from finops.export.writer import ExportResult, export
from finops.schema import TokenClass
from finops.store import Store


@pytest.fixture(scope="module")
def exported(sample_store_path: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, ExportResult]:
    """The sample's cost lines exported once as Parquet and once as CSV."""
    root = tmp_path_factory.mktemp("focus-export")
    ctx = Context(Store(sample_store_path))
    return {fmt: export("costs", fmt, root / "out", ctx=ctx, state_dir=root / "state") for fmt in ("parquet", "csv")}


@pytest.fixture(scope="module")
def focus(exported: dict[str, ExportResult]) -> pl.DataFrame:
    return pl.read_parquet(exported["parquet"].out_dir / "costs" / "*.parquet")


def _store_totals(store: Store) -> dict[str, float]:
    got = store.scan("cost_lines").group_by("BillingCurrency").agg(pl.col("BilledCost").sum()).collect()
    return dict(zip(got["BillingCurrency"], got["BilledCost"]))


def test_one_file_per_month_named_by_month(exported: dict[str, ExportResult], sample_store: Store) -> None:
    months = sample_store.months("cost_lines")
    for fmt, result in exported.items():
        names = sorted(p.name for p in (result.out_dir / "costs").glob(f"*.{fmt}"))
        assert names == [f"costs-{m}.{fmt}" for m in months]
        assert result.rows == sample_store.scan("cost_lines").select(pl.len()).collect().item()


def test_parquet_reads_back_with_focus_names_types_and_store_totals(focus: pl.DataFrame, exported: dict[str, ExportResult],
                                                                    sample_store: Store) -> None:
    custom = [c for c in focus.columns if c.startswith("x_")]
    assert focus.columns == list(spec.EXPORTED) + custom
    assert {"x_LineId", "x_Source", "x_Provenance", "x_CostSource", "x_Feature", "x_TokenClass"} <= set(custom)
    assert focus.schema["BilledCost"] == pl.Decimal(38, 12)
    assert focus.schema["ChargePeriodStart"] == pl.Datetime("us", "UTC")
    assert focus.schema["Tags"] == pl.String
    totals = _store_totals(sample_store)
    by_currency = focus.group_by("BillingCurrency").agg(pl.col("BilledCost").cast(pl.Float64).sum())
    assert dict(zip(by_currency["BillingCurrency"], by_currency["BilledCost"])) == pytest.approx(totals, rel=1e-12)
    pattern = str(exported["parquet"].out_dir / "costs" / "*.parquet")
    con = duckdb.connect()
    types = {row[0]: row[1] for row in con.execute(f"DESCRIBE SELECT * FROM read_parquet('{pattern}')").fetchall()}
    assert types["BilledCost"] == "DECIMAL(38,12)" and types["ChargePeriodStart"] == "TIMESTAMP WITH TIME ZONE"
    rows = con.execute(f"SELECT BillingCurrency, COUNT(*), SUM(BilledCost)::DOUBLE FROM read_parquet('{pattern}') "
                       "GROUP BY 1").fetchall()
    assert {cur: total for cur, _, total in rows} == pytest.approx(totals, rel=1e-12)
    assert sum(n for _, n, _ in rows) == focus.height


def test_csv_reads_back_with_iso_utc_times_and_store_totals(focus: pl.DataFrame, exported: dict[str, ExportResult],
                                                            sample_store: Store) -> None:
    folder = exported["csv"].out_dir / "costs"
    back = pl.read_csv(folder / "*.csv", infer_schema_length=None)
    assert back.columns == focus.columns and back.height == focus.height
    assert back["ChargePeriodStart"].str.contains(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$").all()
    parsed = back["ChargePeriodStart"].str.to_datetime("%Y-%m-%dT%H:%M:%SZ", time_zone="UTC").sort()
    assert parsed.to_list() == focus["ChargePeriodStart"].sort().to_list()
    totals = _store_totals(sample_store)
    con = duckdb.connect()
    rows = con.execute(f"SELECT BillingCurrency, SUM(BilledCost) FROM read_csv_auto('{folder / '*.csv'}') GROUP BY 1").fetchall()
    assert dict(rows) == pytest.approx(totals, rel=1e-9)
    kinds = {row[0]: row[1] for row in con.execute(f"DESCRIBE SELECT * FROM read_csv_auto('{folder / '*.csv'}')").fetchall()}
    assert kinds["BilledCost"] == "DOUBLE" and kinds["ChargePeriodStart"].startswith("TIMESTAMP")


def test_focus_conformance_only_documented_gaps(focus: pl.DataFrame, sample_store: Store) -> None:
    assert check_columns(focus.schema) == []
    violations = check(focus)
    assert {v.column for v in violations} <= set(spec.KNOWN_GAPS), [str(v) for v in violations]
    for name in spec.EXPORTED:  # every FOCUS column the spec makes non-nullable is filled on every row
        if not spec.BY_NAME[name].allows_nulls:
            assert focus[name].null_count() == 0, name
    assert set(focus["ChargeCategory"].unique()) <= spec.ALLOWED["ChargeCategory"]
    assert focus["ChargeFrequency"].is_in(sorted(spec.ALLOWED["ChargeFrequency"])).all()
    assert (focus["ServiceCategory"] == focus["ServiceSubcategory"].replace_strict(spec.PARENT)).all()
    # Each gap is where the reason says: the sources lack the figure, nothing else.
    lines = sample_store.scan("cost_lines").collect().sort("ChargePeriodStart", "x_Source", "x_LineId")
    no_quantity = lines["ConsumedQuantity"].is_null() & lines["PricingQuantity"].is_null() & lines["x_TokenClass"].is_null()
    assert (focus["PricingQuantity"].is_null() == no_quantity).all()
    assert set(focus.filter(pl.col("PricingQuantity").is_null())["ProviderName"]) == {"Datadog"}
    no_list = focus["x_TokenClass"].is_null() | (focus["BillingCurrency"] != "USD")
    assert (focus["ListUnitPrice"].is_null() == no_list).all()
    assert (focus["ContractedUnitPrice"].is_null() == lines["ContractedUnitPrice"].is_null()).all()


def test_checker_catches_broken_rows(focus: pl.DataFrame) -> None:
    broken = focus.head(3).with_columns(
        pl.lit(None, pl.Decimal(38, 12)).alias("BilledCost"),
        pl.lit("Refund").alias("ChargeCategory"),
        pl.lit("Generative AI").alias("ServiceSubcategory"),  # first rows are Datadog: wrong parent
        pl.lit(None, pl.String).alias("SkuId"),
    ).rename({"x_Feature": "Feature"})
    rules = {v.rule for v in check(broken)}
    assert "BilledCost must not be null" in rules
    assert "ChargeCategory must be one of the allowed values" in rules
    assert "ServiceSubcategory must belong to its ServiceCategory" in rules
    assert "custom column Feature must be prefixed x_" in rules
    assert any(r.startswith("mandatory column") for r in {v.rule for v in check(focus.drop("ListCost"))})


def test_checker_catches_source_units_and_missing_invoice_ids(focus: pl.DataFrame) -> None:
    """The two rules focus-validator failed on the sample export before units and InvoiceId were fixed."""
    broken = focus.head(4).with_columns(pl.Series("PricingUnit", ["GB-month", "hours", "1000_tokens", "Read Units"]),
                                        pl.lit(None, pl.String).alias("InvoiceId"))
    bad = {v.rule: v.rows for v in check(broken)}
    assert bad["PricingUnit must follow the FOCUS Unit Format"] == 3
    assert bad["InvoiceId must not be null: the charge is invoiced"] == 4


def test_units_are_in_focus_unit_format_and_invoice_ids_provisional(focus: pl.DataFrame) -> None:
    units = set(focus["PricingUnit"].drop_nulls()) | set(focus["ConsumedUnit"].drop_nulls())
    assert {"Read Units", "Write Units", "GB-Months", "Hours", "Items", "Tokens", "1000000 Tokens"} <= units
    assert not units & {"RU", "WU", "GB-month", "hours", "items"}
    assert focus["InvoiceId"].null_count() == 0
    assert set(focus["x_InvoiceIdBasis"]) == {"provisional"}  # the sample's APIs report before invoicing
    first = focus.filter(pl.col("ProviderName") == "OpenAI").row(0, named=True)
    month = first["BillingPeriodStart"].strftime("%Y-%m")
    assert first["InvoiceId"] == f"provisional:{first['BillingAccountId']}:{month}"


def test_focus_unit_maps_source_spellings() -> None:
    from finops.export.focus_costs import focus_unit

    got = pl.select(focus_unit(pl.Series(["RU", "WU", "GB-month", "1000_tokens", "images", "Requests", "LCU-Hours", None])))
    assert got.to_series().to_list() == ["Read Units", "Write Units", "GB-Months", "1000 Tokens", "Images", "Requests",
                                         "LCU-Hours", None]


def test_token_lines_carry_the_billed_usage_quantities(focus: pl.DataFrame, sample_store: Store) -> None:
    usage = sample_store.scan("billed_usage").filter(pl.col("token_class").is_in(list(TokenClass.TOKENS))).collect()
    tokens = focus.filter(pl.col("x_TokenClass").is_not_null())
    assert set(tokens["ConsumedUnit"]) == {"Tokens"} and set(tokens["PricingUnit"]) == {"1000000 Tokens"}
    assert tokens["ConsumedQuantity"].cast(pl.Float64).sum() == usage["quantity"].sum()
    by_class = tokens.group_by("x_TokenClass").agg(pl.col("ConsumedQuantity").cast(pl.Float64).sum()).sort("x_TokenClass")
    expected = usage.group_by("token_class").agg(pl.col("quantity").sum()).sort("token_class")
    assert by_class["ConsumedQuantity"].to_list() == expected["quantity"].cast(pl.Float64).to_list()
    ratio = tokens["ConsumedQuantity"].cast(pl.Float64) / tokens["PricingQuantity"].cast(pl.Float64)
    assert ((ratio - 1e6).abs() < 1e-3).all()
    assert set(tokens["SubAccountType"]) == {"Project", "Workspace"}


def test_list_cost_differs_from_billed_exactly_on_the_planted_price_mismatch(focus: pl.DataFrame, ground_truth: dict) -> None:
    planted = next(a for a in ground_truth["anomalies"] if a["cause"] == "price_mismatch")
    diff = focus.with_columns((pl.col("BilledCost").cast(pl.Float64) - pl.col("ListCost").cast(pl.Float64)).alias("d"))
    off = diff.filter(pl.col("d").abs() > 1e-6)
    start = datetime.combine(date.fromisoformat(planted["start"]), datetime.min.time(), timezone.utc)
    end = datetime.combine(date.fromisoformat(planted["end"]), datetime.min.time(), timezone.utc)
    assert off.height > 0
    assert set(off["x_Model"]) == set(planted["models"]) and set(off["x_TokenClass"]) == {planted["token_class"]}
    assert set(off["SubAccountId"]) <= set(planted["project_ids"])
    assert off["ChargePeriodStart"].min() >= start and off["ChargePeriodStart"].max() <= end
    assert off["d"].sum() == pytest.approx(planted["dollar_impact"], abs=1e-6)
    listed = focus.filter(pl.col("x_ListCostBasis") == "list_price")
    assert listed["x_ListPriceRowId"].str.contains(r"(catalog\.csv:\d+|genai-prices==[0-9.]+:\S+)").all()  # the row that set the list price
    billed = focus.filter(pl.col("x_ListCostBasis") == "billed_cost")
    assert (billed["ListCost"] == billed["BilledCost"]).all() and billed["ListUnitPrice"].null_count() == billed.height
