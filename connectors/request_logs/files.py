"""Open a log or bill file lazily, every column as text, and number its records.

JSON Lines (`.jsonl`, `.ndjson`, or `.json` with one object per line) and CSV are scanned by
polars in batches; Parquet keeps its types. A `.json` file that holds one array or one
pretty-printed document cannot be streamed and is read whole (use JSON Lines for big logs).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, TextIO

import json
from pathlib import Path

import polars as pl

if TYPE_CHECKING:
    from polars._typing import PolarsDataType

from finops.connectors.request_logs.problems import CSV, ITEMS, JSONL, ROWS
from finops.connectors.request_logs.values import REC
from finops.errors import InputError

TEXT_SUFFIXES = (".jsonl", ".ndjson", ".json")


def _first_line(path: Path) -> str:
    with open(path, encoding="utf-8-sig", errors="replace") as fh:
        for line in fh:
            if line.strip():
                return line.strip()
    return ""


def layout_of(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return CSV
    if suffix == ".parquet":
        return ROWS
    if suffix in TEXT_SUFFIXES:
        if suffix != ".json":
            return JSONL
        head = _first_line(path)
        try:
            doc = json.loads(head)
        except ValueError:
            return ITEMS
        return JSONL if isinstance(doc, dict) else ITEMS
    raise InputError(f"{path}: unknown file type {suffix!r} (use .jsonl, .json, .csv or .parquet)")


_BOM = b"\xef\xbb\xbf"


def _line_at(path: Path, offset: int) -> int:
    """The 1-based line that holds byte `offset` (error path only: lines are not counted as the file is read)."""
    lines, done = 1, 0
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            lines += block.count(b"\n", 0, max(0, min(len(block), offset - done)))
            done += len(block)
            if done >= offset:
                break
    return lines


def not_utf8(path: Path, at: int) -> InputError:
    return InputError(f"{path}: line {_line_at(path, at)}: byte {at:,} is not UTF-8 (save the file as UTF-8)")


def first_non_utf8(block: bytes) -> int | None:
    """Where a block of whole lines stops being UTF-8 (None where it is): no character
    straddles two such blocks, so each can be checked on its own, by whichever thread reads it."""
    if block.isascii():
        return None
    try:
        block.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start
    return None


def preflight(path: Path, layout: str, utf8: bool = True) -> None:
    """Refuse, in one line naming the file and line, what the lazy readers would only fail on
    later without saying where: an empty file, a byte order mark before JSON, bytes that are
    not UTF-8 (unless `utf8` is False: a reader that checks its blocks itself), and a CSV
    header that names a column twice."""
    if layout == ROWS:
        return
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    if size == 0:
        raise InputError(f"{path}: the file is empty")
    import codecs

    decoder = codecs.getincrementaldecoder("utf-8")()
    done = 0
    with open(path, "rb") as fh:
        first = fh.read(3)
        if first == _BOM and layout != CSV:
            raise InputError(f"{path}: line 1: starts with a UTF-8 byte order mark; save it as UTF-8 without one")
        if utf8:  # False: the reader checks each block of lines as it reads it
            fh.seek(0)
            for block in iter(lambda: fh.read(1 << 20), b""):
                # An ASCII block is UTF-8 when no character is left open before it: a vectorised
                # check instead of decoding (the decode was 1.5 of 7 CPU seconds of a 1M-line
                # Claude Code tree, the check 0.4).
                if not block.isascii() or decoder.getstate()[0]:
                    try:
                        decoder.decode(block)
                    except UnicodeDecodeError as exc:
                        raise not_utf8(path, done + exc.start) from None
                done += len(block)
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                raise InputError(f"{path}: line {_line_at(path, done)}: the file ends inside a UTF-8 character") from None
    if layout == CSV:
        import csv

        header = next(csv.reader([_first_line(path).removeprefix("\ufeff")]), [])
        seen: set[str] = set()
        for name in header:
            if name in seen:
                raise InputError(f"{path}: line 1: column {name!r} appears more than once in the header")
            seen.add(name)


def bad_json_line(path: Path) -> str:
    """Where a JSON Lines file stops being JSON objects: ': line N: ...' (error path only)."""
    with open(path, encoding="utf-8", errors="replace") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                doc = json.loads(line)
            except json.JSONDecodeError as exc:
                return f": line {n}: not valid JSON ({exc.msg}{', a truncated record?' if n > 1 else ''})"
            if not isinstance(doc, dict):
                return f": line {n}: a JSON {type(doc).__name__}, not an object"
    return ""


def unreadable_at(path: Path, layout: str) -> str:
    """Where a file polars could not scan breaks: ': line N: why', or "" (error path only)."""
    if layout == JSONL:
        return bad_json_line(path)
    if layout == CSV:
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            bad = clean_csv(path, Path(tmp) / "scan.csv")
        if bad:
            return f": line {bad[0][0]}: {bad[0][1]}"
    return ""


def collect_scanned(lf: pl.LazyFrame, path: Path, layout: str, streaming: bool = False) -> pl.DataFrame:
    """Collect a frame `scan` opened; a file polars cannot scan (a CSV record with more fields than
    the header, say) is an InputError naming the file and line, never an internal error."""
    try:
        return lf.collect(engine="streaming" if streaming else "auto")
    except pl.exceptions.ComputeError as exc:
        where = unreadable_at(path, layout) or f": cannot read ({str(exc).splitlines()[0]})"
        raise InputError(f"{path}{where}") from None


def head_text(path: Path, limit: int = 4096) -> str:
    with open(path, encoding="utf-8-sig", errors="replace") as fh:
        return fh.read(limit)


def columns_of(path: Path) -> list[str]:
    """The column (or top-level key) names, from the header or the first records."""
    layout = layout_of(path)
    preflight(path, layout)
    try:
        if layout == CSV:
            return pl.scan_csv(path, infer_schema=False, n_rows=1).collect_schema().names()
        if layout == ROWS:
            return pl.scan_parquet(path).collect_schema().names()
        if layout == JSONL:
            return pl.scan_ndjson(path, infer_schema_length=1000).collect_schema().names()
        return _read_json(path, None).collect_schema().names()
    except (pl.exceptions.ComputeError, pl.exceptions.SchemaError, OSError) as exc:
        where = bad_json_line(path) if layout == JSONL else ""
        raise InputError(f"{path}{where or ': cannot read'} ({str(exc).splitlines()[0]})") from None


def _read_json(path: Path, schema: "Mapping[str, PolarsDataType] | None") -> pl.LazyFrame:
    """A JSON array of objects, or one document, read whole (it cannot be streamed)."""
    text = path.read_text(encoding="utf-8")
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise InputError(f"{path}: not valid JSON ({exc})") from None
    docs = doc if isinstance(doc, list) else [doc]
    for i, d in enumerate(docs, 1):
        if not isinstance(d, dict):
            raise InputError(f"{path}: record {i}: a JSON {type(d).__name__}, not an object")
    lines = "\n".join(json.dumps(d) for d in docs)
    return pl.read_ndjson(lines.encode(), schema=schema).lazy() if lines else pl.DataFrame(schema=schema).lazy()


def scan(path: Path, schema: "Mapping[str, PolarsDataType] | None" = None) -> tuple[pl.LazyFrame, str]:
    """A lazy frame of the file's records with a `__rec` index; text columns stay text.

    For JSON, `schema` names the keys to read and their types (keys not in it are ignored,
    numbers read into a String column become their text).
    """
    path = Path(path)
    layout = layout_of(path)
    preflight(path, layout)
    if layout == CSV:
        lf = pl.scan_csv(path, infer_schema=False, row_index_name=REC)
        names = [c for c in lf.collect_schema().names() if c != REC]
        # A blank line is a record of nulls in polars; it is not a row of the log.
        lf = lf.filter(~pl.all_horizontal(pl.col(names).is_null())) if names else lf
    elif layout == ROWS:
        lf = pl.scan_parquet(path, row_index_name=REC)
    elif layout == JSONL:
        lf = pl.scan_ndjson(path, schema=schema, infer_schema_length=1000, row_index_name=REC)
    else:
        lf = _read_json(path, schema).with_row_index(REC)
    return lf.with_columns(pl.col(REC).cast(pl.Int64)), layout


BOM = b"\xef\xbb\xbf"
TAIL = 1 << 16


def _last_fragment(path: Path) -> tuple[bytes, int] | None:
    """The file's last line when it does not end with a newline (a write cut short), and its
    1-based line number; None when the file ends cleanly."""
    size = path.stat().st_size
    if size == 0:
        return None
    with open(path, "rb") as fh:
        fh.seek(max(0, size - TAIL))
        tail = fh.read()
    if tail.endswith(b"\n"):
        return None
    cut = tail.rfind(b"\n")
    if cut < 0 and size > TAIL:
        return None  # one line longer than the tail: leave it to the parser
    fragment = tail[cut + 1:]
    with open(path, "rb") as fh:
        lines = sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b""))
    return fragment, lines + 1


def _json_ok(line: bytes) -> bool:
    try:
        json.loads(line)
    except ValueError:
        return False
    return True


def _csv_cut_short(path: Path) -> int | None:
    """The line number of a CSV file's last record when it was cut short: no newline after it,
    and fewer fields than the header or an open quote. None otherwise."""
    import csv
    import io

    last = _last_fragment(path)
    if last is None or not last[0].strip():
        return None
    header = next(csv.reader(io.StringIO(_first_line(path))), [])
    fragment = last[0].decode("utf-8", errors="replace")
    try:
        fields = next(csv.reader(io.StringIO(fragment), strict=True), [])
    except csv.Error:
        return last[1]
    open_quote = fragment.count('"') % 2 == 1
    return last[1] if open_quote or len(fields) < len(header) else None


def needs_cleaning(path: Path, layout: str) -> bool:
    """A file polars cannot scan as it is: a JSON Lines file with a byte-order mark or a last
    line cut short, or a CSV file whose last record was cut short."""
    if layout == CSV:
        return _csv_cut_short(path) is not None
    if layout != JSONL:
        return False
    with open(path, "rb") as fh:
        if fh.read(3) == BOM:
            return True
    last = _last_fragment(path)
    return last is not None and last[0].strip() != b"" and not _json_ok(last[0].lstrip(BOM))


def clean_jsonl(path: Path, out: Path) -> list[tuple[int, str]]:
    """A copy of a JSON Lines file polars can scan, line for line: the byte-order mark dropped
    and every line that is not one JSON value blanked (so the copy's line numbers are the
    file's). Returns the blanked lines: (1-based line, why)."""
    bad: list[tuple[int, str]] = []
    with open(path, "rb") as src, open(out, "wb") as dst:
        for n, line in enumerate(src, start=1):
            body = line[3:] if n == 1 and line.startswith(BOM) else line
            text = body.strip()
            if text:
                try:
                    json.loads(text)
                except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                    detail = f"{exc.msg} (column {exc.colno})" if isinstance(exc, json.JSONDecodeError) else "not UTF-8"
                    why = ("cut short (the last line, without a newline)" if not line.endswith(b"\n")
                           else f"not valid JSON: {detail}")
                    bad.append((n, why))
                    body = b"\n"
            dst.write(body if body.endswith(b"\n") else body + b"\n")
    return bad


def clean_csv_tail(path: Path, out: Path) -> list[tuple[int, str]]:
    """A copy of a CSV file without its last record, which was cut short (see _csv_cut_short)."""
    line = _csv_cut_short(path)
    size = path.stat().st_size
    with open(path, "rb") as fh:
        fh.seek(max(0, size - TAIL))
        tail = fh.read()
    keep = size - (len(tail) - tail.rfind(b"\n") - 1)
    with open(path, "rb") as src, open(out, "wb") as dst:
        left = keep
        while left > 0:
            chunk = src.read(min(left, 1 << 20))
            dst.write(chunk)
            left -= len(chunk)
    return [(line or 0, "cut short (the last line, without a newline, has fewer fields than the header)")]


def clean_csv(path: Path, out: Path) -> list[tuple[int, str]]:
    """A copy of a CSV file polars can scan, line for line: every record whose field count is
    not the header's (a ragged row, a record cut short) blanked, so the copy's line numbers are
    the file's. Returns the blanked records: (1-based first line, why). One pass, record by
    record (quoted fields may span lines)."""
    import csv

    class Tap:
        """Feeds the csv reader line by line and keeps the raw lines of the record it is on."""

        def __init__(self, fh: TextIO) -> None:
            self.fh = fh
            self.raw: list[str] = []

        def __iter__(self) -> "Tap":
            return self

        def __next__(self) -> str:
            line = self.fh.readline()
            if not line:
                raise StopIteration
            self.raw.append(line)
            return line

    bad: list[tuple[int, str]] = []
    with open(path, encoding="utf-8-sig", newline="") as src, open(out, "w", encoding="utf-8", newline="") as dst:
        tap = Tap(src)
        reader = csv.reader(tap)
        width: int | None = None
        line = 1
        while True:
            try:
                fields = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:  # an unterminated quote at the end of the file
                fields, why = None, f"not a CSV record ({exc})"
            else:
                why = ""
            raw, tap.raw = "".join(tap.raw), []
            if width is None:
                width = len(fields or [])
            elif fields is None or (fields and len(fields) != width):
                if fields is not None:
                    why = ("cut short (the last line, without a newline, has fewer fields than the header)"
                           if not raw.endswith("\n") and len(fields) < width
                           else f"{len(fields)} field(s), the header has {width}")
                bad.append((line, why))
                raw = "\n" * max(raw.count("\n"), 1)
            dst.write(raw if raw.endswith("\n") else raw + "\n")
            line += raw.count("\n")
    return bad


def clean_copy(path: Path, layout: str, out_stem: Path, whole: bool = False) -> tuple[Path, list[tuple[int, str]]]:
    """A copy polars can scan (same lines), and the lines left out: (line, why). `whole`: check
    every CSV record (after a read failed), not only a last record cut short."""
    if layout == CSV:
        out = out_stem.with_name(out_stem.name + ".clean.csv")
        return out, (clean_csv(path, out) if whole else clean_csv_tail(path, out))
    out = out_stem.with_name(out_stem.name + ".clean.jsonl")
    return out, clean_jsonl(path, out)
