"""pjm_aep_load: daily load of the AEP zone of PJM (MWh/day = sum of the hourly MW values).

Source: github katiecorcoran/deep-forecasting-final, path AEP_hourly.csv, commit 1c1e536ef84c564e7ea826703f7633b49ae87a14
(Kaggle "Hourly Energy Consumption", header renamed to date,AEP_MW).
Rules as pjm_east_load: a row belongs to day (ts - 1h); kept are full 24-hour days, Mar/Apr Sundays missing only
hour-ending 03 (23 h), Oct/Nov Sundays with 02 twice with different values (25 h, both summed). Left out (13):
fall-back days 2004-2013, 2010-12-09, 2012-12-06, 2014-03-11.
Usage: python build_pjm_aep_load.py AEP_hourly.csv
"""
import sys

from _common_a import hourly_pjm, write_series

if __name__ == "__main__":
    write_series("pjm_aep_load", hourly_pjm(sys.argv[1]))
