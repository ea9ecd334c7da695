"""Every dashboard table at 80x24 and 120x40 keeps its key columns whole (issue 22 item 2).

Reads what is drawn: for each screen (and the Reconcile and Prompt cache drill-downs) the
screen's rendered lines, each shown column's cells sliced at the column's position, and
compares them with the full formatted value of the frame row (a cut number, date or label
would differ). Also checks that nothing runs off to the right, that the hint under a table
names every column left out, that `w` shows them all with horizontal scroll, and that every
footer key is drawn whole with "? Help" and "q Quit" always there.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from test_tui_support import dash_home, make_app, settle, tui_store_path  # noqa: F401

pytestmark = pytest.mark.anyio

SIZES = [(80, 24), (120, 40)]
# Key presses from the Overview to each view, and the view's name in failure messages.
VIEWS = [("1", "overview"), ("2", "sources"), ("3", "reconcile"), ("enter", "reconcile drill"), ("escape 4", "cogs"),
         ("5", "forecast"), ("6", "carbon"), ("7", "cache"), ("enter", "cache days")]


def _plain(cell: Any) -> str:
    return (cell.plain if hasattr(cell, "plain") else str(cell)).strip()


def _screen_lines(app: Any) -> list[Any]:
    # The composited screen as drawn (Strips), the same lines a snapshot's SVG holds.
    return app.screen._compositor.render_strips()


async def _check_table(pilot: Any, table: Any, view: str) -> None:
    from finops.tui.data.columns import KEY_COLUMNS
    from finops.tui.widgets.table import format_cell

    app = pilot.app
    where = f"{view} #{table.id} at {app.size.width}x{app.size.height}"
    shown = [c.key for c in table.shown_spec]
    keys = [k for k in KEY_COLUMNS.get(table.id, ()) if k in {c.key for c in table.columns_spec}]
    assert set(keys) <= set(shown), f"{where}: key columns {set(keys) - set(shown)} not shown"
    assert table.max_scroll_x == 0, f"{where}: columns run {table.max_scroll_x} cells past the edge"
    left_out = [c.label for c in table.columns_spec if c.key not in shown]
    hint = str(table.border_subtitle or "")
    if left_out:
        named = [label for label in left_out if label in hint]
        more = len(left_out) - len(named)
        assert hint.startswith("w: all columns"), f"{where}: no hint for {left_out}"
        assert more == 0 or f"+{more} more" in hint, f"{where}: hint {hint!r} does not account for {left_out}"
    else:
        assert not hint, f"{where}: hint {hint!r} with every column shown"

    # Bring the table into the body's view, then slice its drawn lines column by column.
    table.scroll_visible(animate=False, immediate=True)
    await pilot.pause()
    await pilot.pause()
    region = table.content_region
    clip = app.screen.query_one("#body").content_region
    lines = _screen_lines(app)
    offsets, x = [], region.x
    for column in table.ordered_columns:
        width = column.get_render_width(table)
        offsets.append((x, x + width))
        x += width
    assert x <= region.right, f"{where}: columns end at {x}, the table at {region.right}"
    header_y = region.y
    if clip.y <= header_y < clip.bottom:
        for (x0, x1), column, col in zip(offsets, table.ordered_columns, table.shown_spec):
            drawn = lines[header_y].crop(x0, x1).text.strip()
            assert drawn.startswith(col.label), f"{where}: header {drawn!r}, label {col.label!r}"
    checked = 0
    for row in range(table.row_count):
        y = header_y + 1 + row - int(table.scroll_y)
        if not (region.y < y < region.bottom and clip.y <= y < clip.bottom):
            continue
        values = table.frame.row(row, named=True)
        for (x0, x1), col in zip(offsets, table.shown_spec):
            full = _plain(format_cell(values[col.key], col))
            drawn = lines[y].crop(x0, x1).text.strip()
            assert drawn == full, f"{where}: row {row} {col.label!r} drawn {drawn!r}, value {full!r}"
        checked += 1
    if table.row_count:
        assert checked, f"{where}: no row of the table is on screen"


def _check_footer(app: Any, view: str) -> None:
    from textual.widgets import Footer
    from textual.widgets._footer import FooterKey

    footer = app.screen.query_one(Footer)
    keys = [k for k in footer.query(FooterKey) if k.display and k.parent.display]
    for key in keys:
        assert key.region.right <= app.size.width, f"{view}: footer key {key.description!r} runs off the edge"
    descriptions = {k.description for k in keys}
    assert {"Help", "Quit"} <= descriptions, f"{view} at {app.size}: footer shows {descriptions}"


async def _footer_ready(pilot: Any) -> None:
    # The footer recomposes after the focused table's bindings arrive (not counted by the settled
    # signal): give it the frames it needs, bounded, no sleep.
    from textual.widgets import Footer
    from textual.widgets._footer import FooterKey

    for _ in range(200):
        footer = pilot.app.screen.query_one(Footer)
        if any(k.description == "Quit" for k in footer.query(FooterKey)):
            break
        await pilot.pause()
    await settle(pilot)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_every_table_keeps_its_key_columns_whole(dash_home: Path, size: tuple[int, int]) -> None:  # noqa: F811
    from finops.tui.widgets.table import FrameTable

    app = make_app(dash_home)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        for presses, view in VIEWS:
            for key in presses.split():
                await pilot.press(key)
                await settle(pilot)
            await _footer_ready(pilot)
            tables = [t for t in app.screen.query(FrameTable) if t.display and t.columns_spec]
            assert tables, f"{view}: no table"
            for table in tables:
                await _check_table(pilot, table, view)
            _check_footer(app, view)


async def test_w_shows_every_column_with_horizontal_scroll(dash_home: Path) -> None:  # noqa: F811
    from finops.tui.widgets.table import FrameTable

    app = make_app(dash_home)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        table = app.screen.query_one("#cogs-table", FrameTable)
        assert app.focused is table
        fitted = table.shown_spec
        assert len(fitted) < len(table.columns_spec)
        await pilot.press("w")
        await pilot.pause()
        assert table.shown_spec == table.columns_spec
        assert table.max_scroll_x > 0 and "scroll sideways" in str(table.border_subtitle)
        await pilot.press("w")
        await pilot.pause()
        assert table.shown_spec == fitted and table.max_scroll_x == 0


def test_fit_columns_keeps_keys_and_fills_left_to_right() -> None:
    from finops.tui.data.columns import Column, fit_columns
    from finops.tui.widgets.table import hidden_hint

    cols = [Column(k, k) for k in ("feature", "tasks", "cost_per_task", "inference_per_task", "cost", "gross_margin")]
    widths = [15, 8, 11, 16, 11, 10]
    assert fit_columns("cogs-table", cols, widths, 200) == tuple(cols)
    shown = [c.key for c in fit_columns("cogs-table", cols, widths, 50)]
    assert shown == ["feature", "cost_per_task", "cost", "gross_margin"]  # keys first; tasks (8) no longer fits
    assert [c.key for c in fit_columns("cogs-table", cols, widths, 55)] == ["feature", "tasks", "cost_per_task", "cost",
                                                                           "gross_margin"]
    assert hidden_hint(["a", "bb", "ccc"], 80) == "w: all columns · hidden: a, bb, ccc"
    assert hidden_hint(["alpha", "beta", "gamma"], 38) == "w: all columns · hidden: alpha +2 more"
    assert hidden_hint(["alpha", "beta"], 10) == "w: all columns · 2 hidden"
