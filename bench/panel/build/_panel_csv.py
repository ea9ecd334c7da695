"""Writing one panel series, and a build script's arguments: shared by every build_<name>.py.

Each split's helpers (_common_a.py .. _common_d.py) keep their own `fmt`, the value format their
entries in SOURCES.md document, and write through `write_series` here.
"""
import datetime as dt
import sys
from pathlib import Path

PANEL = Path(__file__).resolve().parents[1]


def write_series(name, values, fmt):
    """values: {datetime.date or 'YYYY-MM-DD': value}. Writes PANEL/<name>.csv (header `day,value`, ISO days
    ascending, LF endings, each value as fmt(value)), prints a one-line summary to stderr, returns the path."""
    rows = sorted((d if isinstance(d, str) else d.isoformat(), fmt(v)) for d, v in values.items())
    path = PANEL / f"{name}.csv"
    with open(path, "w", newline="\n", encoding="ascii") as f:
        f.write("day,value\n")
        f.writelines(f"{d},{v}\n" for d, v in rows)
    days = [dt.date.fromisoformat(d) for d, _ in rows]
    gaps = [(b - a).days - 1 for a, b in zip(days, days[1:])]
    print(f"{path}: {len(rows)} days, {days[0]} .. {days[-1]}, {sum(gaps)} missing, longest gap {max(gaps, default=0)}",
          file=sys.stderr)
    return path


def args(n, usage):
    """The n raw source paths from the command line (n=None: one or more), or exit with the usage line."""
    a = sys.argv[1:]
    if (n is None and not a) or (n is not None and len(a) != n):
        sys.exit(f"usage: {Path(sys.argv[0]).name} {usage}")
    return a
