"""romania_elec_consumption: daily electricity consumption of Romania (RO), 2019-01-01 .. 2024-03-31.

Source: Dhiyanesh-B/Electricity-analysis, path electricityConsumptionAndProductioction.csv (sic), commit
dc2146b38a1bda580c17f97619ab3c8cda5584f5 (blob ae8471c4116c06890d18f13c9e03f6470f7610fe, added in
3b5b30ad7e974afaa6c2aaab839d9e7488e92a38 and unchanged since). Get it with
  git --git-dir=<mirror> show dc2146b38a1bda580c17f97619ab3c8cda5584f5:electricityConsumptionAndProductioction.csv
It is the Kaggle file of hourly national electricity consumption and production by source of Romania
(Transelectrica's published system data): header DateTime,Consumption,Production,Nuclear,Wind,Hydroelectric,
Oil and Gas,Coal,Solar,Biomass; one row per hour, "DD-MM-YYYY HH:MM", integer MW. The stamps are local time
(Europe/Bucharest): on spring-forward Sundays 03:00 is absent; on fall-back Sundays 03:00 appears twice
(2023) or three times (2019-2022, the third row an exact copy of the second).

Rules: rows that are exact copies of an earlier row (stamp and all ten fields) are counted once (4 rows, the
third 03:00 of the fall-back Sundays 2019-2022). Every remaining row must have an integer Consumption > 0.
A date is kept only with (a) hours 00..23 once each, (b) on the spring-forward Sunday of Europe/Bucharest,
hours 00..23 except 03 (a 23-hour day), or (c) on the fall-back Sunday, hours 00..23 once each plus a second
03:00 (a 25-hour day; both 03:00 rows summed). The value is the sum of Consumption over the rows of the date
(MWh per day). Nothing is filled.
usage: build_romania_elec_consumption.py electricityConsumptionAndProductioction.csv
"""
import csv
import datetime as dt
from collections import defaultdict

from _common_d import args, day_hours, spring_forward_hour, write_series

TZ = "Europe/Bucharest"
HEAD = ["DateTime", "Consumption", "Production", "Nuclear", "Wind", "Hydroelectric", "Oil and Gas", "Coal",
        "Solar", "Biomass"]

(path,) = args(1, "electricityConsumptionAndProductioction.csv")
with open(path, newline="", encoding="utf-8") as f:
    r = csv.reader(f)
    assert next(r) == HEAD
    rows = list(r)
seen, hours = set(), defaultdict(list)  # date -> [(hour, MW)]
dropped = 0
for row in rows:
    if tuple(row) in seen:
        dropped += 1
        continue
    seen.add(tuple(row))
    t = dt.datetime.strptime(row[0], "%d-%m-%Y %H:%M")
    assert t.minute == 0 and row[1].isdigit() and int(row[1]) > 0, row
    hours[t.date()].append((t.hour, int(row[1])))
assert dropped == 4, dropped
out = {}
for day, hv in hours.items():
    hs = sorted(h for h, _ in hv)
    n = day_hours(day, TZ)
    ok = (n == 24 and hs == list(range(24))) or \
         (n == 23 and spring_forward_hour(day, TZ) == 3 and hs == [h for h in range(24) if h != 3]) or \
         (n == 25 and hs == sorted(list(range(24)) + [3]))
    if ok:
        out[day] = sum(v for _, v in hv)
write_series("romania_elec_consumption", out)
