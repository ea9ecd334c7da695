"""`FrameTable`: a DataTable over a polars frame, sortable by any column from the keyboard.

Sorting happens on the frame (numbers sort as numbers, nulls last), then the visible
rows are rebuilt. `o` cycles the sort column, `O` reverses it; clicking a header sorts
by that column. Row keys are frame row positions, so `row_data` returns the typed row.
"""

from __future__ import annotations

from typing import Any

import polars as pl
from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable

from finops.tui.data.columns import Column
from finops.tui.widgets.figure import money, provenance_tag

__all__ = ["Column", "FrameTable", "format_cell"]


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
        return Text(f"{float(value):,.3g}" if abs(float(value)) < 100 else f"{float(value):,.0f}", justify="right")
    if column.kind == "pct":
        return Text(f"{float(value):+.1f}%", justify="right")
    if column.kind == "share":
        return Text(f"{float(value):.1f}%", justify="right")
    return str(value)


class FrameTable(DataTable):
    BINDINGS = [
        Binding("o", "cycle_sort", "Sort", id="table.sort", tooltip="Sort by the next column"),
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

    def show(self, frame: pl.DataFrame, columns: tuple[Column, ...] | list[Column], sort: str | None = None,
             descending: bool = True) -> None:
        self.columns_spec = tuple(columns)
        if sort is not None:
            self.sort_column, self.sort_descending = sort, descending
        self.frame = frame
        self._rebuild()

    def _sorted(self) -> pl.DataFrame:
        if self.sort_column is None or self.sort_column not in self.frame.columns:
            return self.frame
        return self.frame.sort(self.sort_column, descending=self.sort_descending, nulls_last=True, maintain_order=True)

    def _rebuild(self) -> None:
        self.clear(columns=True)
        self.frame = self._sorted()
        for col in self.columns_spec:
            arrow = ""
            if col.key == self.sort_column:
                arrow = " ▼" if self.sort_descending else " ▲"
            self.add_column(col.label + arrow, key=col.key)
        keys = [c.key for c in self.columns_spec]
        for i, row in enumerate(self.frame.select(keys).iter_rows()):
            self.add_row(*(format_cell(v, c) for v, c in zip(row, self.columns_spec)), key=str(i))

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
