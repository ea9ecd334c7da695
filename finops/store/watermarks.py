"""Per-source sync state: the watermark (data complete up to), last sync time and rows.

Stored as one JSON file written atomically. A connector advances its watermark only
after the rows it pulled are safely upserted, so an interrupted sync resumes from the
last good point.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from finops.errors import StoreError
from finops.store import atomic, layout


@dataclass(frozen=True)
class SourceState:
    source: str
    watermark: datetime | None = None  # UTC; data stored completely up to (exclusive)
    last_sync: datetime | None = None  # UTC wall time of the last successful sync
    last_rows: int = 0  # rows added or changed by the last sync
    last_error: str | None = None  # one line, never a secret

    def to_json(self) -> dict[str, object]:
        d = asdict(self)
        for k in ("watermark", "last_sync"):
            d[k] = d[k].isoformat() if d[k] else None
        return d

    @classmethod
    def from_json(cls, d: dict[str, object]) -> "SourceState":
        def ts(v: object) -> datetime | None:
            return datetime.fromisoformat(str(v)) if v else None

        return cls(
            source=str(d["source"]),
            watermark=ts(d.get("watermark")),
            last_sync=ts(d.get("last_sync")),
            last_rows=int(str(d.get("last_rows") or 0)),
            last_error=d.get("last_error"),  # type: ignore[arg-type]
        )


class Watermarks:
    def __init__(self, root: Path) -> None:
        self.path = layout.watermarks_file(root)

    def all(self) -> dict[str, SourceState]:
        if not self.path.is_file():
            return {}
        try:
            raw = json.loads(self.path.read_text())
        except ValueError as exc:
            raise StoreError(f"{self.path}: unreadable ({exc})") from None
        return {k: SourceState.from_json(v) for k, v in raw.items()}

    def get(self, source: str) -> SourceState:
        return self.all().get(source, SourceState(source))

    def put(self, state: SourceState) -> None:
        states = self.all()
        states[state.source] = state
        atomic.write_text(
            self.path,
            json.dumps({k: v.to_json() for k, v in sorted(states.items())}, indent=2) + "\n",
        )
