"""The dashboard's "settled" signal: every load the visible screens started is on their widgets.

A frame of the dashboard is final ("settled") when:
- the store has been opened (the app's context worker has ended, its result handled);
- every notification posted (a failed load's error, say) has been handled by the app;
- no dashboard screen, shown or not, waits for a load (`DashboardScreen.track`): each load
  counts from the moment it is decided (the Overview reserves its forecast fit before the
  repaint that starts it) until its worker's final state change has been handled, which
  comes after the result message the worker posted;
- every visible dashboard screen (the top one and those under a dialog) has started a load
  for the current store and filters, has no loading-indicator timer pending (indicators
  appear 0.2 s into a load), shows no loading indicator and has no table waiting to measure
  its rows (DataTable does so when idle; an auto-height table is laid out at its old height
  until then). That it is then laid out at its new height is FrameTable's job
  (`watch_virtual_size`): Textual's cached box model kept the Reconcile findings at 0 rows in
  about one full-suite run in four, with nothing left pending for this signal to see.

`FinopsApp.settled` reads it; `FinopsApp.wait_settled()` waits for it to hold across a
repaint. Tests and snapshots use it instead of sleeping; the UI itself never waits on it.
"""

from __future__ import annotations

import asyncio
from time import monotonic
from textual.screen import ModalScreen

from finops.tui.screens.base import DashboardHost, DashboardScreen

POLL = 0.05  # seconds between checks when nothing reported activity (indicator removal, say)


def unsettled(app: DashboardHost) -> list[str]:
    """Why the dashboard is not settled, for a timeout message; empty when it is."""
    if not app.started:
        return ["not started"]
    why = ["opening the store"] if app.context_pending else []
    if app.notices_pending:
        why.append("a notification not shown yet")
    visible = []
    for screen in reversed(app.screen_stack):
        visible.append(screen)
        if not isinstance(screen, ModalScreen):
            break
    for screen in list(app.dashboard_screens):
        if screen in visible:
            reasons = screen.unsettled()
        else:
            reasons = [f"load {name}" for name in screen.pending_loads]
        why += [f"{type(screen).__name__}: {r}" for r in reasons]
    for screen in visible:
        if isinstance(screen, DashboardScreen) and screen not in app.dashboard_screens:
            why.append(f"{type(screen).__name__}: not mounted yet")
    return why


async def wait_settled(app: DashboardHost, timeout: float) -> None:
    """Return once `unsettled(app)` is empty before and after a repaint; TimeoutError names what is pending.

    Call it from another task than the app's (a test's Pilot does).
    """
    deadline = monotonic() + timeout
    while True:
        if not unsettled(app):
            # The frame must show what the loads applied: wait for a repaint, then check again
            # (a repaint can start nothing new, but a message handled meanwhile could).
            await app.screen.wait_for_refresh()
            if not unsettled(app):
                return
        left = deadline - monotonic()
        if left <= 0:
            raise TimeoutError(f"dashboard not settled after {timeout:.0f} s: {'; '.join(unsettled(app))}")
        app.activity.clear()
        try:
            await asyncio.wait_for(app.activity.wait(), min(POLL, left))
        except asyncio.TimeoutError:
            pass
