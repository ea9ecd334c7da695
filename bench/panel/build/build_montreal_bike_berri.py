"""montreal_bike_berri: bicycles per day at the Montreal counter "Berri1" (Berri / de Maisonneuve).

Source: github dumoulinc/projet_velo_portfolio, paths data/comptage_velo_2009.csv .. data/comptage_velo_2018.csv,
commit 170d93d828f6afcb5a179d55edfa0259a18202b9 (Ville de Montreal "comptage velo" yearly files; 2019-2022 not used).
Rules: files read as latin-1; dates are DD/MM/YYYY in some years and ISO in others, each file must use one format
only; no date may repeat within or across files. Column Berri1. Days with a count of 0 (62, counter outages)
are left out.
Usage: python build_montreal_bike_berri.py comptage_velo_2009.csv ... comptage_velo_2018.csv
"""
import csv
import datetime as dt
import re
import sys

from _common_a import write_series

FORMATS = {r"\d\d/\d\d/\d{4}": "%d/%m/%Y", r"\d{4}-\d\d-\d\d": "%Y-%m-%d"}


def main(paths):
    out = {}
    for path in paths:
        with open(path, newline="", encoding="latin-1") as f:
            rows = list(csv.DictReader(f))
        used = {p for p in FORMATS for r in rows if re.fullmatch(p, r["Date"])}
        assert len(used) == 1 and all(re.fullmatch(p, r["Date"]) for p in used for r in rows), path
        fmt = FORMATS[used.pop()]
        for r in rows:
            day = dt.datetime.strptime(r["Date"], fmt).date()
            assert day not in out, f"duplicate {day}"
            out[day] = int(r["Berri1"])
    write_series("montreal_bike_berri", {d: v for d, v in out.items() if v != 0})


if __name__ == "__main__":
    main(sys.argv[1:])
