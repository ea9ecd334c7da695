"""nsw_peak_demand: daily maximum of AEMO half-hourly operational demand for NEM region NSW1, MW.

Source: dmc-au/Team-A---Impacts-of-Household-PV-on-Grid-Demand, path data/processed/all_data.csv,
commit ed9512fed05e92634acddb14cd1133578926264e (the repo's daily modelling table).
Rules: `datetime` (ISO day) and `demand_max` taken as they are (the raw half-hourly file is absent
from the snapshot, so the maxima are the repo's); no date repeats, no empty or non-positive values
(checked). Usage: build_nsw_peak_demand.py FILE
"""
import datetime as dt
import sys

from _common_b import num, read_rows, write_series

out = {}
for r in read_rows(sys.argv[1]):
    d, v = dt.date.fromisoformat(r["datetime"]), num(r["demand_max"])
    assert d not in out and v > 0, (d, v)
    out[d] = v
write_series("nsw_peak_demand", out)
