"""Known events (launches, campaigns, sales events, incidents) as the model sees them: typed, no IO.

An event has a name and one or more occurrences, each a span of days (first, last), past or
future, and a window: days before and after each occurrence that it also touches (a sale's
run-up, an incident's recovery). Occurrences of one name share one effect, estimated from
the past ones and applied to the future ones. Reading them from finops.toml and CSV files is
the application's job (finops/forecast_config.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class Event:
    name: str
    spans: tuple[tuple[date, date], ...]  # occurrences: (first day, last day), inclusive
    before: int = 0  # window: days before each occurrence
    after: int = 0  # window: days after each occurrence

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("an event needs a name")
        if not self.spans:
            raise ValueError(f"event {self.name!r} has no dates")
        for first, last in self.spans:
            if last < first:
                raise ValueError(f"event {self.name!r}: {last} is before {first}")
        if self.before < 0 or self.after < 0:
            raise ValueError(f"event {self.name!r}: the window must not be negative")

    def core_days(self) -> set[date]:
        """The days of the occurrences themselves."""
        return {first + timedelta(days=i) for first, last in self.spans for i in range((last - first).days + 1)}

    def window_days(self) -> set[date]:
        """The days before and after the occurrences, not counting the occurrences."""
        out: set[date] = set()
        for first, last in self.spans:
            out |= {first - timedelta(days=i) for i in range(1, self.before + 1)}
            out |= {last + timedelta(days=i) for i in range(1, self.after + 1)}
        return out - self.core_days()


def merge(events: list[Event]) -> tuple[Event, ...]:
    """One event per name: occurrences of the same name from several sources are one calendar.

    The window must agree; a name given with two different windows is an error, since one
    effect cannot have two shapes.
    """
    by_name: dict[str, Event] = {}
    for e in events:
        seen = by_name.get(e.name)
        if seen is None:
            by_name[e.name] = e
            continue
        if (seen.before, seen.after) != (e.before, e.after):
            raise ValueError(f"event {e.name!r} is given with two windows: "
                             f"{seen.before} before/{seen.after} after and {e.before} before/{e.after} after")
        by_name[e.name] = Event(e.name, tuple(sorted(set(seen.spans) | set(e.spans))), e.before, e.after)
    return tuple(by_name[k] for k in sorted(by_name))
