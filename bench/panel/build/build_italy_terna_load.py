"""italy_terna_load: daily electricity load of Italy (Terna), MWh per day.

Source: xtreamsrl/xtream-ai-assignment-ai-scientist, datasets/italian-power-load/load.csv,
commit 30ee080380056b8ff85747bdaf1b341c42419689.
Rules: `Date,Load`, ISO dates; only days up to 2016-12-31 (the file changes source/definition in 2017);
the 22 clock-change Sundays (last Sunday of March and of October) are left out (24-hour totals, not real);
other values copied unchanged (a trailing .0 dropped).
usage: build_italy_terna_load.py load.csv
"""
import csv
import datetime as dt
from _common_c import args, write_series


def last_sunday(y, m):
    d = dt.date(y, m, 31)
    return d - dt.timedelta((d.weekday() - 6) % 7)


(path,) = args(1, "load.csv")
out = {}
with open(path, newline="") as f:
    for row in csv.DictReader(f):
        d = dt.date.fromisoformat(row["Date"])
        if d.year > 2016 or d in (last_sunday(d.year, 3), last_sunday(d.year, 10)):
            continue
        assert d not in out
        out[d] = float(row["Load"])
write_series("italy_terna_load", out)
