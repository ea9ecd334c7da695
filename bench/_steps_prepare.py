"""Prepared data for `python -m bench`: built once per size, shared by the steps, untimed.

Layout under the scratch dir (a temp dir, or --work DIR to keep it between runs):

    sample/                   the committed sample loaded into a data dir (finops.toml, store/)
    <size>/parquet/           N generated request rows (bench/_data.py)
    <size>/jsonl/             the same rows as JSON Lines (only for ingest-jsonl)
    <size>/store/             requests = the N rows (Store.upsert) + billed usage that matches them
    <size>/dashboard/         the sample data dir with its requests table swapped for the N rows
    <size>/export/store/      a year of cost lines tiled to about N/10 lines (bench/export.py)

Each piece is built in a child interpreter (so this process stays small: a child's peak
RSS starts at its parent's) and marked done with a `<dir>.done` file, so a second run
with the same --work skips it. A failed build raises StepFailed once and is remembered,
so every step that needs it reports the same reason instead of building it again.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bench._measure import StepFailed, run_step

# A 50M-row log tiles to ~5M cost lines: export scales with the data like the other steps.
REQUEST_ROWS_PER_COST_LINE = 10


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _link_tree(src: Path, dst: Path) -> None:
    """Hard-link copy: the store replaces files by rename, so a link is never written through."""
    shutil.copytree(src, dst, copy_function=os.link)


class Workspace:
    """The scratch dir of one data size; each property builds its piece on first use."""

    def __init__(self, root: Path, label: str, rows: int) -> None:
        self.root, self.label, self.rows = root, label, rows
        self.dir = root / label
        self.dir.mkdir(parents=True, exist_ok=True)
        self._failed: dict[str, StepFailed] = {}

    def _once(self, name: str, target: Path, build: Callable[[], dict[str, object] | None]) -> Path:
        done = target.with_name(target.name + ".done")
        if name in self._failed:
            raise self._failed[name]
        if done.is_file():
            return target
        shutil.rmtree(target, ignore_errors=True)
        log(f"[{self.label}] preparing {name} ...")
        t0 = time.perf_counter()
        try:
            info = build() or {}
        except StepFailed as exc:
            reason = exc.reason if exc.reason.startswith("preparing") else f"preparing {name}: {exc.reason}"
            self._failed[name] = StepFailed(name, reason, exc.returncode)
            raise self._failed[name] from None
        done.write_text(json.dumps({"rows": self.rows, **info}) + "\n")
        log(f"[{self.label}] prepared {name} in {time.perf_counter() - t0:.1f} s (untimed)")
        return target

    def info(self, target: Path) -> dict[str, object]:
        return json.loads(target.with_name(target.name + ".done").read_text())

    def _child(self, name: str, code: str) -> dict[str, object]:
        return dict(run_step(f"prepare {name}", "", code, self.rows, timeout=None).extra)  # --timeout is for steps

    # -- the pieces -------------------------------------------------------------
    @property
    def parquet(self) -> Path:
        return self._once("request rows (parquet)", self.dir / "parquet", lambda: self._write("parquet"))

    @property
    def jsonl(self) -> Path:
        return self._once("request rows (jsonl)", self.dir / "jsonl", lambda: self._write("jsonl"))

    @property
    def otlp(self) -> Path:
        """The same rows as OTLP/JSON GenAI spans, 100 spans per line (bench/_data.py write_otlp)."""
        out = self.dir / "otlp"
        return self._once("request rows (otlp json)", out, lambda: self._child("otlp rows", f"""
from pathlib import Path
from bench._data import write_otlp
RESULT["files"] = len(write_otlp({self.rows}, Path({str(out)!r})))
"""))

    @property
    def claude_tree(self) -> Path:
        """A Claude Code projects tree of about N lines in 610 session files (bench/_agents.py)."""
        out = self.dir / "claude"
        return self._once("claude code tree", out, lambda: self._child("claude tree", f"""
from pathlib import Path
from bench._agents import write_claude_tree
RESULT.update(write_claude_tree({self.rows}, Path({str(out)!r}) / "projects"))
"""))

    def _write(self, fmt: str) -> dict[str, object]:
        out = self.dir / fmt
        return self._child(f"{fmt} rows", f"""
from pathlib import Path
from bench._data import write_requests
RESULT["files"] = len(write_requests({self.rows}, Path({str(out)!r}), {fmt!r}))
""")

    @property
    def sample(self) -> Path:
        """The sample data dir, shared by every size (it does not depend on N)."""
        target = self.root / "sample"
        return self._once("sample data dir", target, lambda: self._child("sample", f"""
from pathlib import Path
from finops.sample.load import load_sample
from finops.store import Store
load_sample(Store(Path({str(target / 'store')!r})))
"""))

    @property
    def store(self) -> Path:
        """requests = the N rows, billed_usage = exactly what they would be billed (reconcile)."""
        target = self.dir / "store"
        return self._once("request store", target, lambda: self._child("store", f"""
import polars as pl
from pathlib import Path
from bench._data import billed_usage_for
from finops.store import Store
s = Store(Path({str(target)!r}))
lf = pl.scan_parquet({str(self.parquet / '*.parquet')!r})
s.upsert("requests", lf)
s.upsert("billed_usage", billed_usage_for(lf).collect(engine="streaming"))
RESULT["billed_days"] = s.scan("billed_usage").select(pl.col("charge_period_start").dt.date().n_unique()).collect().item()
"""))

    @property
    def dashboard(self) -> Path:
        """The sample's tables, but the N generated rows as the requests table."""
        target = self.dir / "dashboard"

        def build() -> None:
            sample, store = self.sample, self.store
            _link_tree(sample, target)
            shutil.rmtree(target / "store" / "requests")
            _link_tree(store / "requests", target / "store" / "requests")

        return self._once("dashboard data dir", target, build)

    @property
    def export(self) -> Path:
        """bench/export.py's store, tiled so the year holds about N/10 cost lines."""
        target = self.dir / "export"

        def build() -> dict[str, object]:
            sample = self.sample
            target.mkdir(parents=True)
            (target / "sample-store").symlink_to(sample / "store", target_is_directory=True)
            return self._child("export store", f"""
import polars as pl
from pathlib import Path
from bench.export import FIRST, LAST, build_store
from finops.store import Store
month = pl.col("ChargePeriodStart").dt.strftime("%Y-%m")
per_copy = Store(Path({str(sample / 'store')!r})).scan("cost_lines").filter(
    month.is_between(pl.lit(FIRST), pl.lit(LAST))).select(pl.len()).collect().item()
copies = max(1, round({self.rows} / {REQUEST_ROWS_PER_COST_LINE} / per_copy))
RESULT.update(cost_lines=build_store(Path({str(target)!r}), copies, per_upsert=max(20, copies // 8)), copies=copies)
""")

        return self._once("export store", target, build)
