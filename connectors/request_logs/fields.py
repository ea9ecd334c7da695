"""The requests table's fields as read from a log, and the step every format ends with.

Each format reader yields a `Reading`: a lazy frame of raw values under our column names
(text, as the file had them) with its record numbers. `finish` types and checks them in
one vectorised pass, counts tokens locally where a log has text but no counts, and fills
the defaults, leaving one `__bad_<field>` flag per checked field for the caller.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from finops.connectors.request_logs.values import CHOICE, INT, REC, ROW, TEXT, TS, Field, check
from finops.errors import InputError
from finops.schema import REQUESTS, Provenance, StreamOutcome

FIELDS: list[Field] = [
    Field("ts", TS, required=True),
    Field("request_id", TEXT, required=True),
    Field("provider", CHOICE, required=True),  # CHOICE without choices: lower-cased text
    Field("model", TEXT, required=True),
    Field("attempt", INT, minimum=1, maximum=2**31 - 1),  # stored as Int32
    Field("stream_outcome", CHOICE, choices=StreamOutcome.ALL),
    Field("status_code", INT),
    *(Field(c, TEXT) for c in ("logical_request_id", "project_id", "api_key_id", "feature", "task_id", "user_id", "region",
                               "language", "service_tier")),
    *(Field(c, INT) for c in ("input_tokens", "cached_input_tokens", "cache_write_tokens", "cache_write_1h_tokens",
                              "output_tokens", "reasoning_tokens", "latency_ms")),
    Field("provenance", CHOICE, choices=(Provenance.LOGGED, Provenance.ESTIMATED)),
]
TEXT_COLUMNS = {"prompt": "input_tokens", "completion": "output_tokens"}  # counted when the log has no counts
COLUMNS = tuple(REQUESTS.names())


@dataclass
class Reading:
    """One file as read by a format adapter, before checking."""

    path: Path
    fmt: str
    layout: str
    raw: pl.LazyFrame  # our column names, raw values, plus __rec and __row
    labels: dict[str, str] = field(default_factory=dict)  # our field -> the name the file uses
    notes: list[str] = field(default_factory=list)
    source: str = ""
    retry_as_text: bool = False  # some columns were read typed; on a type error, read again as text
    read_path: Path | None = None  # the file actually scanned (a cleaned copy), when not `path`
    skipped: list = field(default_factory=list)  # BadRow of lines that were not records (malformed JSON, ...)
    absent: list[str] = field(default_factory=list)  # our columns the first records lack (read as null if later absent)

    def __post_init__(self) -> None:
        self.source = self.source or f"requests:{self.fmt}"


def with_rows(lf: pl.LazyFrame) -> pl.LazyFrame:
    """Number output rows (`__row`); several may share a record (`__rec`), e.g. spans of one line."""
    return lf.with_row_index(ROW).with_columns(pl.col(ROW).cast(pl.Int64))


def _count_text(lf: pl.LazyFrame, names: list[str], notes: list[str]) -> tuple[pl.LazyFrame, pl.Expr]:
    """Fill missing counts from prompt/completion text; returns the frame and 'was counted'."""
    from finops.connectors import token_count

    counted = pl.lit(False)
    exprs = []
    for text, target in TEXT_COLUMNS.items():
        if text not in names:
            continue
        n, note = token_count.count_expr(text, "model")
        if note not in notes:
            notes.append(note)
        logged = pl.col(target) if target in names else pl.lit(None, pl.Int64)
        use = logged.is_null() & pl.col(text).is_not_null()
        exprs.append(pl.when(use).then(n).otherwise(logged).alias(target))
        counted = counted | use
    return lf.with_columns(counted.alias("__counted")).with_columns(exprs), pl.col("__counted")


def finish(reading: Reading, lenient: bool = True) -> pl.LazyFrame:
    """Typed, checked rows in the requests schema plus `__bad_*`, `__rec` and `__row`.

    `lenient=False` is the fast form for clean files (see values.typed).
    """
    present = reading.raw.collect_schema().names()
    missing = [reading.labels.get(f.name, f.name) for f in FIELDS if f.required and (f.name not in present or f.name in reading.absent)]
    if missing:
        hint = " (map yours with --map their_column=our_column)" if reading.fmt == "generic" else ""
        raise InputError(f"{reading.path}: missing column(s) {', '.join(missing)}{hint}")
    lf = check(reading.raw, FIELDS, lenient)
    counted = pl.lit(False)
    texts = [c for c in present if c not in TEXT_COLUMNS or c not in reading.absent]
    if any(t in texts for t in TEXT_COLUMNS):
        lf, counted = _count_text(lf, texts, reading.notes)
    names = lf.collect_schema().names()
    logged = pl.col("provenance") if "provenance" in names else pl.lit(Provenance.LOGGED)
    defaults = {
        "attempt": pl.lit(1, pl.Int64),
        "stream_outcome": pl.lit(StreamOutcome.UNKNOWN),
        "project_id": pl.lit(""),
        "api_key_id": pl.lit(""),
    }
    fills = [
        (pl.col(c).fill_null(d) if c in names else d).alias(c) for c, d in defaults.items()
    ]
    flags = [c for c in lf.collect_schema().names() if c.startswith("__bad_")]
    return lf.with_columns(
        *fills,
        pl.when(counted).then(pl.lit(Provenance.ESTIMATED)).otherwise(logged.fill_null(Provenance.LOGGED)).alias("provenance"),
        pl.lit(reading.source).alias("source"),
    ).select(
        *[(pl.col(c) if c in names or c in defaults or c in ("provenance", "source") else pl.lit(None)).cast(t).alias(c)
          for c, t in REQUESTS.items()],
        *flags, REC, ROW,
    )
