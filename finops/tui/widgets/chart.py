"""The one chart widget: draws a `ChartSpec` with plotext (the only module that calls it).

textual-plotext is small and unmaintained (it pins plotext < 6), so everything that
touches it lives here; screens hand over plain `ChartSpec` data built by pure functions.
"""

from __future__ import annotations

from datetime import date

from textual.app import RenderResult
from textual_plotext import PlotextPlot

from finops.tui.data.series import ChartSpec

PALETTE = ("cyan", "orange", "green", "magenta", "blue", "yellow", "red", "white")
MARK_COLOR = {"holiday": "red", "today": "green"}
BAND_COLOR = "gray"


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
        self._rendered: tuple[tuple, RenderResult] | None = None

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
                plt.plot(xs, list(s.y), label=s.label, color=color, marker="hd" if s.style == "dashed" else "braille")
        for m in spec.marks:
            if m.day in index:
                plt.vertical_line(index[m.day], color=MARK_COLOR.get(m.kind, "red"))
        ticks, labels = _ticks(days, self.size.width)
        plt.xticks(ticks, labels)

    def _draw_bars(self, spec: ChartSpec) -> None:
        plt = self.plt
        cats = list(spec.x_categories)
        values = [list(s.y) for s in spec.series]
        labels = [s.label for s in spec.series]
        colors = list(PALETTE[: len(values)])
        if spec.stacked and len(values) > 1:
            plt.stacked_bar(cats, values, labels=labels, color=colors, orientation="horizontal", width=0.6)
        else:
            plt.bar(cats, values[0], label=labels[0], color=colors[0], orientation="horizontal", width=0.6)

    def render(self) -> RenderResult:
        # plotext rebuilds the whole figure per call: reuse it while nothing it depends on changed.
        key = (id(self.spec), self.size, self.app.theme)
        if self._rendered is not None and self._rendered[0] == key:
            return self._rendered[1]
        self._draw()
        result = super().render()
        self._rendered = (key, result)
        return result
