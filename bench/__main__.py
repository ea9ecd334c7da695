"""Run the benchmark suite by hand: `python -m bench [STEP ...] [--rows 1M,10M,50M] [--work DIR]`.

One run prints, per data size, wall time, rows/s and peak RSS of every step; each
measurement runs in a fresh interpreter (bench/_measure.py). Steps (default: all):

- ingest-jsonl, ingest-parquet: request-log ingest into a fresh store
- ingest-otel: the same rows as OTLP/JSON GenAI spans, ingested with the otel reader
- ingest-agents: a Claude Code projects tree of N lines (610 session files), ingested
- rollup: the daily rollup alone (finops.rollup.request_days, polars, streaming)
- reconcile: reconcile the N rows against their billed usage, then the pandas peer; the ratio
- pricing: N usage rows priced with the genai-prices catalog and the model resolver, then with the old catalog join
- forecast: daily token series from the N rows, the forecast fitted for every series
- dashboard: cold start of `finops dashboard` to the first painted overview, N rows in the store
- export: a year of cost lines (about N/10) to FOCUS Parquet and CSV

A step that fails (or is killed) becomes a "failed (...)" row and the rest still run; the
table is printed at the end even then. See bench/README.md for what each figure means.
Nothing here asserts a timing; targets are in the issue notes and docs/scale.md.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from bench import _measure, _steps_app, _steps_core, pricing
from bench._measure import Outcome, print_report
from bench._steps_prepare import Workspace, log

SIZES = {"1M": 1_000_000, "10M": 10_000_000, "50M": 50_000_000}
STEPS: dict[str, Callable[[Workspace], list[Outcome]]] = {
    "ingest-jsonl": lambda ws: _steps_core.ingest(ws, "jsonl"),
    "ingest-parquet": lambda ws: _steps_core.ingest(ws, "parquet"),
    "ingest-otel": _steps_core.ingest_otel,
    "ingest-agents": _steps_core.ingest_agents,
    "rollup": _steps_core.rollup,
    "reconcile": _steps_core.reconcile,
    "pricing": pricing.pricing,
    "forecast": _steps_app.forecast,
    "dashboard": _steps_app.dashboard,
    "export": _steps_app.export,
}


def parse_rows(text: str) -> list[tuple[str, int]]:
    out = []
    for label in (x.strip() for x in text.split(",") if x.strip()):
        upper = label.upper()
        if upper in SIZES:
            out.append((upper, SIZES[upper]))
        elif upper[:-1].isdigit() and upper[-1] in "KM":
            out.append((upper, int(upper[:-1]) * (1_000 if upper[-1] == "K" else 1_000_000)))
        elif label.replace("_", "").isdigit():
            out.append((label, int(label.replace("_", ""))))
        else:
            raise SystemExit(f"--rows: {label!r} is not a size (use e.g. 1M, 200K or 200000)")
    return out


def parse_steps(positional: list[str], option: str | None) -> list[str]:
    names = positional + [x.strip() for x in (option or "").split(",") if x.strip()]
    if not names or "all" in names:
        return list(STEPS)
    unknown = [n for n in names if n not in STEPS]
    if unknown:
        raise SystemExit(f"unknown step {unknown[0]!r}: use all or any of {', '.join(STEPS)}")
    return [n for n in STEPS if n in names]  # the fixed order: ingest first, export last


def run_size(ws: Workspace, steps: list[str], outcomes: list[Outcome]) -> None:
    for step in steps:
        log(f"[{ws.label}] {step} ...")
        try:
            rows = STEPS[step](ws)
        except Exception as exc:  # a bug in the runner itself must not cost the other steps' rows
            rows = [Outcome(ws.label, step, ws.rows, failure=f"{type(exc).__name__}: {exc}")]
        outcomes.extend(rows)
        for o in rows:
            m = o.measurement
            log(f"[{ws.label}]   {o.name}: " + (f"{m.seconds:.2f} s, {m.peak_rss_mb:,.0f} MB" if m else f"failed ({o.failure})"))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("step", nargs="*", help=f"steps to run (default all): {', '.join(STEPS)}")
    parser.add_argument("--steps", help="comma list of steps, or all")
    parser.add_argument("--rows", default="1M,10M,50M", help="comma list of sizes: 1M,10M,50M, 200K or integers")
    parser.add_argument("--work", type=Path, default=None,
                        help="scratch directory, kept afterwards; prepared data in it is reused by the next run")
    parser.add_argument("--timeout", type=float, default=None, help="seconds allowed per measured step (default none)")
    args = parser.parse_args(argv)
    steps, sizes = parse_steps(args.step, args.steps), parse_rows(args.rows)
    _measure.STEP_TIMEOUT = args.timeout
    root = args.work or Path(tempfile.mkdtemp(prefix="finops-bench-"))
    root.mkdir(parents=True, exist_ok=True)
    log(f"python -m bench: {', '.join(steps)} at {', '.join(label for label, _ in sizes)} rows; "
        f"scratch {root}; {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    outcomes: list[Outcome] = []
    try:
        for label, rows in sizes:
            ws = Workspace(root, label, rows)
            try:
                run_size(ws, steps, outcomes)
            finally:
                if args.work is None:  # 50M rows of JSONL alone are ~20 GB: free each size's data
                    shutil.rmtree(ws.dir, ignore_errors=True)
    except KeyboardInterrupt:
        log("interrupted: the table below has the steps that finished")
    finally:
        if args.work is None:
            shutil.rmtree(root, ignore_errors=True)
        print_report(outcomes)
        print(f"\n{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end; "
              f"prepared data is untimed; see bench/README.md", flush=True)
    sys.exit(1 if any(o.failure for o in outcomes) else 0)  # the table says which; a script can tell


if __name__ == "__main__":
    main()
