"""The path past one machine on Spark: the SQL rollup runs unchanged and equals the polars one.

pyspark is in the test extra; Spark also needs Java 17+, and without a `java` the module
skips and says so. It checks the claims of docs/scale.md ("Past one machine") that
tests/test_scale_path.py checks on DuckDB.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import polars as pl
import pytest

# DataFrame.toArrow arrived in pyspark 4.0; going through Arrow keeps Spark's own types,
# so a SUM that came back as DECIMAL or a day as TIMESTAMP would fail the comparison.
pytest.importorskip("pyspark", minversion="4.0")
if shutil.which("java") is None:
    pytest.skip("Spark needs Java 17+ and no `java` is on PATH", allow_module_level=True)

from pyspark.sql import DataFrame, SparkSession  # noqa: E402

from finops.rollup import DAY_KEYS, request_days, request_days_sql  # noqa: E402
from finops.store import Store  # noqa: E402

# pyspark 4 warns that it does not fully support pandas 3; these tests never touch pandas.
pytestmark = [pytest.mark.slow,
              pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning")]


@pytest.fixture(scope="module")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SparkSession]:
    # Starting a JVM costs seconds: one session for the module. UTC is the SQL file's one
    # dialect switch (CAST(ts AS DATE) is the session-zone day); the warehouse goes to a
    # temp dir so a run from the repo root never leaves spark-warehouse/ in it.
    session = (
        SparkSession.builder.master("local[1]")
        .appName("finops-spark-rollup")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.warehouse.dir", str(tmp_path_factory.mktemp("spark-warehouse")))
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def _read(spark: SparkSession, store: Store, table: str) -> DataFrame:
    # Exactly the form docs/scale.md gives: the table folder as it is, month= folders
    # becoming a partition column.
    folder = (store.root / table).as_posix()
    return spark.read.option("basePath", folder).parquet(folder)


def _to_polars(frame: DataFrame) -> pl.DataFrame:
    out = pl.from_arrow(frame.toArrow())
    assert isinstance(out, pl.DataFrame)
    return out


def test_spark_sql_rollup_equals_polars_rollup(spark: SparkSession, sample_store: Store) -> None:
    _read(spark, sample_store, "requests").createOrReplaceTempView("requests")
    theirs = _to_polars(spark.sql(request_days_sql()))
    ours = request_days(sample_store.scan("requests")).collect()
    keys = list(DAY_KEYS)
    assert theirs.height == ours.height > 0
    # No casts, unlike the DuckDB test: Spark's SUM of BIGINT is BIGINT, so the schemas
    # must already agree (day a DATE, every count an Int64) and the integers be exact.
    assert theirs.select(ours.columns).schema == ours.schema
    assert theirs.sort(keys).select(ours.columns).equals(ours.sort(keys))


def test_spark_reads_cost_lines_as_they_are(spark: SparkSession, sample_store: Store) -> None:
    frame = _read(spark, sample_store, "cost_lines")
    # Partition inference could have typed "2025-06" as a date; the store's readers treat it as text.
    assert dict(frame.dtypes)["month"] == "string"
    theirs = _to_polars(
        frame.groupBy("month", "BillingCurrency").sum("BilledCost").withColumnRenamed("sum(BilledCost)", "billed")
    )
    # Store.scan drops the partition column; a row's month is its ChargePeriodStart's UTC
    # month (the store's partitioning rule), so grouping on it also checks the folders.
    ours = (
        sample_store.scan("cost_lines")
        .group_by(pl.col("ChargePeriodStart").dt.strftime("%Y-%m").alias("month"), "BillingCurrency")
        .agg(pl.col("BilledCost").sum().alias("billed"))
        .collect()
    )
    keys = ["month", "BillingCurrency"]
    theirs, ours = theirs.sort(keys), ours.sort(keys)
    assert theirs.select(keys).equals(ours.select(keys))
    assert sorted(set(theirs["month"])) == sample_store.months("cost_lines")
    # Float sums in a different order differ in the last bits, never by a cent.
    assert theirs["billed"].to_list() == pytest.approx(ours["billed"].to_list(), rel=1e-12, abs=1e-9)
