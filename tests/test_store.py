"""The store: schema round-trip, idempotent upserts, atomic writes under a crash."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from datetime import date, datetime, timezone
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finops.errors import InputError, StoreError
from finops.schema import BILLED_USAGE, COST_LINES, REQUESTS, TABLES
from finops.store import SourceState, Store, Watermarks, atomic, layout


def _example(schema: pl.Schema, n: int = 3) -> pl.DataFrame:
    """A frame with a value of the right type in every column, distinct keys per row."""
    cols = {}
    for name, dtype in schema.items():
        if dtype == pl.String:
            cols[name] = [f"{name}-{i}" for i in range(n)]
        elif dtype == pl.Int64 or dtype == pl.Int32:
            cols[name] = [10 * i + 1 for i in range(n)]
        elif dtype == pl.Float64:
            cols[name] = [1.25 * (i + 1) for i in range(n)]
        elif dtype == pl.Date:
            cols[name] = [date(2026, 1 + i, 15) for i in range(n)]
        else:
            cols[name] = [datetime(2026, 1 + i, 15, 12, tzinfo=timezone.utc) for i in range(n)]
    return pl.DataFrame(cols, schema=schema)


@pytest.mark.parametrize("name", list(TABLES))
def test_schema_round_trip(tmp_path: Path, name: str) -> None:
    table = TABLES[name]
    frame = _example(table.schema)
    store = Store(tmp_path)
    result = store.upsert(name, frame)
    assert result.added == frame.height
    back = store.read(name).sort(table.time_column)
    assert back.schema == table.schema
    assert back.equals(frame.sort(table.time_column))
    # One Hive partition per month, readable as plain Parquet.
    assert store.months(name) == ["2026-01", "2026-02", "2026-03"]


def test_upsert_is_idempotent_and_keeps_files(tmp_path: Path) -> None:
    store = Store(tmp_path)
    frame = _example(REQUESTS, 5)
    store.upsert("requests", frame)
    files = sorted(p for p in tmp_path.rglob("*.parquet"))
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in files}
    again = store.upsert("requests", frame.lazy())
    assert (again.added, again.changed, again.unchanged) == (0, 0, 5)
    assert again.months_written == []
    assert {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in files} == before


def test_upsert_replaces_changed_rows_by_key(tmp_path: Path) -> None:
    store = Store(tmp_path)
    frame = _example(BILLED_USAGE, 4)
    store.upsert("billed_usage", frame)
    changed = frame.head(1).with_columns(pl.lit(999).cast(pl.Int64).alias("quantity"))
    result = store.upsert("billed_usage", changed)
    assert (result.added, result.changed) == (0, 1)
    stored = store.read("billed_usage")
    assert stored.height == 4
    assert stored["quantity"].sum() == frame["quantity"].sum() - frame["quantity"][0] + 999


def test_later_duplicate_in_one_load_wins(tmp_path: Path) -> None:
    store = Store(tmp_path)
    frame = _example(REQUESTS, 1)
    twice = pl.concat([frame, frame.with_columns(pl.lit(7).cast(pl.Int64).alias("input_tokens"))])
    store.upsert("requests", twice)
    stored = store.read("requests")
    assert stored.height == 1 and stored["input_tokens"][0] == 7


def test_null_key_is_rejected_with_row_and_field(tmp_path: Path) -> None:
    store = Store(tmp_path)
    frame = _example(REQUESTS, 3).with_columns(
        pl.when(pl.int_range(pl.len()) == 1).then(None).otherwise(pl.col("request_id")).alias("request_id")
    )
    with pytest.raises(InputError, match=r"row 2: field 'request_id'"):
        store.upsert("requests", frame)
    assert store.read("requests").height == 0


def _crash(*_a: object, **_k: object) -> None:
    raise OSError("simulated crash during write")


def test_crash_before_rename_keeps_previous_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An append of new keys (a new part) and a merge (a month swapped) both crash before their rename."""
    store = Store(tmp_path)
    frame = _example(COST_LINES, 2)
    store.upsert("cost_lines", frame)
    before = store.read("cost_lines")
    monkeypatch.setattr(atomic.os, "replace", _crash)
    with pytest.raises(OSError, match="simulated crash"):
        store.upsert("cost_lines", frame.with_columns(pl.col("x_LineId") + "-new"))
    monkeypatch.setattr(atomic, "_exchange", _crash)
    with pytest.raises(OSError, match="simulated crash"):
        store.upsert("cost_lines", frame.with_columns(pl.col("BilledCost") * 2))
    monkeypatch.undo()
    assert Store(tmp_path).read("cost_lines").equals(before)
    assert not list(tmp_path.rglob(f"{atomic.TMP_PREFIX}*"))
    assert not list(layout.swap_dir(tmp_path).rglob("*.parquet"))


def test_a_failed_transaction_leaves_no_file_and_no_version(tmp_path: Path) -> None:
    """Two tables and several months in one transaction: an exception half-way commits none of it."""
    store = Store(tmp_path)
    store.upsert("cost_lines", _example(COST_LINES, 2))
    before = store.manifest()
    files = sorted(p for p in tmp_path.glob("*/month=*/*.parquet"))
    with pytest.raises(RuntimeError, match="half-way"), store.transaction():
        store.upsert("billed_usage", _example(BILLED_USAGE, 3))
        store.upsert("cost_lines", _example(COST_LINES, 3).with_columns(pl.col("BilledCost") * 2))
        assert store.months("billed_usage")  # the transaction sees its own writes
        assert not Store(tmp_path).months("billed_usage")  # nobody else does
        raise RuntimeError("half-way")
    assert store.manifest() == before
    assert sorted(p for p in tmp_path.glob("*/month=*/*.parquet")) == files


@pytest.mark.parametrize("exchange", [True, False], ids=["exchange", "two-renames"])
def test_killed_writer_leaves_store_readable(tmp_path: Path, exchange: bool) -> None:
    """SIGKILL a process in the middle of rewriting a big partition: old or new, never partial,
    whether the month's folder is swapped in one step or in two renames."""
    store = Store(tmp_path)
    n = 400_000
    base = pl.DataFrame({
        "ts": pl.datetime_range(datetime(2026, 3, 1, tzinfo=timezone.utc), datetime(2026, 3, 28, tzinfo=timezone.utc),
                                interval="1s", eager=True, time_zone="UTC").head(n),
        "request_id": [f"r{i}" for i in range(n)],
        "input_tokens": 1,
    })
    store.upsert("requests", base)
    script = textwrap.dedent(f"""
        import polars as pl
        from finops.store import Store, atomic
        if not {exchange}:
            atomic._exchange = lambda a, b: False
        s = Store({str(tmp_path)!r})
        lf = s.scan("requests").with_columns(pl.col("input_tokens") + 1)
        while True:
            s.upsert("requests", lf.collect())
            lf = s.scan("requests").with_columns(pl.col("input_tokens") + 1)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script])
    try:
        time.sleep(2.5)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    reread = Store(tmp_path).read("requests")
    assert reread.height == n
    assert reread["input_tokens"].n_unique() == 1  # one consistent version of the partition
    assert reread["request_id"].n_unique() == n


def test_watermarks_round_trip(tmp_path: Path) -> None:
    marks = Watermarks(tmp_path)
    state = SourceState("openai", datetime(2026, 11, 1, tzinfo=timezone.utc), datetime(2026, 11, 2, 3, tzinfo=timezone.utc), 42)
    marks.put(state)
    marks.put(SourceState("anthropic"))
    assert Watermarks(tmp_path).get("openai") == state
    assert set(Watermarks(tmp_path).all()) == {"openai", "anthropic"}


def test_schema_version_mismatch_is_refused(tmp_path: Path) -> None:
    Store(tmp_path).upsert("requests", _example(REQUESTS, 1))
    layout.meta_file(tmp_path).write_text('{"schema_version": 999}')
    with pytest.raises(StoreError, match="schema version 999"):
        Store(tmp_path)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(st.tuples(st.integers(0, 30), st.integers(0, 10**9)), min_size=1, max_size=40),
    st.sampled_from([1, 2, 4, 1_000_000]),
    st.sampled_from([1, 2, 64]),
)
def test_upsert_matches_a_dict_model(
    tmp_path_factory: pytest.TempPathFactory, ops: list[tuple[int, int]], chunk: int, max_parts: int
) -> None:
    """Any sequence of loads ends with one row per key holding the last value loaded, in part files of
    its month, whether a month merges at once or in key-bucket groups (a chunk smaller than the month)
    and whether new keys are appended as parts or merged (a month at its part limit)."""
    from finops.store import store as store_module

    old = store_module.CHUNK_ROWS, store_module.MAX_PARTS
    store_module.CHUNK_ROWS, store_module.MAX_PARTS = chunk, max_parts
    try:
        root = tmp_path_factory.mktemp("bucketed")
        store = Store(root)
        model: dict[str, int] = {}
        for lazy, part in ((False, ops[: len(ops) // 2]), (True, ops[len(ops) // 2 :])):
            if not part:
                continue
            frame = pl.DataFrame({
                "ts": [datetime(2026, 1 + k % 2, 1 + k % 27, tzinfo=timezone.utc) for k, _ in part],
                "request_id": [f"id{k}" for k, _ in part],
                "input_tokens": [v for _, v in part],
            })
            result = store.upsert("requests", frame.lazy() if lazy else frame)
            assert result.added + result.changed + result.unchanged == frame.unique("request_id").height
            for k, v in part:
                model[f"id{k}"] = v
        stored = store.read("requests")
        assert dict(stored.select("request_id", "input_tokens").iter_rows()) == model
        assert stored.height == len(model)
        assert sorted({p.parent.name for p in root.rglob("*.parquet")}) == [f"month={m}" for m in store.months("requests")]
        assert all(len(layout.part_files(root, "requests", m)) <= max_parts for m in store.months("requests"))
    finally:
        store_module.CHUNK_ROWS, store_module.MAX_PARTS = old


def _requests(ids: range, day: int, tokens: int = 1) -> pl.DataFrame:
    return pl.DataFrame({
        "ts": [datetime(2026, 4, day, 0, 0, i % 60, tzinfo=timezone.utc) for i in ids],
        "request_id": [f"r{i}" for i in ids],
        "input_tokens": tokens,
    })


def _files(root: Path) -> dict[Path, tuple[int, int]]:
    return {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in root.glob("requests/*/*.parquet")}


def test_new_keys_are_added_as_a_part_and_the_stored_part_is_not_rewritten(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.upsert("requests", _requests(range(0, 100), day=1))
    before = _files(tmp_path)
    result = store.upsert("requests", _requests(range(100, 150), day=2).lazy())
    assert (result.added, result.changed, result.unchanged) == (50, 0, 0)
    after = _files(tmp_path)
    assert len(after) == 2 and all(after[p] == before[p] for p in before)  # the first part untouched
    assert store.read("requests")["request_id"].n_unique() == store.read("requests").height == 150


def test_a_load_touching_stored_keys_merges_the_month_into_one_part(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.upsert("requests", _requests(range(0, 100), day=1))
    store.upsert("requests", _requests(range(100, 150), day=2))
    result = store.upsert("requests", _requests(range(140, 160), day=2, tokens=7))
    assert (result.added, result.changed, result.unchanged) == (10, 10, 0)
    assert len(layout.part_files(tmp_path, "requests", "2026-04")) == 1
    stored = store.read("requests")
    assert stored.height == 160 and stored.filter(pl.col("input_tokens") == 7).height == 20
    assert stored["ts"].is_sorted()  # a merged month is in time order
    again = _files(tmp_path)
    assert store.upsert("requests", _requests(range(140, 160), day=2, tokens=7)).unchanged == 20
    assert _files(tmp_path) == again  # nothing new: no file rewritten


def test_duckdb_reads_a_month_of_several_parts(tmp_path: Path) -> None:
    duckdb = pytest.importorskip("duckdb")
    store = Store(tmp_path)
    for day in (1, 2, 3):
        store.upsert("requests", _requests(range(day * 100, day * 100 + 40), day=day))
    assert len(layout.part_files(tmp_path, "requests", "2026-04")) == 3
    got = duckdb.sql(
        f"SELECT month, count(*) AS n, count(DISTINCT request_id) AS ids "
        f"FROM read_parquet('{tmp_path}/requests/*/*.parquet', hive_partitioning = true) GROUP BY month"
    ).fetchall()
    assert got == [("2026-04", 120, 120)]


def test_a_data_directory_whose_path_holds_key_value_folders(tmp_path: Path) -> None:
    """/data/env=prod: the store reads its own partitions only, never the path's `env=prod`."""
    root = tmp_path / "env=prod" / "region=eu" / "store"
    store = Store(root)
    frame = _example(COST_LINES, 3)
    store.upsert("cost_lines", frame)
    got = Store(root).read("cost_lines")
    assert got.columns == frame.columns and got.height == 3
    assert Store(root).months("cost_lines") == ["2026-01", "2026-02", "2026-03"]


def test_duckdb_reads_the_committed_version_folder(tmp_path: Path) -> None:
    """What docs/scale.md tells an external engine: read the folder CURRENT names."""
    duckdb = pytest.importorskip("duckdb")
    store = Store(tmp_path)
    for day in (1, 2):
        store.upsert("requests", _requests(range(day * 100, day * 100 + 40), day=day))
    store.upsert("requests", _requests(range(100, 120), day=1, tokens=9))  # a merge retires two parts
    version = f"v{int((tmp_path / '_state' / 'CURRENT').read_text()):08d}"
    got = duckdb.sql(
        f"SELECT month, count(*), sum(input_tokens) FROM read_parquet("
        f"'{tmp_path}/_state/snapshots/{version}/requests/*/*.parquet', hive_partitioning = true) GROUP BY month"
    ).fetchall()
    assert got == [("2026-04", 80, 80 + 20 * 8)]


def test_a_file_written_before_a_column_existed_reads_it_as_null(tmp_path: Path) -> None:
    """Schema evolution: requests columns added later (status_code, user_id, cache_write_1h_tokens)
    read as null from a part written without them; a load touching it merges old and new rows."""
    store = Store(tmp_path / "store")
    rows = _example(REQUESTS, 2)
    added = ["status_code", "logical_request_id", "user_id", "cache_write_1h_tokens"]
    store.upsert("requests", rows)
    feb = [p for p in (tmp_path / "store").rglob("*.parquet") if "2026-02" in str(p)]
    assert feb
    for part in feb:  # as an older finops wrote it
        pl.read_parquet(part).drop(added, strict=False).write_parquet(part)
    got = Store(tmp_path / "store").read("requests").sort("ts")
    assert got.schema == REQUESTS
    assert got["status_code"].to_list() == [1, None]
    assert got["cache_write_1h_tokens"].to_list() == [1, None]
    changed = rows.tail(1).with_columns(pl.lit(7, pl.Int64).alias("output_tokens"))
    assert store.upsert("requests", changed).changed == 1
    again = store.read("requests").sort("ts")
    assert again["output_tokens"].to_list() == [1, 7]
    assert again["status_code"].to_list() == [1, 11]


@pytest.mark.parametrize("argv", [["status"], ["summary"], ["reconcile", "--format", "csv"]], ids=["status", "summary", "reconcile"])
def test_commands_read_the_same_figures_wherever_the_data_directory_is(argv: list[str], sample_store_path: Path,
                                                                        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    """The sample store under a plain path and under one whose folders look like the store's own
    partitions (`month=1999-01`, `ts=x`) and a user's (`env=prod`): every command prints the same."""
    import sys

    from finops import cli

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FINOPS_CONFIG", raising=False)
    shown = {}
    for name, home in (("plain", tmp_path / "plain" / "home"),
                       ("hostile", tmp_path / "month=1999-01" / "env=prod" / "ts=x" / "home")):
        shutil.copytree(sample_store_path, home / "store")
        monkeypatch.setattr(sys, "argv", ["finops", "--data-dir", str(home), *argv])
        try:
            cli.main()
        except SystemExit as exc:
            assert not exc.code, capsys.readouterr()
        out = capsys.readouterr()
        assert "Traceback" not in out.err and "internal error" not in out.err, out.err
        shown[name] = out.out.replace(str(home), "<home>")
    assert shown["hostile"] == shown["plain"] and shown["plain"].strip()
