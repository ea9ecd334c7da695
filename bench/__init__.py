"""Benchmarks run by hand (`python -m bench ...`); they print figures, never assert timings."""
