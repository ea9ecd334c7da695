"""The dashboard's screens, one module each, all built on `DashboardScreen`."""
