"""The bridge to the connectors' sync (connectors/sync.py); the Sources screen imports it when it syncs.

Runs one source at a time so the dashboard can report each source's outcome as it
lands; a failing source never stops the others (as in `finops sync`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from finops.connectors import sync as sync_module
from finops.tui.data.availability import NotAvailable, Unavailable
from finops.tui.data.context import DashboardContext

# (source, sources done, sources total, note)
Progress = Callable[[str, int, int, str], None]


@dataclass(frozen=True)
class SyncOutcome:
    source: str
    rows: int
    detail: str = ""
    error_title: str = ""
    error: str = ""  # one line naming the source and what to do

    @property
    def ok(self) -> bool:
        return not self.error


def syncable(ctx: DashboardContext) -> tuple[str, ...]:
    """Sources `finops sync` can pull: those configured in [sources.*], else every known one."""
    known = tuple(sync_module.SOURCES)
    configured = tuple(k for k, v in ctx.section("sources").items() if isinstance(v, dict) and k in known)
    return configured or known


def run_sync(ctx: DashboardContext, sources: list[str] | None, progress: Progress) -> list[SyncOutcome]:
    names = list(sources or syncable(ctx))
    unknown = [n for n in names if n not in sync_module.SOURCES]
    if unknown:
        raise Unavailable(NotAvailable(
            "Sync", f"{', '.join(unknown)} is not a live source (it is loaded from files)",
            "re-load files with `finops sample load` or `finops ingest`; press s to sync the live sources"))
    out = []
    for i, name in enumerate(names):
        progress(name, i, len(names), "starting")

        def on_page(source: str, path: str, pages: int, i: int = i) -> None:
            progress(source, i, len(names), f"{path} · page {pages}")

        (result,) = sync_module.sync_all(ctx.settings, [name], progress=on_page)
        if result.error:
            out.append(SyncOutcome(name, 0, error_title="sync failed", error=f"{name}: {result.error}"))
        else:
            span = f"{result.start:%Y-%m-%d} → {result.end:%Y-%m-%d}"
            out.append(SyncOutcome(name, result.added + result.changed,
                                   f"{result.pages} page(s), {result.added} added, {result.changed} changed, {span}"))
        progress(name, i + 1, len(names), "done" if not result.error else "failed")
    return out
