"""Source mapping: which attribute or column of a team's log carries each of our fields.

finops.toml names each log source once (docs/request-log.md):

```toml
[sources.requests.gateway]
format = "otel"                      # otel | jsonl | csv | generic | litellm | langfuse | claude-code | codex
[sources.requests.gateway.fields]    # our field -> the attribute or column in this log
project = "acme.tenant"
request_id = "acme.logical_request_id"
```

and `finops ingest FILE --source gateway` reads the file with it. A field names an OTel
span (or resource) attribute for `otel`, a column or top-level key for the others, or a
dotted path into a JSON object column (`metadata.user_api_key_alias`). Fields left out keep
the format's defaults. `request_id` is the *logical* request id, shared by every attempt of
one request: it fills `logical_request_id`, while the table's key stays one attempt (the
provider's response id where the log has it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

import polars as pl

if TYPE_CHECKING:
    from polars._typing import PolarsDataType

from finops.config import ConfigFile

SECTION: Final = "sources.requests"
MAPPED: Final = "__mapped_"  # prefix of a mapped field's raw value, kept to check the log has it
FORMATS: Final = ("otel", "jsonl", "csv", "generic", "litellm", "langfuse", "claude-code", "codex")
# the contract's short names -> our column
ALIASES: Final = {
    "project": "project_id", "api_key": "api_key_id", "task": "task_id", "user": "user_id",
    "request_id": "logical_request_id",
}
# columns a mapping may also name directly
COLUMNS: Final = (
    "ts", "provider", "model", "attempt", "stream_outcome", "status_code", "logical_request_id",
    "project_id", "api_key_id", "feature", "task_id", "user_id", "region", "language", "service_tier",
    "input_tokens", "cached_input_tokens", "cache_write_tokens", "cache_write_1h_tokens", "output_tokens",
    "reasoning_tokens", "latency_ms", "response_id",
)
FIELD_NAMES: Final = tuple(ALIASES) + tuple(c for c in COLUMNS if c not in ALIASES.values())


@dataclass(frozen=True)
class SourceMapping:
    """One `[sources.requests.<name>]`: its format and our column -> the log's name for it."""

    name: str
    format: str = "auto"
    fields: dict[str, str] = field(default_factory=dict)  # our column -> attribute/column/path in the log
    keys: dict[str, str] = field(default_factory=dict)  # our column -> the config key that named it

    @property
    def source(self) -> str:
        return f"requests:{self.name}"

    @property
    def reader_format(self) -> str:
        return "generic" if self.format in ("jsonl", "csv") else self.format


def column_for(name: str) -> str | None:
    """Our column for a mapping key (`project` or `project_id`), None if it is not one."""
    if name in ALIASES:
        return ALIASES[name]
    return name if name in COLUMNS else None


def source_names(config: ConfigFile) -> list[str]:
    return sorted(k for k, v in config.section(SECTION).items() if isinstance(v, dict))


def load_mapping(config: ConfigFile, name: str) -> SourceMapping | None:
    """`[sources.requests.<name>]`, checked; None when finops.toml does not define it."""
    section = config.section(SECTION)
    if name not in section:
        return None
    base = f"{SECTION}.{name}"
    raw: Any = section[name]
    if not isinstance(raw, dict):
        config.fail(base, "must be a table")
    for key in raw:
        if key not in ("format", "fields"):
            config.fail(f"{base}.{key}", "unknown key; use format and [..fields]")
    fmt = raw.get("format", "auto")
    if not isinstance(fmt, str) or fmt not in (*FORMATS, "auto"):
        config.fail(f"{base}.format", f"{fmt!r} is not one of {' | '.join(FORMATS)}")
    fields_raw = raw.get("fields", {})
    if not isinstance(fields_raw, dict):
        config.fail(f"{base}.fields", "must be a table")
    fields: dict[str, str] = {}
    keys: dict[str, str] = {}
    for key, value in fields_raw.items():
        ours = column_for(key)
        if ours is None:
            config.fail(f"{base}.fields.{key}", f"unknown field; use one of {', '.join(FIELD_NAMES)}")
        assert ours is not None  # fail() raised otherwise
        if not isinstance(value, str) or not value.strip():
            config.fail(f"{base}.fields.{key}", "must be the attribute or column name in the log (text)")
        if ours in fields:
            config.fail(f"{base}.fields.{key}", f"names {ours} a second time (also as {keys[ours]!r})")
        fields[ours] = value.strip()
        keys[ours] = key
    return SourceMapping(name, fmt, fields, keys)


def where(config: ConfigFile, mapping: SourceMapping, ours: str) -> str:
    """'finops.toml:12: sources.requests.gw.fields.project' for messages about one field."""
    dotted = f"{SECTION}.{mapping.name}.fields.{mapping.keys.get(ours, ours)}"
    path = str(config.path) if config.path else "finops.toml"
    line = config.line_of(dotted)
    return f"{path}:{line}: {dotted}" if line else f"{path}: {dotted}"


def json_path(rest: str) -> str:
    """A JSONPath for a dotted path inside a JSON object (`a.b` -> `$.a.b`)."""
    return "$" + "".join(f".{p}" if p.replace("_", "").isalnum() else f"['{p}']" for p in rest.split("."))


def column_exprs(fields: dict[str, str], present: list[str] | set[str]) -> tuple[dict[str, "PolarsDataType"], dict[str, pl.Expr]]:
    """For a table-shaped log (JSON Lines, CSV): the top-level keys to read (as text) and, per
    mapped field, the expression that reads it: a column, or a dotted path into a JSON column
    (`metadata.user_api_key_alias`). A name that is neither is read as a top-level key, so a
    column first appearing late in the file is still read (and one found nowhere is reported)."""
    present = set(present)
    schema: dict[str, PolarsDataType] = {}
    exprs: dict[str, pl.Expr] = {}
    for ours, theirs in fields.items():
        head, _, rest = theirs.partition(".")
        if theirs not in present and rest and head in present:
            schema[head] = pl.String
            exprs[ours] = pl.col(head).cast(pl.String).str.json_path_match(json_path(rest))
        else:
            schema[theirs] = pl.String
            exprs[ours] = pl.col(theirs).cast(pl.String)
    return schema, exprs


def key_from_logical(names: list[str] | set[str]) -> pl.Expr:
    """The key of one attempt when the log has only the logical request id: the id itself for
    the first attempt, `<id>#<attempt>` for later ones; the attempt's own id when it has one."""
    logical = pl.col("logical_request_id")
    if "attempt" in names:
        n = pl.col("attempt").cast(pl.String).str.strip_chars().cast(pl.Float64, strict=False)
        # NaN sorts above every number in polars: only a finite attempt that fits its column counts.
        later = n.is_finite() & (n > 1) & (n < 2**31)
        derived = pl.when(later).then(pl.format("{}#{}", logical, n.cast(pl.Int64, strict=False))).otherwise(logical)
    else:
        derived = logical
    return pl.coalesce(pl.col("request_id").cast(pl.String), derived) if "request_id" in names else derived


def mapped_select(defaults: dict[str, pl.Expr], mapped: dict[str, pl.Expr]) -> list[pl.Expr]:
    """A reader's columns (our column -> its default expression) with a source mapping applied:
    a mapped field wins where the record has it and the default stands in where it does not;
    its own value is also kept (as `__mapped_<ours>`) to check that the log has it at all.
    When only the logical request id is mapped, an attempt without an id of its own gets one
    derived from it (`key_from_logical`)."""
    out = []
    for ours, e in defaults.items():
        out.append((pl.coalesce(mapped[ours], e) if ours in mapped else e).alias(ours))
    for ours, e in mapped.items():
        out.append(e.alias(MAPPED + ours))
        if ours not in defaults:
            out.append(e.alias(ours))
    return out


def with_logical_key(lf: pl.LazyFrame) -> pl.LazyFrame:
    names = lf.collect_schema().names()
    if "logical_request_id" not in names:
        return lf
    return lf.with_columns(key_from_logical(names).alias("request_id"))
