"""Benchmark request-log ingest: N generated rows as JSON Lines and as Parquet, into a fresh store.

    python -m bench.ingest_requests [N] [--formats jsonl,parquet] [--work DIR] [--keep]

N defaults to 10M. The rows tile the sample's request log with fresh ids (bench/_data.py),
written by polars one chunk at a time. Each format is ingested in its own interpreter, so
the peak RSS (resource.getrusage) is that load's alone; the table shows wall and CPU time,
rows/s, peak RSS, and how long reading, checking and staging took before the store's commit.
Nothing is asserted: targets live in docs/request-log.md, this prints what was measured.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SIZES = {"1M": 1_000_000, "10M": 10_000_000, "50M": 50_000_000}
CHILD = """
import json, resource, sys, time
from pathlib import Path
from finops.connectors.request_logs import ingest_request_files
from finops.store import Store
data, store = Path(sys.argv[1]), Path(sys.argv[2])
t0, c0 = time.perf_counter(), time.process_time()
marks = []
report = ingest_request_files(Store(store), sorted(data.iterdir()), fmt="generic",
                              progress=lambda what, n: marks.append((what, time.perf_counter() - t0)))
checked = max(t for what, t in marks if what.startswith("checked"))
print(json.dumps({"seconds": time.perf_counter() - t0, "cpu": time.process_time() - c0, "checked": checked,
                  "stored": report.rows, "bad": report.problems.count,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def generate(rows: int, out: Path, fmt: str) -> float:
    """Write the rows in chunks (never all in memory); returns the seconds it took."""
    sys.path.insert(0, str(REPO))
    from bench._data import write_requests

    t0 = time.perf_counter()
    write_requests(rows, out, fmt)
    return time.perf_counter() - t0


def measure(data: Path, store: Path) -> dict[str, float]:
    shutil.rmtree(store, ignore_errors=True)
    proc = subprocess.run([sys.executable, "-c", CHILD, str(data), str(store)], cwd=REPO, stdout=subprocess.PIPE, text=True)
    if proc.returncode:
        raise SystemExit(f"ingest of {data} failed with exit code {proc.returncode}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.ingest_requests", description=__doc__.splitlines()[0])
    parser.add_argument("rows", nargs="?", default="10M", help="rows to generate: 1M, 10M, 50M or an integer (default 10M)")
    parser.add_argument("--formats", default="jsonl,parquet", help="comma list of jsonl, parquet")
    parser.add_argument("--work", type=Path, default=None, help="scratch directory (default: a temp dir, removed after)")
    parser.add_argument("--keep", action="store_true", help="keep the generated files and stores")
    args = parser.parse_args()
    rows = SIZES.get(args.rows) or int(args.rows)
    work = args.work or Path(tempfile.mkdtemp(prefix="finops-bench-ingest-"))
    print(f"{'format':8s} {'rows':>12s} {'wall s':>8s} {'cpu s':>8s} {'rows/s':>11s} {'check s':>8s} {'check rows/s':>13s} {'peak RSS MB':>12s}  data")
    try:
        for fmt in args.formats.split(","):
            data = work / fmt
            if not data.exists():
                gen = generate(rows, data, fmt)
                size = sum(p.stat().st_size for p in data.iterdir()) / 1e9
                print(f"  (wrote {rows:,} {fmt} rows, {size:.2f} GB, in {gen:.0f} s)", flush=True)
            m = measure(data, work / f"store-{fmt}")
            assert m["stored"] == rows, m
            print(f"{fmt:8s} {rows:>12,} {m['seconds']:>8.1f} {m['cpu']:>8.1f} {rows / m['seconds']:>11,.0f} {m['checked']:>8.1f} "
                  f"{rows / m['checked']:>13,.0f} {m['peak_rss_mb']:>12,.0f}  {data}", flush=True)
    finally:
        if not args.keep and args.work is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
