"""Full COGS per feature and task: allocation of every cost line, unit economics, showback, what-if.

Pure functions over polars frames live in the modules below; finops/services/cogs.py reads
the store and finops.toml at the edge and calls them.
"""
