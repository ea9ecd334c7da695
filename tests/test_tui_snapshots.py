"""SVG snapshots of every dashboard screen on the sample at 120x40 and 80x24.

Deterministic: "today" is pinned to the sample's last day + 1, the theme is fixed, and
each shot is taken once the app is settled (`FinopsApp.wait_settled`: every load the
screen started, including the Overview's forecast fitted after the first paint, is on
its widgets and no loading indicator is shown or due). Update with
`python -m pytest tests/test_tui_snapshots.py --snapshot-update`, then look at the SVGs.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from test_tui_support import dash_home, make_app, settle, tui_store_path  # noqa: F401

SCREENS = [("1", "overview"), ("2", "sources"), ("3", "reconcile"), ("4", "cogs"), ("5", "forecast"), ("6", "carbon"), ("7", "cache")]
SIZES = [(120, 40), (80, 24)]


def _before(key: str):  # type: ignore[no-untyped-def]
    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await settle(pilot)
        await pilot.press(key)
        await settle(pilot)

    return run_before


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("key,screen", SCREENS, ids=[s for _, s in SCREENS])
def test_screen_snapshot(snap_compare, dash_home: Path, key: str, screen: str, size: tuple[int, int]) -> None:  # noqa: F811
    assert snap_compare(make_app(dash_home), terminal_size=size, run_before=_before(key))
