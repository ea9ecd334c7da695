"""Export files: deterministic names and bytes, content fingerprints, atomic replacement.

Layout: `<out>/<dataset>/<dataset>-YYYY-MM.<csv|parquet>`, one file per UTC month, flat in
one folder per dataset, so `read_parquet('<out>/costs/*.parquet')` reads them all (temp
files start with "." and never match). Parquet keeps types (FOCUS decimals as
DECIMAL(38,12), times as UTC timestamps); CSV writes times as ISO 8601 UTC
("2026-10-01T00:00:00Z"), lists joined with ";".

A file is replaced only when its new bytes differ from the old ones, so an export whose
data did not change leaves the file (and its mtime) alone even without saved state.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import polars as pl

from finops.store import atomic

FORMATS = ("csv", "parquet")
_NULL = "\\N"  # null marker for fingerprints only: tells a null from an empty string


class _Sink:
    """A write-only file object that hashes what it is given."""

    def __init__(self) -> None:
        self.hash = hashlib.sha256()

    def write(self, data: bytes | str) -> int:
        raw = data.encode() if isinstance(data, str) else data
        self.hash.update(raw)
        return len(raw)

    def flush(self) -> None:
        pass


def file_name(dataset: str, month: str, fmt: str) -> str:
    return f"{dataset}-{month}.{fmt}"


def target(out_dir: Path, dataset: str, month: str, fmt: str) -> Path:
    return out_dir / dataset / file_name(dataset, month, fmt)


# OWASP CSV injection: a cell a spreadsheet would read as a formula starts with one of these.
FORMULA_START = r"^[=+\-@\t\r]"


def neutralised(frame: pl.DataFrame) -> pl.DataFrame:
    """Text cells that start like a formula (=, +, -, @, tab, CR) prefixed with ' so a spreadsheet
    shows them as text. Only text columns: a negative number in a numeric column is a number."""
    text = [n for n, d in frame.schema.items() if d == pl.String]
    return frame.with_columns(
        pl.when(pl.col(n).str.contains(FORMULA_START)).then(pl.lit("'") + pl.col(n)).otherwise(pl.col(n)).alias(n)
        for n in text
    ) if text else frame


def csv_ready(frame: pl.DataFrame, raw: bool = False) -> pl.DataFrame:
    """Text forms CSV readers agree on: ISO 8601 UTC times, lists joined with ';', structs as JSON;
    formula-like text neutralised unless `raw`."""
    exprs = []
    for name, dtype in frame.schema.items():
        if isinstance(dtype, pl.Datetime):
            col = pl.col(name).dt.replace_time_zone("UTC") if dtype.time_zone is None else pl.col(name)
            exprs.append(col.dt.convert_time_zone("UTC").dt.strftime("%Y-%m-%dT%H:%M:%SZ").alias(name))
        elif isinstance(dtype, pl.List):
            exprs.append(pl.col(name).cast(pl.List(pl.String)).list.join(";").alias(name))
        elif isinstance(dtype, pl.Struct):
            exprs.append(pl.col(name).struct.json_encode().alias(name))
    out = frame.with_columns(exprs) if exprs else frame
    return out if raw else neutralised(out)  # times as text start with a digit: never touched


def fingerprint(frame: pl.DataFrame) -> str:
    """SHA-256 of the frame's schema and values, independent of memory layout and output format.

    Values enter through polars' 64-bit row hashes (fast; value-based, so chunking and
    string buffers do not matter). Those are stable only within one polars version, so the
    version is hashed too: an upgrade re-checks each month once, and the byte comparison in
    replace_if_changed still keeps unchanged files untouched. Types without a row hash fall
    back to hashing the CSV text (with a null marker, so null and "" differ).
    """
    sink = _Sink()
    sink.write(f"polars {pl.__version__}|{list(frame.schema.items())!r}|")
    try:
        sink.write(frame.hash_rows(seed=0).to_numpy().tobytes())
    except (pl.exceptions.PolarsError, TypeError):
        frame.rechunk().pipe(csv_ready).write_csv(sink, null_value=_NULL)  # type: ignore[call-overload]  # a text sink polars writes to
    return sink.hash.hexdigest()


def write_frame(frame: pl.DataFrame, fmt: str, path: Path, raw: bool = False) -> None:
    if fmt == "parquet":
        frame.write_parquet(path, compression="zstd", statistics=True)
    else:
        csv_ready(frame, raw).write_csv(path)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class _Unchanged(Exception):
    """Raised inside the atomic block to drop a temp file whose bytes equal the target's."""


def replace_if_changed(frame: pl.DataFrame, fmt: str, path: Path, raw: bool = False) -> tuple[bool, int, str]:
    """Write `frame` to `path` atomically unless the file already holds these exact bytes.

    Returns (replaced, size in bytes, sha256 of the file).
    """
    result: dict[str, object] = {}
    try:
        with atomic.atomic_path(path) as tmp:
            write_frame(frame, fmt, tmp, raw)
            result["size"], result["sha"] = tmp.stat().st_size, _sha256(tmp)
            if path.is_file() and path.stat().st_size == result["size"] and _sha256(path) == result["sha"]:
                raise _Unchanged
    except _Unchanged:
        return False, int(result["size"]), str(result["sha"])  # type: ignore[call-overload]
    return True, int(result["size"]), str(result["sha"])  # type: ignore[call-overload]


def remove_dead_temps(folder: Path) -> int:
    """Delete temp files left by killed exports (their writer pid no longer runs); returns how many."""
    n = 0
    if not folder.is_dir():
        return 0
    for p in folder.glob(f"{atomic.TMP_PREFIX}*"):
        pid = p.name[len(atomic.TMP_PREFIX):].split("-", 1)[0]
        if pid.isdigit() and _alive(int(pid)):
            continue
        try:
            p.unlink()
            n += 1
        except OSError:
            pass
    return n


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
