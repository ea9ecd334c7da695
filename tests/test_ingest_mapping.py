"""Source mapping ([sources.requests.<name>]) and the identity map ([identity]) of finops.toml."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from finops.cli import app
from finops.config import ConfigFile
from finops.connectors.request_logs import ingest_request_files, read_requests
from finops.connectors.request_logs.mapping import load_mapping
from finops.errors import ConfigError, InputError
from finops.identity import identity_map, to_provider_ids
from finops.schema import REQUESTS
from finops.store import Store


def _attr(key: str, value: object) -> dict:
    if isinstance(value, int):
        return {"key": key, "value": {"intValue": str(value)}}
    return {"key": key, "value": {"stringValue": str(value)}}


def _span(i: int, attempt: int, *, response_id: str | None, status: int | None, tokens: tuple[int, int] | None,
          key: str, stream: str | None) -> dict:
    attrs = [_attr("gen_ai.operation.name", "chat"), _attr("gen_ai.provider.name", "anthropic"),
             _attr("gen_ai.request.model", "claude-sonnet-4-5"), _attr("acme.key_alias", key),
             _attr("acme.logical_request_id", f"lr-{i}"), _attr("acme.attempt", attempt), _attr("acme.feature", "search"),
             _attr("enduser.id", f"user-{i % 3}")]
    if response_id:
        attrs.append(_attr("gen_ai.response.id", response_id))
    if status is not None:
        attrs.append(_attr("http.response.status_code", status))
    if tokens:
        attrs += [_attr("gen_ai.usage.input_tokens", tokens[0]), _attr("gen_ai.usage.output_tokens", tokens[1])]
    if stream:
        attrs.append(_attr("acme.stream", stream))
    start = 1_764_547_200_000_000_000 + i * 60_000_000_000 + attempt * 1_000_000_000
    return {"traceId": f"{i:032x}", "spanId": f"{i * 10 + attempt:016x}", "name": "chat claude-sonnet-4-5",
            "startTimeUnixNano": str(start), "endTimeUnixNano": str(start + 900_000_000), "attributes": attrs,
            "status": {"code": 2} if status and status >= 400 else {}}


def _otlp_log(path: Path) -> Path:
    """Two logical requests: the first retried after a 429 (no usage, no response id)."""
    spans = [
        _span(1, 1, response_id=None, status=429, tokens=None, key="prod-backend", stream="error"),
        _span(1, 2, response_id="msg_01", status=200, tokens=(1200, 80), key="prod-backend", stream="completed"),
        _span(2, 1, response_id="msg_02", status=200, tokens=(300, 20), key="batch-key", stream="dropped"),
    ]
    doc = {"resourceSpans": [{"resource": {"attributes": [_attr("service.name", "api"), _attr("acme.tenant", "search")]},
                              "scopeSpans": [{"spans": spans}]}]}
    path.write_text(json.dumps(doc) + "\n")
    return path


TOML = """\
[display]
timezone = "UTC"

[sources.requests.gateway]
format = "otel"
[sources.requests.gateway.fields]
project = "acme.tenant"
api_key = "acme.key_alias"
feature = "acme.feature"
user = "enduser.id"
request_id = "acme.logical_request_id"
attempt = "acme.attempt"
stream_outcome = "acme.stream"
status_code = "http.response.status_code"
"""


def _config(tmp_path: Path, text: str = TOML) -> ConfigFile:
    path = tmp_path / "finops.toml"
    path.write_text(text)
    return ConfigFile.load(path)


def test_otel_mapping_reads_the_teams_own_attributes(tmp_path: Path) -> None:
    config = _config(tmp_path)
    sm = load_mapping(config, "gateway")
    assert sm is not None and sm.reader_format == "otel" and sm.source == "requests:gateway"
    raw = read_requests(_otlp_log(tmp_path / "spans.jsonl"), sm.reader_format, fields=sm.fields).raw.collect()
    rows = raw.sort("ts").select("request_id", "logical_request_id", "attempt", "stream_outcome", "status_code",
                                 "project_id", "api_key_id", "feature", "user_id")
    first = rows.row(0, named=True)
    # the 429 attempt has no response id: its key is the span's own, its logical id the team's
    assert first["request_id"] == f"otel:{1:032x}:{11:016x}"
    assert (first["logical_request_id"], first["attempt"], first["stream_outcome"], first["status_code"]) == ("lr-1", "1", "error", "429")
    assert rows["request_id"].to_list()[1:] == ["msg_01", "msg_02"]
    assert rows["logical_request_id"].to_list() == ["lr-1", "lr-1", "lr-2"]
    assert rows["project_id"].to_list() == ["search"] * 3  # from the resource
    assert rows["api_key_id"].to_list() == ["prod-backend", "prod-backend", "batch-key"]
    assert rows["stream_outcome"].to_list() == ["error", "completed", "dropped"]
    assert rows["user_id"].to_list() == ["user-1", "user-1", "user-2"]


def test_cli_source_applies_the_mapping_and_names_the_source(tmp_path: Path) -> None:
    config = _config(tmp_path)
    log = _otlp_log(tmp_path / "spans.jsonl")
    home = tmp_path / "home"
    result = CliRunner().invoke(app, ["--data-dir", str(home), "--config", str(config.path), "ingest", str(log), "--source", "gateway"])
    assert result.exit_code == 0, result.output
    assert "otel -> requests:gateway, 3 row(s), 0 bad" in result.output
    stored = Store(home / "store").read("requests").sort("ts")
    assert stored["project_id"].to_list() == ["search"] * 3
    assert stored["api_key_id"].to_list() == ["prod-backend", "prod-backend", "batch-key"]
    assert stored["attempt"].to_list() == [1, 2, 1]
    assert stored["stream_outcome"].to_list() == ["error", "completed", "dropped"]
    assert stored["input_tokens"].to_list() == [None, 1200, 300]
    for column, values in {"logical_request_id": ["lr-1", "lr-1", "lr-2"], "status_code": [429, 200, 200],
                           "user_id": ["user-1", "user-1", "user-2"]}.items():
        if column in REQUESTS:  # the columns reconcile adds to the schema
            assert stored[column].to_list() == values


def test_a_mapped_attribute_no_record_has_is_an_error_naming_file_and_key(tmp_path: Path) -> None:
    config = _config(tmp_path, TOML.replace('"acme.tenant"', '"acme.tennant"'))
    log = _otlp_log(tmp_path / "spans.jsonl")
    with pytest.raises(InputError) as exc:
        ingest_request_files(Store(tmp_path / "store"), [log], source_mapping=load_mapping(config, "gateway"), config=config)
    line = TOML.splitlines().index('project = "acme.tenant"') + 1
    assert str(exc.value) == f"{log}: 'acme.tennant' appears in none of its records ({config.path}:{line}: sources.requests.gateway.fields.project)"
    assert not (tmp_path / "store" / "requests").exists() or Store(tmp_path / "store").read("requests").height == 0


def test_mapping_config_errors_name_file_line_and_key(tmp_path: Path) -> None:
    bad_field = _config(tmp_path, TOML.replace("user = ", "usr = "))
    with pytest.raises(ConfigError, match=r"finops.toml:10: sources.requests.gateway.fields.usr: unknown field; use one of project"):
        load_mapping(bad_field, "gateway")
    bad_format = _config(tmp_path, TOML.replace('format = "otel"', 'format = "xml"'))
    with pytest.raises(ConfigError, match=r"finops.toml:5: sources.requests.gateway.format: 'xml' is not one of otel"):
        load_mapping(bad_format, "gateway")
    twice = _config(tmp_path, TOML + 'project_id = "acme.other"\n')
    with pytest.raises(ConfigError, match=r"fields.project_id: names project_id a second time \(also as 'project'\)"):
        load_mapping(twice, "gateway")
    assert load_mapping(_config(tmp_path), "other") is None


def test_jsonl_mapping_reads_columns_and_paths_into_json(tmp_path: Path) -> None:
    rows = [
        {"when": "2026-01-05T10:00:00Z", "rid": "r1", "vendor": "openai", "llm": "gpt-4o", "tin": 10, "tout": 2,
         "meta": {"tenant": "search", "key": {"alias": "k1"}}, "try": 1},
        {"when": "2026-01-05T10:00:01Z", "rid": "r1", "vendor": "openai", "llm": "gpt-4o", "tin": 10, "tout": 5,
         "meta": {"tenant": "search", "key": {"alias": "k1"}}, "try": 2, "status": 200},
    ]
    log = tmp_path / "calls.jsonl"
    log.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    toml = """[sources.requests.app]
format = "jsonl"
[sources.requests.app.fields]
ts = "when"
request_id = "rid"
attempt = "try"
provider = "vendor"
model = "llm"
input_tokens = "tin"
output_tokens = "tout"
project = "meta.tenant"
api_key = "meta.key.alias"
status_code = "status"
"""
    config = _config(tmp_path, toml)
    store = Store(tmp_path / "store")
    report = ingest_request_files(store, [log], source_mapping=load_mapping(config, "app"), config=config)
    assert report.result.added == 2 and report.files[0].source == "requests:app"
    stored = store.read("requests").sort("attempt")
    assert stored["request_id"].to_list() == ["r1", "r1#2"]  # one row per attempt, keyed apart
    assert stored["project_id"].to_list() == ["search", "search"]
    assert stored["api_key_id"].to_list() == ["k1", "k1"]
    assert stored["output_tokens"].to_list() == [2, 5]


# ---- identity map ----------------------------------------------------------------------------

IDENTITY_TOML = """\
[identity]
file = "identity.csv"

[[identity.entries]]
provider = "anthropic"
kind = "project"
name = "search"
provider_id = "wrkspc_01"

[[identity.entries]]
provider = "anthropic"
kind = "api_key"
name = "console"
provider_id = ""
"""


def test_identity_map_from_file_and_inline(tmp_path: Path) -> None:
    (tmp_path / "identity.csv").write_text(
        "\ufeffprovider,kind,name,provider_id\nOpenAI,project,search,proj_abc\nopenai,api_key,prod-backend,key_123\n"
        "anthropic,project,default-ws,default\n")
    ids = identity_map(_config(tmp_path, IDENTITY_TOML))
    assert ids.schema == pl.Schema({"provider": pl.String, "kind": pl.String, "name": pl.String, "provider_id": pl.String})
    assert ids.rows() == [
        ("openai", "project", "search", "proj_abc"), ("openai", "api_key", "prod-backend", "key_123"),
        ("anthropic", "project", "default-ws", "default"), ("anthropic", "project", "search", "wrkspc_01"),
        ("anthropic", "api_key", "console", ""),
    ]
    logged = pl.LazyFrame({"provider": ["openai", "anthropic", "anthropic", "openai"], "project_id": ["search", "search", "other", ""],
                           "api_key_id": ["prod-backend", "console", "x", "prod-backend"]})
    out = to_provider_ids(logged, ids).collect()
    assert out["project_id"].to_list() == ["proj_abc", "wrkspc_01", "other", ""]
    assert out["api_key_id"].to_list() == ["key_123", "", "x", "key_123"]
    assert identity_map(_config(tmp_path, "[display]\ntimezone = 'UTC'\n")).is_empty()


@pytest.mark.parametrize(("csv", "inline", "message"), [
    ("provider,kind,name,provider_id\nopenai,project,a,proj_1\nopenai,project,b,proj_1\n", "",
     r"identity.csv:3: provider_id: duplicate project id 'proj_1' for openai \(first at .*identity.csv:2\)"),
    ("provider,kind,name,provider_id\nopenai,project,a,proj_1\nopenai,project,a,proj_2\n", "",
     r"identity.csv:3: name: duplicate project name 'a' for openai"),
    ("provider,kind,name,provider_id\nopenai,team,a,proj_1\n", "", r"identity.csv:2: kind: 'team' is not one of project, api_key"),
    ("provider,kind,name\nopenai,project,a\n", "", r"identity.csv:1: missing column\(s\) provider_id"),
    ("provider,kind,name,provider_id\nopenai,project,a,proj_1\n",
     '\n[[identity.entries]]\nprovider = "openai"\nkind = "project"\nname = "a2"\nprovider_id = "proj_1"\n',
     r"finops.toml:4: provider_id: duplicate project id 'proj_1' for openai \(first at .*identity.csv:2\)"),
    ("provider,kind,name,provider_id\n", '\n[[identity.entries]]\nprovider = "openai"\nkind = "project"\nnme = "a"\n',
     r"finops.toml:7: identity.entries\[1\].nme: unknown key"),
])
def test_identity_map_errors_name_file_line_and_key(tmp_path: Path, csv: str, inline: str, message: str) -> None:
    (tmp_path / "identity.csv").write_text(csv)
    with pytest.raises(ConfigError, match=message):
        identity_map(_config(tmp_path, '[identity]\nfile = "identity.csv"\n' + inline))


def test_identity_file_not_found_names_the_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"finops.toml:2: identity.file: .*nope.csv: file not found"):
        identity_map(_config(tmp_path, '[identity]\nfile = "nope.csv"\n'))
