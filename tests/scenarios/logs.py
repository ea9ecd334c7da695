"""The team's request log of a scenario, in the shapes a real team would hand over.

- OTLP/JSON (the collector's file exporter): one ExportTraceServiceRequest per line,
  resourceSpans -> scopeSpans -> spans, attributes as key/value AnyValue (intValue as a
  string, as the protobuf JSON mapping writes int64), startTimeUnixNano as a string, status
  code as the enum's integer. One trace per logical request: a server span without gen_ai
  attributes and one client span per attempt with the GenAI semantic-convention attributes
  (gen_ai.provider.name or the older gen_ai.system, request and response model, usage incl.
  cache read/creation) and the company's own attributes for tenant, key, feature, ...
- JSON Lines with the company's own column names (keys with no value are left out, so some
  columns first appear deep into the file), timestamps with the company's UTC offset.
- LiteLLM StandardLoggingPayload lines (what the proxy hands its loggers): trace_id shared by
  the attempts of a request, team and key alias in metadata, custom fields in
  metadata.spend_logs_metadata, usage in metadata.usage_object, failures with error_information.
- `generic`: our own requests format with provider ids already resolved, for a baseline.
Column and attribute names are drawn per scenario (`Naming`); finops.toml maps them.
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass
from datetime import timedelta, timezone
from pathlib import Path
from typing import Any

from tests.scenarios.generate import Scenario
from tests.scenarios.traffic import Attempt

PREFIXES = ["acme", "globex", "initech", "umbrella", "hooli", "soylent", "wayne", "stark"]
SYNONYMS = {
    "project": ["tenant", "team", "workspace_name", "app", "product"],
    "api_key": ["key_alias", "api_key_name", "credential", "key_name"],
    "feature": ["feature", "use_case", "product_area", "surface"],
    "task": ["task", "job_id", "workflow_run", "conversation"],
    "request_id": ["logical_request_id", "request_uid", "call_group", "correlation_id"],
    "attempt": ["attempt", "try", "attempt_no"],
    "stream_outcome": ["stream", "stream_outcome", "stream_status"],
    "cache_write_1h_tokens": ["usage.cache_creation.ephemeral_1h_input_tokens", "cache_write_1h", "usage.cache_1h_tokens"],
}
JSONL_TOKENS = [
    {"input_tokens": "prompt_tokens", "output_tokens": "completion_tokens", "cached_input_tokens": "cached_tokens",
     "cache_write_tokens": "cache_creation_tokens", "reasoning_tokens": "reasoning_tokens"},
    {"input_tokens": "tokens_in", "output_tokens": "tokens_out", "cached_input_tokens": "tokens_cached",
     "cache_write_tokens": "tokens_cache_write", "reasoning_tokens": "tokens_reasoning"},
]


@dataclass(frozen=True)
class Naming:
    prefix: str
    names: dict[str, str]  # our field -> the company's attribute suffix / column name
    user_attr: str
    provider_attr: str  # gen_ai.provider.name (current) or gen_ai.system (older instrumentations)
    project_on_resource: bool  # the tenant is a resource attribute (one deployment per tenant)
    jsonl_tokens: dict[str, str]
    offset_hours: int  # the JSON Lines timestamps' UTC offset

    @staticmethod
    def draw(seed: int) -> "Naming":
        rng = random.Random(f"finops-scenario-names-{seed}")
        return Naming(
            prefix=rng.choice(PREFIXES), names={k: rng.choice(v) for k, v in SYNONYMS.items()},
            user_attr=rng.choice(["enduser.id", "user.id"]),
            provider_attr=rng.choice(["gen_ai.provider.name", "gen_ai.system"]),
            project_on_resource=rng.random() < 0.5, jsonl_tokens=rng.choice(JSONL_TOKENS),
            offset_hours=rng.choice([0, 0, 1, 9, -5, -8]),
        )

    def otel(self, field: str) -> str:
        return f"{self.prefix}.{self.names[field]}"

    def otel_fields(self) -> dict[str, str]:
        out = {f: self.otel(f) for f in ("project", "api_key", "feature", "task", "request_id", "attempt",
                                         "stream_outcome", "cache_write_1h_tokens")}
        return {**out, "user": self.user_attr, "status_code": "http.response.status_code"}

    def jsonl_fields(self) -> dict[str, str]:
        col = lambda f: self.names[f].replace(".", "_")  # noqa: E731
        return {
            "ts": "timestamp", "provider": "vendor", "model": "model_name", "response_id": "provider_response_id",
            **{f: col(f) for f in ("project", "api_key", "feature", "task", "request_id", "attempt", "stream_outcome",
                                   "cache_write_1h_tokens")},
            "user": "user_id", "status_code": "http_status", **self.jsonl_tokens,
        }

    def litellm_fields(self) -> dict[str, str]:
        meta = "metadata.spend_logs_metadata."
        return {
            "project": "metadata.user_api_key_team_alias", "api_key": "metadata.user_api_key_alias",
            "feature": meta + "feature", "task": meta + "task", "user": "end_user", "request_id": "trace_id",
            "attempt": meta + "attempt", "stream_outcome": meta + "stream", "status_code": "error_information.error_code",
            "response_id": "id",
            "cache_write_1h_tokens": "metadata.usage_object.prompt_tokens_details.cache_creation_token_details.ephemeral_1h_input_tokens",
        }


def _usage(a: Attempt) -> dict[str, int] | None:
    t = a.logged
    if t is None:
        return None
    cached = t.get("input_cache_read", 0)
    w5, w1 = t.get("input_cache_write_5m", 0), t.get("input_cache_write_1h", 0)
    return {"input": t["input_uncached"] + cached + w5 + w1, "output": t["output"], "cached": cached, "write": w5 + w1,
            "write_1h": w1, "reasoning": a.reasoning}


def _hex(text: str, n: int) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:n]


def _ns(a: Attempt, extra_ms: int = 0) -> str:
    return str(int((a.ts + timedelta(milliseconds=extra_ms)).timestamp() * 1e9))


def _av(value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, int):
        return {"intValue": str(value)}
    if isinstance(value, float):
        return {"doubleValue": value}
    return {"stringValue": str(value)}


def _attrs(d: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"key": k, "value": _av(v)} for k, v in d.items() if v is not None]


SERVER = {"openai": "api.openai.com", "anthropic": "api.anthropic.com"}


def _span(n: Naming, a: Attempt) -> dict[str, Any]:
    f = a.feature
    u = _usage(a)
    failed = a.outcome != "completed"
    attrs: dict[str, Any] = {
        "gen_ai.operation.name": "chat", n.provider_attr: f.model.provider,
        "gen_ai.request.model": f.model.alias, "server.address": SERVER[f.model.provider],
        "gen_ai.response.model": f.model.snapshot if a.response_id else None, "gen_ai.response.id": a.response_id,
        n.otel("api_key"): a.key.name if a.key else None, n.otel("feature"): f.name, n.otel("task"): a.task_id,
        n.user_attr: a.user_id, n.otel("request_id"): a.logical_id, n.otel("attempt"): a.attempt,
        n.otel("stream_outcome"): a.outcome, "gen_ai.request.stream": f.stream or None,
        "gen_ai.openai.response.service_tier": a.tier if f.model.provider == "openai" and a.tier != "standard" else None,
        "http.response.status_code": a.status if a.outcome == "error" else None,
        "error.type": (str(a.status) if a.status else "httpx.ConnectError") if a.outcome == "error"
        else ("httpx.RemoteProtocolError" if failed else None),
    }
    if not n.project_on_resource:
        attrs[n.otel("project")] = f.project.name
    if u:
        attrs.update({"gen_ai.usage.input_tokens": u["input"], "gen_ai.usage.output_tokens": u["output"]})
        if u["cached"] or f.caching != "none":
            attrs["gen_ai.usage.cache_read.input_tokens"] = u["cached"]
        if f.model.provider == "anthropic":
            attrs["gen_ai.usage.cache_creation.input_tokens"] = u["write"]
            attrs[n.otel("cache_write_1h_tokens")] = u["write_1h"]
        if u["reasoning"]:
            attrs["gen_ai.usage.reasoning.output_tokens"] = u["reasoning"]
    trace = _hex(a.logical_id, 32)
    return {
        "traceId": trace, "spanId": _hex(f"{a.logical_id}/{a.attempt}", 16), "parentSpanId": _hex(a.logical_id, 16),
        "name": f"chat {f.model.alias}", "kind": 3, "startTimeUnixNano": _ns(a), "endTimeUnixNano": _ns(a, a.latency_ms),
        "attributes": _attrs(attrs),
        "status": {"code": 2, "message": str(attrs["error.type"])} if failed else {"code": 0},
    }


def _server_span(a: Attempt) -> dict[str, Any]:
    return {"traceId": _hex(a.logical_id, 32), "spanId": _hex(a.logical_id, 16), "name": "POST /v1/assist", "kind": 2,
            "startTimeUnixNano": _ns(a, -5), "endTimeUnixNano": _ns(a, a.latency_ms + 5),
            "attributes": _attrs({"http.request.method": "POST", "http.route": "/v1/assist", "http.response.status_code": 200}),
            "status": {"code": 0}}


def write_otlp(sc: Scenario, n: Naming, path: Path, per_line: int = 150) -> set[str]:
    """Writes the file; returns every attribute key it used (span or resource)."""
    present: set[str] = set()
    logged = [a for a in sc.attempts if not a.feature.unlogged]
    lines = []
    for i in range(0, len(logged), per_line):
        chunk = logged[i:i + per_line]
        groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for a in chunk:
            res = (f"{a.feature.project.name}-{a.feature.model.provider}", a.feature.project.name)
            spans = groups.setdefault(res, [])
            if a.attempt == 1:
                spans.append(_server_span(a))
            spans.append(_span(n, a))
        resource_spans = []
        for (service, tenant), spans in groups.items():
            rattrs = {"service.name": service, "service.version": "2.14.0", "deployment.environment.name": "prod"}
            if n.project_on_resource:
                rattrs[n.otel("project")] = tenant
            present.update(rattrs, (a["key"] for sp in spans for a in sp["attributes"]))
            resource_spans.append({
                "resource": {"attributes": _attrs(rattrs)},
                "scopeSpans": [{"scope": {"name": f"opentelemetry.instrumentation.{n.prefix}_llm", "version": "0.9.1"},
                                "spans": spans}],
            })
        lines.append(json.dumps({"resourceSpans": resource_spans}, separators=(",", ":")))
    path.write_text("\n".join(lines) + "\n")
    return present


def write_jsonl(sc: Scenario, n: Naming, path: Path) -> set[str]:
    """Writes the file; returns every column that appears in it."""
    present: set[str] = set()
    cols = n.jsonl_fields()
    tz = timezone(timedelta(hours=n.offset_hours))
    out = []
    for a in sc.attempts:
        if a.feature.unlogged:
            continue
        u = _usage(a)
        f = a.feature
        row: dict[str, Any] = {
            cols["ts"]: a.ts.astimezone(tz).isoformat(timespec="milliseconds"), cols["provider"]: f.model.provider,
            cols["model"]: f.model.alias, cols["response_id"]: a.response_id, cols["project"]: f.project.name,
            cols["api_key"]: a.key.name if a.key else None, cols["feature"]: f.name, cols["task"]: a.task_id,
            cols["user"]: a.user_id, cols["request_id"]: a.logical_id, cols["attempt"]: a.attempt,
            cols["stream_outcome"]: a.outcome, cols["status_code"]: a.status, "latency_ms": a.latency_ms,
            "service_tier": a.tier if a.tier != "standard" else None,
        }
        if u:
            row.update({cols["input_tokens"]: u["input"], cols["output_tokens"]: u["output"]})
            if u["cached"] or f.caching != "none":
                row[cols["cached_input_tokens"]] = u["cached"]
            if f.model.provider == "anthropic" and f.caching in ("5m", "1h"):
                row[cols["cache_write_tokens"]] = u["write"]
                row[cols["cache_write_1h_tokens"]] = u["write_1h"]
            if u["reasoning"]:
                row[cols["reasoning_tokens"]] = u["reasoning"]
        row = {k: v for k, v in row.items() if v is not None}
        present.update(row)
        out.append(json.dumps(row, ensure_ascii=False))
    path.write_text("\n".join(out) + "\n")
    return present


def _litellm_usage(a: Attempt, u: dict[str, int]) -> dict[str, Any]:
    details: dict[str, Any] = {"cached_tokens": u["cached"]}
    usage: dict[str, Any] = {"prompt_tokens": u["input"], "completion_tokens": u["output"],
                             "total_tokens": u["input"] + u["output"],
                             "completion_tokens_details": {"reasoning_tokens": u["reasoning"]}}
    if a.feature.model.provider == "anthropic":
        details["cache_creation_tokens"] = u["write"]
        details["cache_creation_token_details"] = {"ephemeral_5m_input_tokens": u["write"] - u["write_1h"],
                                                   "ephemeral_1h_input_tokens": u["write_1h"]}
        usage["cache_creation_input_tokens"] = u["write"]
        usage["cache_read_input_tokens"] = u["cached"]
    usage["prompt_tokens_details"] = details
    return usage


def _paths(obj: dict[str, Any], prefix: str = "") -> set[str]:
    out = set()
    for k, v in obj.items():
        out.add(prefix + k)
        if isinstance(v, dict):
            out |= _paths(v, f"{prefix}{k}.")
    return out


def write_litellm(sc: Scenario, path: Path) -> set[str]:
    """Writes the file; returns every dotted path that holds a value in some line."""
    present: set[str] = set()
    out = []
    for a in sc.attempts:
        f = a.feature
        if f.unlogged:
            continue
        u = _usage(a)
        start = a.ts.timestamp()
        failed = a.outcome != "completed"
        team = _hex("team/" + f.project.name, 8)
        error = None
        if a.outcome == "error":
            error = {"error_code": str(a.status) if a.status else None,
                     "error_class": {429: "RateLimitError", 529: "InternalServerError", 503: "ServiceUnavailableError"}.get(
                         a.status or 0, "APIConnectionError"), "llm_provider": f.model.provider}
        elif failed:
            error = {"error_code": None, "error_class": "APIConnectionError", "llm_provider": f.model.provider}
        row = {
            "id": a.response_id or f"litellm-{_hex(a.logical_id + str(a.attempt), 24)}",
            "trace_id": a.logical_id, "call_type": "acompletion", "stream": f.stream,
            "response_cost": 0.0 if u is None else sc.usd(a, a.logged), "status": "failure" if failed else "success",
            "custom_llm_provider": f.model.provider,
            "total_tokens": u["input"] + u["output"] if u else 0, "prompt_tokens": u["input"] if u else 0,
            "completion_tokens": u["output"] if u else 0,
            "startTime": start, "endTime": start + a.latency_ms / 1000, "completionStartTime": start + a.latency_ms / 4000,
            "response_time": a.latency_ms / 1000, "model": f.model.alias, "model_id": _hex(f.model.alias, 16),
            "model_group": f.model.alias, "api_base": f"https://{SERVER[f.model.provider]}",
            "metadata": {
                "user_api_key_hash": _hex("key/" + (a.key.name if a.key else ""), 64),
                "user_api_key_alias": a.key.name if a.key else None, "user_api_key_org_id": None,
                "user_api_key_team_id": team, "user_api_key_team_alias": f.project.name, "user_api_key_user_id": None,
                "spend_logs_metadata": {"feature": f.name, "task": a.task_id, "attempt": a.attempt, "stream": a.outcome},
                "requester_ip_address": None, "requester_metadata": {},
                "usage_object": _litellm_usage(a, u) if u else None,
            },
            "cache_hit": False, "cache_key": None, "saved_cache_cost": 0.0, "request_tags": [f"feature:{f.name}"],
            "end_user": a.user_id, "requester_ip_address": None, "messages": None, "response": None,
            "error_str": None if error is None else error["error_class"], "error_information": error,
            "model_parameters": {"stream": f.stream},
            "hidden_params": {"model_id": _hex(f.model.alias, 16), "cache_key": None,
                              "api_base": f"https://{SERVER[f.model.provider]}", "response_cost": None,
                              "additional_headers": {}, "litellm_model_name": f"{f.model.provider}/{f.model.alias}"},
        }
        present |= _paths({k: v for k, v in row.items() if v is not None})
        out.append(json.dumps(row))
    path.write_text("\n".join(out) + "\n")
    return present


def write_generic(sc: Scenario, path: Path) -> None:
    """Our own format with provider ids resolved: what the engine sees once mapping and identity work."""
    out = []
    for a in sc.attempts:
        f = a.feature
        if f.unlogged:
            continue
        u = _usage(a)
        row: dict[str, Any] = {
            "ts": a.ts.isoformat(timespec="microseconds"), "request_id": a.response_id or f"{a.logical_id}:{a.attempt}",
            "provider": f.model.provider, "model": f.model.alias, "attempt": a.attempt, "stream_outcome": a.outcome,
            "project_id": f.project.provider_id, "api_key_id": a.key.provider_id if a.key else "",
            "feature": f.name, "task_id": a.task_id, "language": f.language, "latency_ms": a.latency_ms,
            "service_tier": a.tier if a.tier != "standard" else None, "status_code": a.status,
        }
        if u:
            row.update({"input_tokens": u["input"], "output_tokens": u["output"], "cached_input_tokens": u["cached"],
                        "cache_write_tokens": u["write"], "cache_write_1h_tokens": u["write_1h"],
                        "reasoning_tokens": u["reasoning"]})
        out.append(json.dumps({k: v for k, v in row.items() if v is not None}))
    path.write_text("\n".join(out) + "\n")
