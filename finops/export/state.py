"""What incremental export remembers: per dataset, per destination, per month, the file's version.

    <data dir>/export_state/<dataset>.json
    {"version": 1, "dataset": "costs",
     "targets": {"parquet:/abs/out": {"2026-10": {"file": "costs/costs-2026-10.parquet",
        "inputs": <stamp of what the month is computed from>, "fingerprint": <sha256 of its rows>,
        "rows": 1234, "bytes": 56789, "sha256": <of the file>, "exported_at": "...Z"}}}}

Saved atomically after every file, and only when something changed, so a re-run that
exports nothing leaves this file untouched too. One export per dataset runs at a time
(an advisory lock beside the state file); a second waits for the first.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from finops.errors import FinopsError
from finops.store import atomic

STATE_VERSION = 1
LOCK_TIMEOUT_S = 600.0


class ExportBusy(FinopsError):
    title = "export"
    exit_code = 5


class StateError(FinopsError):
    title = "export state"
    exit_code = 5


@dataclass
class ExportState:
    path: Path
    dataset: str
    targets: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)

    @classmethod
    def load(cls, state_dir: Path, dataset: str) -> "ExportState":
        path = state_dir / f"{dataset}.json"
        if not path.is_file():
            return cls(path, dataset)
        try:
            raw = json.loads(path.read_text())
            if raw.get("version") != STATE_VERSION or not isinstance(raw.get("targets"), dict):
                raise ValueError(f"unknown layout (version {raw.get('version')!r})")
        except (OSError, ValueError, AttributeError) as exc:
            raise StateError(f"{path}: unreadable export state ({exc}); delete it to re-export everything") from None
        return cls(path, dataset, raw["targets"])

    def periods(self, key: str) -> dict[str, dict[str, Any]]:
        return self.targets.setdefault(key, {})

    def save(self) -> None:
        body = {"version": STATE_VERSION, "dataset": self.dataset, "targets": self.targets}
        atomic.write_text(self.path, json.dumps(body, indent=1, sort_keys=True) + "\n")


def target_key(fmt: str, out_dir: Path) -> str:
    return f"{fmt}:{out_dir.expanduser().resolve()}"


@contextlib.contextmanager
def locked(state_dir: Path, dataset: str, timeout: float = LOCK_TIMEOUT_S) -> Iterator[None]:
    """Hold the dataset's export lock; wait up to `timeout` seconds for another export to finish."""
    state_dir.mkdir(parents=True, exist_ok=True)
    path = state_dir / f".{dataset}.lock"
    with open(path, "a+") as fh:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise ExportBusy(f"{path}: another export of {dataset} has held the lock for {timeout:.0f} s") from None
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
