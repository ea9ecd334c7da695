"""costa_rica_births: live births in Costa Rica per day of birth (INEC, via R package popstudy), births per day.

Source: cgamboasanabria/popstudy, data/CR_births.RData, commit e3e96b278cb045dfb5310c580112301810870d8c
(data frame CR_births: date_reg = R Date, days since 1970-01-01; births).
Rules: read with `rdata`; no date repeats (checked); the row without a date is left out; days before
2000-01-01 (late registrations, incomplete years) and 2017-12-31 (23 births, incomplete) are left out;
counts copied unchanged. Kept: 2000-01-01 .. 2017-12-30.
usage: build_costa_rica_births.py CR_births.RData   (needs rdata)
"""
import datetime as dt
import math
import warnings
import rdata
from _common_c import args, write_series

FIRST, LAST = dt.date(2000, 1, 1), dt.date(2017, 12, 30)
(path,) = args(1, "CR_births.RData")
with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # "Missing constructor for R class Date": the day numbers are used
    df = rdata.read_rda(path)["CR_births"]
out = {}
for days, n in zip(df["date_reg"], df["births"]):
    if days is None or math.isnan(days):
        continue
    assert float(days).is_integer() and int(n) >= 0
    d = dt.date(1970, 1, 1) + dt.timedelta(int(days))
    assert d not in out, d
    out[d] = int(n)
write_series("costa_rica_births", {d: n for d, n in out.items() if FIRST <= d <= LAST})
