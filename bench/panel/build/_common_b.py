"""Shared helpers for the build_<name>.py scripts of the final2 / final3 panel series.

Output: bench/panel/<name>.csv, header `day,value`, ISO days ascending, one row per kept day, LF line
endings. A value that is an integer (or a float with no fractional part) is written without a decimal
point, any other value with Python's shortest round-trip repr. Source cells are read as int or as
Decimal (their exact text), so a sum is the exact sum of the source texts, rounded once to a float
when written; it does not depend on the order of the rows.
"""
import csv
import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import _panel_csv
UTC = dt.timezone.utc


def fmt(v):
    if isinstance(v, int):
        return str(v)
    v = float(v)  # int, float or Decimal
    return str(int(v)) if v.is_integer() else repr(v)


def num(text):
    """A source cell as int if it is written as an integer, else as an exact Decimal."""
    text = text.strip()
    try:
        return int(text)
    except ValueError:
        return Decimal(text)


def total(values):
    return sum(values)  # exact for int and Decimal


def read_rows(path, encoding="utf-8"):
    with open(path, newline="", encoding=encoding) as f:
        return list(csv.DictReader(f))


def local_day_hours(day, tz):
    """Length in hours of the local calendar day `day` in zone `tz` (23, 24 or 25)."""
    z = ZoneInfo(tz)
    start = dt.datetime.combine(day, dt.time(), z)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), z)
    return round((end.astimezone(UTC) - start.astimezone(UTC)).total_seconds() / 3600)


def utc_hours_to_local_days(hours, tz):
    """hours: {UTC start datetime (aware): value}, one entry per hour. Each hour goes to the local
    day of its start; a local day is kept only if its number of hours equals the day's length."""
    z = ZoneInfo(tz)
    days = {}
    for start, v in hours.items():
        days.setdefault(start.astimezone(z).date(), []).append(v)
    return {d: total(vs) for d, vs in days.items() if len(vs) == local_day_hours(d, tz)}


def write_series(name, values):
    return _panel_csv.write_series(name, values, fmt)
