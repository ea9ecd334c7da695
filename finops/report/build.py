"""Build the monthly report: sections computed by worker threads, then written atomically.

`build_monthly` gathers the figures (each section is independent, so they run on a small
thread pool and report progress as they finish); `write_monthly` renders and writes the
document and its figures file with atomic replaces, so a reader never sees half a report.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from finops.config import ConfigFile
from finops.context import Context
from finops.errors import InputError
from finops.numbers import json_ready
from finops.report import extras, sections
from finops.report.contents import MonthlyReport, figures
from finops.report.figures import core_figures, last_month_accuracy, method_backtest, period_for
from finops.store import atomic

FORMATS = ("md", "html")
SECTIONS = ("forecasts", "last month's accuracy", "backtest", "budgets", "cost movers", "anomalies", "holiday troughs",
            "reconciliation", "COGS", "carbon", "prompt cache")  # the jobs of build_monthly: the progress bar's steps


def display_timezone(config: ConfigFile) -> str:
    tz = config.section("display").get("timezone", "UTC")
    try:
        ZoneInfo(str(tz))
    except Exception:
        config.fail("display.timezone", f"unknown timezone {tz!r}")
    return str(tz)


def build_monthly(ctx: Context, month: str | None = None, *,
                  on_section: Callable[[str], None] | None = None, workers: int = 2) -> MonthlyReport:
    """All figures of the report for `month` (default: the latest month with billed data)."""
    store, config = ctx.store, ctx.config
    spec = ctx.calendar
    # Read once here, not in the worker threads: each part of the context is computed once.
    ctx.catalog, ctx.thresholds  # noqa: B018
    tz = display_timezone(config)
    period = period_for(store, month)
    jobs: dict[str, Callable[[], Any]] = {
        "forecasts": lambda: core_figures(ctx, period),
        "last month's accuracy": lambda: last_month_accuracy(store, period, spec),
        "backtest": lambda: method_backtest(store, period, spec),
        "budgets": lambda: sections.budgets(ctx, period),
        "cost movers": lambda: sections.movers(store, period, ctx.catalog),
        "anomalies": lambda: sections.anomalies(store, period, spec),
        "holiday troughs": lambda: sections.trough_notes(store, period, spec),
        "reconciliation": lambda: extras.reconciliation(ctx, period),
        "COGS": lambda: extras.cogs(ctx, period),
        "carbon": lambda: extras.carbon(ctx, period),
        "prompt cache": lambda: extras.prompt_cache(ctx, period),
    }
    done: dict[str, Any] = {}
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="report") as pool:
        futures = {pool.submit(fn): name for name, fn in jobs.items()}
        for future in as_completed(futures):
            done[futures[future]] = future.result()
            if on_section:
                on_section(futures[future])
    from finops.alerts.summary import alert_summary

    alerts = alert_summary(config, ctx.settings.data_dir, period.first, period.as_of)
    return MonthlyReport(period, done["forecasts"], done["last month's accuracy"], done["budgets"], done["cost movers"],
                         done["anomalies"], done["holiday troughs"],
                         [done["reconciliation"], done["COGS"], done["carbon"], done["prompt cache"]], tz, dict(spec.countries), alerts,
                         done["backtest"])


def render(report: MonthlyReport, fmt: str) -> str:
    from finops.report.document import build_blocks
    from finops.report.render import to_html, to_markdown

    if fmt not in FORMATS:
        raise InputError(f"--format: {fmt!r} is not md or html")
    blocks = build_blocks(report)
    return to_markdown(blocks) if fmt == "md" else to_html(blocks)


def write_monthly(report: MonthlyReport, out: Path, fmt: str = "md", *, as_file: bool = False) -> tuple[Path, Path]:
    """Write the report and its .json figures; returns both paths.

    `out` is a directory (finops-report-YYYY-MM.<md|html> goes into it) or, with `as_file`, the
    report file itself (the figures go beside it, same stem, .json).
    """
    text = render(report, fmt)
    if as_file:
        out.parent.mkdir(parents=True, exist_ok=True)
        doc, data = out, out.with_suffix(".json")
    else:
        out.mkdir(parents=True, exist_ok=True)
        stem = f"finops-report-{report.period.month}"
        doc, data = out / f"{stem}.{fmt}", out / f"{stem}.json"
    atomic.write_text(data, json.dumps(json_ready(figures(report)), indent=2, default=str, sort_keys=True) + "\n")
    atomic.write_text(doc, text)
    return doc, data
