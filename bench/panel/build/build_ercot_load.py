"""ercot_load: daily electricity load of the ERCOT system (Electric Reliability Council of Texas, US-TX).

Source: QuinnThompson/ECE555_Final_Poject, paths Native_Load_2017.xlsx .. Native_Load_2024.xlsx (one per
year), commit 78fc8954cca91c566dc8149eee216be10713d9f8 (the only commit holding all of them; several were
deleted and re-added in the history). Get them with
  git --git-dir=<mirror> show 78fc8954cca91c566dc8149eee216be10713d9f8:Native_Load_<year>.xlsx
They are ERCOT's yearly "Native Load" reports (ercot.com, Hourly Load Data Archives): one sheet, header
Hour Ending,COAST,EAST,FWEST,NORTH,NCENT,SOUTH,SCENT,WEST,ERCOT; one row per hour, hourly MW by weather zone
and for the whole system. "Hour Ending" is local prevailing time (US Central, America/Chicago), written
"MM/DD/YYYY HH:00" with HH 01..24 (24:00 is the last hour of that date); the repeated fall-back hour is
"MM/DD/YYYY 02:00 DST"; on spring-forward Sundays 03:00 is absent. One cell (2022-12-01 01:00) is stored as
an Excel date-time instead of text and is read as that hour.

Reader library: openpyxl.
Rules: value = the sum of the ERCOT column over the hours of the date (MWh per day), added exactly as decimals
of the stored doubles' shortest repr. A date is kept only with (a) hours 01..24 once each, (b) on the
spring-forward Sunday of America/Chicago, hours 01..24 except 03 (a 23-hour day), or (c) on the fall-back
Sunday, hours 01..24 once each plus one "02:00 DST" (a 25-hour day; both 02:00 rows summed). Every file must
hold only dates of its own year. Nothing is filled. Non-positive values would be rejected (there are none).
usage: build_ercot_load.py Native_Load_2017.xlsx ... Native_Load_2024.xlsx
"""
import datetime as dt
import re
from collections import defaultdict
from decimal import Decimal

import openpyxl

from _common_d import args, day_hours, spring_forward_hour, write_series

TZ = "America/Chicago"
YEARS = range(2017, 2025)
HEAD = ("Hour Ending", "COAST", "EAST", "FWEST", "NORTH", "NCENT", "SOUTH", "SCENT", "WEST", "ERCOT")

paths = args(len(YEARS), " ".join(f"Native_Load_{y}.xlsx" for y in YEARS))
rows = defaultdict(list)  # date -> [(hour, dst, MW)]
for year, path in zip(YEARS, paths):
    ws = openpyxl.load_workbook(path, read_only=True).worksheets[0]
    it = ws.iter_rows(values_only=True)
    assert tuple(next(it)) == HEAD, path
    for r in it:
        if all(x is None for x in r):
            continue
        stamp, mw = r[0], r[9]
        if isinstance(stamp, dt.datetime):
            assert (stamp.minute, stamp.second, stamp.microsecond) == (0, 0, 0) and stamp.hour >= 1, stamp
            day, hour, dst = stamp.date(), stamp.hour, False
        else:
            m = re.fullmatch(r"(\d\d)/(\d\d)/(\d{4}) (\d\d):00( DST)?", stamp)
            assert m, stamp
            day, hour, dst = dt.date(int(m[3]), int(m[1]), int(m[2])), int(m[4]), bool(m[5])
        assert day.year == year and 1 <= hour <= 24 and isinstance(mw, float) and mw > 0, (path, stamp, mw)
        rows[day].append((hour, dst, mw))
out = {}
for day, rs in rows.items():
    plain = sorted(h for h, dst, _ in rs if not dst)
    extra = [h for h, dst, _ in rs if dst]
    n = day_hours(day, TZ)
    ok = (n == 24 and plain == list(range(1, 25)) and not extra) or \
         (n == 23 and spring_forward_hour(day, TZ) == 2 and plain == [h for h in range(1, 25) if h != 3]
          and not extra) or \
         (n == 25 and plain == list(range(1, 25)) and extra == [2])
    if ok:
        out[day] = sum(Decimal(repr(mw)) for _, _, mw in rs)
write_series("ercot_load", out)
