"""The energy model's data files: coverage of the sample's models and regions, sources, and bad rows."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from finops.errors import InputError
from finops.sample.spec import FEATURES
from finops.models.energy import data
from finops.models.energy.requests import resolve_param_models

PARAM_HEADER = "provider,model,kind,architecture,total_b_low,total_b_high,active_b_low,active_b_high,source,as_of\n"
REQUIRED = [("openai", m) for m in ("gpt-4.1", "gpt-4.1-mini", "o3", "text-embedding-3-small", "gpt-4o", "gpt-4o-mini")] + [
    ("anthropic", m) for m in ("claude-sonnet-4", "claude-sonnet-4-5", "claude-3-5-haiku", "claude-haiku-4-5", "claude-opus-4-1")
] + [("google", "gemini-2.5-pro")]


def test_every_model_the_sample_calls_has_parameter_counts() -> None:
    snapshots = {(c.provider, name) for f in FEATURES for c in f.components for _, name in c.models}
    pairs = pl.DataFrame(sorted(snapshots), schema=["provider", "model"], orient="row")
    mapping = resolve_param_models(pairs, data.model_params())
    assert mapping["param_model"].null_count() == 0, mapping.filter(pl.col("param_model").is_null())
    listed = set(data.model_params().select("provider", "model").iter_rows())
    assert set(REQUIRED) <= listed


def test_parameter_rows_carry_sources_dates_and_ordered_ranges() -> None:
    params = data.model_params()
    assert (params["total_b_low"] <= params["total_b_high"]).all() and (params["active_b_low"] <= params["active_b_high"]).all()
    assert (params["active_b_high"] <= params["total_b_high"]).all()
    assert params["source"].str.len_chars().min() > 10
    assert params["as_of"].str.to_date("%Y-%m-%d").null_count() == 0
    moe = params.filter(pl.col("architecture") == "moe")
    assert (moe["active_b_high"] < moe["total_b_high"]).all()


def test_grid_covers_the_sample_regions_and_cloud_regions_with_a_world_default() -> None:
    grid = data.grid()
    regions = set(grid["region"])
    assert {"us", "eu", "jp", "us-east-1", "europe-west4", data.DEFAULT_REGION} <= regions
    world = grid.filter(pl.col("region") == data.DEFAULT_REGION)
    assert world["zone"][0] == "WOR" and world["gco2e_per_kwh"][0] == pytest.approx(473.0)
    assert grid["source"].str.len_chars().min() > 10 and (grid["year"] >= 2016).all()


def test_pue_and_hardware_tables() -> None:
    pue = data.pue()
    assert {"openai", "anthropic", "google", data.DEFAULT_PROVIDER} <= set(pue["provider"])
    assert (pue["pue_low"] >= 1).all() and (pue["pue_low"] <= pue["pue_high"]).all()
    hw = data.hardware()
    assert data.DEFAULT_GPU in hw["gpu"].to_list()
    h100 = hw.filter(pl.col("gpu") == "H100").row(0, named=True)
    assert (h100["memory_gb"], h100["tdp_w"], h100["bf16_dense_tflops"]) == (80, 700, 989)


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ("openai,m,chat,moe,440,400,44,132,s,2025-01-01", "total_b_high"),
        ("openai,m,chat,moe,440,440,44,x,s,2025-01-01", "active_b_high"),
        ("openai,m,chat,sparse,440,440,44,132,s,2025-01-01", "architecture"),
        ("openai,m,chat,dense,70,70,7,7,s,2025-01-01", "architecture"),
        ("openai,m,chat,moe,440,440,44,132,,2025-01-01", "source"),
        ("openai,m,chat,moe,44,44,50,50,s,2025-01-01", "active_b_high"),
    ],
)
def test_a_bad_parameter_row_names_file_line_and_field(tmp_path: Path, row: str, field: str) -> None:
    path = tmp_path / "params.csv"
    path.write_text(PARAM_HEADER + "openai,ok,chat,dense,8,8,8,8,s,2025-01-01\n" + row + "\n")
    with pytest.raises(InputError) as err:
        data.read_model_params(path)
    message = err.value.one_line()
    assert f"{path}:3" in message and field in message and "\n" not in message


def test_duplicate_rows_and_a_missing_default_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "params.csv"
    path.write_text(PARAM_HEADER + "openai,m,chat,dense,8,8,8,8,s,d\nopenai,M,chat,dense,8,8,8,8,s,d\n")
    with pytest.raises(InputError, match=r"params.csv:3: field 'model': 'M' repeats line 2"):
        data.read_model_params(path)
    grid = tmp_path / "grid.csv"
    grid.write_text("region,gco2e_per_kwh,zone,source,year\nus,383.6,USA,src,2023\n")
    with pytest.raises(InputError, match="no 'default' row"):
        data.read_grid(grid)
