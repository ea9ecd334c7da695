"""nyiso_load: New York ISO total load (sum of zones), MWh per local day.

Source: truggles/Inter-annual_Variability_Residual_Load, path data/NYISO_demand_unnormalized.csv,
commit e3af60a3fbe2a4afdfcdaac3180b2af0f589f558 (hourly MW, columns year,month,day,hour, UTC).
Rules: timestamps are hour-ending UTC, so row (y, m, d, h) is the hour that ends at date + h hours
UTC; each hour goes to the America/New_York local day of its start; a local day is kept only if its
hour count equals the local day length (so the partial edge days 2003-12-31 and 2019-12-31 drop
out). The value is the sum of the hourly MW (exact sum of the source texts, written as the shortest
float repr). Usage: build_nyiso_load.py FILE
"""
import datetime as dt
import sys

from _common_b import UTC, num, read_rows, utc_hours_to_local_days, write_series

hours = {}
for r in read_rows(sys.argv[1]):
    end = dt.datetime(int(r["year"]), int(r["month"]), int(r["day"]), tzinfo=UTC)
    start = end + dt.timedelta(hours=int(r["hour"]) - 1)
    assert start not in hours, f"duplicate hour {start}"
    hours[start] = num(r["demand (MW)"])
write_series("nyiso_load", utc_hours_to_local_days(hours, "America/New_York"))
