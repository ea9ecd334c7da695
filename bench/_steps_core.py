"""The data-path steps of `python -m bench`: request-log ingest, the daily rollup, reconcile and its pandas peer.

Each returns table rows (bench/_measure.py Outcome); every measurement runs in its own
interpreter, so a step that is killed (e.g. the peer out of memory) costs only its row.
"""

from __future__ import annotations

import shutil

from bench._measure import Measurement, Outcome, attempt, run_step
from bench._steps_prepare import Workspace


# The reference the ingest is held to: polars reading every column of the same files, streaming,
# with nothing checked or written (the max of every column forces each value to be decoded).
RAW_SCAN = """
import polars as pl
from pathlib import Path
files = [str(p) for p in sorted(Path({data!r}).iterdir())]
lf = pl.scan_ndjson(files) if {fmt!r} == "jsonl" else pl.scan_parquet(files)
lf.select(pl.all().max()).collect(engine="streaming")
"""

# The floor under any ingest that stores what it reads: the same scan, written straight back
# as one zstd Parquet file in the store's row groups, with nothing parsed, checked or split.
BARE_COPY = """
import polars as pl
from pathlib import Path
files = [str(p) for p in sorted(Path({data!r}).iterdir())]
lf = pl.scan_ndjson(files) if {fmt!r} == "jsonl" else pl.scan_parquet(files)
lf.sink_parquet({out!r}, compression="zstd", row_group_size=65_536)
"""


def ingest(ws: Workspace, fmt: str) -> list[Outcome]:
    """The raw polars scan of the files, their bare copy to Parquet, then the ingest; the
    ingest's cost as a multiple of each."""
    name, scan_name, copy_name = f"ingest {fmt}", f"  raw polars scan {fmt}", f"  bare copy {fmt} to parquet"
    data = ws.jsonl if fmt == "jsonl" else ws.parquet

    def measure_scan() -> Measurement:
        return run_step(scan_name, "", RAW_SCAN.format(data=str(data), fmt=fmt), ws.rows)

    def measure_copy() -> Measurement:
        out = ws.dir / f"bare-copy-{fmt}.parquet"
        try:
            return run_step(copy_name, "", BARE_COPY.format(data=str(data), fmt=fmt, out=str(out)), ws.rows)
        finally:
            out.unlink(missing_ok=True)

    def measure() -> Measurement:
        store = ws.dir / f"store-{fmt}"
        shutil.rmtree(store, ignore_errors=True)  # a fresh store: the first load, not a no-op re-load
        body = f"""
from finops.connectors.request_logs import ingest_request_files
from finops.store import Store
from pathlib import Path
files = sorted(Path({str(data)!r}).iterdir())
res = ingest_request_files(Store(Path({str(store)!r})), files, fmt="generic")
RESULT["stored"] = res.result.added
"""
        try:
            return run_step(name, "", body, ws.rows)
        finally:
            shutil.rmtree(store, ignore_errors=True)  # read by no other step

    # Twice, keeping the second: the first read warms the OS file cache, which the ingest
    # after it would otherwise enjoy alone (with a cold scan the 10M JSONL ingest looked 1.6x
    # the scan; against a warm one it was 2.2x).
    attempt(ws.label, scan_name, ws.rows, measure_scan)
    scan = attempt(ws.label, scan_name, ws.rows, measure_scan)
    copy = attempt(ws.label, copy_name, ws.rows, measure_copy)
    ours = attempt(ws.label, name, ws.rows, measure)
    for ref, note in ((scan, "x_raw_scan"), (copy, "x_bare_copy")):
        if ref.measurement is not None and ours.measurement is not None:
            ours.notes[note] = f"{ours.measurement.seconds / ref.measurement.seconds:.1f}"
    return [scan, copy, ours]


def ingest_otel(ws: Workspace) -> list[Outcome]:
    """The N rows as OTLP/JSON GenAI spans (100 per line, as the collector's file exporter
    writes them) through `ingest_request_files(fmt="otel")` into a fresh store; notes the MB
    read and how many passes over the file the checks needed (1 = parsed once)."""
    name = "ingest otel (otlp json)"

    def measure() -> Measurement:
        store = ws.dir / "store-otel"
        shutil.rmtree(store, ignore_errors=True)
        data = ws.otlp
        body = f"""
from finops.connectors.request_logs import ingest, ingest_request_files
from finops.store import Store
from pathlib import Path
passes = []
checked = ingest._checked
def counting(reading, lenient, *a, **k):
    passes.append(lenient)
    return checked(reading, lenient, *a, **k)
ingest._checked = counting
files = sorted(Path({str(data)!r}).iterdir())
res = ingest_request_files(Store(Path({str(store)!r})), files, fmt="otel")
RESULT["stored"] = res.result.added
RESULT["mb"] = round(sum(f.stat().st_size for f in files) / 1e6)
RESULT["passes_per_file"] = len(passes) / len(files)
"""
        try:
            return run_step(name, "", body, ws.rows)
        finally:
            shutil.rmtree(store, ignore_errors=True)

    return [attempt(ws.label, name, ws.rows, measure)]


def ingest_agents(ws: Workspace) -> list[Outcome]:
    """A Claude Code tree of N lines in 610 session files (about 1 in 3 lines a response, each
    logged once per content block; 2% of files end with a line cut short) through
    `ingest_request_files` with --skip-bad-rows, as `finops ingest ~/.claude/projects` runs it.
    rows/s counts lines read; notes the responses stored and the size of the tree. ccusage on
    the same tree is measured by hand (docs/scale.md): it is an npm package."""
    name = "ingest agents (claude code)"

    def measure() -> Measurement:
        store = ws.dir / "store-agents"
        shutil.rmtree(store, ignore_errors=True)
        tree = ws.claude_tree
        body = f"""
from finops.connectors.request_logs import ingest_request_files
from finops.store import Store
from pathlib import Path
files = sorted(Path({str(tree)!r}).rglob("*.jsonl"))
res = ingest_request_files(Store(Path({str(store)!r})), files, skip_bad_rows=True)
RESULT["stored"] = res.result.added
RESULT["skipped_lines"] = res.problems.count
RESULT["files"] = len(files)
RESULT["mb"] = round(sum(f.stat().st_size for f in files) / 1e6)
"""
        try:
            return run_step(name, "", body, ws.rows)
        finally:
            shutil.rmtree(store, ignore_errors=True)

    return [attempt(ws.label, name, ws.rows, measure)]


def rollup(ws: Workspace) -> list[Outcome]:
    name = "rollup (polars streaming)"

    def measure() -> Measurement:
        body = f"""
import polars as pl
from finops.rollup import request_days
out = request_days(pl.scan_parquet({str(ws.parquet / '*.parquet')!r})).collect(engine="streaming")
RESULT["groups"] = out.height
"""
        return run_step(name, "", body, ws.rows)

    return [attempt(ws.label, name, ws.rows, measure)]


OURS = """
from pathlib import Path
from finops.models.pricing.catalog import load_catalog
from finops.reconcile import Thresholds, reconcile
from finops.store import Store
res = reconcile(Store(Path({store!r})), catalog=load_catalog(), thresholds=Thresholds())
RESULT["groups"] = res.groups.height
"""

# The same comparison as an analyst would write it: read every file into pandas, group, melt, merge.
PEER = """
import pandas as pd, glob
req = pd.concat([pd.read_parquet(p) for p in glob.glob({requests!r})])
bill = pd.concat([pd.read_parquet(p) for p in glob.glob({billed!r})])
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


def reconcile(ws: Workspace) -> list[Outcome]:
    """Ours, then the pandas peer in its own interpreter; the ratio only when both ran."""
    ours_name, peer_name = "reconcile (ours)", "pandas peer"

    def measure_ours() -> Measurement:
        store = ws.store
        return run_step(ours_name, "", OURS.format(store=str(store)), ws.rows)

    def measure_peer() -> Measurement:
        store = ws.store
        code = PEER.format(requests=str(store / "requests/*/*.parquet"), billed=str(store / "billed_usage/*/*.parquet"))
        return run_step(peer_name, "", code, ws.rows)

    ours = attempt(ws.label, ours_name, ws.rows, measure_ours)
    peer = attempt(ws.label, peer_name, ws.rows, measure_peer)
    if ours.measurement is not None:
        ours.notes["billed_days"] = ws.info(ws.store).get("billed_days", "?")
    if ours.measurement is not None and peer.measurement is not None:
        ratio = peer.measurement.seconds / ours.measurement.seconds
        peer.notes["ratio_to_ours"] = f"{ratio:.1f}x slower" if ratio >= 1 else f"{1 / ratio:.1f}x faster"
    return [ours, peer]
