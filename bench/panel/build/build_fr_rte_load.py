"""fr_rte_load: French national gross electricity consumption (RTE eCO2mix), MWh per local day.

Source: truggles/Inter-annual_Variability_Residual_Load, path data/FR_demand_unnormalized.csv,
commit e3af60a3fbe2a4afdfcdaac3180b2af0f589f558 (hourly mean MW, columns year,month,day,hour, UTC).
Rules: row (y, m, d, h) is the hour that starts at date + h hours UTC (h runs 1..24); each hour goes
to its Europe/Paris local day; a local day is kept only if its hour count equals the local day length
(23, 24 or 25); the value is the sum of the hourly MW (integers). Usage: build_fr_rte_load.py FILE
"""
import datetime as dt
import sys

from _common_b import UTC, num, read_rows, utc_hours_to_local_days, write_series

hours = {}
for r in read_rows(sys.argv[1]):
    start = dt.datetime(int(r["year"]), int(r["month"]), int(r["day"]), tzinfo=UTC)
    start += dt.timedelta(hours=int(r["hour"]))
    assert start not in hours, f"duplicate hour {start}"
    hours[start] = num(r["demand (MW)"])
write_series("fr_rte_load", utc_hours_to_local_days(hours, "Europe/Paris"))
