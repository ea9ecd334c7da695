"""Write the table a screen shows to CSV under <data dir>/exports (atomic, headless).

The CSV is written by finops.export's writer when it is installed, so the dashboard's
files read like `finops export`'s (ISO 8601 UTC times, lists joined with ';').
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl

from finops.store import atomic


def _write(frame: pl.DataFrame, tmp: Path) -> None:
    try:
        from finops.export.files import write_frame
    except ImportError:
        frame.write_csv(tmp)
        return
    write_frame(frame, "csv", tmp)


def export_view(frame: pl.DataFrame, data_dir: Path, view: str, today: date) -> Path:
    path = Path(data_dir) / "exports" / f"{view}-{today.isoformat()}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic.write_with(path, lambda tmp: _write(frame, Path(tmp)))
    return path
