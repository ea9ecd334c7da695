"""pjm_dom_load: PJM Dominion zone (Virginia / NE North Carolina) load, MWh per calendar day.

Source: Shrawant13/Energy_Consumption, path DOM_hourly.csv, commit
81fc4a6008223cd04ceb1819de6bd04545733531 (Kaggle "Hourly Energy Consumption" DOM_hourly, timestamps
`DD-MM-YYYY HH:MM` in local prevailing time, column DOM_MW). Rules: every row goes to the calendar
date of its timestamp (rows are not in time order); a day is kept only if all 24 clock hours 00..23
are present, or if it is the spring-forward Sunday (a 23-hour day in America/New_York) with 23
distinct clock hours; on fall-back days a duplicated hour is included in the sum. Value: sum of MW.
Usage: build_pjm_dom_load.py FILE
"""
import datetime as dt
import sys

from _common_b import local_day_hours, num, read_rows, write_series

days = {}
for r in read_rows(sys.argv[1]):
    t = dt.datetime.strptime(r["Datetime"], "%d-%m-%Y %H:%M")
    days.setdefault(t.date(), []).append((t.hour, num(r["DOM_MW"])))
kept = {}
for d, rows in days.items():
    clock = {h for h, _ in rows}
    if len(clock) == 24 or (len(clock) == 23 == len(rows) and local_day_hours(d, "America/New_York") == 23):
        kept[d] = sum(v for _, v in rows)
write_series("pjm_dom_load", kept)
