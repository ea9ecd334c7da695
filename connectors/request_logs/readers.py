"""Pick the reader for a request-log file: by `--format`, or recognised from its first lines."""

from __future__ import annotations

from pathlib import Path

from finops.connectors.request_logs.agents import read_claude_code, read_codex
from finops.connectors.request_logs.fields import Reading
from finops.connectors.request_logs.files import head_text, layout_of
from finops.connectors.request_logs.gateways import read_langfuse, read_litellm
from finops.connectors.request_logs.generic import read_generic
from finops.connectors.request_logs.otel import read_otel
from finops.connectors.request_logs.problems import CSV
from finops.errors import InputError

FORMATS = ("auto", "generic", "otel", "litellm", "langfuse", "claude-code", "codex")


def detect_format(path: Path) -> str:
    """The format a file is in, from marks each export always carries near its start."""
    path = Path(path)
    layout = layout_of(path)
    head = head_text(path)
    first = head.splitlines()[0] if head else ""
    if layout == CSV:
        return "litellm" if "startTime" in first and "spend" in first and "request_id" in first else "generic"
    if layout not in ("line", "item"):
        return "generic"
    if '"resourceSpans"' in head or ('"gen_ai.' in head and ('"span_id"' in head or '"spanId"' in head)):
        return "otel"
    if '"startTime"' in head and '"spend"' in head and '"request_id"' in head:
        return "litellm"
    if '"startTime"' in head and '"call_type"' in head and ('"response_cost"' in head or '"model_map_information"' in head):
        return "litellm"  # a StandardLoggingPayload per line
    if '"sessionId"' in head and ('"parentUuid"' in head or '"isSidechain"' in head):
        return "claude-code"
    if '"payload"' in head and ('"session_meta"' in head or '"turn_context"' in head or '"event_msg"' in head):
        return "codex"
    if '"traceId"' in head and ('"GENERATION"' in head or '"usageDetails"' in head or '"observations"' in head):
        return "langfuse"
    return "generic"


def read_requests(path: Path, fmt: str = "auto", mapping: dict[str, str] | None = None, as_text: bool = False,
                  fields: dict[str, str] | None = None, work: Path | None = None) -> Reading:
    """The file's rows as a Reading in the requests schema, unchecked (see fields.finish).

    `as_text` reads every generic column as text (the fallback when a typed read fails);
    `fields` is a source mapping's our column -> their attribute/column (mapping.py);
    `work` a scratch folder for a reader that decodes the file once up front (OTLP JSON Lines).
    """
    path = Path(path)
    if fmt not in FORMATS:
        raise InputError(f"--format: {fmt!r} is not one of {', '.join(FORMATS)}")
    if fmt == "auto":
        fmt = "generic" if mapping else detect_format(path)
    if mapping and fmt != "generic":
        raise InputError(f"{path}: --map applies to the generic format, not {fmt}")
    if fmt == "generic":
        return read_generic(path, mapping, as_text, fields)
    if fmt == "otel":
        return read_otel(path, fields, work)
    readers = {"litellm": read_litellm, "langfuse": read_langfuse,
               "claude-code": read_claude_code, "codex": read_codex}
    return readers[fmt](path, fields)
