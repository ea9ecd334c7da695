"""Run an export: build each month of a dataset, write the months that changed, remember what was written.

`export(dataset, fmt, out_dir, since, until, incremental, ctx=..., state_dir=...)` is what
the CLI, a scheduler and the tests call. Without --incremental every selected month is
rebuilt; with it, a month whose inputs stamp (context.py) is unchanged and whose file is
still there is skipped unread. Either way a file is replaced only when its bytes change
(files.replace_if_changed), atomically, and the state is saved after each file, so a
killed export loses at most the month in flight and the next run completes it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import polars as pl

from finops.errors import InputError
from finops.export import files, periods
from finops.export.context import Context
from finops.export.datasets import DATASETS, Dataset, month_expr, stamp_parts
from finops.export.state import ExportState, locked, target_key

log = logging.getLogger("finops.export")


@dataclass
class ExportResult:
    dataset: str
    fmt: str
    out_dir: Path
    months: list[str] = field(default_factory=list)  # every month selected
    written: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    rows: int = 0  # rows in the months that were built
    rows_written: int = 0
    seconds: float = 0.0

    @property
    def empty(self) -> bool:
        """No month of the dataset falls in the selection: nothing to export."""
        return not self.months


def _file_ok(entry: dict[str, Any] | None, path: Path) -> bool:
    return bool(entry) and path.is_file() and path.stat().st_size == entry.get("bytes")  # type: ignore[union-attr]


def _split(frame: pl.DataFrame, column: str) -> Iterator[tuple[str, pl.DataFrame]]:
    if frame.height == 0:
        return
    keyed = frame.with_columns(month_expr(frame, column).alias("__month"))
    for (month,), part in sorted(keyed.group_by("__month"), key=lambda kv: str(kv[0][0])):
        yield str(month), part.drop("__month")


class _Run:
    def __init__(self, ds: Dataset, fmt: str, out_dir: Path, incremental: bool, ctx: Context, state: ExportState,
                 result: ExportResult) -> None:
        self.ds, self.fmt, self.out_dir, self.incremental, self.ctx = ds, fmt, out_dir, incremental, ctx
        self.state, self.result = state, result
        self.raw = False
        self.entries = state.periods(target_key(fmt, out_dir))

    def target(self, month: str) -> Path:
        return files.target(self.out_dir, self.ds.name, month, self.fmt)

    def current(self, month: str, inputs: str) -> bool:
        entry = self.entries.get(month)
        return self.incremental and _file_ok(entry, self.target(month)) and entry.get("inputs") == inputs  # type: ignore[union-attr]

    def emit(self, month: str, frame: pl.DataFrame, inputs: str) -> None:
        path, entry = self.target(month), self.entries.get(month)
        frame = frame.sort(list(self.ds.sort), nulls_last=True, maintain_order=True)
        fp = files.fingerprint(frame) + ("+raw" if self.raw else "")  # a switch of --raw rewrites the CSV
        self.result.rows += frame.height
        if self.incremental and entry and entry.get("fingerprint") == fp and _file_ok(entry, path):
            if entry.get("inputs") != inputs:  # inputs were rewritten, rows are the same: remember, touch nothing
                entry["inputs"] = inputs
                self.state.save()
            self.result.unchanged.append(path)
            return
        replaced, size, sha = files.replace_if_changed(frame, self.fmt, path, self.raw)
        new = {"file": f"{self.ds.name}/{path.name}", "inputs": inputs, "fingerprint": fp, "rows": frame.height,
               "bytes": size, "sha256": sha}
        new["exported_at"] = (datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ") if replaced or not entry
                              else entry.get("exported_at"))
        if replaced:
            self.result.written.append(path)
            self.result.rows_written += frame.height
            log.info("wrote %s (%s rows, %s bytes)", path, f"{frame.height:,}", f"{size:,}")
        else:
            self.result.unchanged.append(path)
        if new != entry:
            self.entries[month] = new
            self.state.save()

    def by_month(self, since: date | None, until: date | None) -> None:
        months = [m for m in self.ctx.store.months(self.ds.tables[0]) if periods.in_range(m, since, until)]
        self.result.months = months
        for month in months:
            inputs = self.ctx.stamp(stamp_parts(self.ctx, self.ds, month))
            if self.current(month, inputs):
                self.result.unchanged.append(self.target(month))
                continue
            assert self.ds.by_month is not None
            self.emit(month, self.ds.by_month(self.ctx, month), inputs)

    def by_range(self, since: date | None, until: date | None) -> None:
        inputs = self.ctx.stamp(stamp_parts(self.ctx, self.ds, None))
        known = sorted(m for m in self.entries if periods.in_range(m, since, until))
        if known and all(self.current(m, inputs) for m in known):
            self.result.months = known
            self.result.unchanged += [self.target(m) for m in known]
            return
        assert self.ds.by_range is not None
        first, last = periods.whole_months(since, until)
        for month, part in _split(self.ds.by_range(self.ctx, first, last), self.ds.period_column):
            self.result.months.append(month)
            self.emit(month, part, inputs)


def export(dataset: str, fmt: str, out_dir: Path, since: date | None = None, until: date | None = None,
           incremental: bool = False, *, ctx: Context, state_dir: Path, raw: bool = False) -> ExportResult:
    """Export the months of `dataset` overlapping [since, until] to `out_dir` as csv or parquet files."""
    if dataset not in DATASETS:
        raise InputError(f"--dataset: {dataset!r} is not one of {', '.join(DATASETS)}")
    if fmt not in files.FORMATS:
        raise InputError(f"--format: {fmt!r} is not csv or parquet")
    if since and until and since > until:
        raise InputError(f"--since {since} is after --until {until}")
    ds = DATASETS[dataset]
    out_dir = Path(out_dir).expanduser().resolve()
    result = ExportResult(dataset, fmt, out_dir)
    t0 = time.perf_counter()
    with locked(state_dir, dataset):
        state = ExportState.load(state_dir, dataset)
        dead = files.remove_dead_temps(out_dir / dataset)
        if dead:
            log.info("removed %d temp file(s) left by an interrupted export in %s", dead, out_dir / dataset)
        run = _Run(ds, fmt, out_dir, incremental, ctx, state, result)
        run.raw = raw and fmt == "csv"  # CSV cells starting like a formula are neutralised unless raw
        if ds.by_month:
            run.by_month(since, until)
        else:
            run.by_range(since, until)
    result.seconds = time.perf_counter() - t0
    return result
