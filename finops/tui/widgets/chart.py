"""The one chart widget: draws a `ChartSpec` with plotext (the only module that calls it).

textual-plotext is small and unmaintained (it pins plotext < 6), so everything that
touches it lives here; screens hand over plain `ChartSpec` data built by pure functions.
"""

from __future__ import annotations

from datetime import date

from rich.text import Text
from textual.app import RenderResult
from textual_plotext import PlotextPlot

from finops.tui.data.series import ChartSpec

PALETTE = ("cyan", "orange", "green", "magenta", "blue", "orange+", "red", "white")
MARK_COLOR = {"holiday": "red", "today": "green"}
BAND_COLOR = "gray"
# plotext's colour names are the 16 ANSI colours; the legend line (drawn by Rich) uses the same.
ANSI = {"black": 0, "red": 1, "green": 2, "orange": 3, "blue": 4, "magenta": 5, "cyan": 6, "gray+": 7,
        "gray": 8, "red+": 9, "green+": 10, "orange+": 11, "blue+": 12, "magenta+": 13, "cyan+": 14, "white": 15}


def legend(spec: ChartSpec) -> list[tuple[str, str, str]]:
    """(symbol, label, plotext colour) per legend entry, in drawing order; none for a single bar series."""
    if spec.empty:
        return []
    if spec.x_categories:
        if len(spec.series) < 2:
            return []  # the title says what the bars are
        return [("██", s.label, color) for s, color in zip(spec.series, PALETTE)]
    out, colors, band = [], iter(PALETTE), False
    for s in spec.series:
        if s.style == "band":
            band = True
            continue
        out.append(("╍╍" if s.style == "dashed" else "━━", s.label, next(colors, "white")))
    if band:
        out.append(("··", "interval", BAND_COLOR))
    kinds = {m.kind for m in spec.marks}
    out += [("│", kind, MARK_COLOR[kind]) for kind in ("holiday", "today") if kind in kinds]
    return out


def _ticks(days: list[date], width: int) -> tuple[list[int], list[str]]:
    if not days:
        return [], []
    slots = max(2, min(8, width // 12))
    step = max(1, (len(days) - 1) // (slots - 1)) if len(days) > 1 else 1
    idx = list(range(0, len(days), step))
    fmt = "%b %d" if (days[-1] - days[0]).days < 200 else "%Y-%m"
    return idx, [days[i].strftime(fmt) for i in idx]


class Chart(PlotextPlot):
    """A line, band or bar chart over days or categories, with holiday marks."""

    DEFAULT_CSS = """
    Chart { height: 1fr; min-height: 8; }
    """

    def __init__(self, spec: ChartSpec | None = None, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.spec = spec or ChartSpec("")
        self._rendered: tuple[ChartSpec, tuple, RenderResult] | None = None

    def show(self, spec: ChartSpec) -> None:
        self.spec = spec
        self.refresh()

    def _draw(self) -> None:
        plt = self.plt
        plt.clear_figure()
        spec = self.spec
        # plotext widens every line to fit a long title, which then wraps: keep it inside.
        width = max(10, self.size.width - 12)  # the title sits over the plot area, right of the y labels
        fit = lambda text: text if len(text) <= width else text[: width - 1] + "…"  # noqa: E731
        plt.title(fit(spec.title))
        if spec.empty:
            plt.title(fit(f"{spec.title}: no data for this selection"))
            return
        if spec.x_categories:
            self._draw_bars(spec)
            return
        days = sorted({d for s in spec.series for d in s.x})
        index = {d: i for i, d in enumerate(days)}
        colors = iter(PALETTE)
        for s in spec.series:
            xs = [index[d] for d in s.x]
            if s.style == "band":
                plt.plot(xs, list(s.y), color=BAND_COLOR, marker="dot")
            else:
                color = next(colors, "white")
                plt.plot(xs, list(s.y), color=color, marker="hd" if s.style == "dashed" else "braille")
        for m in spec.marks:
            if m.day in index:
                plt.vertical_line(index[m.day], color=MARK_COLOR.get(m.kind, "red"))
        ticks, labels = _ticks(days, self.size.width)
        plt.xticks(ticks, labels)  # type: ignore[arg-type]  # plotext takes int positions; its hint says float

    def _draw_bars(self, spec: ChartSpec) -> None:
        plt = self.plt
        cats = list(spec.x_categories)
        values = [list(s.y) for s in spec.series]
        colors = list(PALETTE[: len(values)])
        if spec.stacked and len(values) > 1:
            plt.stacked_bar(cats, values, color=colors, orientation="horizontal", width=0.6)  # type: ignore[arg-type]  # one color per stack, as plotext documents
        else:
            plt.bar(cats, values[0], color=colors[0], orientation="horizontal", width=0.6)

    def render(self) -> RenderResult:
        # plotext rebuilds the whole figure per call: reuse it while nothing it depends on changed.
        # The key holds the spec itself (compared by identity): an id() alone could be reused
        # by a new spec once the old one is freed, and then show a stale chart.
        key = (self.size, self.app.theme)
        if self._rendered is not None and self._rendered[0] is self.spec and self._rendered[1] == key:
            return self._rendered[2]
        result = self._build()
        self._rendered = (self.spec, key, result)
        return result

    def _build(self) -> Text:
        # The legend has lines of its own under the plot: plotext draws it inside the plot area,
        # over the data (it hid whole bars).
        if not self.spec.title and not self.spec.series:
            return Text("")  # no data yet: a blank area, not plotext's empty axes (and no build on the cold-start path)
        width = self.size.width
        legend_lines = legend_text(legend(self.spec), width)
        height = max(1, self.size.height - len(legend_lines))
        self._draw()
        # What PlotextPlot.render does, at the height the legend leaves.
        plot = self.plt
        plot.plotsize(width, height)
        plot._set_size(width, height)  # noqa: SLF001 - see PlotextPlot.render (textual-plotext issue 5)
        plot.theme(self._get_plotext_theme_name(self.app.theme))
        text = Text.from_ansi(plot.build().removesuffix("\n"))
        return Text("\n").join([text, *legend_lines])


def legend_text(entries: list[tuple[str, str, str]], width: int, max_lines: int = 2) -> list[Text]:
    """The legend as at most `max_lines` lines of `width` columns (entries never split)."""
    indent = " " * (5 if width >= 100 else 1)  # under the plot area when there is room
    lines: list[Text] = []
    line = Text(indent)
    for symbol, label, color in entries:
        item = Text(symbol, style=f"color({ANSI.get(color, 15)})")
        item.append(f" {label}")
        gap = "  " if line.plain.strip() else ""
        if line.plain.strip() and line.cell_len + len(gap) + item.cell_len > width and len(lines) < max_lines - 1:
            lines.append(line)
            line, gap = Text(indent), ""
        line.append(gap)
        line.append_text(item)
    if line.plain.strip():
        lines.append(line)
    for text in lines:
        text.truncate(width, overflow="ellipsis")
    return lines
