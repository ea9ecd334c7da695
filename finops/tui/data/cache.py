"""A small in-process cache of screen data, keyed by what the figures depend on.

The key is the loader, its arguments (filters, options), the store's fingerprint (every
partition file's size and modification time, so a sync or load invalidates it) and the
config file's text. Revisiting a filter or a screen is then instant; nothing is written.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from finops.tui.data.context import DashboardContext

T = TypeVar("T")
MAX_ENTRIES = 64
_entries: OrderedDict[Hashable, Any] = OrderedDict()
_lock = threading.Lock()


def store_fingerprint(ctx: DashboardContext) -> tuple:
    root = ctx.store.root
    if not root.is_dir():
        return ()
    files = sorted(p for p in root.rglob("*.parquet") if p.is_file())
    return tuple((str(p.relative_to(root)), p.stat().st_size, p.stat().st_mtime_ns) for p in files)


def cached(name: str, ctx: DashboardContext, args: tuple, load: Callable[[], T]) -> T:
    """`load()` once per (name, args, store fingerprint, config, today); later calls reuse it."""
    key = (name, args, str(ctx.store.root), store_fingerprint(ctx), ctx.settings.config.text, ctx.today)
    with _lock:
        if key in _entries:
            _entries.move_to_end(key)
            return _entries[key]
    value = load()
    with _lock:
        _entries[key] = value
        while len(_entries) > MAX_ENTRIES:
            _entries.popitem(last=False)
    return value


def clear() -> None:
    with _lock:
        _entries.clear()
