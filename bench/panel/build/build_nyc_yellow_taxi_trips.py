"""nyc_yellow_taxi_trips: daily NYC yellow-taxi pickups, citywide (New York City, US-NY).

Source: toddwschneider/nyc-taxi-data, path analysis/2017_update/data/daily_trips_by_geography.csv, commit
c65ad8332a44f49770644b11576c0529b40bbc76 (the file was added, and last changed, in
c97e80f0547d444867f4f03dd33c5616319666ec). Get it with
  git --git-dir=<mirror> show c65ad8332a44f49770644b11576c0529b40bbc76:analysis/2017_update/data/daily_trips_by_geography.csv
Columns car_type,date,geo,trips,grouping,monthly,parent_type,monthly_is_estimated: the number of pickups per
day (pickup date, New York local time, as in the TLC trip records) by car type and aggregated geography,
written by the repository's analysis/2017_update/analysis_2017.R from the NYC TLC trip records.

Rules: rows with car_type "Yellow taxis" and geo "total"; value = trips (a few are written in R's
exponent form, e.g. 456e3, and are read exactly as decimals; every value must be a non-negative
integer). Each date must appear once. Kept: 2011-01-01 .. 2017-12-31. Left out: everything before 2011
(2009-2010 hold runs of days at half or double the level of the weeks around them, in every geography at
once: records missing or duplicated in the TLC files, e.g. 2010-02-01..07, 2010-02-15..21,
2010-09-19..26, 2010-10-01..03) and eight days from 2011 on at about half the level of the same weekday
1-3 weeks before and after, on ordinary days without weather or holiday cause and with the airport
pickups halved too (records missing from the TLC files): 2011-04-01..03, 2013-08-01..04 and 2013-08-11.
The list is explicit; nothing is filled. Days with real drops (hurricanes Irene and Sandy, blizzards,
holidays) are kept.
usage: build_nyc_yellow_taxi_trips.py daily_trips_by_geography.csv
"""
import csv
import datetime as dt
from decimal import Decimal

from _common_d import args, write_series

ARTEFACTS = {dt.date(2011, 4, d) for d in (1, 2, 3)} | {dt.date(2013, 8, d) for d in (1, 2, 3, 4, 11)}
FIRST, LAST = dt.date(2011, 1, 1), dt.date(2017, 12, 31)

(path,) = args(1, "daily_trips_by_geography.csv")
out = {}
with open(path, newline="", encoding="utf-8") as f:
    for row in csv.DictReader(f):
        if row["car_type"] != "Yellow taxis" or row["geo"] != "total":
            continue
        day = dt.date.fromisoformat(row["date"])
        v = Decimal(row["trips"])
        assert v == v.to_integral_value() and v >= 0, (day, row["trips"])
        assert day not in out, day
        out[day] = int(v)
assert min(out) == dt.date(2009, 1, 1) and max(out) == LAST, (min(out), max(out))
out = {d: v for d, v in out.items() if FIRST <= d <= LAST and d not in ARTEFACTS}
assert all(v > 0 for v in out.values())
write_series("nyc_yellow_taxi_trips", out)
