"""belgium_births: daily number of live births in Belgium (Statbel TF_BIRTHS), births per day.

Source: gmartinod/birth-vs-moon, TF_BIRTHS.xlsx, commit 52c289829499fab31a077fffaa84440e7201523c.
Rules: read with openpyxl (read-only); sheet TF_BIRTHS, header DT_DATE, MS_NUM_BIRTHS; the date part of
DT_DATE (a midnight datetime) is the day, the positive integer count is copied unchanged.
usage: build_belgium_births.py TF_BIRTHS.xlsx   (needs openpyxl)
"""
import datetime as dt
import openpyxl
from _common_c import args, write_series

(path,) = args(1, "TF_BIRTHS.xlsx")
ws = openpyxl.load_workbook(path, read_only=True)["TF_BIRTHS"]
rows = ws.iter_rows(values_only=True)
assert next(rows)[:2] == ("DT_DATE", "MS_NUM_BIRTHS")
out = {}
for when, n in rows:
    if when is None and n is None:
        continue
    assert isinstance(when, dt.datetime) and when.time() == dt.time(0) and isinstance(n, int) and n > 0
    assert when.date() not in out
    out[when.date()] = n
write_series("belgium_births", out)
