"""OpenTelemetry GenAI spans exported as JSON: one request per model-call span.

Two shapes: OTLP JSON (the collector's file exporter, one `{"resourceSpans": [...]}` per
line; attribute values typed as stringValue/intValue/...) and flat spans (one span per line
with an `attributes` object, as many SDK console and vendor exports write them). Attributes
follow the GenAI semantic conventions, with the older names as fallbacks; a source mapping
(`[sources.requests.<name>.fields]`) names the attributes a team uses instead, looked up on
the span and then on its resource. Spans of agents and tools (`invoke_agent`,
`create_agent`, `execute_tool`) are skipped: their usage, when present, sums the model calls
beneath them, which are counted themselves.

The span's epoch-nanosecond start is turned into a timestamp here, with plain integer
arithmetic, so a clean file passes the strict checks and is parsed once.
"""

from __future__ import annotations

import re
import shutil
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:
    from polars._typing import PolarsDataType

from finops.connectors.request_logs import otlp_lists
from finops.connectors.request_logs.fields import Reading, with_rows
from finops.connectors.request_logs.files import (
    bad_json_line, first_non_utf8, head_text, layout_of, not_utf8, preflight, scan,
)
from finops.connectors.request_logs.mapping import MAPPED
from finops.connectors.request_logs.problems import JSONL
from finops.connectors.request_logs.vendors import provider_from_model
from finops.connectors.request_logs.values import REC
from finops.errors import InputError
from finops.schema import Provenance, StreamOutcome

# our column -> attribute names, first present wins (current semconv first)
ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "request_id": ("gen_ai.response.id",),
    "provider": ("gen_ai.provider.name", "gen_ai.system"),
    "model": ("gen_ai.response.model", "gen_ai.request.model"),
    "input_tokens": ("gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens"),
    "output_tokens": ("gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens"),
    "cached_input_tokens": ("gen_ai.usage.cache_read.input_tokens", "gen_ai.usage.cache_read_input_tokens"),
    "cache_write_tokens": ("gen_ai.usage.cache_creation.input_tokens", "gen_ai.usage.cache_creation_input_tokens"),
    "reasoning_tokens": ("gen_ai.usage.reasoning.output_tokens", "gen_ai.usage.reasoning_tokens"),
    "task_id": ("gen_ai.conversation.id",),
    "feature": ("app.feature", "feature"),
    "project_id": ("app.project_id", "gen_ai.openai.project"),
    "user_id": ("user.id", "enduser.id"),
    "status_code": ("http.response.status_code",),
    "service_tier": ("gen_ai.openai.response.service_tier", "openai.response.service_tier"),
    "__operation": ("gen_ai.operation.name",),
    "__error_type": ("error.type",),
    "__resend": ("http.request.resend_count",),
    "__streaming": ("gen_ai.is_streaming", "llm.is_streaming", "gen_ai.request.is_stream"),
}
NOT_MODEL_CALLS = ["invoke_agent", "create_agent", "execute_tool"]
VALUE = pl.Struct({k: pl.String for k in ("stringValue", "intValue", "doubleValue", "boolValue")})
ATTRS = pl.List(pl.Struct({"key": pl.String, "value": VALUE}))
SPAN = pl.Struct({
    "traceId": pl.String, "spanId": pl.String, "name": pl.String,
    "startTimeUnixNano": pl.String, "endTimeUnixNano": pl.String,
    "attributes": ATTRS, "status": pl.Struct({"code": pl.String}),
})
SCOPE = pl.Struct({"name": pl.String, "version": pl.String})
OTLP: dict[str, PolarsDataType] = {"resourceSpans": pl.List(pl.Struct({
    "resource": pl.Struct({"attributes": ATTRS}),
    "scopeSpans": pl.List(pl.Struct({"scope": SCOPE, "spans": pl.List(SPAN)})),
}))}


def attributes(fields: dict[str, str] | None = None) -> dict[str, tuple[str, ...]]:
    """Our column -> the attributes read for it: the defaults, with mapped fields replacing theirs."""
    out = dict(ATTRIBUTES)
    for ours, name in (fields or {}).items():
        out["request_id" if ours == "response_id" else ours] = (name,)
    return out


def _otlp_value() -> pl.Expr:
    value = pl.element().struct.field("value")
    return pl.coalesce(*(value.struct.field(k) for k in ("stringValue", "intValue", "doubleValue", "boolValue")))


def _attr(column: str, key: str) -> pl.Expr:
    """The value of one OTLP attribute from a key/value list column, as text."""
    return pl.col(column).list.eval(_otlp_value().filter(pl.element().struct.field("key") == key)).list.first()


# How polars writes back a JSON value it was asked to keep as text: compact but for one space
# after ':' and ',' (`{"key": "k", "value": {"intValue": "5"}}`), whatever the file's spacing.
KEY_AT = '{{"key": "{}", "value": {{"'
VALUE_RE = r'[A-Za-z]+": (?:"((?:[^"\\]|\\.)*)"|([^\s",}\]]+))'


def _value_text(column: str, key: str) -> pl.Expr:
    """One attribute's value from a span's attribute list kept as JSON text: one regex that
    starts with the key's literal text (cheap where it is absent) and takes the value after it
    (a quoted value, as strings and OTLP's int64 are written, or a bare number or bool); a
    quoted value with escapes is decoded as JSON. (A literal search then a slice was wrong after
    any non-ASCII character: polars finds in bytes and slices in characters.)"""
    lit = KEY_AT.format(key.replace("\\", "\\\\").replace('"', '\\"'))
    found = pl.col(column).str.extract_groups(re.escape(lit) + VALUE_RE)
    quoted = found.struct.field("1")
    decoded = pl.when(quoted.str.contains("\\", literal=True)).then(pl.concat_str(pl.lit('"'), quoted, pl.lit('"')).str.json_decode(pl.String))
    return pl.coalesce(decoded, quoted, found.struct.field("2"))


def _first(values: list[pl.Expr]) -> pl.Expr:
    return pl.coalesce(values) if len(values) > 1 else values[0]


TEXT_SPAN = pl.Struct({
    "traceId": pl.String, "spanId": pl.String, "name": pl.String, "startTimeUnixNano": pl.String, "endTimeUnixNano": pl.String,
    "attributes": pl.String, "status": pl.Struct({"code": pl.String}),
})
OTLP_TEXT = {"resourceSpans": pl.List(pl.Struct({
    "resource": pl.String,
    "scopeSpans": pl.List(pl.Struct({"scope": SCOPE, "spans": pl.List(TEXT_SPAN)})),
}))}
VALUE_FIRST = re.compile(r'\{\s*"value"\s*:')  # an exporter that writes "value" before "key"


SCALARS = ("stringValue", "intValue", "doubleValue", "boolValue", "bytesValue")


def _as_object(text: pl.Expr) -> pl.Expr:
    """A span's attribute list as written back by polars (`[{"key": "k", "value": {"intValue":
    "5"}}, ...]`) turned into one flat JSON object (`{"k": "5", ...}`) by literal replacements
    only. Every literal holds a member name between unescaped quotes, so none can match inside
    a string value (polars escapes a quote in one); before, a bare `}}` was dropped everywhere,
    and with it from a string value (`a}}b` read `ab`). Rows whose values are not scalars
    (arrays, maps, empty values) are left to `_value_text` (see `_complex`)."""
    o = text.str.replace_all('}}, {"key": ', ", ", literal=True)  # one attribute's end, the next one's start
    for kind in SCALARS:
        o = o.str.replace_all(f', "value": {{"{kind}": ', ": ", literal=True)
    # the list's first and last attribute open and close the object (a slice would count bytes as characters)
    o = pl.concat_str(pl.lit("{"), o.str.strip_prefix('[{"key": ').str.strip_suffix("}}]"), pl.lit("}"))
    return pl.when(text == "[]").then(pl.lit("{}")).otherwise(o)


def _complex(text: pl.Expr) -> pl.Expr:
    return text.str.contains('Value": {', literal=True) | text.str.contains('"value": {}', literal=True)


def needs_fallback(spans: pl.DataFrame) -> bool:
    """Whether any span (of one block of lines) has an array, map or empty value: only then is
    the per-attribute fallback evaluated, for every attribute of every span (40 % of the parse).
    Decided on the text polars wrote back, whatever the file's spacing."""
    return bool(spans.select(_complex(pl.col("attributes")).any()).item())


def _columns(attrs: dict[str, tuple[str, ...]], mapped: set[str], span_attr: Callable[[str], pl.Expr],
             resource_attr: Callable[[str], pl.Expr]) -> list[pl.Expr]:
    """Our columns from one span's attributes (`span_attr(name)`) and its resource's."""
    cols = []
    for ours, names in attrs.items():
        if ours in mapped:  # a team's own attribute may sit on the resource (the tenant of a service)
            cols.append(_first([*(span_attr(k) for k in names), *(resource_attr(k) for k in names)]).alias(MAPPED + ours))
        defaults = ATTRIBUTES.get(ours, ())
        cols.append((_first([span_attr(k) for k in defaults]) if defaults else pl.lit(None, pl.String)).alias(ours))
    return cols


def _span_keys(attrs: dict[str, tuple[str, ...]]) -> list[str]:
    return sorted({k for ours, names in attrs.items() for k in (*names, *ATTRIBUTES.get(ours, ()))})


def _resource_keys(attrs: dict[str, tuple[str, ...]], mapped: set[str]) -> list[str]:
    return sorted({"service.name", *(k for ours in mapped for k in attrs[ours])})


def _otlp_text(lf: pl.LazyFrame, attrs: dict[str, tuple[str, ...]], mapped: set[str]) -> pl.LazyFrame:
    """OTLP JSON with each span's attributes (and its resource) kept as JSON text, rewritten
    into one flat object and decoded into just the attributes we read (decoding the attribute
    lists into structs costs five times the rest of the parse).
    `lf`: records read with OTLP_TEXT, collected here as far as the spans (one block of lines)."""
    spans = (
        lf.explode("resourceSpans").unnest("resourceSpans")
        # once per resource, before its spans are exploded
        .with_columns(_value_text("resource", k).alias("r:" + k) for k in _resource_keys(attrs, mapped)).drop("resource")
        .explode("scopeSpans").unnest("scopeSpans").explode("spans").unnest("spans")
        .filter(pl.col("attributes").str.contains('{"key": "gen_ai.', literal=True))
        .with_columns(pl.col("scope").struct.field("name").alias("__scope"), pl.col("scope").struct.field("version").alias("__scope_version"))
    ).collect()
    text = pl.col("attributes")
    slow = needs_fallback(spans)
    complex_ = _complex(text) if slow else pl.lit(False)
    flat = _as_object(pl.when(~complex_).then(text) if slow else text).str.json_decode(pl.Struct({k: pl.String for k in _span_keys(attrs)}))
    rows = spans.lazy().with_columns(flat.alias("__flat"), pl.when(complex_).then(text).alias("__complex"))

    def span_attr(key: str) -> pl.Expr:
        field = pl.col("__flat").struct.field(key)
        return pl.coalesce(field, _value_text("__complex", key)) if slow else field

    return _span_rows(rows, _columns(attrs, mapped, span_attr, lambda k: pl.col("r:" + k)), pl.col("r:service.name"))


OTLP_CUT = {"resourceSpans": pl.List(pl.Struct({
    "resource": pl.Struct({"attributes": pl.String}),
    "scopeSpans": pl.List(pl.Struct({"scope": SCOPE, "spans": pl.List(TEXT_SPAN)})),
}))}
# a key of a flat object: after '{' or ',' (a value follows ':', and no string holds a quote)
GEN_AI_KEY = r'[{,]"gen_ai\.'


def _distinct(texts: pl.DataFrame, lines: int) -> tuple[pl.DataFrame, pl.Series | None]:
    """The lists' distinct texts, and each list's row among them, where lines are short: a
    resource's list is repeated on every line that exports it, and with one span a line that is
    half the lists (and half the rewrite and decode). With many spans a line the repeats are
    few and not worth finding (a hash of every list): the texts as they are, and None."""
    if texts.height > 10 * lines:
        return texts, None
    distinct = texts.unique(maintain_order=True)
    if distinct.height > 0.9 * texts.height:
        return texts, None
    distinct = distinct.with_row_index("u")
    code = texts.join(distinct, on="t", how="left", maintain_order="left")["u"]
    return distinct.drop("u"), code


def _cut_rows(block: bytes, attrs: dict[str, tuple[str, ...]], mapped: set[str]) -> tuple[int, pl.DataFrame] | None:
    """One block by the cut path (otlp_lists.py): its record count and rows, or None where the
    cut cannot be trusted (then the other paths read the block). Raises ComputeError where a
    list's text, made a flat object, or the rest of a line is not JSON."""
    found = otlp_lists.cut(block)
    if found is None:
        return None
    t = pl.col("t")
    as_texts = lambda lists: pl.Series("t", lists, dtype=pl.Binary).cast(pl.String).to_frame()  # noqa: E731
    texts = as_texts(found[1])
    even, rare = texts.select(otlp_lists.quotes_even(t), otlp_lists.rare_kinds(t).alias("r")).row(0)
    if not even:  # a `}}]` inside a string ended a list
        found = otlp_lists.cut(block, strings=True)
        if found is None:
            return None
        texts = as_texts(found[1])
        rare = texts.select(otlp_lists.rare_kinds(t)).item()
    # each line decoded as a string, not by read_ndjson: the same frame in half the time
    lines = pl.Series("l", [line for line in found[0].split(b"\n") if line and not line.isspace()], dtype=pl.Binary)
    texts, code = _distinct(texts, len(lines))
    kinds = otlp_lists.KINDS if rare else otlp_lists.COMMON
    objects = texts.select(otlp_lists.as_object(t, kinds).alias("o"), otlp_lists.attributes_in(t).alias("a"),
                           t.str.contains("\n", literal=True).any().alias("n"))
    counts = objects.select(otlp_lists.members_in(pl.col("o")).alias("m"), pl.col("a").first(), pl.col("n").first())
    if counts["n"].item() or counts["a"].item() != counts["m"].item():
        return None  # a list cut across lines, or an attribute that did not become one member
    keys = sorted({*_span_keys(attrs), *_resource_keys(attrs, mapped)})
    flat = objects.select(pl.col("o").str.json_decode(pl.Struct({k: pl.String for k in keys})).alias("f"),
                          pl.col("o").str.contains(GEN_AI_KEY).alias("g"))
    records = lines.cast(pl.String).str.json_decode(pl.Struct(OTLP_CUT))
    if records.null_count():
        return None  # a line that is JSON but not an object (`null`, `[1]`): read_ndjson's to name
    raw = records.struct.unnest().with_row_index(REC)
    resources = (
        raw.lazy().with_columns(pl.col(REC).cast(pl.Int64)).explode("resourceSpans").unnest("resourceSpans")
        .with_columns(pl.col("resource").struct.field("attributes").alias("__r")).drop("resource")
    )
    spans = resources.explode("scopeSpans").unnest("scopeSpans").explode("spans").unnest("spans").collect()
    if spans.select(otlp_lists.all_placeholders(pl.col("attributes")), otlp_lists.all_placeholders(pl.col("__r"))).row(0) != (True, True):
        return None  # an attributes value the file wrote as other than a list
    index = spans.select(otlp_lists.index_of(pl.col("attributes")).alias("s"), otlp_lists.index_of(pl.col("__r")).alias("r"))
    if code is not None:  # list number -> its distinct text
        index = index.select(code.gather(index["s"]).alias("s"), code.gather(index["r"]).alias("r"))
    rows = spans.lazy().with_columns(flat["f"].gather(index["s"]).alias("__flat"), flat["g"].gather(index["s"]).alias("__gen_ai"),
                                     flat["f"].gather(index["r"]).alias("__r"))
    rows = rows.filter(pl.col("__gen_ai")).with_columns(
        pl.col("scope").struct.field("name").alias("__scope"), pl.col("scope").struct.field("version").alias("__scope_version"))
    cols = _columns(attrs, mapped, lambda k: pl.col("__flat").struct.field(k), lambda k: pl.col("__r").struct.field(k))
    return raw.height, _span_rows(rows, cols, pl.col("__r").struct.field("service.name")).collect()


BLOCK = 8 << 20  # bytes of whole lines decoded at a time
READERS = 2  # blocks read at once


def _blocks(path: Path) -> Iterator[tuple[int, bytes]]:
    """The file in blocks of whole lines, about BLOCK bytes each (a longer line is one block),
    each with its offset in the file."""
    with open(path, "rb") as fh:
        at = 0
        while block := fh.read(BLOCK):
            if not block.endswith(b"\n"):
                block += fh.readline()
            yield at, block
            at += len(block)


# polars writes a decoded string back without escaping a backslash or most control characters
# (`"a\\b"` comes back as `"a\b"`), and the rewritten attribute text would then fail to decode,
# or decode wrong. A block holding such an escape takes the struct path, which decodes them.
UNSAFE_ESCAPE = re.compile(rb'\\(?:[\\tbf]|u00(?:[01]|5[cC]))')


def text_path_reads(block: bytes) -> bool:
    """Whether the text path reads this block's strings as written (most blocks have no backslash)."""
    return b"\\" not in block or UNSAFE_ESCAPE.search(block) is None


def _block_rows(block: bytes, attrs: dict[str, tuple[str, ...]], mapped: set[str], struct: bool) -> tuple[int, pl.DataFrame]:
    """One block's record count and rows (records numbered from 0), by the struct or the text path."""
    raw = pl.read_ndjson(block, schema=OTLP if struct else OTLP_TEXT, row_index_name=REC)
    records = raw.lazy().with_columns(pl.col(REC).cast(pl.Int64))
    return raw.height, (_otlp if struct else _otlp_text)(records, attrs, mapped).collect()


def _read_utf8_block(path: Path, at: int, block: bytes, attrs: dict[str, tuple[str, ...]], mapped: set[str],
                     value_first: bool) -> tuple[int, pl.DataFrame]:
    """A block read once its bytes are checked as UTF-8, in the reader's thread: a pass over the
    whole file first held up the parse (0.24-0.28 s of one core at 1M spans before the first block)."""
    bad = first_non_utf8(block)
    if bad is not None:
        raise not_utf8(path, at + bad)
    return _read_block(block, attrs, mapped, value_first)


def _read_block(block: bytes, attrs: dict[str, tuple[str, ...]], mapped: set[str], value_first: bool) -> tuple[int, pl.DataFrame]:
    """A block by the cut path, else the text path, else the struct path, each taking what the
    one before cannot read (so one odd string costs a block's speed, not the file). Raises
    ComputeError when none can."""
    if not value_first:
        try:
            if (rows := _cut_rows(block, attrs, mapped)) is not None:
                return rows
        except pl.exceptions.ComputeError:
            pass  # not JSON once cut: a list cut short, or a bad line the next paths name
    struct = value_first or not text_path_reads(block)
    try:
        return _block_rows(block, attrs, mapped, struct)
    except pl.exceptions.ComputeError:
        if struct:
            raise
        return _block_rows(block, attrs, mapped, struct=True)


def _by_blocks(path: Path, attrs: dict[str, tuple[str, ...]], mapped: set[str], value_first: bool, work: Path | None) -> pl.LazyFrame:
    """An OTLP JSON Lines file read a block of lines at a time, each block's rows written to a
    Parquet part in `work` (kept in memory without one): memory stays bounded whatever the
    file's size, the file is parsed once, and the checks after read the parts. polars' own
    scan of the file held all of it (1.9 GB of RSS at 1M spans, 1.06 GB of file). Two blocks
    are read at once, one a thread (polars lets go of the GIL), so both cores stay busy through
    the steps of a block that run on one."""
    preflight(path, JSONL, utf8=False)  # each block is checked by the thread that reads it
    if work is not None:
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
    parts: list[pl.DataFrame] = []
    files: list[Path] = []
    first = 0

    def keep(n: int, frame: pl.DataFrame) -> None:
        nonlocal first
        frame = frame.with_columns(pl.col(REC) + first)
        first += n
        if work is None:
            parts.append(frame)
            return
        files.append(work / f"{len(files):05d}.parquet")
        frame.write_parquet(files[-1], compression="lz4", statistics=False)

    with ThreadPoolExecutor(max_workers=READERS) as pool:
        pending: deque[Future[tuple[int, pl.DataFrame]]] = deque()
        try:
            for at, block in _blocks(path):
                if not block.isspace():  # (strip() would copy the block)
                    pending.append(pool.submit(_read_utf8_block, path, at, block, attrs, mapped, value_first))
                if len(pending) > 2:
                    keep(*pending.popleft().result())
            while pending:
                keep(*pending.popleft().result())
        except (InputError, pl.exceptions.ComputeError) as exc:
            for f in pending:
                f.cancel()
            if isinstance(exc, InputError):  # a block's bytes are not UTF-8: already says where
                raise
            raise InputError(f"{path}{bad_json_line(path) or ': cannot read as otel'} ({str(exc).splitlines()[0]})") from None
    if not files and not parts:  # blank lines only
        parts.append(_block_rows(b"{}", attrs, mapped, value_first)[1].clear())
    return pl.scan_parquet(files) if files else pl.concat(parts).lazy()


def _span_rows(spans: pl.LazyFrame, cols: list[pl.Expr], service: pl.Expr) -> pl.LazyFrame:
    """The columns both OTLP paths give every span, so the text and struct paths cannot drift apart."""
    start = pl.col("startTimeUnixNano").cast(pl.Int64, strict=False)
    return spans.select(
        REC, *cols,
        _nanos_to_ts(pl.col("startTimeUnixNano")).alias("ts"),
        ((pl.col("endTimeUnixNano").cast(pl.Int64, strict=False) - start) // 1_000_000).alias("latency_ms"),
        hex_id(pl.col("traceId")).alias("__trace"), hex_id(pl.col("spanId")).alias("__span"), pl.col("name").alias("__name"),
        pl.col("status").struct.field("code").alias("__status"),
        service.alias("__service"), pl.col("__scope"), pl.col("__scope_version"),
    )


def hex_id(e: pl.Expr) -> pl.Expr:
    """A trace or span id as lower-case hex, whichever way the file wrote it: OTLP/JSON says hex,
    protobuf's own JSON encoding (MessageToJson) writes bytes as base64. 32 or 16 hex digits are
    hex; the base64 of a 16-byte trace id (24 characters, `==`) or an 8-byte span id (12, `=`) is
    decoded; anything else is kept as written. So a file re-encoded either way stores the same ids
    and a re-load changes nothing."""
    text = e.cast(pl.String).str.strip_chars()
    is_hex = text.str.contains(r"^(?:[0-9a-fA-F]{32}|[0-9a-fA-F]{16})$")
    is_b64 = text.str.contains(r"^(?:[A-Za-z0-9+/]{22}==|[A-Za-z0-9+/]{11}=)$")
    decoded = text.str.decode("base64", strict=False).bin.encode("hex")
    return (pl.when(is_hex).then(text.str.to_lowercase())
            .when(is_b64).then(pl.coalesce(decoded, text)).otherwise(text))


def _nanos_to_ts(e: pl.Expr) -> pl.Expr:
    return pl.from_epoch(e.cast(pl.Int64, strict=False) // 1000, time_unit="us").dt.replace_time_zone("UTC")


def _otlp(lf: pl.LazyFrame, attrs: dict[str, tuple[str, ...]], mapped: set[str]) -> pl.LazyFrame:
    """OTLP JSON read with its attribute lists decoded into structs (`lf`: records read with OTLP):
    for files the text path cannot rewrite ("value" written before "key")."""
    spans = (
        lf.explode("resourceSpans").unnest("resourceSpans")
        .with_columns(pl.col("resource").struct.field("attributes").alias("__rattrs"))
        .explode("scopeSpans").unnest("scopeSpans").explode("spans").unnest("spans")
        .filter(pl.col("attributes").list.eval(pl.element().struct.field("key").str.starts_with("gen_ai.")).list.any())
        .with_columns(pl.col("scope").struct.field("name").alias("__scope"), pl.col("scope").struct.field("version").alias("__scope_version"))
    )
    cols = _columns(attrs, mapped, lambda k: _attr("attributes", k), lambda k: _attr("__rattrs", k))
    return _span_rows(spans, cols, _attr("__rattrs", "service.name"))


def _flat(path: Path, attrs: dict[str, tuple[str, ...]], mapped: set[str]) -> pl.LazyFrame:
    keys = sorted({k for names in (*attrs.values(), *ATTRIBUTES.values()) for k in names})
    resource_keys = sorted({"service.name", *(k for ours in mapped for k in attrs[ours])})
    schema: dict[str, PolarsDataType] = {
        "name": pl.String, "start_time": pl.String, "end_time": pl.String,
        "context": pl.Struct({"trace_id": pl.String, "span_id": pl.String}),
        "status": pl.Struct({"status_code": pl.String}),
        "attributes": pl.Struct({k: pl.String for k in keys}),
        "resource": pl.Struct({"attributes": pl.Struct({k: pl.String for k in resource_keys})}),
    }
    lf, _ = scan(path, schema)
    a = pl.col("attributes")
    r = pl.col("resource").struct.field("attributes")
    cols = []
    for ours, names in attrs.items():
        if ours in mapped:
            cols.append(_first([c.struct.field(k) for c in (a, r) for k in names]).alias(MAPPED + ours))
        defaults = ATTRIBUTES.get(ours, ())
        cols.append((_first([a.struct.field(k) for k in defaults]) if defaults else pl.lit(None, pl.String)).alias(ours))
    gen_ai = [a.struct.field(k).is_not_null() for k in keys if k.startswith("gen_ai.")]
    return lf.filter(pl.any_horizontal(gen_ai)).select(
        REC, *cols,
        pl.col("start_time").alias("ts"),
        pl.col("context").struct.field("trace_id").alias("__trace"),
        pl.col("context").struct.field("span_id").alias("__span"), pl.col("name").alias("__name"),
        pl.lit(None, pl.String).alias("__scope"), pl.lit(None, pl.String).alias("__scope_version"),
        pl.col("status").struct.field("status_code").alias("__status"),
        r.struct.field("service.name").alias("__service"),
        pl.lit(None, pl.Int64).alias("latency_ms"),
    )


# The exception classes the OpenAI and Anthropic SDKs raise for an HTTP status, as their
# instrumentations write them in error.type.
ERROR_STATUS = {"BadRequestError": "400", "AuthenticationError": "401", "PermissionDeniedError": "403",
                "NotFoundError": "404", "ConflictError": "409", "UnprocessableEntityError": "422",
                "RateLimitError": "429", "InternalServerError": "500", "ServiceUnavailableError": "503",
                "OverloadedError": "529"}
OPENLLMETRY_ANTHROPIC = "opentelemetry.instrumentation.anthropic"


def _status_of(error_class: pl.Expr) -> pl.Expr:
    """The HTTP status of an SDK exception class. A when/then chain, not replace_strict: polars
    does not stream replace_strict, and the whole read was held for it (+500 MB at 1M spans)."""
    status = pl.lit(None, pl.String)
    for name, code in ERROR_STATUS.items():
        status = pl.when(error_class == name).then(pl.lit(code)).otherwise(status)
    return status


def quirk_fixes(scope: pl.Expr, streaming: pl.Expr, provider: pl.Expr) -> dict[str, pl.Expr]:
    """Corrections for what one instrumentation library (its scope name) is known to get wrong,
    measured against what the API served (tests/test_otel_instrumentations.py, docs/request-log.md):
    - OpenLLMetry's Anthropic instrumentation adds message_start's output_tokens (1) to the
      final count on every stream it marks `gen_ai.is_streaming`: one output token too many;
    - openlit reports Anthropic's raw input_tokens, which exclude cache reads and writes, where
      the conventions (and our input_tokens) include them;
    - openlit counts a stream's tokens itself when the API sent no usage: an estimate, labelled so."""
    openllmetry_stream = scope.str.starts_with(OPENLLMETRY_ANTHROPIC) & streaming
    openlit = scope.str.starts_with("openlit")
    output = pl.col("output_tokens").cast(pl.Int64, strict=False)
    cache = (pl.col("cached_input_tokens").cast(pl.Int64, strict=False).fill_null(0)
             + pl.col("cache_write_tokens").cast(pl.Int64, strict=False).fill_null(0))
    inp = pl.col("input_tokens").cast(pl.Int64, strict=False)
    # the raw text stays where no fix applies, so a bad value is still reported by the checks
    return {
        "output_tokens": pl.when(openllmetry_stream & (output > 0)).then((output - 1).cast(pl.String))
        .otherwise(pl.col("output_tokens").cast(pl.String)),
        "input_tokens": pl.when(openlit & (provider == "anthropic") & inp.is_not_null()).then((inp + cache).cast(pl.String))
        .otherwise(pl.col("input_tokens").cast(pl.String)),
        "provenance": pl.when(openlit & streaming & (provider == "openai")).then(pl.lit(Provenance.ESTIMATED))
        .otherwise(pl.lit(Provenance.LOGGED)),
    }


def read_otel(path: Path, fields: dict[str, str] | None = None, work: Path | None = None) -> Reading:
    """`work`: a folder for the decoded rows of an OTLP JSON Lines file (kept in memory without one)."""
    path = Path(path)
    fields = fields or {}
    attrs = attributes(fields)
    mapped = {"request_id" if k == "response_id" else k for k in fields}
    head = head_text(path)
    if '"resource_spans"' in head and '"resourceSpans"' not in head:
        # protobuf's JSON with preserving_proto_field_name=True: refuse loudly rather than read 0 rows
        raise InputError(f"{path}: OTLP/JSON with snake_case field names (resource_spans, scope_spans); the OTLP/JSON "
                         "encoding is lowerCamelCase (resourceSpans): re-export without preserving_proto_field_name")
    if '"resourceSpans"' in head:
        value_first = bool(VALUE_FIRST.search(head))
        if layout_of(path) == JSONL:
            lf = _by_blocks(path, attrs, mapped, value_first, work)
        else:  # one JSON document, read whole
            struct = value_first or not text_path_reads(path.read_bytes())
            lf = (_otlp if struct else _otlp_text)(scan(path, OTLP if struct else OTLP_TEXT)[0], attrs, mapped)
    else:
        lf = _flat(path, attrs, mapped)
    status = pl.col("__status").cast(pl.String).str.to_uppercase()
    error_type = pl.col("__error_type").cast(pl.String)
    failed = status.is_in(["2", "STATUS_CODE_ERROR", "ERROR"]) | error_type.is_not_null()
    # semconv: error.type is the HTTP status code when the call failed with one; the SDKs'
    # instrumentations write the exception's class instead ("RateLimitError", "<class 'openai.RateLimitError'>")
    error_class = error_type.str.extract(r"(\w+)'?>?$")
    numeric_error = pl.when(error_type.str.contains(r"^\d{3}$")).then(error_type).otherwise(_status_of(error_class))
    # semconv names a span "{operation} {request model}": the model when no attribute says it
    named_model = pl.col("__name").cast(pl.String).str.extract(r"^(?:chat|text_completion|generate_content|embeddings) (\S+)$")
    no_usage = pl.col("input_tokens").is_null() & pl.col("output_tokens").is_null()
    scope = pl.col("__scope").fill_null("")
    streaming = pl.col("__streaming").cast(pl.String).str.to_lowercase().is_in(["true", "1"])
    # model and provider first, in a stage of their own: every expression below that reads them
    # would otherwise evaluate the vendor patterns again (1.5 of 2 CPU seconds at 1M spans)
    model_provider = {"model": pl.coalesce("model", named_model)}
    model_provider["provider"] = pl.coalesce("provider", provider_from_model(model_provider["model"]))
    quirks = quirk_fixes(scope, streaming, pl.col("provider").cast(pl.String).str.to_lowercase())
    derived = {
        "request_id": pl.coalesce("request_id", pl.format("otel:{}:{}", pl.col("__trace").fill_null(""), "__span")),
        "task_id": pl.coalesce("task_id", "__trace"),
        "feature": pl.coalesce("feature", "__service"),
        "status_code": pl.coalesce("status_code", numeric_error),
        "attempt": pl.col("__resend").cast(pl.Int64, strict=False) + 1,
        # A span that ended without an error and without any usage is a call whose response never
        # finished: the client closed the stream (an API that answers always reports usage).
        "stream_outcome": pl.when(failed).then(pl.lit(StreamOutcome.ERROR))
        .when(no_usage).then(pl.lit(StreamOutcome.ABORTED)).otherwise(pl.lit(StreamOutcome.COMPLETED)),
        **quirks,
    }
    # a mapped attribute wins; where a span lacks it, the default reading stands in
    for ours in mapped:
        derived[ours] = pl.coalesce(pl.col(MAPPED + ours), derived.get(ours, pl.col(ours)))
    lf = (lf.filter(~pl.col("__operation").is_in(NOT_MODEL_CALLS).fill_null(False))
          .with_columns(e.alias(c) for c, e in model_provider.items()).with_columns(e.alias(c) for c, e in derived.items()))
    lf = lf.drop("__trace", "__span", "__name", "__status", "__service", "__operation", "__error_type", "__resend",
                 "__streaming", "__scope", "__scope_version")
    labels = {ours: keys[0] for ours, keys in attrs.items()} | {"ts": "startTimeUnixNano"}
    return Reading(path, "otel", layout_of(path), with_rows(lf), labels)
