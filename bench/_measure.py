"""Measure a step in a fresh subprocess: wall time and peak RSS, so steps never share memory."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
STEP_TIMEOUT: float | None = None  # seconds; `python -m bench --timeout` sets it for every step
STEP_DEFAULT = -1.0  # run_step's timeout: STEP_TIMEOUT


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


class StepFailed(RuntimeError):
    """A step's interpreter failed; `reason` is short enough for a table row."""

    def __init__(self, name: str, reason: str, returncode: int | None = None) -> None:
        super().__init__(f"bench step {name} failed: {reason}")
        self.name, self.reason, self.returncode = name, reason, returncode


def failure_reason(returncode: int, stderr: str) -> str:
    """What a failed child's exit says, e.g. -9 -> the OOM killer's usual signature."""
    if returncode == -signal.SIGKILL:
        return "killed, out of memory?"
    if returncode < 0:
        try:
            return f"killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"killed by signal {-returncode}"
    last = next((line.strip() for line in reversed(stderr.splitlines()) if line.strip()), "")
    return f"exit {returncode}: {last[:160]}" if last else f"exit {returncode}"


# cpu_s (user + system seconds of every thread, over the same span as the wall time) beside
# it: on a busy machine it moves far less, so a ratio of two steps' CPU seconds is steadier.
CHILD_HEADER = """
import resource as _resource, time as _time
RESULT = {}
_C0 = _resource.getrusage(_resource.RUSAGE_SELF)
_T0 = _time.perf_counter()
"""
CHILD_FOOTER = """
import json as _json
_ru = _resource.getrusage(_resource.RUSAGE_SELF)
print(_json.dumps({"seconds": _time.perf_counter() - _T0, "peak_rss_mb": _ru.ru_maxrss / 1024,
                   "cpu_s": round(_ru.ru_utime + _ru.ru_stime - _C0.ru_utime - _C0.ru_stime, 2), **RESULT}))
"""


def run_step(name: str, setup: str, body: str, rows: int, timeout: float | None = STEP_DEFAULT) -> Measurement:
    """Run `setup` untimed, then `body` timed, in a fresh interpreter.

    `body` may set a dict RESULT with extra figures; a RESULT "seconds", "peak_rss_mb" or
    "cpu_s" replaces the measured one (a step that times its own grandchildren). Peak RSS is the
    child's own maximum resident set, so each step is measured alone. Raises StepFailed
    (a RuntimeError) when the child exits non-zero, is killed or runs past `timeout`
    (default: STEP_TIMEOUT; None = no limit).
    """
    timeout = STEP_TIMEOUT if timeout == STEP_DEFAULT else timeout
    code = f"{setup}\n{CHILD_HEADER}\n{body}\n{CHILD_FOOTER}"
    try:
        proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, env={**os.environ}, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise StepFailed(name, f"timed out after {timeout:g} s") from None
    if proc.returncode:
        raise StepFailed(name, failure_reason(proc.returncode, proc.stderr), proc.returncode)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise StepFailed(name, "printed no result")
    extra = json.loads(lines[-1])
    seconds = float(extra.pop("seconds"))
    peak = float(extra.pop("peak_rss_mb"))
    return Measurement(name, rows, seconds, peak, extra)


@dataclass(frozen=True)
class Outcome:
    """One table row: a measurement, or why the step produced none."""

    size: str
    name: str
    rows: int
    measurement: Measurement | None = None
    failure: str | None = None
    rate: bool = True  # False where rows/s means nothing (the dashboard's paint)
    notes: dict[str, object] = field(default_factory=dict)


HEADER = f"{'step':34s} {'rows':>12s} {'seconds':>9s} {'rows/s':>13s} {'peak RSS MB':>12s}  notes"


def _notes(extra: dict[str, object]) -> str:
    return " ".join(f"{k}={v}" for k, v in extra.items())


def print_table(rows: list[Measurement]) -> None:
    print(HEADER)
    for m in rows:
        print(f"{m.name:34s} {m.rows:>12,} {m.seconds:>9.2f} {m.rows_per_second:>13,.0f} {m.peak_rss_mb:>12,.0f}  {_notes(m.extra)}")


def print_report(outcomes: list[Outcome]) -> None:
    """The final table, one block per data size; failed steps keep their row."""
    size = None
    for o in outcomes:
        if o.size != size:
            size = o.size
            print(f"\n== {size} generated request rows ==")
            print(HEADER)
        m = o.measurement
        if m is None:
            print(f"{o.name}: failed ({o.failure})  {_notes(o.notes)}".rstrip())
            continue
        rate = f"{m.rows_per_second:>13,.0f}" if o.rate else f"{'-':>13s}"
        print(f"{m.name:34s} {m.rows:>12,} {m.seconds:>9.2f} {rate} {m.peak_rss_mb:>12,.0f}  {_notes({**m.extra, **o.notes})}")


def attempt(size: str, name: str, rows: int, measure: Callable[[], Measurement], rate: bool = True) -> Outcome:
    """Run one measurement; a failure becomes a row instead of stopping the run."""
    try:
        return Outcome(size, name, rows, measure(), rate=rate)
    except StepFailed as exc:
        return Outcome(size, name, rows, failure=exc.reason)
