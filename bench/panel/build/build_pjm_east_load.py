"""pjm_east_load: daily load of PJM East (MWh/day = sum of the hourly MW values).

Source: github Alex-Samarkin/p3, path PJME_hourly.csv, commit 20a5cc6c5f5ffa4df044bdab8484c4cda27101e6
(Kaggle "Hourly Energy Consumption", header renamed to ds,y; rows not in time order).
Rules: stamps are hour-ending local prevailing time; a row belongs to day (ts - 1h). Kept: days with hour-ending
01..24 once each; Mar/Apr Sundays with 23 rows, only 03 absent (spring forward); Oct/Nov Sundays with 25 rows,
02 twice with different values (fall back, both summed). Other days are left out (13: fall-back days 2002-2013, 2010-12-09).
Usage: python build_pjm_east_load.py PJME_hourly.csv
"""
import sys

from _common_a import hourly_pjm, write_series

if __name__ == "__main__":
    write_series("pjm_east_load", hourly_pjm(sys.argv[1]))
