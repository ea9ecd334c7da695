"""FOCUS in, as real exports come: public samples, gzip and zip, NULL cells, older column names,
bad optional values, and COGS on amortized cost. Data: tests/data/focus/public (README: provenance)."""

from __future__ import annotations

import gzip
import zipfile
from pathlib import Path

import polars as pl
import pytest

from finops.connectors.focus_file import read_focus, read_focus_file
from finops.errors import InputError
from finops.models.cogs.allocate import allocate
from finops.models.cogs.drivers import DRIVER_SCHEMA
from finops.models.cogs.fx import Rates
from finops.models.cogs.rules import CogsRules

PUBLIC = Path(__file__).parent / "data" / "focus" / "public"
SAMPLE = PUBLIC / "focus_1_0_sample_slice.csv"
COMMITMENT = PUBLIC / "commitment_bedrock_from_spec.csv"
NO_RATES = Rates(pl.DataFrame(schema={"date": pl.Date, "base": pl.String, "quote": pl.String, "rate": pl.Float64}))


def _ai_rows() -> pl.DataFrame:
    raw = pl.read_csv(SAMPLE, infer_schema=False)
    return raw.filter(pl.col("ServiceCategory") == "AI and Machine Learning")


def test_focus_1_0_sample_loads_every_ai_row_with_nulls_as_nulls() -> None:
    lines = read_focus(SAMPLE)
    ai = _ai_rows()
    assert lines.height == ai.height == 9
    assert lines["BilledCost"].sum() == pytest.approx(ai["BilledCost"].cast(pl.Float64).sum(), abs=1e-12)
    # The sample writes empty cells as NULL: they are nulls, never the text "NULL".
    assert lines["ChargeClass"].null_count() == 9
    for col, dtype in lines.schema.items():
        if dtype == pl.String:
            assert not (lines[col] == "NULL").any(), col
    assert set(lines["x_Source"]) == {"focus:azure"}  # ProviderName (1.0) read as ServiceProviderName


@pytest.mark.parametrize("pack", ["gz", "zip"])
def test_gzip_and_zip_exports_read_like_the_csv(tmp_path: Path, pack: str) -> None:
    if pack == "gz":
        packed = tmp_path / "focus.csv.gz"
        packed.write_bytes(gzip.compress(SAMPLE.read_bytes()))
    else:
        packed = tmp_path / "export.zip"
        with zipfile.ZipFile(packed, "w") as zf:
            zf.write(SAMPLE, "2024-09/part-0001.csv")
    a, b = read_focus(packed), read_focus(SAMPLE)
    cols = [c for c in a.columns if c != "x_IngestedAt"]
    assert a.select(cols).sort("x_LineId").equals(b.select(cols).sort("x_LineId"))


def test_a_broken_pack_is_one_line_naming_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "focus.csv.gz"
    bad.write_bytes(b"not gzip at all")
    with pytest.raises(InputError, match=r"focus\.csv\.gz: cannot unpack"):
        read_focus(bad)
    empty = tmp_path / "empty.zip"
    with zipfile.ZipFile(empty, "w") as zf:
        zf.writestr("README.txt", "no data")
    with pytest.raises(InputError, match=r"empty\.zip: expected one \.csv or \.parquet file in the zip, found 0"):
        read_focus(empty)


def test_a_bad_optional_value_keeps_the_cost(tmp_path: Path) -> None:
    """NULL or text in a numeric optional column nulls that value; the row and its cost stay."""
    ai = _ai_rows()
    broken = ai.with_columns(pl.when(pl.int_range(pl.len()) == 0).then(pl.lit("n/a")).otherwise(pl.col("ListUnitPrice"))
                             .alias("ListUnitPrice"),
                             pl.when(pl.int_range(pl.len()) == 1).then(pl.lit("NULL")).otherwise(pl.col("ConsumedQuantity"))
                             .alias("ConsumedQuantity"))
    path = tmp_path / "broken.csv"
    broken.write_csv(path)
    lines, problems = read_focus_file(path)
    assert not problems and lines.height == 9
    assert lines["BilledCost"].sum() == pytest.approx(ai["BilledCost"].cast(pl.Float64).sum(), abs=1e-12)
    assert lines["ListUnitPrice"].null_count() == 1 and lines["ConsumedQuantity"].null_count() == 1


def test_a_bad_cost_still_names_file_line_and_field(tmp_path: Path) -> None:
    ai = _ai_rows().with_columns(pl.when(pl.int_range(pl.len()) == 2).then(pl.lit("lots")).otherwise(pl.col("BilledCost"))
                                 .alias("BilledCost"))
    path = tmp_path / "badcost.csv"
    ai.write_csv(path)
    with pytest.raises(InputError, match=r"badcost\.csv:4: field 'BilledCost'"):
        read_focus(path)


def test_older_column_names_are_read(tmp_path: Path) -> None:
    """FOCUS 0.5/1.0-preview names (ChargeType, UsageQuantity, AmortizedCost, Region) read as today's."""
    old = _ai_rows().rename({"ChargeCategory": "ChargeType", "ConsumedQuantity": "UsageQuantity", "ConsumedUnit": "UsageUnit",
                             "EffectiveCost": "AmortizedCost", "RegionId": "Region"}).drop("RegionName")
    path = tmp_path / "old.csv"
    old.write_csv(path)
    lines, new = read_focus(path), read_focus(SAMPLE)
    for col in ("ChargeCategory", "ConsumedQuantity", "ConsumedUnit", "EffectiveCost", "RegionId"):
        assert lines.sort("x_LineId")[col].to_list() == new.sort("x_LineId")[col].to_list(), col


def _cogs(lines: pl.DataFrame, rules: CogsRules) -> float:
    drivers = pl.DataFrame(schema=DRIVER_SCHEMA)
    out = allocate(lines.with_columns(pl.lit("inference").alias("x_CostSource")), drivers, rules, NO_RATES, "USD")
    return float(out["cents"].sum()) / 100


def test_cogs_is_amortized_by_default_and_cash_on_request() -> None:
    """The spec's one-year commitment: cash books the 8,760 purchase in January; amortized books
    the hours it paid for (EffectiveCost) and nothing for the purchase row."""
    lines = read_focus(COMMITMENT)
    assert lines.height == 4
    assert CogsRules().cost_column == "EffectiveCost"
    assert _cogs(lines, CogsRules()) == pytest.approx(3.00)
    assert _cogs(lines, CogsRules(cost_column="BilledCost")) == pytest.approx(8760.00)
    assert "amortized" in CogsRules().cost_basis and "cash" in CogsRules(cost_column="BilledCost").cost_basis

