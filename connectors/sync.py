"""Incremental sync of provider usage and costs into the store, with watermarks.

Each run pulls from (watermark - restatement window) to the last complete UTC day,
collects every page first, upserts by natural key, drops stored rows the provider no
longer reports for the days it answered, and only then advances the watermark: an
interrupted sync resumes, and a re-run changes nothing. Providers revise recent days;
the restatement window (default 3 days, `[sources.<name>] restatement_days`) re-reads
them. A partial day is never stored: the window ends at a UTC midnight no later than
today's, and only whole-day buckets inside the window are kept.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import partial
from types import ModuleType

import polars as pl

from finops.connectors import anthropic, credentials, openai
from finops.connectors._fetch import Fetch
from finops.connectors._http import ProviderClient, RetryPolicy, redact
from finops.connectors._rows import combine_costs, combine_usage
from finops.connectors.request_logs.values import bounds_from_config, using_bounds
from finops.config import ConfigFile, Settings
from finops.errors import FinopsError, InputError, SourceError
from finops.schema import BILLED_USAGE_TABLE
from finops.store import SourceState, Store, Watermarks

log = logging.getLogger("finops.connectors.sync")
SOURCES: dict[str, ModuleType] = {"openai": openai, "anthropic": anthropic}
BASE_URL_ENV = {"openai": "FINOPS_OPENAI_BASE_URL", "anthropic": "FINOPS_ANTHROPIC_BASE_URL"}
DEFAULT_BACKFILL_DAYS = 30
DEFAULT_RESTATEMENT_DAYS = 3
DAY = timedelta(days=1)
# table -> (period start, period end, source) columns
PERIOD = {"billed_usage": ("charge_period_start", "charge_period_end", "source"),
          "cost_lines": ("ChargePeriodStart", "ChargePeriodEnd", "x_Source")}

# (source, path, pages so far) after each page
Progress = Callable[[str, str, int], None]
# (source, window start, window end, requests planned) before the first request
WindowHook = Callable[[str, datetime, datetime, int], None]


@dataclass(frozen=True)
class SourceConfig:
    name: str
    base_url: str
    restatement_days: int = DEFAULT_RESTATEMENT_DAYS
    backfill_days: int = DEFAULT_BACKFILL_DAYS
    policy: RetryPolicy = field(default_factory=RetryPolicy)


def _number(config: ConfigFile, section: dict, name: str, key: str, default: float, minimum: float, integer: bool) -> float:
    value = section.get(key, default)
    ok = isinstance(value, int) if integer else isinstance(value, (int, float))
    if isinstance(value, bool) or not ok or value < minimum:
        config.fail(f"sources.{name}.{key}", f"must be {'an integer' if integer else 'a number'} >= {minimum}")
    return value


def source_config(config: ConfigFile, name: str) -> SourceConfig:
    """[sources.<name>] of finops.toml; FINOPS_<NAME>_BASE_URL overrides base_url."""
    section = config.section(f"sources.{name}")
    base = os.environ.get(BASE_URL_ENV[name]) or section.get("base_url") or SOURCES[name].DEFAULT_BASE_URL
    if not isinstance(base, str) or not base.startswith(("http://", "https://")):
        config.fail(f"sources.{name}.base_url", "must be an http(s) URL")
    d = RetryPolicy()
    policy = RetryPolicy(
        attempts=int(_number(config, section, name, "retry_attempts", d.attempts, 1, True)),
        base_seconds=float(_number(config, section, name, "retry_base_seconds", d.base_seconds, 0, False)),
        cap_seconds=float(_number(config, section, name, "retry_cap_seconds", d.cap_seconds, 0, False)),
        timeout_seconds=float(_number(config, section, name, "timeout_seconds", d.timeout_seconds, 0.001, False)),
        max_retry_after=float(_number(config, section, name, "max_retry_after_seconds", d.max_retry_after, 0, False)),
        request_deadline_seconds=float(_number(config, section, name, "request_deadline_seconds",
                                               d.request_deadline_seconds, 0.001, False)),
        sync_deadline_seconds=float(_number(config, section, name, "sync_deadline_seconds",
                                            d.sync_deadline_seconds, 0.001, False)),
        max_reply_bytes=int(_number(config, section, name, "max_reply_mb", d.max_reply_bytes / 2**20, 0.001, False) * 2**20),
    )
    return SourceConfig(
        name, base,
        int(_number(config, section, name, "restatement_days", DEFAULT_RESTATEMENT_DAYS, 0, True)),
        int(_number(config, section, name, "backfill_days", DEFAULT_BACKFILL_DAYS, 1, True)),
        policy,
    )


@dataclass
class SyncResult:
    source: str
    start: datetime
    end: datetime
    pages: int = 0
    added: int = 0
    changed: int = 0
    removed: int = 0  # stored rows the provider no longer reports for a re-read day
    error: str | None = None

    @property
    def days(self) -> int:
        return max(0, (self.end - self.start) // DAY)


def _midnight(ts: datetime) -> datetime:
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=timezone.utc)
    return ts.astimezone(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)


def plan_window(state: SourceState, cfg: SourceConfig, since: datetime | None, until: datetime | None,
                now: datetime | None = None) -> tuple[datetime, datetime]:
    """[start, end) in whole UTC days; `end` is never later than today's midnight."""
    today = _midnight(now or datetime.now(timezone.utc))
    end = min(_midnight(until), today) if until else today
    if since:
        start = _midnight(since)
    elif state.watermark:
        start = min(_midnight(state.watermark), end) - timedelta(days=cfg.restatement_days)
    else:
        start = end - timedelta(days=cfg.backfill_days)
    return start, end


def _next_watermark(old: datetime | None, start: datetime, end: datetime) -> datetime | None:
    # Advance only when this window joins what is already stored; never move it back.
    if old is None:
        return end
    return max(old, end) if start <= old else old


def answered_until(answered: dict[str, set[datetime] | None], start: datetime, end: datetime) -> datetime:
    """The end of the last day in [start, end) that the provider answered for, in every table
    that was requested: an empty reply answers for no day (the watermark stays at `start`)."""
    until = end
    for days in answered.values():
        if days is None:  # no request for this table
            continue
        inside = [d for d in days if start <= d < end]
        until = min(until, max(inside) + DAY if inside else start)
    return until


def _complete_days(frame: pl.DataFrame, table: str, start: datetime, end: datetime) -> pl.DataFrame:
    s, e, _ = PERIOD[table]
    return frame.filter((pl.col(s) >= start) & (pl.col(e) <= end) & ((pl.col(e) - pl.col(s)) == pl.duration(days=1)))


def _usage_key() -> pl.Expr:
    return pl.concat_str([pl.col(c).cast(pl.String) for c in BILLED_USAGE_TABLE.key], separator="\x1f")


def _drop_stale(store: Store, table: str, source: str, days: list[datetime], fresh: pl.DataFrame) -> int:
    """Delete rows of `source` on `days` whose key the provider no longer reports."""
    if not days:
        return 0
    s, _, src = PERIOD[table]
    scope = (pl.col(src) == source) & pl.col(s).is_in(pl.Series(days, dtype=pl.Datetime("us", "UTC")).implode())
    if table == "cost_lines":
        gone = ~pl.col("x_LineId").is_in(fresh["x_LineId"].implode())
    else:
        gone = ~_usage_key().is_in(fresh.select(_usage_key().alias("k"))["k"].implode())
    return store.delete_where(table, scope & gone)


def _fetch_all(client: ProviderClient, fetches: list[Fetch], source: str, result: SyncResult,
               progress: Callable[[str, int], None] | None) -> tuple[dict[str, list[pl.DataFrame]], dict[str, set[datetime] | None]]:
    frames: dict[str, list[pl.DataFrame]] = {"billed_usage": [], "cost_lines": []}
    answered: dict[str, set[datetime] | None] = {"billed_usage": None, "cost_lines": None}
    for fetch in fetches:
        days: set[datetime] = set()
        done = result.pages
        on_page = (lambda n, path=fetch.path: progress(path, done + n)) if progress else None
        for page in client.pages(fetch.path, fetch.params, on_page):
            try:
                frames[fetch.table].append(fetch.parse(page, source))
                days.update(_midnight(d) for d in fetch.days(page))
            except (KeyError, ValueError, TypeError, AttributeError, OverflowError, pl.exceptions.PolarsError) as exc:
                raise SourceError(client.redact_text(
                    f"{source}: page {result.pages + 1} of {fetch.path} has an unexpected shape "
                    f"({type(exc).__name__}: {' '.join(str(exc).split())[:160]})")) from None
            result.pages += 1
        # A day counts as answered only when every endpoint of the table returned its bucket.
        prev = answered[fetch.table]
        answered[fetch.table] = days if prev is None else prev & days
    return frames, answered


def sync_source(store: Store, config: ConfigFile, name: str, since: datetime | None = None, until: datetime | None = None,
                now: datetime | None = None, policy: RetryPolicy | None = None,
                progress: Callable[[str, int], None] | None = None,
                on_window: Callable[[datetime, datetime, int], None] | None = None) -> SyncResult:
    if name not in SOURCES:
        raise InputError(f"--source: {name!r} is not one of {', '.join(SOURCES)}")
    cfg = source_config(config, name)
    module = SOURCES[name]
    marks = Watermarks(store.root)
    state = marks.get(name)
    start, end = plan_window(state, cfg, since, until, now)
    result = SyncResult(name, start, end)
    fetches: list[Fetch] = module.requests_for(start, end) if start < end else []
    if on_window:
        on_window(start, end, len(fetches))
    if not fetches:
        return result
    key = credentials.get_key(name)
    policy = policy or cfg.policy
    deadline = time.monotonic() + policy.sync_deadline_seconds
    with ProviderClient(name, cfg.base_url, module.headers(key), module.KEY_HINT, policy, deadline=deadline) as client:
        frames, answered = _fetch_all(client, fetches, name, result, progress)
    with store.transaction():  # both tables, upserts and deletions: one commit
        for table, parts in frames.items():
            frame = combine_usage(parts) if table == "billed_usage" else combine_costs(parts)
            frame = _complete_days(frame, table, start, end)
            if frame.height:
                r = store.upsert(table, frame)
                result.added += r.added
                result.changed += r.changed
            days = sorted(d for d in (answered[table] or set()) if start <= d and d + DAY <= end)
            result.removed += _drop_stale(store, table, name, days, frame)
    reached = answered_until(answered, start, end)
    if reached < end:
        log.info("%s: the provider answered up to %s of a window ending %s; the watermark stops there",
                 name, reached.date(), end.date())
    marks.put(SourceState(name, _next_watermark(state.watermark, start, reached) if reached > start else state.watermark,
                          datetime.now(timezone.utc),
                          result.added + result.changed + result.removed))
    return result


def _known_secrets(name: str) -> list[str]:
    """The source's key, if one is configured, so an error that echoes part of it is redacted."""
    try:
        return [credentials.get_key(name)]
    except FinopsError:
        return []


def sync_all(settings: Settings, sources: list[str] | None = None, since: datetime | None = None,
             until: datetime | None = None, policy: RetryPolicy | None = None,
             progress: Progress | None = None, on_window: WindowHook | None = None,
             now: datetime | None = None) -> list[SyncResult]:
    """Sync each source; one failing source is recorded and the others still sync."""
    names = list(sources or SOURCES)
    unknown = [n for n in names if n not in SOURCES]
    if unknown:
        raise InputError(f"--source: {', '.join(map(repr, unknown))} is not one of {', '.join(SOURCES)}")
    store = Store(settings.store_dir)
    out: list[SyncResult] = []
    # [ingest] bounds hold for what a provider answers too (a cost of "NaN" is refused, not stored)
    with using_bounds(bounds_from_config(settings.config)):
        return _sync_each(store, settings, names, since, until, policy, progress, on_window, now, out)


def _sync_each(store: Store, settings: Settings, names: list[str], since: datetime | None, until: datetime | None,
               policy: RetryPolicy | None, progress: Progress | None, on_window: WindowHook | None,
               now: datetime | None, out: list[SyncResult]) -> list[SyncResult]:
    for name in names:
        try:
            out.append(sync_source(
                store, settings.config, name, since, until, now=now, policy=policy,
                progress=partial(progress, name) if progress else None,
                on_window=partial(on_window, name) if on_window else None,
            ))
        except FinopsError as exc:
            line = redact(exc.one_line(), _known_secrets(name))
            log.warning("%s: %s", name, line)
            marks = Watermarks(store.root)
            prev = marks.get(name)
            marks.put(SourceState(name, prev.watermark, prev.last_sync, prev.last_rows, line))
            at = now or datetime.now(timezone.utc)
            out.append(SyncResult(name, since or at, until or at, error=line))
    return out
