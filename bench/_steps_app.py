"""The product steps of `python -m bench`: forecast every series, dashboard cold start, export.

They reuse the single-purpose scripts rather than copy them: bench/forecast.py's calendar,
bench/dashboard_cold_start.py's timed run, bench/export.py's store builder and export step.
"""

from __future__ import annotations

import shutil

from bench._measure import Measurement, Outcome, attempt, run_step
from bench._steps_prepare import REQUEST_ROWS_PER_COST_LINE, Workspace

HORIZON_DAYS = 90  # `finops forecast`'s default horizon
DASHBOARD_RUNS = 3
TODAY = "2026-11-25"  # the sample's last day + 1, as bench/dashboard_cold_start.py pins it

# Daily tokens (all billable classes; reasoning is inside output) per series from the N rows,
# then the model's full forecast() for each: fit, calibration refits and intervals.
FORECAST = """
import time
import polars as pl
from finops.rollup import TOKEN_COLUMNS, daily_rollup
from finops.models.forecast.model import forecast
from finops.models.forecast.series import fill_days
from bench.forecast import SPEC
t_roll = time.perf_counter()
tokens = pl.sum_horizontal([c for c in TOKEN_COLUMNS if c != "reasoning"]).cast(pl.Float64).alias("value")
daily = daily_rollup(pl.scan_parquet({data!r})).select("day", "provider", "model", "project_id", tokens).collect(
    engine="streaming")
rollup_s = time.perf_counter() - t_roll
series = []
for by, key in (("total", pl.lit("total")), ("provider", pl.col("provider")), ("model", pl.col("model")),
                ("project", pl.col("project_id"))):
    frame = fill_days(daily.group_by("day", key.alias("series")).agg(pl.col("value").sum()))
    for name, s in sorted(frame.partition_by("series", as_dict=True).items()):
        s = s.sort("day")
        if s["value"].sum() > 0:
            series.append((by, s["day"].to_list(), s["value"].to_numpy()))
t_fit = time.perf_counter()
for _, days, y in series:
    forecast(days, y, {horizon}, SPEC)
fit_s = time.perf_counter() - t_fit
by_kind = {{k: sum(1 for b, _, _ in series if b == k) for k in ("total", "provider", "model", "project")}}
RESULT.update(series=len(series), **{{f"n_{{k}}": v for k, v in by_kind.items()}}, days=len(series[0][1]),
              rollup_s=round(rollup_s, 2), s_per_fit=round(fit_s / len(series), 3),
              fits_per_s=round(len(series) / fit_s, 1))
"""


def forecast(ws: Workspace) -> list[Outcome]:
    name = "forecast (every series)"

    def measure() -> Measurement:
        code = FORECAST.format(data=str(ws.parquet / "*.parquet"), horizon=HORIZON_DAYS)
        return run_step(name, "", code, ws.rows)

    return [attempt(ws.label, name, ws.rows, measure)]


# One untimed start warms the OS file cache (a user's second start), as bench/dashboard_cold_start.py
# does; then the median of the timed starts. Peak RSS is the largest dashboard process's.
DASHBOARD_SETUP = """
import resource, statistics
from pathlib import Path
from bench.dashboard_cold_start import one_run
data_dir = Path({data_dir!r})
one_run(data_dir, {today!r})
"""
DASHBOARD = """
runs = [one_run(data_dir, {today!r}) for _ in range({runs})]
RESULT.update(seconds=statistics.median(r[0] for r in runs),
              peak_rss_mb=resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
              runs={runs}, min_s=round(min(r[0] for r in runs), 3), max_s=round(max(r[0] for r in runs), 3),
              cpu_s=round(statistics.median(r[1] for r in runs), 3))
"""


def dashboard(ws: Workspace) -> list[Outcome]:
    name = "dashboard cold start"

    def measure() -> Measurement:
        setup = DASHBOARD_SETUP.format(data_dir=str(ws.dashboard), today=TODAY)
        return run_step(name, setup, DASHBOARD.format(today=TODAY, runs=DASHBOARD_RUNS), ws.rows)

    out = attempt(ws.label, name, ws.rows, measure, rate=False)
    if out.measurement is not None:
        out.notes["timed"] = f"median of {DASHBOARD_RUNS}, to the first painted overview"
    return [out]


def export(ws: Workspace) -> list[Outcome]:
    """A year of cost lines (about N/10 of them) to FOCUS Parquet, then CSV: full exports."""
    from bench.export import _step

    outcomes = []
    for fmt in ("parquet", "csv"):
        name = f"export {fmt}"

        def measure(fmt: str = fmt, name: str = name) -> Measurement:
            root = ws.export
            shutil.rmtree(root / fmt, ignore_errors=True)  # a full export into an empty folder
            lines = int(ws.info(root)["cost_lines"])
            return _step(name, root / "store", root / fmt, fmt, lines, incremental=False)

        out = attempt(ws.label, name, ws.rows, measure)
        if out.measurement is not None:
            info = ws.info(ws.export)
            out.notes.update(rows_are="cost lines", copies=info["copies"],
                             of_request_rows=f"~1/{REQUEST_ROWS_PER_COST_LINE}")
        outcomes.append(out)
    return outcomes
