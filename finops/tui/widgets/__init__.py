"""Widgets shared by the dashboard screens."""
