"""Run the benchmark suite by hand: `python -m bench [STEP ...] [--rows 1M,10M,50M]`.

Each step runs in a fresh interpreter (bench/_measure.py) and the table shows wall time,
rows/s and peak RSS per data size. Steps:

- ingest-jsonl, ingest-parquet: request-log ingest into a fresh store
- reconcile: reconcile the request log against its billed usage (plus the pandas peer)
- rollup: the daily rollup alone (polars, streaming)
- export: a year of cost lines to Parquet and CSV
- forecast, dashboard: delegate to bench/forecast.py and bench/dashboard_cold_start.py

Nothing here asserts a timing; targets are in the issue notes and docs/scale.md.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from bench._measure import Measurement, print_table, run_step

SIZES = {"1M": 1_000_000, "10M": 10_000_000, "50M": 50_000_000}


def _prepare(rows: int, work: Path, steps: list[str]) -> dict[str, Path]:
    from bench._data import write_requests

    paths = {"parquet": work / "parquet", "jsonl": work / "jsonl"}
    write_requests(rows, paths["parquet"], "parquet")
    if "ingest-jsonl" in steps:  # 50M rows of JSON text is ~20 GB: only when asked for
        write_requests(rows, paths["jsonl"], "jsonl")
    return paths


def _ingest(fmt: str, rows: int, data: Path, work: Path) -> Measurement:
    store = work / f"store-{fmt}"
    shutil.rmtree(store, ignore_errors=True)
    body = f"""
from connectors.request_logs import ingest_request_files
from finops.store import Store
from pathlib import Path
files = sorted(Path({str(data)!r}).iterdir())
res = ingest_request_files(Store(Path({str(store)!r})), files, fmt="generic")
RESULT["stored"] = res.result.added
"""
    return run_step(f"ingest {fmt}", "", body, rows)


def _rollup(rows: int, data: Path) -> Measurement:
    body = f"""
import polars as pl
from finops.rollup import daily_rollup
out = daily_rollup(pl.scan_parquet({str(data / '*.parquet')!r})).collect(engine="streaming")
RESULT["groups"] = out.height
"""
    return run_step("rollup (polars streaming)", "", body, rows)


def _reconcile(rows: int, data: Path, work: Path) -> list[Measurement]:
    store = work / "store-reconcile"
    if not store.exists():
        setup_store = f"""
import polars as pl
from pathlib import Path
from bench._data import billed_usage_for
from finops.store import Store
s = Store(Path({str(store)!r}))
lf = pl.scan_parquet({str(data / '*.parquet')!r})
s.upsert("requests", lf)
s.upsert("billed_usage", billed_usage_for(lf).collect())
"""
        run_step("prepare reconcile store", setup_store, "", rows)
    ours = f"""
from pathlib import Path
from finops.reconcile import reconcile
from finops.store import Store
res = reconcile(Store(Path({str(store)!r})))
RESULT["groups"] = res.groups.height
"""
    peer = f"""
import pandas as pd, glob
req = pd.concat([pd.read_parquet(p) for p in glob.glob({str(store / 'requests/*/*.parquet')!r})])
bill = pd.concat([pd.read_parquet(p) for p in glob.glob({str(store / 'billed_usage/*/*.parquet')!r})])
req["day"] = req["ts"].dt.date
req["input_uncached"] = req["input_tokens"].fillna(0) - req["cached_input_tokens"].fillna(0) - req["cache_write_tokens"].fillna(0)
local = req.groupby(["day", "provider", "model", "project_id"]).agg(
    input_uncached=("input_uncached", "sum"), input_cache_read=("cached_input_tokens", "sum"),
    output=("output_tokens", "sum")).reset_index()
local = local.melt(id_vars=["day", "provider", "model", "project_id"], var_name="token_class", value_name="local")
bill["day"] = bill["charge_period_start"].dt.date
billed = bill.groupby(["day", "provider", "model", "project_id", "token_class"])["quantity"].sum().reset_index()
merged = local.merge(billed, on=["day", "provider", "model", "project_id", "token_class"], how="outer")
merged["delta"] = merged["quantity"].fillna(0) - merged["local"].fillna(0)
RESULT["groups"] = len(merged)
"""
    return [run_step("reconcile (ours)", "", ours, rows), run_step("reconcile (pandas peer)", "", peer, rows)]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("steps", nargs="*", default=["ingest-jsonl", "ingest-parquet", "rollup", "reconcile"])
    parser.add_argument("--rows", default="1M,10M", help="comma list of sizes: 1M,10M,50M or integers")
    parser.add_argument("--work", type=Path, default=None, help="scratch directory (default: a temp dir)")
    args = parser.parse_args()
    results: list[Measurement] = []
    for label in args.rows.split(","):
        rows = SIZES.get(label) or int(label)
        work = args.work or Path(tempfile.mkdtemp(prefix=f"finops-bench-{label}-"))
        data = _prepare(rows, work, args.steps)
        for step in args.steps:
            try:
                if step == "ingest-jsonl":
                    results.append(_ingest("jsonl", rows, data["jsonl"], work))
                elif step == "ingest-parquet":
                    results.append(_ingest("parquet", rows, data["parquet"], work))
                elif step == "rollup":
                    results.append(_rollup(rows, data["parquet"]))
                elif step == "reconcile":
                    ours, peer = _reconcile(rows, data["parquet"], work)
                    peer.extra["slower_than_ours"] = f"{peer.seconds / ours.seconds:.1f}x"
                    results += [ours, peer]
                else:
                    print(f"unknown step {step}")
            except RuntimeError as exc:
                print(f"{step} at {label}: {exc}")
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    print_table(results)


if __name__ == "__main__":
    main()
