"""The path past one machine, end to end: the rollup SQL run on another engine, its result
loaded with `finops ingest --kind request-days`, reconciles exactly as the raw log does.

DuckDB stands in for the team's warehouse (tests/test_spark_rollup.py shows Spark gives
the same rows).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal
from typer.testing import CliRunner

from finops.connectors.request_days import read_request_days
from finops.cli import app
from finops.errors import InputError
from test_reconcile_support import reconcile
from finops.rollup import request_days_sql
from finops.store import Store

runner = CliRunner()
GROUP_ORDER = ["day", "provider", "project_id", "api_key_id", "model", "token_class"]


def _warehouse_rollup(store: Store, out: Path, where: str = "") -> Path:
    """What a team runs on its own engine: the SQL file over its log table, written as Parquet."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    glob = (store.root / "requests" / "*" / "*.parquet").as_posix()
    con.execute(f"CREATE VIEW requests AS SELECT * FROM read_parquet('{glob}', hive_partitioning = true) {where}")
    con.sql(request_days_sql()).write_parquet(str(out))
    return out


def _without_raw_log(store: Store, root: Path) -> Store:
    """The sample's bills and usage, with no raw request rows: the console of a team whose log stays in its warehouse."""
    # The table folders without `requests`, and without the manifest that lists it: the store
    # takes the folders as they are when it has no manifest.
    shutil.copytree(store.root, root, ignore=lambda d, names: ["requests", "_state"] if Path(d) == store.root else [])
    return Store(root)


def _rounded(value: object) -> object:
    """Floats to 12 significant digits, anywhere in a finding's details."""
    if isinstance(value, float):
        return float(f"{value:.12g}")
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


def _ingest(home: Path, *args: str) -> str:
    result = runner.invoke(app, ["--data-dir", str(home), "ingest", *args, "--kind", "request-days"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def raw_result(sample_store_path: Path):  # type: ignore[no-untyped-def]
    return reconcile(Store(sample_store_path))


def test_a_warehouse_rollup_reconciles_as_the_raw_log_does(sample_store: Store, raw_result, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rollup = _warehouse_rollup(sample_store, tmp_path / "request_days.parquet")
    home = tmp_path / "home"
    store = _without_raw_log(sample_store, home / "store")
    out = _ingest(home, str(rollup))
    rows = pl.read_parquet(rollup).height
    assert f"request days: added {rows:,}, changed 0, unchanged 0" in out
    assert not store.months("requests") and store.scan("request_days").select(pl.len()).collect().item() == rows

    got = reconcile(store)
    assert got.by("day").equals(raw_result.by("day"))  # every group's tokens, dollars and causes
    # The findings' prices are ratios of sums taken in another order: equal to the last few bits.
    assert_frame_equal(got.causes.drop("details"), raw_result.causes.drop("details"), rel_tol=1e-12)
    assert [_rounded(json.loads(d)) for d in got.causes["details"]] == [_rounded(json.loads(d)) for d in raw_result.causes["details"]]
    coverage = ("local_provider_days_raw", "local_provider_days_rollup")
    assert {k: v for k, v in got.summary.items() if k not in coverage} == pytest.approx(
        {k: v for k, v in raw_result.summary.items() if k not in coverage}, rel=1e-12)
    provider_days = pl.read_parquet(rollup).select("day", "provider").unique().height
    assert [got.summary[k] for k in coverage] == [0, provider_days]  # the local side says where it came from
    assert [raw_result.summary[k] for k in coverage] == [provider_days, 0]
    shown = runner.invoke(app, ["--data-dir", str(home), "reconcile"]).output
    assert f"local side: 0 provider-day(s) from the request log, {provider_days:,} from request_days" in shown

    again = _ingest(home, str(rollup))  # re-running the warehouse job and the load changes nothing
    assert f"added 0, changed 0, unchanged {rows:,}" in again
    status = runner.invoke(app, ["--data-dir", str(home), "status", "--format", "csv"], catch_exceptions=False).output
    assert f"request_days,request_days:warehouse,{rows}," in status


def test_raw_rows_win_where_both_cover_a_day(sample_store_copy: Store, raw_result, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # A rollup of the whole log loaded beside the raw rows: no day may be counted twice.
    rollup = _warehouse_rollup(sample_store_copy, tmp_path / "request_days.parquet")
    rows, problems = read_request_days(rollup)
    assert problems.count == 0
    sample_store_copy.upsert("request_days", rows)
    assert reconcile(sample_store_copy).by("day").equals(raw_result.by("day"))


def test_a_rollup_fills_the_days_the_raw_log_lacks(sample_store: Store, raw_result, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # Raw rows up to a cut-over day, the warehouse's rollup after it: together, the same reconciliation.
    cut = "TIMESTAMPTZ '2026-03-01 00:00:00+00'"
    later = _warehouse_rollup(sample_store, tmp_path / "later.parquet", f"WHERE ts >= {cut}")
    home = tmp_path / "home"
    store = _without_raw_log(sample_store, home / "store")
    earlier = sample_store.scan("requests").filter(pl.col("ts") < pl.datetime(2026, 3, 1, time_zone="UTC"))
    store.upsert("requests", earlier.collect())
    _ingest(home, str(later))
    got = reconcile(store)
    assert got.by("day").equals(raw_result.by("day"))
    split = (got.summary["local_provider_days_raw"], got.summary["local_provider_days_rollup"])
    assert split[0] > 0 and split[1] > 0 and sum(split) == raw_result.summary["local_provider_days_raw"]


def _write_csv(path: Path, rows: list[dict[str, object]]) -> Path:
    pl.DataFrame(rows).write_csv(path)
    return path


ROW = {"day": "2026-03-02", "provider": "openai", "model": "gpt-4.1", "project_id": "proj_a", "api_key_id": "",
       "feature": "search", "language": "en", "requests": 10, "input_tokens": 1000, "output_tokens": 200}


def test_a_bad_value_is_named_by_file_line_and_field(tmp_path: Path) -> None:
    path = _write_csv(tmp_path / "days.csv", [ROW, {**ROW, "feature": "chat", "output_tokens": -5}])
    _, problems = read_request_days(path)
    assert problems.count == 1
    assert str(problems.rows[0]) == f"{path}:3: field 'output_tokens': -5 is negative"


def test_a_key_given_twice_is_refused(tmp_path: Path) -> None:
    path = _write_csv(tmp_path / "days.csv", [ROW, {**ROW, "requests": 3}])
    with pytest.raises(InputError) as exc:
        read_request_days(path)
    assert str(exc.value).startswith(f"{path}: line 2 and line 3 have the same key (day=2026-03-02, provider=openai")


def test_a_row_with_more_fields_than_the_header_is_named_by_line(tmp_path: Path) -> None:
    path = _write_csv(tmp_path / "days.csv", [ROW, {**ROW, "feature": "chat"}])
    lines = path.read_text().splitlines()
    lines[2] = "," + lines[2]  # one field too many: polars refuses the whole scan
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError) as exc:
        read_request_days(path)
    width = len(ROW)
    assert str(exc.value) == f"{path}: line 3: {width + 1} field(s), the header has {width}"


def test_a_file_that_is_not_a_rollup_says_what_is_missing(tmp_path: Path) -> None:
    path = _write_csv(tmp_path / "days.csv", [{"day": "2026-03-02", "provider": "openai", "model": "gpt-4.1"}])
    with pytest.raises(InputError) as exc:
        read_request_days(path)
    assert str(exc.value) == (f"{path}: not a request_days rollup: missing column(s) requests, input_tokens, "
                              "output_tokens (finops/sql/request_days.sql gives every column)")


def test_bad_rows_stop_the_load_and_nothing_is_stored(sample_store_copy: Store, tmp_path: Path) -> None:
    home = tmp_path / "home"
    shutil.copytree(sample_store_copy.root, home / "store")
    path = _write_csv(tmp_path / "days.csv", [ROW, {**ROW, "feature": "chat", "day": "not a day"}])
    result = runner.invoke(app, ["--data-dir", str(home), "ingest", str(path), "--kind", "request-days"])
    assert result.exit_code != 0
    assert not Store(home / "store").months("request_days")
