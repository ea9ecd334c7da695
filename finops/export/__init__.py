"""Export datasets to CSV or Parquet, FOCUS 1.2 for costs, one file per UTC month, incrementally.

Public surface: `finops.export.writer.export` (run an export), `finops.export.datasets.DATASETS`
(what can be exported), `finops.export.focus_spec` and `finops.export.focus_check` (the
FOCUS column list and a conformance check), `finops.export.schedule` (cron and systemd
units). docs/export.md documents files, columns, state and exit codes.
"""
