"""kill -9 during a real `finops ingest`, and what `finops status` shows after it.

tests/test_store_crash.py kills the store's own write path; this kills the command a user
runs. A subprocess runs `python -m finops.cli ingest <log>` with FINOPS_KILL_AT set (see
finops/store/killpoints.py) at 11 points of a six-month load (merges into three stored
months, three new months) and at 10 points of a merge (every row of three months
restated). After each kill, `finops status` prints exactly what it printed before the
load or after it, the store's per-month figures are that same state, nothing staged or
temporary is left, and running the same ingest again converges on the state after it.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import time
import sys
from datetime import datetime, timezone
from pathlib import Path

import polars as pl
import pytest

from finops import cli
from finops.store import Store

ROOT = Path(__file__).resolve().parents[1]

# point[:n]: the n-th time the ingest reaches it (traced: the load merges 3 months, appends
# 3, retires 6 part files; the merge merges 3 and retires 6).
LOAD_POINTS = ["merged:1", "merged:2", "merged:3", "appended:1", "appended:2", "appended:3",
               "snapshot-built", "snapshot-renamed", "committed", "retired:1", "retired:6"]
MERGE_POINTS = ["merged:1", "merged:2", "merged:3", "snapshot-built", "snapshot-renamed", "committed",
                "retired:1", "retired:2", "retired:4", "retired:6"]
CASES = [("load", p) for p in LOAD_POINTS] + [("merge", p) for p in MERGE_POINTS]


def _log(path: Path, ids: range, tokens: int, months: tuple[int, ...]) -> Path:
    lines = []
    for m in months:
        for i in ids:
            ts = datetime(2026, m, 1 + i % 28, i % 24, tzinfo=timezone.utc).isoformat().replace("+00:00", "Z")
            lines.append(json.dumps({"ts": ts, "request_id": f"m{m}-r{i}", "provider": "openai", "model": "gpt-4o",
                                     "input_tokens": tokens, "output_tokens": 2 * tokens}))
    path.write_text("\n".join(lines) + "\n")
    return path


def _files(folder: Path, what: str) -> tuple[list[Path], Path]:
    # The stored state: three months, each in two part files (two earlier ingests).
    base = [_log(folder / "base1.jsonl", range(0, 200), 10, (1, 2, 3)), _log(folder / "base2.jsonl", range(200, 400), 10, (1, 2, 3))]
    if what == "load":  # half the keys of each stored month changed, half new, and three new months
        return base, _log(folder / "load.jsonl", range(300, 700), 20, (1, 2, 3, 4, 5, 6))
    return base, _log(folder / "merge.jsonl", range(0, 400), 30, (1, 2, 3))  # every stored row restated


def _load_base(home: Path, base: list[Path]) -> None:
    for path in base:
        _cli(home, "ingest", str(path))


def _cli(home: Path, *argv: str) -> str:
    sys.argv = ["finops", "--data-dir", str(home), *argv]
    out, err = io.StringIO(), io.StringIO()
    old = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = out, err
    try:
        cli.main()
    except SystemExit as exc:
        assert not exc.code, err.getvalue()
    finally:
        sys.stdout, sys.stderr = old
    assert "Traceback" not in err.getvalue() and "internal error" not in err.getvalue(), err.getvalue()
    return out.getvalue()


def _figures(home: Path) -> tuple:
    """Rows and token sums per month, from one snapshot."""
    frame = Store(home / "store").read("requests")
    per_month = frame.group_by(pl.col("ts").dt.month()).agg(pl.len(), pl.col("input_tokens").sum()).sort("ts")
    return tuple(map(tuple, per_month.rows()))


def _state(home: Path) -> tuple[str, tuple]:
    status = _cli(home, "status").replace(str(home), "<home>")  # paths (the store, pinned prices) differ by test
    return status, _figures(home)


@pytest.fixture(scope="module")
def expected(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple]:
    """(before, after) of each scenario, from a run nobody killed."""
    out = {}
    for what in ("load", "merge"):
        folder = tmp_path_factory.mktemp(f"reference-{what}")
        base, change = _files(folder, what)
        _load_base(folder / "home", base)
        before = _state(folder / "home")
        _cli(folder / "home", "ingest", str(change))
        out[what] = (before, _state(folder / "home"))
        assert out[what][0] != out[what][1]
    return out


@pytest.mark.parametrize(("what", "point"), CASES, ids=[f"{w}-{p}" for w, p in CASES])
def test_an_ingest_killed_at_any_point_shows_the_old_or_the_new_state(what: str, point: str, tmp_path: Path,
                                                                     expected: dict[str, tuple]) -> None:
    before, after = expected[what]
    home = tmp_path / "home"
    base, change = _files(tmp_path, what)
    _load_base(home, base)
    env = {**os.environ, "FINOPS_KILL_AT": point, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "finops.cli", "--data-dir", str(home), "ingest", str(change)],
                          env=env, cwd=tmp_path, capture_output=True, timeout=120)
    assert proc.returncode == -9, f"the ingest never reached {point}: {proc.stderr.decode()[-300:]}"
    seen = _state(home)  # `finops status` opens the store, which clears what the kill left
    committed = point.split(":")[0] in ("committed", "retired")
    assert seen == (after if committed else before), f"{point}: status shows neither the old nor the new state"
    assert not list((home / "store" / "_state").glob(".stage-*"))
    assert not list((home / "store").rglob(".finops-tmp-*"))
    _cli(home, "ingest", str(change))  # the rerun converges
    assert _state(home) == after


def test_a_reader_during_real_merge_ingests_sees_only_committed_states(tmp_path: Path) -> None:
    """Another process runs the request-log ingest `finops ingest` runs, restating every row of
    three months in one load, over and over (tokens 10, then 30, then 10 ...); a reader loops
    here meanwhile. Every read must be one whole committed state and none may fail."""
    home = tmp_path / "home"
    base = [_log(tmp_path / "a1.jsonl", range(0, 200), 10, (1, 2, 3)), _log(tmp_path / "a2.jsonl", range(200, 400), 10, (1, 2, 3))]
    _load_base(home, base)
    a = _log(tmp_path / "a.jsonl", range(0, 400), 10, (1, 2, 3))
    b = _log(tmp_path / "b.jsonl", range(0, 400), 30, (1, 2, 3))
    states = {((1, 400, 4000), (2, 400, 4000), (3, 400, 4000)), ((1, 400, 12000), (2, 400, 12000), (3, 400, 12000))}
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("FINOPS_KILL_AT", None)
    writer = subprocess.Popen([sys.executable, "-m", "tests.support.crash_load", str(home / "store"), "ingest-loop", str(b), str(a)],
                              env=env, cwd=ROOT)
    reads, versions, errors, mixed = 0, set(), [], []
    store_dir = home / "store"
    try:
        start = time.monotonic()
        # At least 6 s and until 4 loads have committed (each flips the state), bounded at 60 s.
        while (time.monotonic() - start < 6 or len(versions) < 5) and time.monotonic() - start < 60:
            try:
                store = Store(store_dir)
                manifest = store.manifest()
                per_month = store.scan("requests", manifest).group_by(pl.col("ts").dt.month()).agg(
                    pl.len(), pl.col("input_tokens").sum()).sort("ts").collect()
            except Exception as exc:  # noqa: BLE001 - any failure is the finding
                errors.append(repr(exc))
                continue
            reads += 1
            seen = tuple(map(tuple, per_month.rows()))
            if seen not in states:
                mixed.append(seen)
            versions.add(manifest.version)
    finally:
        writer.kill()
        writer.wait()
    print(f"reader loop over real ingests: {reads} reads, {len(versions)} committed versions, "
          f"{len(errors)} errors, {len(mixed)} mixed")
    assert not errors, errors[:3]
    assert not mixed, mixed[:3]
    assert reads >= 20 and len(versions) >= 3, (reads, len(versions))
