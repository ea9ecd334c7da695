"""seattle_broadway_bikes: daily bicycles on the Broadway cycle track counter north of E Union St (Seattle DOT).

Source: seattletimes/bike-counters, raw/broadway.json, commit 0f4ac85389c4e7b6d3565de53022c99a29c948db.
Rules (_common_c.seattle_bike_days, as seattle_spokane_bridge_bikes): hourly rows summed per local day
(column broadway_cycle_track_north_of_e_union_st_total); only complete days (00..23, all valued);
spring-forward Sundays kept in the two documented shapes; fall-back Sundays and zero-total days left out.
usage: build_seattle_broadway_bikes.py broadway.json
"""
from _common_c import args, seattle_bike_days, write_series

(path,) = args(1, "broadway.json")
write_series("seattle_broadway_bikes",
             seattle_bike_days(path, "broadway_cycle_track_north_of_e_union_st_total"))
