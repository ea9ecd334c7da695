"""taiwan_power_consumption: daily electricity consumption of Taiwan (TW), Taipower, 2016-01-01 .. 2020-01-31.

Source: Chang-Siang/IndustryElec, commit ea57a4bfb6e4c53c6b53335634d4ea329621ab08, two files:
  (A) src/data/taiwan_industrial_electricity_20160101_20190930.csv (blob b8da6689aa3072b9a53b3fefcf7f9f69e0af8a04,
      added in 33c4862cc90e10bb4534461f0787de4c687a99bf, last changed in 93a7ac60968ca5da25794a771de7061b0362fe2f)
  (B) src/data/台灣電力公司_過去電力供需資訊.csv (blob d02ed16a1bc09be0622373da3c5176fd11df05f8, added in
      f9e460316e4ccfc073aa137eccfbbda7c9609d1e and unchanged since)
Get them with
  git --git-dir=<mirror> show ea57a4bfb6e4c53c6b53335634d4ea329621ab08:<path>
Both are Taiwan Power Company's daily "past power supply and demand information" (台灣電力公司_過去電力供需資訊:
A scraped from taipower.com.tw by the repository's authors for 2016-01-01 .. 2019-09-30, with empty rows
for 2019-10-01 .. 2019-12-31; B the data.gov.tw open-data file, 2019-01-01 .. 2020-01-31, with per-plant
columns added). Columns used, in both: 日期 (date; A `YYYY/M/D`, B `YYYYMMDD`), 尖峰負載(MW), 淨尖峰供電能力(MW),
備轉容量(MW), 備轉容量率(%), 工業用電(百萬度) (industrial consumption, GWh), 民生用電(百萬度) (residential and
commercial consumption, GWh). Both files are UTF-8 with a byte-order mark.

Rules: A's rows with all six values empty are dropped; every other row of A and every row of B must have all
six values. On the days both files hold (2019-01-01 .. 2019-09-30) the six values must be the same text in
both (they are, on all 273 days). Each date once per file. The value is 工業用電 + 民生用電 (GWh per day),
added exactly as decimals, from A through 2018-12-31 and from B from 2019-01-01. Nothing is filled.
usage: build_taiwan_power_consumption.py A.csv B.csv
"""
import csv
import datetime as dt
from decimal import Decimal

from _common_d import args, write_series

COLS = ["尖峰負載(MW)", "淨尖峰供電能力(MW)", "備轉容量(MW)", "備轉容量率(%)", "工業用電(百萬度)", "民生用電(百萬度)"]


def read(path, parse_day):
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    head = rows[0]
    assert head[0] == "日期" and all(c in head for c in COLS), (path, head[:8])
    idx = [head.index(c) for c in COLS]
    out = {}
    for r in rows[1:]:
        vals = [r[i] for i in idx]
        day = parse_day(r[0])
        assert day not in out, (path, r[0])
        if all(v == "" for v in vals):
            out[day] = None
            continue
        assert all(v != "" for v in vals), (path, r[:8])
        out[day] = vals
    return out


a_path, b_path = args(2, "taiwan_industrial_electricity_20160101_20190930.csv 台灣電力公司_過去電力供需資訊.csv")
a = read(a_path, lambda s: dt.date(*map(int, s.split("/"))))
b = read(b_path, lambda s: dt.date(int(s[:4]), int(s[4:6]), int(s[6:8])))
assert all(v is not None for v in b.values())
a = {d: v for d, v in a.items() if v is not None}
both = sorted(set(a) & set(b))
assert len(both) == 273 and all(a[d] == b[d] for d in both), len(both)
SPLIT = dt.date(2019, 1, 1)
src = {**{d: v for d, v in a.items() if d < SPLIT}, **{d: v for d, v in b.items() if d >= SPLIT}}
out = {}
for d, v in src.items():
    ind, res = Decimal(v[4]), Decimal(v[5])
    assert ind > 0 and res > 0, (d, v)
    out[d] = ind + res
write_series("taiwan_power_consumption", out)
