"""`DashboardFooter`: the key footer, compact below the wide breakpoint, never cut at the edge.

Textual's footer lays its keys out on one line and lets whatever does not fit run off the
right edge, so an 80-column Forecast screen (b, m and h on top of the app's keys) lost
"? Help" and "q Quit". Here, when the keys are wider than the footer, whole key groups the
help (`?`, named in the top bar) also lists leave first: the screen keys 1-7, then the period
keys [ ]. Resizing wider shows them again.
"""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.widgets import Footer
from textual.widgets._footer import FooterKey, FooterLabel, KeyGroup  # the footer's own parts: no public names

__all__ = ["DashboardFooter"]

# Binding actions whose key group leaves first, in this order (finops/tui/app.py binds them).
DROP_FIRST = ("show(", "shift_period(")
COMPACT_BELOW = 110  # columns: the app's "-wide" breakpoint


class DashboardFooter(Footer):
    def __init__(self) -> None:
        # Compact from the start at the terminal's width: turning it on at the first resize
        # restyled every key (a third of the first screen's style work at 80 columns).
        super().__init__(show_command_palette=False, compact=self.app.size.width < COMPACT_BELOW)
        self._width = 0
        self._check_due = False
        self._waits = 0
        self._composed: tuple[object, ...] | None = None  # the keys the children show (_shown)

    def _shown(self) -> tuple[object, ...]:
        """What the footer's keys are made of: the screen's shown bindings, their state and display."""
        return tuple((b.key, self.app.get_key_display(b), b.description, b.action, b.group, enabled, tooltip)
                     for _, b, enabled, tooltip in self.screen.active_bindings.values() if b.show)

    def compose(self) -> ComposeResult:
        self._composed = self._shown() if self._bindings_ready else None
        for widget in super().compose():
            if isinstance(widget, FooterKey):
                # Born with the class its `compact` watcher would add once mounted: adding it
                # then restyles each key again (every footer compose, after each focus change).
                widget.set_class(self.compact, "-compact", update=False)
            yield widget

    def on_resize(self, event: events.Resize) -> None:
        self.compact = self.screen.size.width < COMPACT_BELOW
        if event.size.width != self._width:
            # Another width: start from every key again, then trim for this one.
            self._width = event.size.width
            for child in self.children:
                child.display = True
        self._check_later()

    async def recompose(self) -> None:
        # The keys change with the focus and the screen: new keys, trimmed once laid out. A focus
        # move often leaves them as they are (the Overview focuses its movers table as its first
        # data arrives): then the keys, and how they were trimmed, stay.
        if self.children and self._composed == self._shown():
            return
        await super().recompose()
        self._check_later()

    def _check_later(self) -> None:
        # One check per refresh, on the layout that refresh made: two checks on the same stale
        # layout would each see the overflow and drop a group each (one too many).
        if not self._check_due:
            self._check_due = True
            self.call_after_refresh(self._trim)

    def _droppable(self) -> tuple[KeyGroup, FooterLabel | None] | None:
        """The next key group to leave (with its label), if the keys overflow and one is left."""
        children = list(self.children)
        shown = [c for c in children if c.display]
        if any(c.outer_size.width == 0 for c in shown):
            return None  # not laid out yet (_trim looks again after the next refresh)
        # Widths of the keys still shown (a hidden one's stale size is not counted), not the
        # scroll width, which lags one layout behind a key just hidden.
        needed = sum(c.outer_size.width + c.styles.margin.left + c.styles.margin.right for c in shown)
        if needed <= self.content_region.width:
            return None
        for prefix in DROP_FIRST:
            for i, child in enumerate(children):
                if not (isinstance(child, KeyGroup) and child.display):
                    continue
                keys = list(child.query(FooterKey))
                if keys and all(k.action.startswith(prefix) for k in keys):
                    label = children[i + 1] if i + 1 < len(children) else None
                    return child, label if isinstance(label, FooterLabel) else None
        return None

    @property
    def trimming(self) -> bool:
        """True while keys overflow and a group could still leave (the settled signal waits for it)."""
        return self._droppable() is not None

    def _trim(self) -> None:
        self._check_due = False
        if any(c.display and c.outer_size.width == 0 for c in self.children):
            # Keys not laid out yet: look again after the next refresh (a few times at most, so a key
            # that never takes room cannot keep the app refreshing).
            self._waits += 1
            if self._waits < 20:
                self._check_later()
            return
        self._waits = 0
        found = self._droppable()
        if found is None:
            return
        group, label = found
        group.display = False
        if label is not None:
            label.display = False
        # One group at a time: once laid out again, the next check says whether that was enough.
        self._check_later()
