"""melbourne_town_hall_pedestrians: daily pedestrians at City of Melbourne sensor 4, Town Hall (West).

Source: facebook/prophet, examples/example_pedestrians_covid.csv, commit
181f4479878bea9234973e0fdfd46403657fed34 (daily aggregate by the Prophet authors).
Rules: `ds,y` with ISO dates; no repeats, every value a positive integer (checked); copied unchanged.
usage: build_melbourne_town_hall_pedestrians.py example_pedestrians_covid.csv
"""
import csv
import datetime as dt
from _common_c import args, write_series

(path,) = args(1, "example_pedestrians_covid.csv")
out = {}
with open(path, newline="") as f:
    for row in csv.DictReader(f):
        d, v = dt.date.fromisoformat(row["ds"]), row["y"]
        assert d not in out and v.isdigit() and int(v) > 0, (d, v)
        out[d] = int(v)
write_series("melbourne_town_hall_pedestrians", out)
