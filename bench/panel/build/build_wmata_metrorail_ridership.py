"""wmata_metrorail_ridership: daily Metrorail ridership of WMATA (Washington, DC).

Source: ayubf/Anomalies-in-Public-Transit-Ridership, "data/raw/DC Daily Ridership - Data View.csv",
commit 408f96c7b89fb5f41701b4f5a77bc352149ddee0 (WMATA ridership portal, Daily Summary).
Rules: dates like "July 31, 2025" (newest first), once each, `Day of Week` agrees (checked); value = `Rail`
with thousands commas removed; 2020-08-31 (Rail = -25, a data error) is left out, as is any other
non-integer or negative value (there are none). Bus and Grand Total are not used.
usage: build_wmata_metrorail_ridership.py "DC Daily Ridership - Data View.csv"
"""
import csv
import datetime as dt
from _common_c import args, write_series

(path,) = args(1, '"DC Daily Ridership - Data View.csv"')
out = {}
with open(path, newline="", encoding="utf-8-sig") as f:
    for row in csv.DictReader(f):
        d = dt.datetime.strptime(row["Date"], "%B %d, %Y").date()
        assert d not in out and row["Day of Week"] == d.strftime("%a"), row
        v = row["Rail"].replace(",", "")
        if v.isdigit():
            out[d] = int(v)
        else:
            print("left out:", d, repr(row["Rail"]))
write_series("wmata_metrorail_ridership", out)
