"""chicago_cta_boardings: total daily CTA boardings (bus + rail, column total_rides).

Source: github xinconggg/data, path CTA_-_Ridership_-_Daily_Boarding_Totals.csv, commit
52c118be057ddfc080e2c82c7de5d9a211f16209 (City of Chicago "CTA - Ridership - Daily Boarding Totals").
Rules: values are already daily; dates parsed from MM/DD/YYYY. The 62 rows repeating a service_date (Oct 2011,
Jul 2014) are exact duplicates of another row: one copy is kept. Any other repeated date is an error.
Usage: python build_chicago_cta_boardings.py CTA_-_Ridership_-_Daily_Boarding_Totals.csv
"""
import csv
import datetime as dt
import sys

from _common_a import write_series


def main(path):
    out, seen = {}, {}
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            day = dt.datetime.strptime(row["service_date"], "%m/%d/%Y").date()
            if day in seen:
                assert seen[day] == row, f"non-identical duplicate {day}"
                continue
            seen[day] = row
            out[day] = int(row["total_rides"])
    write_series("chicago_cta_boardings", out)


if __name__ == "__main__":
    main(sys.argv[1])
