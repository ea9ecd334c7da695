"""ottawa_laurier_metcalfe_bikes: bicycles per day at the City of Ottawa counter 5^LMET (Laurier at Metcalfe).

Source: mbonsma/bike-ottawa, path data/count_data.csv, commit 367caf509483758e732b1c5fd618d462d7c86568.
Rules: rows with location == "5^LMET"; the day is `date_dt` (ISO; the `Date` column mixes ISO and
DD/MM/YYYY); the value is `count` as is (written as an integer). Empty (NaN) counts are left out;
zero counts would be outages and left out too (there are none). No date repeats.
Usage: build_ottawa_laurier_metcalfe_bikes.py FILE
"""
import datetime as dt
import sys

from _common_b import num, read_rows, write_series

out = {}
for r in read_rows(sys.argv[1]):
    if r["location"] != "5^LMET" or r["count"].strip() in ("", "nan", "NaN"):
        continue
    d, v = dt.date.fromisoformat(r["date_dt"]), num(r["count"])
    assert d not in out and float(v).is_integer(), (d, v)
    if v > 0:
        out[d] = int(v)
write_series("ottawa_laurier_metcalfe_bikes", out)
