"""Load request-log files into the store: check every file first, write only if all are good.

A good file is parsed once: its rows are staged by month in the store's own file form (so
a month of new requests takes them as they are), and its bad rows only counted. A file with
bad rows is parsed again, leniently (the forms the strict checks reject but we accept); that
pass stages its good rows and keeps the flags and line numbers of the rows still bad, to
explain them.
Files are loaded in order, one commit per source, so a second source's copy of a request
merges into the first (dedup.py) instead of being counted twice.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from finops.connectors.request_logs.dedup import AGENT_FORMATS, fullest_copies, merge_with_store
from finops.config import ConfigFile
from finops.connectors.request_logs.fields import FIELDS, Reading, finish
from finops.connectors.request_logs.mapping import MAPPED, SourceMapping
from finops.connectors.request_logs.mapping import where as mapping_where
from finops.connectors.request_logs.files import clean_copy, layout_of, needs_cleaning
from finops.connectors.request_logs.problems import CSV, JSONL, SHOWN, BadRow, Problems, collect
from finops.connectors.request_logs.agents import read_claude_code
from finops.connectors.request_logs.readers import detect_format, read_requests
from finops.connectors.request_logs.values import BAD, REC, ROW
from finops.errors import InputError
from finops.schema import REQUESTS, REQUESTS_TABLE
from finops.store import Checked, Staged, Store, UpsertResult, stage_checked

Progress = Callable[[str, int], None]  # (what happened, bytes of input done)


class BadRowsError(InputError):
    """Bad rows stopped the load; `.problems` holds the first ones, explained."""

    def __init__(self, problems: Problems) -> None:
        super().__init__(problems.message())
        self.problems = problems


@dataclass
class FileReport:
    path: Path
    fmt: str
    source: str
    rows: int = 0
    bad: int = 0


@dataclass
class IngestReport:
    result: UpsertResult = field(default_factory=lambda: UpsertResult(REQUESTS_TABLE.name))
    files: list[FileReport] = field(default_factory=list)
    problems: Problems = field(default_factory=Problems)
    merged: int = 0  # rows already stored from another source, merged rather than added
    notes: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return self.result.added + self.result.changed + self.result.unchanged

    @property
    def bad(self) -> list:  # the explained bad rows (first ones); problems.count has them all
        return self.problems.rows


@dataclass
class _Staged:
    report: FileReport
    rows: Staged | None  # good rows only, in store form; None when bad rows stop the load


def _checked(reading: Reading, lenient: bool, folder: Path, keep_good: bool) -> Checked:
    """The good rows staged by month for the store; the lenient pass also keeps the flagged
    rows' flags and records (the strict one only counts them: any bad row sends the file on
    to the lenient pass, which explains them)."""
    checked = finish(reading, lenient)
    flags = [c for c in checked.collect_schema().names() if c.startswith(BAD)]
    bad = pl.any_horizontal(flags) if flags else pl.lit(False)
    shutil.rmtree(folder, ignore_errors=True)
    try:
        return stage_checked(REQUESTS_TABLE, checked, folder, bad, [*flags, REC, ROW], keep_good, explain=lenient)
    except pl.exceptions.ComputeError as exc:
        from finops.connectors.request_logs.files import bad_json_line

        where = bad_json_line(Path(reading.path)) if str(reading.path).endswith((".jsonl", ".ndjson", ".json")) else ""
        raise InputError(f"{reading.path}{where or f': cannot read as {reading.fmt}'} ({str(exc).splitlines()[0]})") from None


def _read(path: Path, fmt: str, mapping: dict[str, str] | None, source: str | None, as_text: bool = False,
          sm: SourceMapping | None = None, work: Path | None = None) -> Reading:
    reading = read_requests(path, fmt, mapping, as_text, sm.fields if sm else None, work)
    if source:
        reading.source = source
    return reading


PRESENCE_HEAD = 10_000  # records checked first for a mapped field; the whole file only when they lack it


def _check_mapped_present(reading: Reading, sm: SourceMapping, config: ConfigFile | None) -> None:
    """A mapping that names an attribute no record carries is a typo or the wrong log: say so."""
    names = reading.raw.collect_schema().names()
    # counts of a token class the period may simply not have (no 1-hour writes this month) are
    # not checked; the fields that say who and what a request is are
    cols = {ours: MAPPED + ("request_id" if ours == "response_id" else ours) for ours in sm.fields
            if not ours.endswith("_tokens") and ours != "latency_ms"}
    cols = {ours: c for ours, c in cols.items() if c in names}
    if not cols:
        return
    seen = lambda lf: lf.select(pl.col(c).is_not_null().any().alias(o) for o, c in cols.items()).collect().row(0, named=True)  # noqa: E731
    found = seen(reading.raw.head(PRESENCE_HEAD))
    if not all(found.values()):
        found = seen(reading.raw)
    for ours, ok in found.items():
        if not ok:
            at = mapping_where(config, sm, ours) if config else f"sources.requests.{sm.name}.fields.{sm.keys.get(ours, ours)}"
            raise InputError(f"{reading.path}: {sm.fields[ours]!r} appears in none of its records ({at})")


def _strict(path: Path, fmt: str, mapping: dict[str, str] | None, source: str | None, folder: Path,
            sm: SourceMapping | None, config: ConfigFile | None, read_path: Path) -> tuple[Reading, Checked]:
    """The file read and checked by the strict pass (as text when a typed read fails)."""
    # beside `folder`, which the staging empties: a reader's decoded copy of the file lives as long as the load
    reading = _read(read_path, fmt, mapping, source, sm=sm, work=folder.with_name(folder.name + ".decoded"))
    reading.path, reading.read_path = Path(path), read_path
    if sm and sm.fields:
        _check_mapped_present(reading, sm, config)
    try:
        return reading, _checked(reading, False, folder, keep_good=False)
    except InputError:
        if not reading.retry_as_text:
            raise
        reading = _read(read_path, fmt, mapping, source, as_text=True, sm=sm)  # a count written as "12" or 12.0
        reading.path, reading.read_path = Path(path), read_path
        return reading, _checked(reading, False, folder, keep_good=False)


def _stage(
    path: Path, fmt: str, mapping: dict[str, str] | None, source: str | None, folder: Path, skip_bad_rows: bool,
    sm: SourceMapping | None = None, config: ConfigFile | None = None,
) -> tuple[_Staged, Problems, list[str]]:
    path = Path(path)
    layout = layout_of(path)
    skipped: list[tuple[int, str]] = []
    read_path = path
    if needs_cleaning(path, layout):  # a byte-order mark or a last line cut short: scan a clean copy
        read_path, skipped = clean_copy(path, layout, folder)
    try:
        reading, checked = _strict(path, fmt, mapping, source, folder, sm, config, read_path)
    except (InputError, pl.exceptions.ComputeError) as exc:
        if layout not in (JSONL, CSV) or (read_path != path and layout == JSONL):
            raise
        # a line that is not JSON, or a CSV record with more or fewer fields than the header,
        # stops polars' scan: blank such lines in a copy and read that
        read_path, skipped = clean_copy(path, layout, folder, whole=True)
        if not skipped:
            if isinstance(exc, pl.exceptions.ComputeError):
                raise InputError(f"{path}: cannot read as {layout} ({str(exc).splitlines()[0]})") from None
            raise
        reading, checked = _strict(path, fmt, mapping, source, folder, sm, config, read_path)
    if checked.bad:  # the strict pass rejects some values: try the lenient forms before calling them bad
        checked = _checked(reading, True, folder, keep_good=skip_bad_rows)
    problems = Problems([BadRow(str(path), n, "(line)", why) for n, why in skipped[:SHOWN]], len(skipped))
    if checked.flagged is not None:  # kept by the lenient pass, which every file with bad rows reaches
        problems.extend(collect(checked.flagged, reading.raw, FIELDS, read_path, reading.layout, reading.labels, checked.bad,
                                shown_path=path))
    good = checked.good
    if skipped and not skip_bad_rows and checked.bad == 0:
        good = None  # the load stops on the skipped lines
    report = FileReport(path, reading.fmt, reading.source, checked.rows - problems.count + len(skipped), problems.count)
    return _Staged(report, good), problems, reading.notes


BATCHED = "claude-code"  # session logs of many small files: read as one scan (see agents._scan_many)


def _plan(paths: list[Path], fmt: str, mapping: dict[str, str] | None, sm: SourceMapping | None) -> list[Path | list[Path]]:
    """The files in order, runs of clean Claude Code session files grouped to be read at once."""
    plan: list[Path | list[Path]] = []
    run: list[Path] = []
    batchable = not mapping and not (sm and sm.fields) and fmt in ("auto", BATCHED)
    for p in map(Path, paths):
        if batchable and layout_of(p) == JSONL and (fmt == BATCHED or detect_format(p) == BATCHED) and not needs_cleaning(p, JSONL):
            run.append(p)
            continue
        if run:
            plan.append(run if len(run) > 1 else run[0])
            run = []
        plan.append(p)
    if run:
        plan.append(run if len(run) > 1 else run[0])
    return plan


def _stage_batch(paths: list[Path], source: str | None, folder: Path) -> _Staged | None:
    """Clean session files checked and staged as one; None when any row is bad (or a file
    cannot be read), to be done file by file so each problem is named by file and line."""
    reading = read_claude_code(paths)
    if source:
        reading.source = source
    try:
        checked = _checked(reading, False, folder, keep_good=False)
    except InputError:
        return None
    if checked.bad:
        return None
    where = Path(os.path.commonpath([str(p.parent) for p in paths])) / f"({len(paths)} {BATCHED} files)"
    return _Staged(FileReport(where, BATCHED, reading.source, checked.rows, 0), checked.good)


def ingest_request_files(
    store: Store,
    paths: list[Path],
    fmt: str = "auto",
    mapping: dict[str, str] | None = None,
    skip_bad_rows: bool = False,
    source: str | None = None,
    progress: Progress | None = None,
    source_mapping: SourceMapping | None = None,
    config: ConfigFile | None = None,
) -> IngestReport:
    """Check all files, then load them (nothing is written when a row is bad, unless skipped).

    `source_mapping` (a `[sources.requests.<name>]` of `config`) sets the format, the fields
    and the source name (`requests:<name>`).
    """
    report = IngestReport()
    if source_mapping is not None:
        if mapping:
            raise InputError(f"--map and [sources.requests.{source_mapping.name}] both map columns: use one")
        if fmt not in ("auto", source_mapping.reader_format) and source_mapping.format != "auto":
            raise InputError(f"--format {fmt}: [sources.requests.{source_mapping.name}] says format = {source_mapping.format!r}")
        if source_mapping.format != "auto":
            fmt = source_mapping.reader_format
        source = source_mapping.source
    with store.staging_dir() as tmp:
        staged: list[_Staged] = []
        for i, item in enumerate(_plan(paths, fmt, mapping, source_mapping)):
            batch = None
            files = item if isinstance(item, list) else [item]
            if isinstance(item, list):
                if progress:
                    progress(f"reading {len(files)} session files", 0)
                batch = _stage_batch(files, source, tmp / f"{i}b")
            if batch is not None:
                staged.append(batch)
                report.files.append(batch.report)
                if progress:
                    progress(f"checked {len(files)} session files", sum(p.stat().st_size for p in files))
                continue
            for j, path in enumerate(item if isinstance(item, list) else [item]):
                if progress:
                    progress(f"reading {Path(path).name}", 0)
                one, problems, notes = _stage(Path(path), fmt, mapping, source, tmp / f"{i}-{j}", skip_bad_rows, source_mapping, config)
                staged.append(one)
                report.files.append(one.report)
                report.problems.extend(problems)
                report.notes += [n for n in notes if n not in report.notes]
                if progress:
                    progress(f"checked {Path(path).name}", Path(path).stat().st_size)
        if report.problems and not skip_bad_rows:
            raise BadRowsError(report.problems)
        with store.transaction():  # every source's rows: one commit
            for src in dict.fromkeys(s.report.source for s in staged):
                if progress:
                    progress(f"storing {src}", 0)
                loads = [s.rows for s in staged if s.report.source == src and s.rows is not None]
                if not loads:
                    continue
                rows = Staged.combine(loads)
                if all(s.report.fmt in AGENT_FORMATS for s in staged if s.report.source == src):
                    # one request id, one row in the table: across files and months, the fullest copy
                    data_frame, moved = fullest_copies(store, rows.scan().select(REQUESTS.names()))
                    if moved:
                        store.delete_where(REQUESTS_TABLE, pl.col("request_id").is_in(moved))
                    report.result = report.result + store.upsert(REQUESTS_TABLE, data_frame)
                    continue
                data, merged = merge_with_store(store, rows.scan().select(REQUESTS.names()))
                report.merged += merged
                # Rows another source stored too are merged first and staged again; otherwise the
                # rows staged while checking go straight into the store.
                result = store.upsert(REQUESTS_TABLE, data) if merged else store.commit(rows)
                report.result = report.result + result
    return report
