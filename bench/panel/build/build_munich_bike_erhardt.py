"""munich_bike_erhardt: bicycles per day at the Munich counting station "Erhardt", both directions (column gesamt).

Source: github lucafrance/bike-traffic-munich, path dataset/rad_tage.csv, commit
93198570050881f5e6048ee04eed0a11058d17b9 (Munich open data "Raddauerzaehlstellen", daily file; dates YYYY.MM.DD).
Rules: rows with zaehlstelle == "Erhardt", value = gesamt. A repeated date is an error (there is none for this
station). Zero counts are treated as outages and left out (there are none).
Usage: python build_munich_bike_erhardt.py rad_tage.csv
"""
import csv
import datetime as dt
import sys

from _common_a import write_series


def main(path):
    out = {}
    with open(path, newline="", encoding="utf-8-sig") as f:
        for row in csv.DictReader(f):
            if row["zaehlstelle"] != "Erhardt":
                continue
            day = dt.datetime.strptime(row["datum"], "%Y.%m.%d").date()
            assert day not in out, f"duplicate {day}"
            out[day] = int(row["gesamt"])
    write_series("munich_bike_erhardt", {d: v for d, v in out.items() if v != 0})


if __name__ == "__main__":
    main(sys.argv[1])
