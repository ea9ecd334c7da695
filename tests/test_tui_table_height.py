"""An auto-height FrameTable is as tall as its rows, even when a layout runs between their arrival and
DataTable measuring them (it measures when idle): the race that snapped the Reconcile findings at 0 rows
in about one full-suite run in four."""

from __future__ import annotations

import polars as pl
import pytest
from textual.app import App, ComposeResult

from finops.tui.widgets.table import Column, FrameTable
from test_tui_support import anyio_backend  # noqa: F401

pytestmark = pytest.mark.anyio


class OneTable(App[None]):
    CSS = "FrameTable { height: auto; max-height: 8; }"

    def compose(self) -> ComposeResult:
        yield FrameTable(id="t")


async def test_a_layout_run_before_the_rows_are_measured_does_not_keep_the_empty_height() -> None:
    app = OneTable()
    async with app.run_test(size=(30, 20)) as pilot:
        await pilot.pause()
        table = app.query_one(FrameTable)
        # Six columns in 30 cells: some are left out, and the hint's class asks for a layout.
        table.show(pl.DataFrame({f"c{i}": ["value"] * 3 for i in range(6)}), [Column(f"c{i}", f"column {i}") for i in range(6)])
        assert table.measuring and table.has_class("-clipped")
        # By chance on a busy machine, forced here: another widget's layout is handled (it re-arranges
        # the parent) before DataTable measures the rows.
        app.screen._clear_arrangement_cache()
        app.screen._refresh_layout()
        await pilot.pause()
        await pilot.pause()
        assert not table.measuring
        assert table.size.height == 1 + 3  # the header and three rows (the hint is on the border)
