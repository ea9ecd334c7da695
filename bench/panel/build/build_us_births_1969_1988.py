"""us_births_1969_1988: daily number of births in the United States, both sexes (CDC data via Gelman/Vanderplas).

Source: github jakevdp/PythonDataScienceHandbook, path notebooks/data/births.csv, commit
d66231454ef753818dc9213c9b5942e067266966 (one row per year, month, day, gender).
Rules: rows with no day (`null`: 1989-2008 month totals) are dropped, and so are rows whose day is not a valid date
(day 99, or impossible dates such as 31 April). For each valid date F + M are summed; every kept date must have
both sexes, once each.
Usage: python build_us_births_1969_1988.py births.csv
"""
import collections
import csv
import datetime as dt
import sys

from _common_a import write_series


def main(path):
    by_day = collections.defaultdict(dict)
    with open(path, newline="") as f:
        for r in csv.DictReader(f):
            if not r["day"].isdigit():
                continue
            try:
                day = dt.date(int(r["year"]), int(r["month"]), int(r["day"]))
            except ValueError:
                continue
            assert r["gender"] not in by_day[day], f"duplicate {day} {r['gender']}"
            by_day[day][r["gender"]] = int(r["births"])
    assert all(set(g) == {"F", "M"} for g in by_day.values())
    write_series("us_births_1969_1988", {d: g["F"] + g["M"] for d, g in by_day.items()})


if __name__ == "__main__":
    main(sys.argv[1])
