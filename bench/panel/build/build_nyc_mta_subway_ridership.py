"""nyc_mta_subway_ridership: estimated daily subway ridership of MTA New York City Transit.

Source: ayubf/Anomalies-in-Public-Transit-Ridership,
data/raw/MTA_Daily_Ridership_and_Traffic__Beginning_2020_20250930.csv,
commit 408f96c7b89fb5f41701b4f5a77bc352149ddee0 (data.ny.gov sayj-mze2).
Rules: long file `Date,Mode,Count`; keep rows with Mode exactly `Subway`; Date is MM/DD/YYYY, once
each; Count a non-negative integer (checked), copied unchanged. Nothing dropped.
usage: build_nyc_mta_subway_ridership.py MTA_Daily_Ridership_and_Traffic__Beginning_2020_20250930.csv
"""
import csv
import datetime as dt
from _common_c import args, write_series

(path,) = args(1, "MTA_Daily_Ridership_and_Traffic__Beginning_2020_20250930.csv")
out = {}
with open(path, newline="", encoding="utf-8") as f:
    for row in csv.DictReader(f):
        if row["Mode"] != "Subway":
            continue
        d, v = dt.datetime.strptime(row["Date"], "%m/%d/%Y").date(), row["Count"]
        assert d not in out and v.isdigit(), (d, v)
        out[d] = int(v)
write_series("nyc_mta_subway_ridership", out)
