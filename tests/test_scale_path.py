"""The path past one machine: the SQL rollup equals the polars one, and DuckDB reads the store."""

from __future__ import annotations

import duckdb
import polars as pl

from finops.rollup import DAY_KEYS, request_days, request_days_sql
from finops.store import Store


def _duckdb(store: Store) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    for table in ("requests", "billed_usage", "cost_lines"):
        glob = (store.root / table / "*" / "*.parquet").as_posix()
        con.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{glob}', hive_partitioning = true)")
    return con


def test_duckdb_reads_the_store_as_it_is(sample_store: Store) -> None:
    con = _duckdb(sample_store)
    for table in ("requests", "billed_usage", "cost_lines"):
        expected = sample_store.scan(table).select(pl.len()).collect().item()
        assert con.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] == expected
    months = con.execute("SELECT COUNT(DISTINCT month) FROM cost_lines").fetchone()[0]
    assert months == len(sample_store.months("cost_lines"))
    billed = con.execute("SELECT SUM(BilledCost) FROM cost_lines WHERE BillingCurrency = 'USD'").fetchone()[0]
    ours = sample_store.scan("cost_lines").filter(pl.col("BillingCurrency") == "USD").select(pl.col("BilledCost").sum()).collect().item()
    assert abs(billed - ours) < 1e-6


def test_sql_rollup_equals_polars_rollup(sample_store: Store) -> None:
    ours = request_days(sample_store.scan("requests")).collect()
    theirs = _duckdb(sample_store).sql(request_days_sql()).pl()
    assert isinstance(theirs, pl.DataFrame)
    # DuckDB sums BIGINT into HUGEINT; the values, not the width, are what must agree.
    theirs = theirs.with_columns(pl.col(c).cast(pl.Int64) for c in theirs.columns if c not in DAY_KEYS)
    keys = list(DAY_KEYS)
    assert theirs.height == ours.height > 0
    assert theirs.sort(keys).select(ours.columns).equals(ours.sort(keys))
