"""Incremental export: a re-run touches nothing, a restated day re-exports its month, a kill leaves no half file."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import polars as pl
import pytest

from finops.export.context import Context
from finops.export.writer import ExportResult, export
from finops.store import Store, atomic

REPO = Path(__file__).resolve().parents[1]


def _run(store: Store, root: Path, dataset: str = "costs", fmt: str = "parquet", incremental: bool = True,
         **kw: object) -> ExportResult:
    return export(dataset, fmt, root / "out", incremental=incremental, ctx=Context(store), state_dir=root / "state", **kw)


def _snapshot(folder: Path) -> dict[str, tuple[int, bytes]]:
    """Every file under `folder` (hidden ones too): mtime in ns and bytes."""
    return {str(p.relative_to(folder)): (p.stat().st_mtime_ns, p.read_bytes()) for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_rerun_writes_nothing_and_changes_no_file(sample_store: Store, tmp_path: Path, fmt: str) -> None:
    first = _run(sample_store, tmp_path, fmt=fmt, until=datetime(2025, 9, 30).date())
    assert len(first.written) == len(first.months) == 5  # 2025-05 .. 2025-09
    before = _snapshot(tmp_path)
    again = _run(sample_store, tmp_path, fmt=fmt, until=datetime(2025, 9, 30).date())
    assert again.written == [] and len(again.unchanged) == 5 and again.rows == 0  # skipped unread
    assert _snapshot(tmp_path) == before  # exports and state: same bytes, same mtimes
    full = _run(sample_store, tmp_path, fmt=fmt, incremental=False, until=datetime(2025, 9, 30).date())
    assert full.written == [] and full.rows == first.rows  # rebuilt every month, found every file current
    assert _snapshot(tmp_path) == before


def test_restated_day_reexports_only_its_month(sample_store_copy: Store, tmp_path: Path) -> None:
    _run(sample_store_copy, tmp_path)
    before = _snapshot(tmp_path / "out")
    state_before = json.loads((tmp_path / "state" / "costs.json").read_text())
    day = datetime(2026, 10, 7, tzinfo=timezone.utc)
    line = sample_store_copy.scan("cost_lines").filter(
        (pl.col("ChargePeriodStart") == day) & (pl.col("x_Source") == "sample:openai")).head(1).collect()
    restated = line.with_columns(pl.col("BilledCost") + 1.25)
    assert sample_store_copy.upsert("cost_lines", restated).changed == 1
    result = _run(sample_store_copy, tmp_path)
    assert [p.name for p in result.written] == ["costs-2026-10.parquet"]
    after = _snapshot(tmp_path / "out")
    changed = {name for name in after if after[name] != before[name]}
    assert changed == {"costs/costs-2026-10.parquet"}
    back = pl.read_parquet(tmp_path / "out" / "costs" / "costs-2026-10.parquet").filter(
        pl.col("x_LineId") == line["x_LineId"][0])
    assert float(back["BilledCost"][0]) == pytest.approx(line["BilledCost"][0] + 1.25)
    state = json.loads((tmp_path / "state" / "costs.json").read_text())
    (key,) = state["targets"]
    old, new = state_before["targets"][key], state["targets"][key]
    assert {m for m in new if new[m] != old[m]} == {"2026-10"}
    assert new["2026-10"]["fingerprint"] != old["2026-10"]["fingerprint"]
    assert _run(sample_store_copy, tmp_path).written == []  # and it settles again


def test_failure_between_temp_write_and_rename_leaves_no_final_file(sample_store: Store, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    real = os.replace
    renames: list[str] = []

    def crash_on_third_export_file(src, dst):  # type: ignore[no-untyped-def]
        if str(dst).endswith(".parquet") and Path(dst).is_relative_to(tmp_path / "out"):  # not the store's price pin
            renames.append(str(dst))
            if len(renames) == 3:
                raise OSError(28, "No space left on device (injected)")
        return real(src, dst)

    monkeypatch.setattr(atomic.os, "replace", crash_on_third_export_file)
    with pytest.raises(OSError, match="injected"):
        _run(sample_store, tmp_path)
    monkeypatch.setattr(atomic.os, "replace", real)
    folder = tmp_path / "out" / "costs"
    assert sorted(p.name for p in folder.iterdir()) == ["costs-2025-05.parquet", "costs-2025-06.parquet"]  # temp removed
    for p in folder.iterdir():
        assert pl.read_parquet(p).height > 0
    resumed = _run(sample_store, tmp_path)
    assert "costs-2025-05.parquet" not in {p.name for p in resumed.written}  # saved in state before the crash
    assert len([p for p in folder.iterdir() if p.suffix == ".parquet"]) == len(resumed.months)


CHILD = """
import os, sys, time
from pathlib import Path
from finops.export.context import Context
from finops.export.writer import export
from finops.store import Store, atomic
real, seen = os.replace, []
out = Path(sys.argv[2]) / 'out'
def slow(src, dst):
    if str(dst).endswith('.parquet') and Path(dst).is_relative_to(out):  # not the store's price pin
        seen.append(dst)
        if len(seen) == 3:  # temp file written, rename pending: signal the parent, then hang
            Path(sys.argv[3]).write_text(str(src))
            time.sleep(120)
    return real(src, dst)
atomic.os.replace = slow
export('costs', 'parquet', out, ctx=Context(Store(Path(sys.argv[1]))), state_dir=Path(sys.argv[2]) / 'state')
"""


def test_killed_export_process_leaves_no_partial_final_file(sample_store_path: Path, tmp_path: Path) -> None:
    marker = tmp_path / "renaming"
    child = subprocess.Popen([sys.executable, "-c", textwrap.dedent(CHILD), str(sample_store_path), str(tmp_path), str(marker)],
                             cwd=REPO)
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert child.poll() is None, "export child exited before the kill"
            assert time.monotonic() < deadline, "export child never reached its third file"
            time.sleep(0.05)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
    folder = tmp_path / "out" / "costs"
    temp = Path(marker.read_text())
    assert temp.exists() and temp.name.startswith(atomic.TMP_PREFIX)  # the half-done month is only a temp
    finals = sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))
    assert finals == ["costs-2025-05.parquet", "costs-2025-06.parquet"]
    complete = sum(pl.read_parquet(folder / name).height for name in finals)
    assert complete > 0
    # What a warehouse loader sees meanwhile: the complete months only, through polars and DuckDB globs.
    assert pl.read_parquet(folder / "*.parquet").height == complete
    assert duckdb.sql(f"SELECT COUNT(*) FROM read_parquet('{folder / '*.parquet'}')").fetchall() == [(complete,)]
    resumed = _run(Store(sample_store_path), tmp_path)
    assert not temp.exists() and not list(folder.glob(f"{atomic.TMP_PREFIX}*"))  # dead writer's temp removed
    assert sorted(p.name for p in resumed.written)[0] == "costs-2025-07.parquet"
    assert len([p for p in folder.iterdir() if p.suffix == ".parquet"]) == len(resumed.months)


def test_csv_cells_that_start_like_a_formula_are_neutralised_unless_raw(tmp_path: Path) -> None:
    from finops.export.files import write_frame

    frame = pl.DataFrame({"name": ["=cmd|' /C calc'!A0", "+1", "-2", "@SUM(A1)", "plain", None],
                          "cost": [-1.5, 2.0, -3.0, 0.0, 1.0, None], "tags": [["=x"], ["a"], [], ["b"], ["c"], None]})
    write_frame(frame, "csv", tmp_path / "safe.csv")
    write_frame(frame, "csv", tmp_path / "raw.csv", raw=True)
    safe = pl.read_csv(tmp_path / "safe.csv")
    assert safe["name"].to_list() == ["'=cmd|' /C calc'!A0", "'+1", "'-2", "'@SUM(A1)", "plain", None]
    assert safe["cost"].to_list() == [-1.5, 2.0, -3.0, 0.0, 1.0, None]  # numbers stay numbers
    assert safe["tags"][0] == "'=x"
    assert pl.read_csv(tmp_path / "raw.csv")["name"].to_list() == frame["name"].to_list()


def test_export_never_deletes_a_users_tmp_file(tmp_path: Path) -> None:
    from finops.export.files import remove_dead_temps

    mine = tmp_path / ".tmp-notes.txt"
    mine.write_text("a user's file")
    dead = tmp_path / f"{atomic.TMP_PREFIX}999999999-costs-2026-01.csv.partial"
    dead.write_text("left by a killed export")
    assert remove_dead_temps(tmp_path) == 1
    assert mine.exists() and not dead.exists()


def test_formulas_in_an_ingested_bill_never_reach_a_csv_export_as_formulas(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                           capsys: pytest.CaptureFixture[str]) -> None:
    """Hostile text from a provider's file, end to end: `finops ingest` a FOCUS CSV whose text
    fields start with =, +, -, @, then `finops export --format csv`: no cell of the export starts
    like a formula; with --raw every one is as the bill wrote it."""
    import csv as csvmod

    from finops import cli

    hostile = ["=HYPERLINK(\"http://x\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)"]
    head = "BilledCost,BillingCurrency,ChargePeriodStart,ChargePeriodEnd,ServiceName,SkuId,ChargeDescription\n"
    # ServiceName stays an AI service (the reader keeps those lines only); the description is free text
    rows = [f"1.5,USD,2026-03-0{i + 1}T00:00:00Z,2026-03-0{i + 2}T00:00:00Z,Amazon Bedrock,sku-{i},"
            f"\"{h.replace(chr(34), chr(34) * 2)}\"\n" for i, h in enumerate(hostile)]
    bill = tmp_path / "focus.csv"
    bill.write_text(head + "".join(rows))
    home = tmp_path / "home"
    monkeypatch.chdir(tmp_path)

    def finops(*argv: str) -> None:
        monkeypatch.setattr(sys, "argv", ["finops", "--data-dir", str(home), *argv])
        try:
            cli.main()
        except SystemExit as exc:
            assert not exc.code, capsys.readouterr()

    finops("ingest", str(bill), "--kind", "focus")
    for raw in (False, True):
        out = tmp_path / ("raw" if raw else "safe")
        finops("export", "--dataset", "costs", "--format", "csv", "--out", str(out), *(["--raw"] if raw else []))
        cells = [c for f in sorted(out.rglob("*.csv")) for row in csvmod.reader(f.open(encoding="utf-8")) for c in row]
        assert cells
        texts = set(cells)
        if raw:
            assert set(hostile) <= texts  # --raw writes them as they are
        else:
            assert not [c for c in cells if c[:1] and (c[0] in "=+@" or (c[0] == "-" and not _is_number(c)))], cells
            assert {"'" + h for h in hostile} <= texts


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False
