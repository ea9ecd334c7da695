"""The default rolling-origin backtest, shared by `finops forecast backtest` and the report's method
section so both print the same figures. No imports: the CLI reads it at start-up."""

HORIZON = 28  # days per origin
ORIGINS = 10
STEP = 14  # days between origins
