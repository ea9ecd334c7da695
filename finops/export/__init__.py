"""Export datasets to CSV or Parquet in FOCUS format, one file per month, incrementally."""
