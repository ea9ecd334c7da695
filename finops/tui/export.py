"""Write the table a screen shows to CSV under <data dir>/exports (atomic, headless)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl

from finops.store import atomic


def export_view(frame: pl.DataFrame, data_dir: Path, view: str, today: date) -> Path:
    path = Path(data_dir) / "exports" / f"{view}-{today.isoformat()}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic.write_with(path, lambda tmp: frame.write_csv(tmp))
    return path
