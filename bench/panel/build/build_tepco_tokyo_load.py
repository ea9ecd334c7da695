"""tepco_tokyo_load: daily electricity demand of the TEPCO area (Tokyo/Kanto), MWh per day.

Source: wbxibcy/TSA, data/juyo-2016.csv .. data/juyo-2021.csv, commit f2dca94cf3cb9364a59156950d1527790830acc8.
Rules: Shift-JIS; lines before `DATE,TIME,` skipped; rows `Y/M/D,H:00,value` (value in 10^4 kW, hour start,
JST, no DST). A day is kept only with hours 0..23 once each; value = 10 x the sum of the 24 values.
juyo-2022.csv is not used (rebuilt from 5-minute files, starts 2022-04-01).
usage: build_tepco_tokyo_load.py juyo-2016.csv ... juyo-2021.csv
"""
import datetime as dt
from collections import defaultdict
from _common_c import args, write_series

hours = defaultdict(dict)
for path in args(None, "juyo-YYYY.csv ..."):
    lines = open(path, encoding="shift_jis").read().splitlines()
    start = next(i for i, l in enumerate(lines) if l.startswith("DATE,TIME,"))
    for line in lines[start + 1:]:
        if not line.strip():
            continue
        day, time, value = line.split(",")
        d = dt.date(*map(int, day.split("/")))
        h = int(time.split(":")[0])
        assert h not in hours[d] and value.isdigit(), (d, h, value)
        hours[d][h] = int(value)

write_series("tepco_tokyo_load",
             {d: 10 * sum(hv.values()) for d, hv in hours.items() if sorted(hv) == list(range(24))})
