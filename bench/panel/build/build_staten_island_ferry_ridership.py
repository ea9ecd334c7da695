"""staten_island_ferry_ridership: daily Staten Island Ferry passengers (NYC DOT), both terminals.

Source: ayubf/Anomalies-in-Public-Transit-Ridership,
data/raw/Staten_Island_Ferry_Ridership_Counts_20250930.csv, commit 408f96c7b89fb5f41701b4f5a77bc352149ddee0
(NYC Open Data 6eng-46dm).
Rules: Date MM/DD/YYYY, once each; value = `Whitehall Terminal` + `St. George Terminal`; a day is kept
only when both are non-negative integers (34 days with both cells empty are left out: 2024-12-26 and
2025-08-29 .. 2025-09-30).
usage: build_staten_island_ferry_ridership.py Staten_Island_Ferry_Ridership_Counts_20250930.csv
"""
import csv
import datetime as dt
from _common_c import args, is_nonneg_int, write_series

(path,) = args(1, "Staten_Island_Ferry_Ridership_Counts_20250930.csv")
out, seen = {}, set()
with open(path, newline="", encoding="utf-8-sig") as f:
    for row in csv.DictReader(f):
        d = dt.datetime.strptime(row["Date"], "%m/%d/%Y").date()
        assert d not in seen, d
        seen.add(d)
        a, b = row["Whitehall Terminal"], row["St. George Terminal"]
        assert (a == "") == (b == ""), row  # no row has only one cell empty
        if is_nonneg_int(a) and is_nonneg_int(b):
            out[d] = int(a) + int(b)
write_series("staten_island_ferry_ridership", out)
