"""Write a dataset as one file per UTC month, atomically, and only what changed when incremental.

Files: <out>/<dataset>/<dataset>-YYYY-MM.<csv|parquet>, a deterministic name per period.
Incremental state: <data dir>/export_state/<dataset>-<format>.json maps each month to a
SHA-256 of its rows; a month whose rows hash the same and whose file exists is skipped, so a
re-run writes nothing, and a restated day changes its month's hash and re-exports it.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import polars as pl

from finops.config import ConfigFile
from finops.errors import InputError
from finops.export.datasets import DATASETS
from finops.store import Store, atomic

log = logging.getLogger("finops.export")
FORMATS = ("csv", "parquet")


@dataclass
class ExportReport:
    dataset: str
    written: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    rows: int = 0


def _csv_ready(frame: pl.DataFrame) -> pl.DataFrame:
    """ISO 8601 UTC text for datetimes ('2026-10-01T00:00:00Z'), as FOCUS asks; lists as text."""
    exprs = []
    for name, dtype in frame.schema.items():
        if isinstance(dtype, pl.Datetime):
            exprs.append(pl.col(name).dt.convert_time_zone("UTC").dt.strftime("%Y-%m-%dT%H:%M:%SZ"))
        elif isinstance(dtype, pl.List):
            exprs.append(pl.col(name).cast(pl.List(pl.String)).list.join(","))
    return frame.with_columns(exprs) if exprs else frame


def fingerprint(frame: pl.DataFrame) -> str:
    return hashlib.sha256(_csv_ready(frame).write_csv().encode()).hexdigest()


def export(store: Store, dataset: str, fmt: str, out_dir: Path, state_dir: Path, config: ConfigFile,
           since: date | None = None, until: date | None = None, incremental: bool = False) -> ExportReport:
    if dataset not in DATASETS:
        raise InputError(f"--dataset: {dataset!r} is not one of {', '.join(DATASETS)}")
    if fmt not in FORMATS:
        raise InputError(f"--format: {fmt!r} is not csv or parquet")
    spec = DATASETS[dataset]
    frame = spec.build(store, since, until, config)
    report = ExportReport(dataset, rows=frame.height)
    if frame.height == 0:
        return report
    period = pl.col(spec.period_column)
    month = (period.dt.strftime("%Y-%m") if frame.schema[spec.period_column] != pl.String else period.str.slice(0, 7)).alias("__month")
    frame = frame.with_columns(month)
    state_path = state_dir / f"{dataset}-{fmt}.json"
    state: dict[str, str] = json.loads(state_path.read_text()) if incremental and state_path.is_file() else {}
    for (m,), part in sorted(frame.group_by("__month"), key=lambda kv: str(kv[0][0])):
        part = part.drop("__month")
        target = out_dir / dataset / f"{dataset}-{m}.{fmt}"
        digest = fingerprint(part)
        if incremental and state.get(str(m)) == digest and target.is_file():
            report.unchanged.append(target)
            continue
        if fmt == "csv":
            atomic.write_with(target, lambda tmp, f=part: _csv_ready(f).write_csv(tmp))
        else:
            atomic.write_with(target, lambda tmp, f=part: f.write_parquet(tmp, compression="zstd"))
        state[str(m)] = digest
        report.written.append(target)
        log.info("wrote %s (%d rows)", target, part.height)
        if incremental:  # save after each file so a crash loses at most the file in flight
            atomic.write_text(state_path, json.dumps(state, indent=2, sort_keys=True) + "\n")
    return report
