"""`finops export`: unattended CSV/Parquet export (FOCUS 1.2 for costs), one file per month, incremental.

Never prompts; logs go to stderr through `logging`. Exit codes (docs/export.md):
0 exported (or everything already up to date), 1 nothing to export (no data in the
selection), 2 bad input or config, 4 a source failed
(--sync-first could not sync, or the store cannot be read), 5 output or state not writable.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

EXIT_OK, EXIT_NOTHING, EXIT_BAD_INPUT, EXIT_SOURCE, EXIT_OUTPUT = 0, 1, 2, 4, 5
log = logging.getLogger("finops.export")


class _StderrLogging:
    """A stderr handler on the `finops` logger for one command run (removed afterwards)."""

    def __init__(self, level: int) -> None:
        self.handler = logging.StreamHandler(sys.stderr)
        self.handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        self.logger = logging.getLogger("finops")
        self.level = level

    def __enter__(self) -> None:
        self.old = self.logger.level
        self.logger.addHandler(self.handler)
        self.logger.setLevel(self.level)

    def __exit__(self, *exc: object) -> None:
        self.logger.removeHandler(self.handler)
        self.logger.setLevel(self.old)


def _sync_first(settings) -> int:  # type: ignore[no-untyped-def]
    """Run the connectors' sync; the exit code to end with (0, or 4 when a source failed)."""
    from finops.connectors.sync import sync_all

    code = EXIT_OK
    for r in sync_all(settings):
        if getattr(r, "error", None):
            log.error("sync %s failed: %s (exporting what is stored)", r.source, r.error)
            code = EXIT_SOURCE
        else:
            log.info("sync %s: %s page(s), added %s, changed %s", r.source, r.pages, r.added, r.changed)
    return code


def _alert_check(settings) -> None:  # type: ignore[no-untyped-def]
    """After --sync-first, the [[alerts.rules]] check on the fresh data ([alerts] run_with_export, default on).

    Its problems are logged and never change the export's exit code: the export still runs.
    """
    from finops.alerts.check import run_check
    from finops.alerts.rules import load_alerts
    from finops.commands.alert import now_for
    from finops.context import Context as CoreContext
    from finops.errors import FinopsError

    try:
        alerts = load_alerts(settings.config)
        if not (alerts.configured and alerts.run_with_export):
            return
        path = str(settings.config.path) if settings.config.path else "finops.toml"
        report = run_check(CoreContext.build(settings), alerts, settings.data_dir, now_for(None), config_path=path)
    except FinopsError as exc:
        log.error("alert check: %s (exporting anyway)", exc.one_line())
        return
    for t in report.transitions:
        if t.event in ("fired", "resolved", "held"):
            log.warning("alert %s %s: %s", t.event, t.key, t.observation.reason)
    for e in report.errors:
        log.error("alert check: rule not evaluated: %s", e)
    for mid, channel, attempts, error in report.pending:
        log.warning("alert message %s for %s pending (%s); the next check retries it", mid, channel, error)
    log.info("alert check: %d firing, %d sent, %d pending", len(report.firing), len(report.sent), len(report.pending))


def _run(dataset: str, fmt: str | None, out: Path | None, since: str | None, until: str | None,
         incremental: bool, sync_first: bool, raw: bool = False) -> int:
    from finops.commands._common import get_settings, get_store, option_day
    from finops.export.context import Context
    from finops.export.settings import ExportSettings
    from finops.export.writer import export

    settings = get_settings()
    options = ExportSettings.from_config(settings.config)
    code = _sync_first(settings) if sync_first else EXIT_OK
    if sync_first:
        _alert_check(settings)
    out_dir = out or options.out_dir or settings.data_dir / "exports"
    from finops.context import Context as CoreContext

    ctx = Context.of(CoreContext.build(settings, store=get_store(settings)), options)
    result = export(dataset, fmt or options.format, out_dir, option_day(since, "since"), option_day(until, "until"), incremental,
                    ctx=ctx, state_dir=settings.data_dir / "export_state", raw=raw)
    if result.empty:
        log.warning("%s: nothing to export (no rows in the selected months) -> exit 1", dataset)
        return max(code, EXIT_NOTHING)
    log.info("%s: %d month(s), %d written, %d unchanged, %s rows written in %.2f s -> %s", dataset,
             len(result.months), len(result.written), len(result.unchanged), f"{result.rows_written:,}",
             result.seconds, result.out_dir / dataset)
    return code


def register(app: typer.Typer) -> None:
    @app.command("export")
    def export_cmd(
        dataset: Annotated[str, typer.Option(help="costs, usage, requests, reconcile, cache, cogs, forecast or carbon")],
        fmt: Annotated[Optional[str], typer.Option("--format", help="csv or parquet (default: \\[export] format, else parquet)")] = None,
        out: Annotated[Optional[Path], typer.Option(help="Output directory (default: \\[export] out_dir, else <data dir>/exports).")] = None,
        since: Annotated[Optional[str], typer.Option(help="First UTC day, YYYY-MM-DD; selects its whole month.")] = None,
        until: Annotated[Optional[str], typer.Option(help="Last UTC day, YYYY-MM-DD; selects its whole month.")] = None,
        incremental: Annotated[bool, typer.Option(help="Skip months whose inputs did not change since the last export.")] = False,
        sync_first: Annotated[bool, typer.Option(help="Pull from the provider connectors before exporting.")] = False,
        raw: Annotated[bool, typer.Option("--raw", help="CSV: write text cells as they are (by default a cell starting with =, +, -, @ is prefixed with ' so spreadsheets do not run it).")] = False,
        quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Log warnings and errors only.")] = False,
        verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log debug detail.")] = False,
    ) -> None:
        """Export a dataset to one CSV/Parquet file per UTC month; unattended (see `finops schedule show`)."""
        from finops.errors import FinopsError, SourceError, StoreError

        level = logging.WARNING if quiet else logging.DEBUG if verbose else logging.INFO
        with _StderrLogging(level):
            try:
                code = _run(dataset, fmt, out, since, until, incremental, sync_first, raw)
            except (SourceError, StoreError) as exc:
                log.error("%s", exc.one_line())
                code = EXIT_SOURCE
            except FinopsError as exc:
                log.error("%s", exc.one_line())
                code = exc.exit_code if exc.exit_code in (EXIT_BAD_INPUT, EXIT_SOURCE, EXIT_OUTPUT) else EXIT_BAD_INPUT
            except OSError as exc:
                log.error("cannot write the export: %s", exc)
                code = EXIT_OUTPUT
        if code:
            raise typer.Exit(code)
