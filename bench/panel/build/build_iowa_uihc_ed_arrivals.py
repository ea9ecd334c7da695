"""iowa_uihc_ed_arrivals: daily patient arrivals at the University of Iowa Hospitals & Clinics
Emergency Department (Iowa City, US-IA).

Source: petersonR/fastTS (R package fastTS), path data/uihc_ed_arrivals.RData, commit
9cd20ae6dc2f220b59f5e7b203f1eb53a2c35e0a (the file was last changed in
0344adf0b7d2ca4c0d33dfd09849e585a96b8bcf). Data frame `uihc_ed_arrivals`, one row per clock hour
2013-07-01 00:00 .. 2018-03-31 23:00 (41640 rows), columns Year, Month, Day, Hour (0..23), Arrivals,
Date (R Date), ... (R/data.R: "Hourly arrivals into the University of Iowa Hospital Emergency Department").

Reader library: rdata (the file is an R workspace).
Rules: the day is (Year, Month, Day), checked to equal `Date`; a day is kept when it has the hours
0..23 once each, all with a non-negative integer count, and its value is the sum of Arrivals. The file
holds 24 rows on every day, i.e. a local wall-clock grid (America/Chicago): on spring-forward Sundays
(23-hour days) the row of the non-existent 02:00 hour must be 0, else the day is left out; fall-back
Sundays (25-hour days, 24 rows) are left out, because one hour is either missing or merged with
another. Days with a total of 0 would be left out (none).
usage: build_iowa_uihc_ed_arrivals.py uihc_ed_arrivals.RData
"""
import datetime as dt
from collections import defaultdict

import rdata

from _common_d import args, day_hours, spring_forward_hour, write_series

TZ = "America/Chicago"
(path,) = args(1, "uihc_ed_arrivals.RData")
df = rdata.conversion.convert(rdata.parser.parse_file(path))["uihc_ed_arrivals"]
hours = defaultdict(dict)
for y, m, d, h, a, rd in zip(df["Year"], df["Month"], df["Day"], df["Hour"], df["Arrivals"], df["Date"]):
    day = dt.date(int(y), int(m), int(d))
    assert day == dt.date(1970, 1, 1) + dt.timedelta(days=int(rd)), (day, rd)
    assert float(h).is_integer() and 0 <= h <= 23, (day, h)
    assert a == a and float(a).is_integer() and a >= 0, (day, h, a)
    assert int(h) not in hours[day], (day, h)
    hours[day][int(h)] = int(a)
out = {}
for day, hv in hours.items():
    if sorted(hv) != list(range(24)):
        continue
    n = day_hours(day, TZ)
    if n == 25:
        continue
    if n == 23 and hv[spring_forward_hour(day, TZ)] != 0:
        continue
    total = sum(hv.values())
    if total > 0:
        out[day] = total
write_series("iowa_uihc_ed_arrivals", out)
