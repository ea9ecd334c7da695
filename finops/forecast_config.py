"""The forecast's calendar from finops.toml: holiday countries, holiday windows and known events.

The model (finops.models.forecast) takes a typed CalendarSpec and never reads files; this
module is where `[forecast]`, `[[forecast.events]]` and the events CSV file are parsed, with
errors naming the file, line and field.

```toml
[forecast]
countries = { US = 0.55, DE = 0.28, JP = 0.17 }   # traffic share per country (or subdivision: "CA-QC" = 0.1)
holiday_windows = { "Thanksgiving" = [1, 3] }     # days before/after, by holiday-name prefix
events_file = "events.csv"                         # name,start,end,before,after (relative to this file)

[[forecast.events]]
name = "Black Friday sale"
dates = ["2025-11-28", "2026-11-27..2026-11-30"]  # days or first..last spans, past and future
window = [1, 2]                                    # optional: days before, days after
```
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from typing import Any

from finops.config import ConfigError, ConfigFile
from finops.models.forecast.calendar import DEFAULT_COUNTRIES, CalendarSpec
from finops.models.forecast.events import Event, merge
from finops.models.forecast.regions import region

KNOWN_KEYS = ("countries", "holiday_windows", "events", "events_file")
CSV_COLUMNS = ("name", "start", "end", "before", "after")


def _span(text: str) -> tuple[date, date]:
    """'2026-11-27' or '2026-11-27..2026-11-30' -> (first, last); ValueError when malformed."""
    first, _, last = str(text).strip().partition("..")
    a = date.fromisoformat(first.strip())
    b = date.fromisoformat(last.strip()) if last else a
    if b < a:
        raise ValueError(f"{b} is before {a}")
    return a, b


def _window(config: ConfigFile, key: str, value: Any) -> tuple[int, int]:
    if (not isinstance(value, list) or len(value) != 2
            or any(isinstance(v, bool) or not isinstance(v, int) or v < 0 or v > 60 for v in value)):
        config.fail(key, "must be [days before, days after], whole numbers from 0 to 60")
    return int(value[0]), int(value[1])


def _toml_events(config: ConfigFile, raw: Any) -> list[Event]:
    if not isinstance(raw, list):
        config.fail("forecast.events", "must be a list of [[forecast.events]] tables")
    out = []
    for i, item in enumerate(raw, 1):
        key = "forecast.events"
        if not isinstance(item, dict):
            config.fail(key, f"entry {i} must be a table")
        unknown = set(item) - {"name", "dates", "window"}
        if unknown:
            config.fail(f"{key}.{sorted(unknown)[0]}", f"entry {i}: unknown key (known: name, dates, window)")
        name = item.get("name")
        if not isinstance(name, str) or not name.strip():
            config.fail(f"{key}.name", f"entry {i} needs a name")
        dates = item.get("dates")
        if not isinstance(dates, list) or not dates:
            config.fail(f"{key}.dates", f"event {name!r} needs dates: a list of YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD")
        spans = []
        for d in dates:
            try:
                spans.append(_span(d if isinstance(d, str) else d.isoformat()))
            except (ValueError, AttributeError) as exc:
                config.fail(f"{key}.dates", f"event {name!r}: {d!r} is not a date or first..last span ({exc})")
        before, after = _window(config, f"{key}.window", item["window"]) if "window" in item else (0, 0)
        out.append(Event(name.strip(), tuple(sorted(set(spans))), before, after))
    return out


def _int_field(path: Path, line: int, field: str, text: str) -> int:
    if not text.strip():
        return 0
    try:
        value = int(text)
    except ValueError:
        raise ConfigError(f"{path}:{line}: {field}: {text!r} is not a whole number of days") from None
    if not 0 <= value <= 60:
        raise ConfigError(f"{path}:{line}: {field}: {value} must be from 0 to 60 days")
    return value


def read_events_csv(path: Path) -> list[Event]:
    """Events from a CSV file with columns name,start[,end,before,after]; one occurrence per row."""
    try:
        handle = path.open(encoding="utf-8", newline="")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror})") from None
    rows: dict[str, list[tuple[int, tuple[date, date], int, int]]] = {}
    with handle:
        reader = csv.DictReader(handle)
        header = [h.strip() for h in (reader.fieldnames or [])]
        missing = [c for c in ("name", "start") if c not in header]
        if missing:
            raise ConfigError(f"{path}:1: header: missing column {missing[0]!r} (columns: {', '.join(CSV_COLUMNS)})")
        extra = [c for c in header if c not in CSV_COLUMNS]
        if extra:
            raise ConfigError(f"{path}:1: header: unknown column {extra[0]!r} (columns: {', '.join(CSV_COLUMNS)})")
        for row in reader:
            line = reader.line_num
            row = {k.strip(): (v or "").strip() for k, v in row.items() if k is not None}
            if not row.get("name"):
                raise ConfigError(f"{path}:{line}: name: empty")
            try:
                first = date.fromisoformat(row["start"])
            except ValueError:
                raise ConfigError(f"{path}:{line}: start: {row['start']!r} is not a YYYY-MM-DD date") from None
            try:
                last = date.fromisoformat(row["end"]) if row.get("end") else first
            except ValueError:
                raise ConfigError(f"{path}:{line}: end: {row['end']!r} is not a YYYY-MM-DD date") from None
            if last < first:
                raise ConfigError(f"{path}:{line}: end: {last} is before start {first}")
            before = _int_field(path, line, "before", row.get("before", ""))
            after = _int_field(path, line, "after", row.get("after", ""))
            rows.setdefault(row["name"], []).append((line, (first, last), before, after))
    out = []
    for name, occ in rows.items():
        windows = {(b, a) for _, _, b, a in occ}
        if len(windows) > 1:
            line = occ[[(b, a) for _, _, b, a in occ].index(sorted(windows)[1])][0]
            raise ConfigError(f"{path}:{line}: before/after: event {name!r} has rows with different windows")
        before, after = windows.pop()
        out.append(Event(name, tuple(sorted({s for _, s, _, _ in occ})), before, after))
    return out


def load_events(config: ConfigFile) -> tuple[Event, ...]:
    """`[[forecast.events]]` and the `[forecast] events_file` CSV, one Event per name."""
    section = config.section("forecast")
    events = _toml_events(config, section["events"]) if "events" in section else []
    if "events_file" in section:
        name = section["events_file"]
        if not isinstance(name, str) or not name:
            config.fail("forecast.events_file", "must be a file name")
        path = Path(name)
        if not path.is_absolute() and config.path is not None:
            path = config.path.parent / path
        events += read_events_csv(path)
    try:
        return merge(events)
    except ValueError as exc:
        return config.fail("forecast.events", str(exc))


def calendar_spec(config: ConfigFile) -> CalendarSpec:
    """[forecast]: where the traffic comes from (holiday effects), holiday windows, known events."""
    section = config.section("forecast")
    unknown = set(section) - set(KNOWN_KEYS)
    if unknown:
        config.fail(f"forecast.{sorted(unknown)[0]}", f"unknown key (known: {', '.join(KNOWN_KEYS)})")
    countries = section.get("countries", DEFAULT_COUNTRIES)
    if not isinstance(countries, dict) or not countries:
        config.fail("forecast.countries", "must be a table of country code = traffic share")
    for code, share in countries.items():
        if isinstance(share, bool) or not isinstance(share, (int, float)) or share < 0:
            config.fail("forecast.countries", f"share for {code!r} must be a non-negative number")
        try:
            import holidays

            country, subdiv = region(str(code))
            holidays.country_holidays(country, subdiv=subdiv)
        except (NotImplementedError, KeyError):
            config.fail("forecast.countries", f"{code!r} is not a country (or country-subdivision, e.g. CA-QC) "
                        "the holidays package knows")
    if sum(countries.values()) <= 0:
        config.fail("forecast.countries", "the shares must not all be zero")
    windows = section.get("holiday_windows", {})
    if not isinstance(windows, dict):
        config.fail("forecast.holiday_windows", 'must be a table of holiday-name prefix = [before, after]')
    holiday_windows = tuple((str(k), *_window(config, "forecast.holiday_windows", v)) for k, v in windows.items())
    return CalendarSpec(countries={str(k): float(v) for k, v in countries.items()}, events=load_events(config),
                        holiday_windows=holiday_windows)
