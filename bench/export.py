"""Export speed: a year of cost lines to FOCUS Parquet and CSV, then the incremental re-runs.

Run by hand: `python -m bench.export [--copies 100] [--work DIR]`. The store holds the
sample's cost lines and billed usage for one year (2025-11 .. 2026-10) tiled `--copies`
times under fresh project ids, so every copy keeps its token quantities and list prices
(about 10k lines per copy). Each step runs in a fresh interpreter (bench/_measure.py):

- full export to Parquet, then to CSV (FOCUS derivation, fingerprints, atomic writes)
- incremental re-run with nothing changed (inputs stamps only: no row is read)
- incremental re-run after one restated day (one month rebuilt and rewritten)

Nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

import polars as pl

from bench._measure import Measurement, print_table, run_step
from finops.store import Store

REPO = Path(__file__).resolve().parents[1]
FIRST, LAST = "2025-11", "2026-10"


def build_store(root: Path, copies: int, per_upsert: int = 20) -> int:
    """A store with `copies` tiles of one sample year of cost lines and usage; returns the cost-line count."""
    from finops.sample.load import load_sample

    sample = root / "sample-store"
    if not sample.exists():
        load_sample(Store(sample), REPO / "sample_data")
    src = Store(sample)
    in_year = lambda col: pl.col(col).dt.strftime("%Y-%m").is_between(pl.lit(FIRST), pl.lit(LAST))  # noqa: E731
    lines = src.scan("cost_lines").filter(in_year("ChargePeriodStart")).collect()
    usage = src.scan("billed_usage").filter(in_year("charge_period_start")).collect()
    store = Store(root / "store")
    for first in range(0, copies, per_upsert):
        ks = range(first, min(copies, first + per_upsert))
        store.upsert("cost_lines", pl.concat(
            lines.with_columns(pl.col("SubAccountId") + f"-c{k:04d}", pl.col("x_LineId") + f"-c{k:04d}") for k in ks))
        store.upsert("billed_usage", pl.concat(usage.with_columns(pl.col("project_id") + f"-c{k:04d}") for k in ks))
    return lines.height * copies


def _step(name: str, store: Path, work: Path, fmt: str, rows: int, incremental: bool, setup: str = "") -> Measurement:
    body = f"""
from pathlib import Path
from finops.export.context import Context
from finops.export.writer import export
from finops.store import Store
r = export("costs", {fmt!r}, Path({str(work / 'out')!r}), incremental={incremental},
           ctx=Context(Store(Path({str(store)!r}))), state_dir=Path({str(work / 'state')!r}))
RESULT.update(months=len(r.months), written=len(r.written), rows_built=r.rows,
              mb=round(sum(p.stat().st_size for p in r.written) / 1e6, 1))
"""
    return run_step(name, setup, body, rows)


RESTATE = """
import polars as pl
from datetime import datetime, timezone
from pathlib import Path
from finops.store import Store
s = Store(Path({store!r}))
day = datetime(2026, 10, 7, tzinfo=timezone.utc)
line = s.scan("cost_lines").filter(pl.col("ChargePeriodStart") == day).head(1).collect()
s.upsert("cost_lines", line.with_columns(pl.col("BilledCost") + 1.0))
"""


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.export", description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=100, help="tiles of the sample year (~10k cost lines each)")
    parser.add_argument("--work", type=Path, default=None, help="scratch directory (default: a temp dir)")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="finops-bench-export-"))
    shutil.rmtree(work / "store", ignore_errors=True)
    # Built in a child so this process stays small: a child's peak RSS starts at its parent's.
    built = run_step("build store", "", f"from bench.export import build_store\nfrom pathlib import Path\n"
                     f"RESULT['rows'] = build_store(Path({str(work)!r}), {args.copies})", 0)
    rows = int(built.extra["rows"])
    store = work / "store"
    results = []
    for fmt in ("parquet", "csv"):
        shutil.rmtree(work / fmt, ignore_errors=True)
        results.append(_step(f"full export {fmt}", store, work / fmt, fmt, rows, incremental=False))
        results.append(_step(f"incremental no-op {fmt}", store, work / fmt, fmt, rows, incremental=True))
    restate = RESTATE.format(store=str(store))
    results.append(_step("incremental, 1 day restated (parquet)", store, work / "parquet", "parquet", rows, True, restate))
    print(f"cost lines in the store: {rows:,} (one year, {args.copies} copies of the sample)")
    print_table(results)
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
