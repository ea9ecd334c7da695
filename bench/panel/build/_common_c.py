"""Shared helpers for the final4/final5/final6 build scripts (build_<name>.py in this folder).

Output rules (bench/panel/SOURCES.md): `day,value`, ISO days ascending, one row per day, LF line
endings; an integral value is written without a decimal point, any other float with Python's repr.
"""
import datetime as dt

import _panel_csv


def fmt(v):
    """int, or float without a fractional part -> '123'; other floats -> repr; str unchanged."""
    if isinstance(v, str):
        return v
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return repr(v)


def is_nonneg_int(s):
    return s is not None and s.isdigit()


args = _panel_csv.args


def write_series(name, values):
    return _panel_csv.write_series(name, values, fmt)


def sunday(y, m, n):
    """The n-th Sunday of month m of year y."""
    d = dt.date(y, m, 1)
    return d + dt.timedelta((6 - d.weekday()) % 7 + 7 * (n - 1))


def seattle_bike_days(path, total_key):
    """Daily totals of a Seattle Times bike-counter JSON file (hourly rows, local clock hour start,
    America/Los_Angeles). A day is kept when it has the stamps 00..23 once each, all with a value; or it
    is the spring-forward Sunday (2nd Sunday of March) with either the 24 stamps minus 02 and 03 twice
    (once with, once without a value) or the 24 stamps with hour 02 = 0. Fall-back Sundays (1st Sunday of
    November) and days with a total of 0 (outages) are left out. The value is the sum of `total_key`."""
    import json
    from collections import defaultdict
    hours = defaultdict(list)  # day -> [(hour, value or None)]
    for row in json.load(open(path, encoding="utf-8")):
        stamp = dt.datetime.strptime(row["date"], "%Y-%m-%dT%H:%M:%S.%f")
        v = row.get(total_key)
        assert v is None or v.isdigit(), row
        hours[stamp.date()].append((stamp.hour, None if v is None else int(v)))
    out = {}
    for d, hv in hours.items():
        hs = sorted(h for h, _ in hv)
        valued = [(h, v) for h, v in hv if v is not None]
        if d == sunday(d.year, 11, 1):
            continue
        if hs == list(range(24)) and len(valued) == 24:
            ok = d != sunday(d.year, 3, 2) or dict(valued)[2] == 0
        else:
            ok = (d == sunday(d.year, 3, 2) and hs == sorted([h for h in range(24) if h != 2] + [3])
                  and len(valued) == 23 and sorted(h for h, _ in valued) == hs[:3] + hs[4:])
        total = sum(v for _, v in valued)
        if ok and total > 0:
            out[d] = total
    return out
