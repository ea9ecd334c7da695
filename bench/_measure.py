"""Measure a step in a fresh subprocess: wall time and peak RSS, so steps never share memory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Measurement:
    name: str
    rows: int
    seconds: float
    peak_rss_mb: float
    extra: dict[str, object]

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else float("nan")


CHILD_FOOTER = """
import json as _json, resource as _resource, time as _time
print(_json.dumps({"seconds": _time.perf_counter() - _T0,
                   "peak_rss_mb": _resource.getrusage(_resource.RUSAGE_SELF).ru_maxrss / 1024, **RESULT}))
"""


def run_step(name: str, setup: str, body: str, rows: int) -> Measurement:
    """Run `setup` untimed, then `body` timed, in a fresh interpreter.

    `body` may set a dict RESULT with extra figures. Peak RSS is the child's own
    maximum resident set, so each step is measured alone.
    """
    code = f"{setup}\nimport time as _t\nRESULT = {{}}\n_T0 = _t.perf_counter()\n{body}\n{CHILD_FOOTER}"
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, stdout=subprocess.PIPE, text=True, env={**os.environ})
    if proc.returncode:
        raise RuntimeError(f"bench step {name} failed with exit code {proc.returncode}")
    last = [line for line in proc.stdout.splitlines() if line.startswith("{")][-1]
    extra = json.loads(last)
    seconds = float(extra.pop("seconds"))
    peak = float(extra.pop("peak_rss_mb"))
    return Measurement(name, rows, seconds, peak, extra)


def print_table(rows: list[Measurement]) -> None:
    print(f"{'step':34s} {'rows':>12s} {'seconds':>9s} {'rows/s':>13s} {'peak RSS MB':>12s}  notes")
    for m in rows:
        notes = " ".join(f"{k}={v}" for k, v in m.extra.items())
        print(f"{m.name:34s} {m.rows:>12,} {m.seconds:>9.2f} {m.rows_per_second:>13,.0f} {m.peak_rss_mb:>12,.0f}  {notes}")
