"""What one provider request is for: the table it fills, its path and params, how to read it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import polars as pl

Page = dict[str, Any]


@dataclass(frozen=True)
class Fetch:
    """One paginated endpoint call for a sync window.

    `parse(page, source)` turns a page into canonical rows; `days(page)` lists the UTC
    day starts of the page's buckets, empty ones included, so the sync knows which days
    the provider answered for (and may drop stored rows the provider no longer reports).
    """

    table: str  # billed_usage | cost_lines
    name: str  # short label for progress: "completions", "costs", ...
    path: str
    params: list[tuple[str, Any]]
    parse: Callable[[Page, str], pl.DataFrame]
    days: Callable[[Page], list[datetime]]
