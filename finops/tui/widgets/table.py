"""`FrameTable`: a DataTable over a polars frame, sortable by any column from the keyboard.

Sorting happens on the frame (numbers sort as numbers, nulls last), then the visible
rows are rebuilt. `o` cycles the sort column, `O` reverses it; clicking a header sorts
by that column. Row keys are frame row positions, so `row_data` returns the typed row.
"""

from __future__ import annotations

from typing import Any

import polars as pl
from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.widgets import DataTable

from finops.numbers import significant
from finops.tui.data.columns import Column, fit_columns
from finops.tui.widgets.figure import money, provenance_tag

__all__ = ["Column", "FrameTable", "format_cell", "hidden_hint"]


def format_cell(value: Any, column: Column) -> Any:
    if column.kind == "provenance":
        return provenance_tag(tuple(str(value or "").split(","))) if value else Text("—")
    if column.kind == "money":
        text = money(value, column.currency)
        style = "italic yellow" if value is None else ""
        return Text(text, justify="right", style=style)
    if value is None:
        return Text("—", justify="right" if column.kind != "text" else "left", style="dim")
    if column.kind == "unit_money":
        return Text(money(value, column.currency, decimals=4 if abs(value) < 1 else 2), justify="right")
    if column.kind == "int":
        return Text(f"{int(value):,}", justify="right")
    if column.kind == "float":
        return Text(significant(value), justify="right")
    if column.kind == "pct":
        return Text(f"{float(value):+.1f}%", justify="right")
    if column.kind == "share":
        return Text(f"{float(value):.1f}%", justify="right")
    return str(value)


def hidden_hint(labels: list[str], room: int) -> str:
    """"w: all columns · hidden: a, b, +2 more" in at most `room` cells: the key first, then as many
    names as fit whole (a hint cut mid-word would be one more cut label)."""
    head = "w: all columns · hidden: "
    for shown in range(len(labels), 0, -1):
        rest = len(labels) - shown
        text = head + ", ".join(labels[:shown]) + (f" +{rest} more" if rest else "")
        if cell_len(text) <= room:
            return text
    return f"w: all columns · {len(labels)} hidden"


class FrameTable(DataTable):
    """A sortable table that fits its width: key columns always (finops.tui.data.columns.KEY_COLUMNS),
    others while they fit whole; a hint under the table names what is left out; `w` shows all."""

    DEFAULT_CSS = """
    FrameTable.-clipped { border-bottom: hkey $secondary 60%; border-subtitle-align: left; border-subtitle-color: $text-muted; }
    """
    BINDINGS = [
        Binding("o", "cycle_sort", "Sort", id="table.sort", tooltip="Sort by the next column"),
        Binding("w", "toggle_wide", "All columns", id="table.wide", show=False,
                tooltip="Show every column (scroll sideways) or fit the table to its width"),
        Binding("O", "reverse_sort", "Reverse", id="table.reverse", show=False, tooltip="Reverse the sort order"),
    ]

    class Sorted(Message):
        def __init__(self, table: "FrameTable", column: str, descending: bool) -> None:
            super().__init__()
            self.table, self.column, self.descending = table, column, descending

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes, cursor_type="row", zebra_stripes=True)
        self.frame = pl.DataFrame()
        self.columns_spec: tuple[Column, ...] = ()
        self.sort_column: str | None = None
        self.sort_descending = True
        self.wide = False
        self.shown_spec: tuple[Column, ...] = ()
        self._cells: list[tuple[Any, ...]] = []

    def show(self, frame: pl.DataFrame, columns: tuple[Column, ...] | list[Column], sort: str | None = None,
             descending: bool = True) -> None:
        self.columns_spec = tuple(columns)
        if sort is not None:
            self.sort_column, self.sort_descending = sort, descending
        self.frame = frame
        self._rebuild()

    @property
    def measuring(self) -> bool:
        """True while rows or cells wait to be measured: DataTable measures them when idle, and until then
        an auto-height table keeps its old height (0 rows before the first load), so a frame is not final."""
        return bool(self._require_update_dimensions or self._updated_cells)

    def watch_virtual_size(self, old: Size, new: Size) -> None:
        # Textual caches a widget's box model under its count of layout requests, and a request made
        # while one is pending does not advance it. DataTable measures its rows when idle and sets
        # virtual_size then, usually with a layout already requested by the rows' arrival: if a layout
        # ran in between, an auto-height table kept the height it had before its rows (0 rows: the
        # Reconcile findings, 1 run in ~15 on two busy cores). Textual 8.2.8; the cache is private.
        if old != new:
            self._box_model_cache.clear()

    def _sorted(self) -> pl.DataFrame:
        if self.sort_column is None or self.sort_column not in self.frame.columns:
            return self.frame
        return self.frame.sort(self.sort_column, descending=self.sort_descending, nulls_last=True, maintain_order=True)

    def _rebuild(self) -> None:
        self.frame = self._sorted()
        keys = [c.key for c in self.columns_spec]
        self._cells = [tuple(format_cell(v, c) for v, c in zip(row, self.columns_spec))
                       for row in self.frame.select(keys).iter_rows()]
        self._lay_out(force=True, keep_cursor=False)

    def _header(self, col: Column) -> str:
        arrow = ""
        if col.key == self.sort_column:
            arrow = " ▼" if self.sort_descending else " ▲"
        return col.label + arrow

    def _widths(self) -> list[int]:
        pad = 2 * self.cell_padding
        out = []
        for i, col in enumerate(self.columns_spec):
            cells = (cell_len(c.plain if isinstance(c, Text) else str(c)) for row in self._cells for c in row[i:i + 1])
            out.append(max([cell_len(self._header(col)), *cells]) + pad)
        return out

    def _room(self) -> int:
        """Cells the columns may use: the content width less the vertical scrollbar when it shows."""
        return self.scrollable_content_region.width

    def watch_show_vertical_scrollbar(self, shown: bool) -> None:
        # Rows arrive after the width is known: a scrollbar that appears with them takes two cells
        # the columns were fitted into, and would cut the last one. Fit again.
        self._lay_out()

    def _lay_out(self, force: bool = False, keep_cursor: bool = True) -> None:
        """(Re)build the visible columns for the current width; rows are formatted once per data change."""
        room = self._room()
        widths = self._widths()
        spec = self.columns_spec if self.wide else fit_columns(self.id, self.columns_spec, widths, room)
        if not force and spec == self.shown_spec:
            return
        row = self.cursor_row
        self.shown_spec = spec
        self.clear(columns=True)
        index = {c.key: i for i, c in enumerate(self.columns_spec)}
        for col in spec:
            self.add_column(self._header(col), key=col.key)
        for i, cells in enumerate(self._cells):
            self.add_row(*(cells[index[c.key]] for c in spec), key=str(i))
        if keep_cursor and self._cells:
            self.move_cursor(row=min(row, len(self._cells) - 1), animate=False)
        left_out = [c.label for c in self.columns_spec if c not in spec]
        if left_out:
            self.border_subtitle = hidden_hint(left_out, self.size.width - 4)
        elif self.wide and room > 0 and sum(widths) > room:
            self.border_subtitle = "all columns · ←/→ scroll sideways · w: fit"
        else:
            self.border_subtitle = None
        self.set_class(self.border_subtitle is not None, "-clipped")

    def on_resize(self, event: events.Resize) -> None:
        self._lay_out()

    def action_toggle_wide(self) -> None:
        self.wide = not self.wide
        self._lay_out(force=True)

    def sort_by(self, column: str, descending: bool | None = None) -> None:
        if descending is None:
            descending = not self.sort_descending if column == self.sort_column else True
        self.sort_column, self.sort_descending = column, descending
        self._rebuild()
        self.post_message(self.Sorted(self, column, descending))

    def action_cycle_sort(self) -> None:
        keys = [c.key for c in self.columns_spec]
        if not keys:
            return
        nxt = keys[(keys.index(self.sort_column) + 1) % len(keys)] if self.sort_column in keys else keys[0]
        self.sort_by(nxt, True)

    def action_reverse_sort(self) -> None:
        if self.sort_column is not None:
            self.sort_by(self.sort_column, not self.sort_descending)

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        event.stop()
        self.sort_by(str(event.column_key.value))

    def row_data(self, index: int | None = None) -> dict[str, Any] | None:
        """The frame row under the cursor (or at `index`), with its typed values."""
        if self.frame.height == 0:
            return None
        i = self.cursor_row if index is None else index
        if not 0 <= i < self.frame.height:
            return None
        return self.frame.row(i, named=True)
