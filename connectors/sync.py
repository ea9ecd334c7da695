"""Incremental sync of provider usage and costs into the store, with watermarks.

Each run pulls from (watermark - restatement window) to the last complete UTC day, collects
every page first, upserts by natural key, and only then advances the watermark, so an
interrupted sync resumes and a re-run changes nothing. Providers revise recent days; the
restatement window (default 3 days, `[sources.<name>] restatement_days`) re-reads them.
A partial day is never stored: the window ends at a UTC midnight.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from types import ModuleType

import polars as pl

from connectors import anthropic, credentials, openai
from connectors._http import ProviderClient, RetryPolicy
from finops.config import ConfigFile, Settings
from finops.errors import FinopsError, InputError
from finops.store import SourceState, Store, Watermarks

log = logging.getLogger("finops.connectors.sync")
SOURCES: dict[str, ModuleType] = {"openai": openai, "anthropic": anthropic}
BASE_URL_ENV = {"openai": "FINOPS_OPENAI_BASE_URL", "anthropic": "FINOPS_ANTHROPIC_BASE_URL"}
DEFAULT_BACKFILL_DAYS = 30
DEFAULT_RESTATEMENT_DAYS = 3


@dataclass(frozen=True)
class SourceConfig:
    name: str
    base_url: str
    restatement_days: int = DEFAULT_RESTATEMENT_DAYS
    backfill_days: int = DEFAULT_BACKFILL_DAYS


def source_config(config: ConfigFile, name: str) -> SourceConfig:
    section = config.section(f"sources.{name}")
    module = SOURCES[name]
    base = os.environ.get(BASE_URL_ENV[name]) or section.get("base_url") or module.DEFAULT_BASE_URL
    if not isinstance(base, str) or not base.startswith(("http://", "https://")):
        config.fail(f"sources.{name}.base_url", "must be an http(s) URL")
    days = section.get("restatement_days", DEFAULT_RESTATEMENT_DAYS)
    if not isinstance(days, int) or days < 0:
        config.fail(f"sources.{name}.restatement_days", "must be a non-negative integer")
    backfill = section.get("backfill_days", DEFAULT_BACKFILL_DAYS)
    if not isinstance(backfill, int) or backfill < 1:
        config.fail(f"sources.{name}.backfill_days", "must be a positive integer")
    return SourceConfig(name, base, days, backfill)


@dataclass
class SyncResult:
    source: str
    start: datetime
    end: datetime
    pages: int = 0
    added: int = 0
    changed: int = 0
    error: str | None = None


def _midnight(ts: datetime) -> datetime:
    return ts.astimezone(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)


def sync_source(store: Store, config: ConfigFile, name: str, since: datetime | None = None, until: datetime | None = None,
                now: datetime | None = None, policy: RetryPolicy | None = None,
                progress: Callable[[str, int], None] | None = None) -> SyncResult:
    if name not in SOURCES:
        raise InputError(f"--source: {name!r} is not one of {', '.join(SOURCES)}")
    cfg = source_config(config, name)
    module = SOURCES[name]
    marks = Watermarks(store.root)
    state = marks.get(name)
    end = _midnight(until) if until else _midnight(now or datetime.now(timezone.utc))
    if since:
        start = _midnight(since)
    elif state.watermark:
        start = _midnight(state.watermark) - timedelta(days=cfg.restatement_days)
    else:
        start = end - timedelta(days=cfg.backfill_days)
    result = SyncResult(name, start, end)
    if start >= end:
        return result
    key = credentials.get_key(name)
    frames: dict[str, list[pl.DataFrame]] = {"billed_usage": [], "cost_lines": []}
    with ProviderClient(name, cfg.base_url, module.headers(key), module.KEY_HINT, policy) as client:
        for table, path, params, parse in module.requests_for(start, end):
            for page in client.pages(path, params):
                frames[table].append(parse(page, name))
                result.pages += 1
                if progress:
                    progress(path, result.pages)
    for table, parts in frames.items():
        if not parts:
            continue
        frame = pl.concat(parts, how="vertical")
        period_end = "charge_period_end" if table == "billed_usage" else "ChargePeriodEnd"
        frame = frame.filter(pl.col(period_end) <= end)  # complete days only
        r = store.upsert(table, frame)
        result.added += r.added
        result.changed += r.changed
    marks.put(SourceState(name, end, datetime.now(timezone.utc), result.added + result.changed))
    return result


def sync_all(settings: Settings, sources: list[str] | None = None, since: datetime | None = None,
             until: datetime | None = None, policy: RetryPolicy | None = None,
             progress: Callable[[str, str, int], None] | None = None) -> list[SyncResult]:
    """Sync each source; one failing source is recorded and the others still sync."""
    store = Store(settings.store_dir)
    out = []
    for name in sources or list(SOURCES):
        try:
            out.append(sync_source(store, settings.config, name, since, until, policy=policy,
                                   progress=(lambda path, n, s=name: progress(s, path, n)) if progress else None))
        except FinopsError as exc:
            log.warning("%s: %s", name, exc.one_line())
            failed = SyncResult(name, since or datetime.now(timezone.utc), until or datetime.now(timezone.utc), error=exc.one_line())
            prev = Watermarks(store.root).get(name)
            Watermarks(store.root).put(SourceState(name, prev.watermark, prev.last_sync, prev.last_rows, exc.one_line()))
            out.append(failed)
    return out
