"""turkey_elec_demand: daily electricity demand of Turkey (TR), 2000-2008.

Source: robjhyndman/ETC3550Slides, path data/turkey_elec.csv, commit 2045a0f1dfd5d73c47e7de78e615ac2494455dc0
(blob 1acd0fc17f93cb24c1b74d027568e0f5a0e06145, added in e89149b5e6ff9bd0aa4a1628b748c0f94f73af8f and unchanged
since). Get it with
  git --git-dir=<mirror> show 2045a0f1dfd5d73c47e7de78e615ac2494455dc0:data/turkey_elec.csv
It is Rob Hyndman's "Turkish electricity demand data, daily data from 1 January 2000 to 31 December 2008"
(robjhyndman.com/data/turkey_elec.csv, used in De Livera, Hyndman & Snyder 2011, "Forecasting time series with
complex seasonal patterns using exponential smoothing", JASA): one value per line, no header and no dates, 3288
lines. The repository's own slides (11-advanced.qmd) read it the same way: the i-th line is the day
2000-01-01 + i (0-based), through 2008-12-31. The values are the day's mean load in MW (multiples of 1/24,
written rounded to at most 10 decimals).

Rules: the file must hold exactly 3288 lines (the days 2000-01-01 .. 2008-12-31), each a positive decimal
number; the value is that number as written (read exactly as a decimal). Nothing is left out, filled or
changed.
usage: build_turkey_elec_demand.py turkey_elec.csv
"""
import datetime as dt
import re
from decimal import Decimal

from _common_d import args, write_series

FIRST, LAST = dt.date(2000, 1, 1), dt.date(2008, 12, 31)

(path,) = args(1, "turkey_elec.csv")
with open(path, encoding="ascii") as f:
    lines = f.read().splitlines()
n = (LAST - FIRST).days + 1
assert len(lines) == n, (len(lines), n)
out = {}
for i, s in enumerate(lines):
    assert re.fullmatch(r"\d+(\.\d+)?", s), (i, s)
    v = Decimal(s)
    assert v > 0, (i, s)
    out[FIRST + dt.timedelta(days=i)] = v
write_series("turkey_elec_demand", out)
