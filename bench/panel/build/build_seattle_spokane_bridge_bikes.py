"""seattle_spokane_bridge_bikes: daily bicycles on the Spokane St. Bridge counter (Seattle DOT), both ways.

Source: seattletimes/bike-counters, raw/spokane-st.json, commit 0f4ac85389c4e7b6d3565de53022c99a29c948db.
Rules (_common_c.seattle_bike_days): hourly rows summed per local day (column spokane_st_bridge_total);
only complete days (00..23, all valued); spring-forward Sundays kept in the two documented shapes;
fall-back Sundays and zero-total days left out.
usage: build_seattle_spokane_bridge_bikes.py spokane-st.json
"""
from _common_c import args, seattle_bike_days, write_series

(path,) = args(1, "spokane-st.json")
write_series("seattle_spokane_bridge_bikes", seattle_bike_days(path, "spokane_st_bridge_total"))
