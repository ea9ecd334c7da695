"""The team's own request logs (the local counts): JSON Lines, CSV or Parquet into `requests`.

Formats (docs/request-log.md): our generic format (the requests table's columns, or any
table with `--map their=ours`), OpenTelemetry GenAI spans, LiteLLM spend logs, Langfuse
observations, and Claude Code and Codex session logs. Files are scanned lazily and checked
with vectorised expressions; a bad row stops the load before anything is written (or is
skipped and counted with `skip_bad_rows`), and the same request from two sources is stored
once, keyed on the provider's request id.

Modules: values (typing and flags), problems (bad rows, lines), files (lazy scans), fields
(the requests fields, finish), generic, otel, gateways (LiteLLM, Langfuse), agents (Claude
Code, Codex), readers (format detection), dedup (merge across sources), ingest (the load).
"""

from finops.connectors.request_logs.fields import FIELDS, Reading, finish
from finops.connectors.request_logs.generic import parse_mapping
from finops.connectors.request_logs.ingest import BadRowsError, FileReport, IngestReport, ingest_request_files
from finops.connectors.request_logs.problems import BadRow, Problems
from finops.connectors.request_logs.readers import FORMATS, detect_format, read_requests

__all__ = [
    "FIELDS", "FORMATS", "BadRow", "BadRowsError", "FileReport", "IngestReport", "Problems", "Reading",
    "detect_format", "finish", "ingest_request_files", "parse_mapping", "read_requests",
]
