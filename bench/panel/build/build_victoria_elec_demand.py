"""victoria_elec_demand: total daily electricity demand in Victoria (AEMO VIC1), MWh per day.

Source: luen0205/timeSeriesData, complete_dataset.csv, commit 1418209bd1b5329cfc32aaf6fc5609bedeaf0da0.
Rules: columns `date` (ISO) and `demand`; the value text is copied unchanged; no date repeats, no empty
or non-positive value (checked).
usage: build_victoria_elec_demand.py complete_dataset.csv
"""
import csv
import datetime as dt
from _common_c import args, write_series

(path,) = args(1, "complete_dataset.csv")
out = {}
with open(path, newline="") as f:
    for row in csv.DictReader(f):
        d, v = dt.date.fromisoformat(row["date"]), row["demand"]
        assert d not in out and float(v) > 0, (d, v)
        out[d] = v
write_series("victoria_elec_demand", out)
