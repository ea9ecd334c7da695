"""london_cycle_hires: Santander Cycles (TfL cycle hire) hires per day, London.

Source: github tomvettraino/Internship-Final, path tfl-daily-cycle-hires.csv, commit
0522c809cb1aec421ed358aa37337f90b72e9988 (TfL "tfl-daily-cycle-hires" workbook exported to CSV).
Rules: keep rows whose first column is a DD/MM/YYYY date and whose second column is non-empty; strip thousands
separators; ignore the other (monthly/annual summary) columns. Days with 0 hires (2022-09-10, 2022-09-11, the
scheme's outage) are left out. A repeated date is an error.
Usage: python build_london_cycle_hires.py tfl-daily-cycle-hires.csv
"""
import csv
import datetime as dt
import re
import sys

from _common_a import write_series


def main(path):
    out = {}
    with open(path, newline="", encoding="utf-8-sig") as f:
        for row in csv.reader(f):
            if len(row) < 2 or not re.fullmatch(r"\d\d/\d\d/\d{4}", row[0]) or not row[1].strip():
                continue
            day = dt.datetime.strptime(row[0], "%d/%m/%Y").date()
            assert day not in out, f"duplicate {day}"
            out[day] = int(row[1].replace(",", ""))
    write_series("london_cycle_hires", {d: v for d, v in out.items() if v != 0})


if __name__ == "__main__":
    main(sys.argv[1])
