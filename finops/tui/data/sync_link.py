"""The bridge to the connectors' sync: imported lazily, absent until connectors/sync lands."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from finops.tui.data.availability import NotAvailable, Unavailable, optional_module
from finops.tui.data.context import DashboardContext

Progress = Callable[[str, int, int, str], None]  # (source, done, total, note)


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


def sync_module():  # type: ignore[no-untyped-def]
    return optional_module("connectors.sync", "Sync", "the connectors' sync is not installed in this build yet")


def run_sync(ctx: DashboardContext, sources: list[str] | None, progress: Progress) -> list[SyncOutcome]:
    module = sync_module()
    if isinstance(module, NotAvailable):
        raise Unavailable(module)
    raise Unavailable(NotAvailable("Sync", "the connectors' sync API is not wired into the dashboard yet"))
