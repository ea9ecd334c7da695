"""The identity map: the application's names for projects and API keys -> the provider's ids.

A team's log names a project `search` and a key `prod-backend`; the bill names OpenAI
project `proj_…`, Anthropic workspace `wrkspc_…` (the Default workspace is `default`, as the
usage connector stores it) and key ids. finops.toml says which is which:

```toml
[identity]
file = "identity.csv"      # relative to finops.toml; columns provider,kind,name,provider_id

[[identity.entries]]       # and/or inline
provider = "anthropic"
kind = "project"           # project | api_key
name = "search"
provider_id = "wrkspc_01..."
```

An `api_key` entry with an empty `provider_id` names usage the bill reports without a key
(Anthropic Console/Workbench). The requests table keeps the names as logged; reconcile
applies the map (`identity_map(config)`) when it joins the log to the bill.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any, Final

import polars as pl

from finops.config import ConfigFile
from finops.errors import ConfigError

IDENTITY: Final = pl.Schema({"provider": pl.String, "kind": pl.String, "name": pl.String, "provider_id": pl.String})
KINDS: Final = ("project", "api_key")
COLUMNS: Final = tuple(IDENTITY.names())


def empty() -> pl.DataFrame:
    return pl.DataFrame(schema=IDENTITY)


def _entry(raw: dict[str, Any], fail) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """One entry, checked; `fail(key, problem)` raises naming where it came from."""
    unknown = [k for k in raw if k not in COLUMNS]
    if unknown:
        fail(unknown[0], f"unknown key; use {', '.join(COLUMNS)}")
    out: dict[str, str] = {}
    for key in COLUMNS:
        value = raw.get(key)
        if value is None or (not isinstance(value, str)):
            if key == "provider_id" and value is None and raw.get("kind") == "api_key":
                value = ""
            else:
                fail(key, "missing" if value is None else "must be text")
        assert isinstance(value, str)  # fail() raised otherwise
        value = value.strip()
        if not value and not (key == "provider_id" and raw.get("kind", "").strip() == "api_key"):
            fail(key, "is empty")
        out[key] = value
    out["provider"] = out["provider"].lower()
    if out["kind"] not in KINDS:
        fail("kind", f"{out['kind']!r} is not one of {', '.join(KINDS)}")
    return out


def _from_file(config: ConfigFile, file: str) -> list[tuple[str, dict[str, str]]]:
    base = config.path.parent if config.path else Path.cwd()
    path = (base / file).expanduser()
    if not path.is_file():
        config.fail("identity.file", f"{path}: file not found")
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            header = [h.strip() for h in reader.fieldnames or []]
            missing = [c for c in COLUMNS if c not in header]
            if missing:
                raise ConfigError(f"{path}:1: missing column(s) {', '.join(missing)} (columns are {','.join(COLUMNS)})")
            out = []
            start = reader.line_num + 1
            for row in reader:
                line = start
                start = reader.line_num + 1
                raw = {k.strip(): v for k, v in row.items() if k is not None and k.strip() in COLUMNS}
                if not any((v or "").strip() for v in raw.values()):
                    continue

                def fail(key: str, problem: str, line: int = line) -> None:
                    raise ConfigError(f"{path}:{line}: {key}: {problem}")

                out.append((f"{path}:{line}", _entry(raw, fail)))
            return out
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None


def _entry_line(config: ConfigFile, i: int) -> int | None:
    """The line of the i-th (0-based) `[[identity.entries]]` header, when the text has it."""
    header = re.compile(r"^\s*\[\[\s*identity\.entries\s*\]\]")
    found = [n + 1 for n, line in enumerate(config.text.splitlines()) if header.match(line)]
    return found[i] if i < len(found) else None


def _key_line(config: ConfigFile, start: int | None, key: str) -> int | None:
    """The line of `key =` in the table that starts at line `start`."""
    if start is None:
        return None
    lines = config.text.splitlines()
    for n in range(start, len(lines)):
        if lines[n].lstrip().startswith("["):
            return None
        if re.match(r"^\s*" + re.escape(key) + r"\s*=", lines[n]):
            return n + 1
    return None


def _inline(config: ConfigFile, entries: Any) -> list[tuple[str, dict[str, str]]]:
    if not isinstance(entries, list):
        config.fail("identity.entries", "must be an array of tables ([[identity.entries]])")
    out = []
    where = str(config.path) if config.path else "finops.toml"
    for i, raw in enumerate(entries):
        if not isinstance(raw, dict):
            config.fail("identity.entries", f"entry {i + 1} must be a table")

        line = _entry_line(config, i)

        def fail(key: str, problem: str, i: int = i, line: int | None = line) -> None:
            at = _key_line(config, line, key) or line
            raise ConfigError(f"{where}{f':{at}' if at else ''}: identity.entries[{i + 1}].{key}: {problem}")

        out.append((f"{where}:{line}" if line else f"{where} [[identity.entries]] {i + 1}", _entry(raw, fail)))
    return out


def _check_unique(rows: list[tuple[str, dict[str, str]]]) -> None:
    """One name per id and one id per name, per provider and kind: an ambiguous map is an error."""
    names: dict[tuple[str, str, str], str] = {}
    ids: dict[tuple[str, str, str], str] = {}
    for where, r in rows:
        by_name = (r["provider"], r["kind"], r["name"])
        by_id = (r["provider"], r["kind"], r["provider_id"])
        if by_name in names:
            raise ConfigError(f"{where}: name: duplicate {r['kind']} name {r['name']!r} for {r['provider']} (first at {names[by_name]})")
        if by_id in ids:
            shown = r["provider_id"] or "(no key)"
            raise ConfigError(f"{where}: provider_id: duplicate {r['kind']} id {shown!r} for {r['provider']} (first at {ids[by_id]})")
        names[by_name] = where
        ids[by_id] = where


def identity_map(config: ConfigFile) -> pl.DataFrame:
    """The [identity] of finops.toml as a frame (provider, kind, name, provider_id), checked.

    Empty when the config has no [identity]. Raises ConfigError naming the file, line and key
    of an unknown key, a missing value, an unknown kind or a duplicate name or id.
    """
    section = config.section("identity")
    if not section:
        return empty()
    unknown = [k for k in section if k not in ("file", "entries")]
    if unknown:
        config.fail(f"identity.{unknown[0]}", "unknown key; use file and/or [[identity.entries]]")
    rows: list[tuple[str, dict[str, str]]] = []
    file = section.get("file")
    if file is not None:
        if not isinstance(file, str) or not file.strip():
            config.fail("identity.file", "must be a file name")
        rows += _from_file(config, file)
    if "entries" in section:
        rows += _inline(config, section["entries"])
    _check_unique(rows)
    if not rows:
        return empty()
    return pl.DataFrame([r for _, r in rows], schema=IDENTITY)


def to_provider_ids(frame: pl.LazyFrame, identity: pl.DataFrame, provider: str = "provider",
                    project: str = "project_id", api_key: str = "api_key_id") -> pl.LazyFrame:
    """`frame` with its logged project and key names replaced by the provider's ids where the
    map names them (names it does not know are left as they are)."""
    if identity.is_empty():
        return frame
    out = frame
    for kind, column in (("project", project), ("api_key", api_key)):
        table = identity.filter(pl.col("kind") == kind).select(
            pl.col("provider").alias("__idp"), pl.col("name").alias("__idn"), pl.col("provider_id").alias("__idv"))
        if table.is_empty():
            continue
        out = (
            out.with_columns(pl.col(provider).str.to_lowercase().alias("__idp"), pl.col(column).alias("__idn"))
            .join(table.lazy(), on=["__idp", "__idn"], how="left", nulls_equal=False, maintain_order="left")
            .with_columns(pl.coalesce("__idv", column).alias(column))
            .drop("__idp", "__idn", "__idv")
        )
    return out
