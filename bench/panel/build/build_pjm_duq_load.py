"""pjm_duq_load: daily electricity load of PJM's Duquesne Light zone (Pittsburgh, US-PA), MWh per day.

Source: Shrawant13/Energy_Consumption, DUQ_hourly.csv, commit 81fc4a6008223cd04ceb1819de6bd04545733531
(header Datetime,DUQ_MW; stamps `DD-MM-YYYY HH:MM`, hour-ending, local prevailing time).
Rules (as pjm_east_load): each row goes to day ts - 1h (00:00 is hour-ending 24 of the previous day).
A day is kept if it has the hour-ending stamps 1..24 once each; or it is the spring-forward Sunday with
23 rows, only 03:00 absent; or it is the fall-back Sunday with 25 rows, 02:00 twice with different values
(both summed). Value = sum of the hourly MW values (integers).
usage: build_pjm_duq_load.py DUQ_hourly.csv
"""
import csv
import datetime as dt
from collections import defaultdict
from _common_c import args, write_series


def nth_sunday(y, m, n):  # n = -1: last Sunday
    if n > 0:
        d = dt.date(y, m, 1)
        return d + dt.timedelta((6 - d.weekday()) % 7 + 7 * (n - 1))
    d = dt.date(y, m + 1, 1) - dt.timedelta(1)
    return d - dt.timedelta((d.weekday() - 6) % 7)


def dst_days(y):
    if y < 2007:
        return nth_sunday(y, 4, 1), nth_sunday(y, 10, -1)
    return nth_sunday(y, 3, 2), nth_sunday(y, 11, 1)


(path,) = args(1, "DUQ_hourly.csv")
rows = defaultdict(list)  # day -> [(hour-ending 1..24, MW)]
with open(path, newline="") as f:
    r = csv.reader(f)
    assert next(r) == ["Datetime", "DUQ_MW"]
    for stamp, mw in r:
        ts = dt.datetime.strptime(stamp, "%d-%m-%Y %H:%M")
        assert mw.isdigit()
        rows[(ts - dt.timedelta(hours=1)).date()].append((ts.hour or 24, int(mw)))

out = {}
full = list(range(1, 25))
for d, hv in rows.items():
    hours = sorted(h for h, _ in hv)
    spring, fall = dst_days(d.year)
    twos = [v for h, v in hv if h == 2]
    if (hours == full
            or (d == spring and hours == [h for h in full if h != 3])
            or (d == fall and hours == sorted(full + [2]) and twos[0] != twos[1])):
        out[d] = sum(v for _, v in hv)
write_series("pjm_duq_load", out)
