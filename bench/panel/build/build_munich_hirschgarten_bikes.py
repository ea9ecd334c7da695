"""munich_hirschgarten_bikes: bicycles per day at the Munich counter "Hirsch" (Birketweg, Hirschgarten).

Source: lucafrance/bike-traffic-munich, path dataset/rad_tage.csv, commit
93198570050881f5e6048ee04eed0a11058d17b9 (Munich open data "Raddauerzaehlstellen", daily rows).
Rules: rows with zaehlstelle == "Hirsch"; day from `datum` (YYYY.MM.DD); value `gesamt` (both
directions) as is. No date repeats and no zero days (a zero would be left out as an outage).
Usage: build_munich_hirschgarten_bikes.py FILE
"""
import datetime as dt
import sys

from _common_b import read_rows, write_series

out = {}
for r in read_rows(sys.argv[1]):
    if r["zaehlstelle"] != "Hirsch":
        continue
    d, v = dt.datetime.strptime(r["datum"], "%Y.%m.%d").date(), int(r["gesamt"])
    assert d not in out, d
    if v > 0:
        out[d] = v
write_series("munich_hirschgarten_bikes", out)
