"""All-or-nothing loads under kill -9, and readers isolated from a writer.

A subprocess runs a two-table, three-month load (merges, new parts, a deletion) in one
transaction and is killed at a named point of the write path (FINOPS_KILL_AT, see
finops/store/killpoints.py). After each kill a reader sees the state before the load,
never a part of it; the table folders hold exactly that state again once the store is
opened (what DuckDB reads by glob); and running the load again converges on the state
after it. A reader looping in-process while another process merges sees only committed
states and never fails.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest

from finops.store import Store
from finops.store.snapshot import version_dir
from tests.support import crash_load

ROOT = Path(__file__).resolve().parents[1]
# point[:n]: the n-th time the load reaches it. 12 points across staging, the three kinds of
# write, the version's folder, the commit and the clean-up after it.
POINTS = ["staged:1", "staged:3", "merged:1", "appended:1", "appended:2", "merged:2", "deleted:1",
          "snapshot-built", "snapshot-renamed", "committed", "retired:1", "retired:3"]


def _run(root: Path, what: str, kill_at: str | None = None) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("FINOPS_KILL_AT", None)
    if kill_at:
        env["FINOPS_KILL_AT"] = kill_at
    return subprocess.Popen([sys.executable, "-m", "tests.support.crash_load", str(root), what], env=env, cwd=ROOT)


def _on_disk(root: Path) -> tuple:
    """The same figures read straight from the table folders, as an engine globbing them would."""
    def glob(table: str) -> pl.LazyFrame:
        return pl.scan_parquet(str(root / table / "*" / "*.parquet"), hive_partitioning=False)
    req = glob("requests").group_by(pl.col("ts").dt.month()).agg(pl.len(), pl.col("input_tokens").sum()).sort("ts")
    bill = glob("billed_usage").select(pl.len(), pl.col("quantity").sum())
    return tuple(map(tuple, req.collect().rows())), bill.collect().row(0)


@pytest.fixture(scope="module")
def states(tmp_path_factory: pytest.TempPathFactory) -> tuple[tuple, tuple]:
    root = tmp_path_factory.mktemp("reference")
    store = Store(root)
    crash_load.base(store)
    before = crash_load.state(store)
    crash_load.load(store)
    return before, crash_load.state(store)


@pytest.mark.parametrize("point", POINTS)
def test_a_load_killed_at_any_point_is_all_or_nothing(point: str, tmp_path: Path, states: tuple[tuple, tuple]) -> None:
    before, after = states
    crash_load.base(Store(tmp_path))
    proc = _run(tmp_path, "load", kill_at=point)
    assert proc.wait(timeout=60) == -9, f"the load never reached {point}"
    seen = crash_load.state(Store(tmp_path))  # opening the store clears what the kill left
    committed = point.split(":")[0] in ("committed", "retired")
    assert seen == (after if committed else before)
    assert _on_disk(tmp_path) == seen  # the folders hold exactly the snapshot again
    assert not list((tmp_path / "_state").glob(".stage-*"))
    assert not list(tmp_path.rglob(".finops-tmp-*"))
    crash_load.load(Store(tmp_path))  # the rerun converges
    assert crash_load.state(Store(tmp_path)) == after == _on_disk(tmp_path)


def test_a_reader_during_merge_ingests_sees_only_committed_states(tmp_path: Path) -> None:
    store = Store(tmp_path)
    with store.transaction():
        for m in crash_load.MONTHS:
            store.upsert("requests", crash_load.requests(m, range(0, 3000), tokens=1))
    writer = _run(tmp_path, "loop")
    reads, versions, errors = 0, set(), []
    try:
        deadline = time.monotonic() + 6
        while time.monotonic() < deadline or len(versions) < 3:
            if time.monotonic() > deadline + 20:
                break
            try:
                frame = Store(tmp_path).read("requests")
            except Exception as exc:  # noqa: BLE001 - any failure is the finding
                errors.append(repr(exc))
                continue
            reads += 1
            # A committed state: every month whole, every row of the same ingest.
            assert frame.height == 9000 and frame["request_id"].n_unique() == 9000
            assert frame["input_tokens"].n_unique() == 1, frame["input_tokens"].value_counts()
            versions.add(frame["input_tokens"][0])
    finally:
        writer.kill()
        writer.wait()
    print(f"reader loop: {reads} reads, {len(versions)} committed versions seen, {len(errors)} errors")
    assert not errors, errors[:3]
    assert reads >= 20 and len(versions) >= 3, (reads, versions)
    final = Store(tmp_path)
    assert final.read("requests")["input_tokens"].n_unique() == 1
    assert version_dir(tmp_path, final.manifest().version).is_dir()
