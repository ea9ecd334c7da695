"""Export: FOCUS columns and rules, totals equal the store, incremental and atomic behaviour."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import polars as pl
import pytest

from finops.config import ConfigFile
from finops.export import writer
from finops.export.focus_spec import ALLOWED, COLUMNS
from finops.store import Store, atomic


def _export(store: Store, tmp_path: Path, dataset: str = "costs", fmt: str = "parquet", incremental: bool = True) -> writer.ExportReport:
    return writer.export(store, dataset, fmt, tmp_path / "out", tmp_path / "state", ConfigFile(None), incremental=incremental)


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_costs_read_back_with_polars_and_duckdb(sample_store: Store, tmp_path: Path, fmt: str) -> None:
    report = _export(sample_store, tmp_path, fmt=fmt)
    assert len(report.written) == len(sample_store.months("cost_lines"))
    pattern = str(tmp_path / "out" / "costs" / f"*.{fmt}")
    back = pl.read_parquet(pattern) if fmt == "parquet" else pl.read_csv(pattern, infer_schema_length=None)
    store_total = sample_store.scan("cost_lines").group_by("BillingCurrency").agg(pl.col("BilledCost").sum()).collect().sort("BillingCurrency")
    back_total = back.group_by("BillingCurrency").agg(pl.col("BilledCost").sum()).sort("BillingCurrency")
    assert back_total["BillingCurrency"].to_list() == store_total["BillingCurrency"].to_list()
    for a, b in zip(back_total["BilledCost"], store_total["BilledCost"]):
        assert a == pytest.approx(b, rel=1e-12)
    reader = "read_parquet" if fmt == "parquet" else "read_csv_auto"
    con = duckdb.connect()
    rows, total = con.execute(f"SELECT COUNT(*), SUM(BilledCost) FROM {reader}('{pattern}') WHERE BillingCurrency = 'USD'").fetchone()
    assert rows == back.filter(pl.col("BillingCurrency") == "USD").height
    assert total == pytest.approx(store_total.filter(pl.col("BillingCurrency") == "USD")["BilledCost"][0], rel=1e-9)
    if fmt == "parquet":
        assert back.schema["ChargePeriodStart"] == pl.Datetime("us", "UTC") and back.schema["BilledCost"] == pl.Float64
    else:
        assert back["ChargePeriodStart"][0].endswith("Z")


def test_focus_conformance(sample_store: Store, tmp_path: Path) -> None:
    _export(sample_store, tmp_path)
    frame = pl.read_parquet(str(tmp_path / "out" / "costs" / "*.parquet"))
    kinds = {"decimal": (pl.Float64,), "string": (pl.String,), "datetime": (pl.Datetime("us", "UTC"),)}
    for name, (level, kind, nullable) in COLUMNS.items():
        if level == "M":
            assert name in frame.columns, name
        if name in frame.columns:
            assert frame.schema[name] in kinds[kind], name
            if not nullable:
                assert frame[name].null_count() == 0, name
    for name, allowed in ALLOWED.items():
        assert set(frame[name].unique().to_list()) <= allowed, name
    custom = [c for c in frame.columns if c not in COLUMNS]
    assert custom and all(c.startswith("x_") for c in custom)
    assert (frame["ChargePeriodStart"] < frame["ChargePeriodEnd"]).all()
    assert (frame["BillingPeriodStart"] <= frame["ChargePeriodStart"]).all()


def test_incremental_rerun_writes_nothing(sample_store: Store, tmp_path: Path) -> None:
    _export(sample_store, tmp_path)
    files = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in (tmp_path / "out").rglob("*.parquet")}
    again = _export(sample_store, tmp_path)
    assert again.written == [] and len(again.unchanged) == len(files)
    assert {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in (tmp_path / "out").rglob("*.parquet")} == files


def test_restated_day_reexports_only_its_month(sample_store_copy: Store, tmp_path: Path) -> None:
    _export(sample_store_copy, tmp_path)
    before = {p.name: p.stat().st_mtime_ns for p in (tmp_path / "out" / "costs").iterdir()}
    day = datetime(2026, 10, 7, tzinfo=timezone.utc)
    line = sample_store_copy.scan("cost_lines").filter(pl.col("ChargePeriodStart") == day).head(1).collect()
    sample_store_copy.upsert("cost_lines", line.with_columns(pl.col("BilledCost") + 1.0))
    report = _export(sample_store_copy, tmp_path)
    assert [p.name for p in report.written] == ["costs-2026-10.parquet"]
    after = {p.name: p.stat().st_mtime_ns for p in (tmp_path / "out" / "costs").iterdir()}
    assert {k for k in after if after[k] != before[k]} == {"costs-2026-10.parquet"}
    state = json.loads((tmp_path / "state" / "costs-parquet.json").read_text())
    assert len(state) == len(after)


def test_killed_export_leaves_no_partial_file(sample_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = {"n": 0}
    real = atomic.os.replace

    def crash_on_third(src, dst):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt("killed")
        return real(src, dst)

    monkeypatch.setattr(atomic.os, "replace", crash_on_third)
    with pytest.raises(KeyboardInterrupt):
        _export(sample_store, tmp_path, incremental=False)
    monkeypatch.undo()
    out = list((tmp_path / "out" / "costs").iterdir())
    assert len(out) == 2 and all(p.name.startswith("costs-") for p in out)
    for p in out:
        pl.read_parquet(p)  # every file under a final name is whole


@pytest.mark.parametrize("dataset", ["usage", "requests", "reconcile", "carbon"])
def test_other_datasets_export(sample_store: Store, tmp_path: Path, dataset: str) -> None:
    report = _export(sample_store, tmp_path, dataset=dataset, fmt="csv")
    assert report.rows > 0 and report.written
    back = pl.read_csv(str(tmp_path / "out" / dataset / "*.csv"), infer_schema_length=None)
    assert back.height == report.rows
