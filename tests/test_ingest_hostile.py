"""Readers on inputs we did not write them for: public samples, late columns, cut-short and
malformed lines, byte-order marks, mixed types, agent logs repeated across files and months."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from finops.cli import app
from finops.connectors.request_logs import BadRowsError, detect_format, ingest, ingest_request_files, read_requests
from finops.errors import InputError
from finops.schema import REQUESTS
from finops.store import Store

PUBLIC = Path(__file__).parent / "data" / "request_logs" / "public"


def _row(i: int, **extra: object) -> dict:
    return {"ts": f"2026-01-01T00:00:{i % 60:02d}Z", "request_id": f"r{i}", "provider": "openai", "model": "gpt-4o",
            "input_tokens": 10 + i, "output_tokens": 1} | extra


def _write_jsonl(path: Path, rows: list[object], bom: bool = False, tail: str = "") -> Path:
    text = "\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n" + tail
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode())
    return path


def _stored(store: Store) -> pl.DataFrame:
    return store.read("requests").sort("request_id")


# ---- public samples -------------------------------------------------------------------------

def test_openai_v2_span_with_arrays_and_json_strings_is_one_model_call(tmp_path: Path) -> None:
    store = Store(tmp_path / "store")
    report = ingest_request_files(store, [PUBLIC / "otlp_openai_v2_tool_call.jsonl"])
    assert report.files[0].fmt == "otel" and report.problems.count == 0
    row = _stored(store).row(0, named=True)  # the execute_tool span is not a model call
    assert _stored(store).height == 1
    assert (row["request_id"], row["provider"], row["model"], row["input_tokens"], row["output_tokens"]) == (
        "chatcmpl-Abc123", "openai", "gpt-4o-2024-08-06", 31, 19)
    assert (row["task_id"], row["feature"], row["latency_ms"]) == ("conv-7f3a", "agef-demo-agent", 1500)


def test_spans_without_provider_model_or_trace_id(tmp_path: Path) -> None:
    # a chat span under an agent span, no trace id, no model or provider attribute: the span
    # name "chat gpt-5" names the model, the model the provider; ERROR status -> error
    raw = read_requests(PUBLIC / "otlp_agent_and_chat.jsonl").raw.collect()
    assert raw.select("request_id", "provider", "model", "input_tokens", "stream_outcome").rows() == [
        ("otel::model", "openai", "gpt-5", "42", "error")]
    # a pretty-printed document with a bare-number intValue and no provider at all: a bad row, named
    with pytest.raises(BadRowsError, match=r"otlp_pretty_bare_ints.json: item 1: field 'gen_ai.provider.name': missing"):
        ingest_request_files(Store(tmp_path / "store"), [PUBLIC / "otlp_pretty_bare_ints.json"])
    raw = read_requests(PUBLIC / "otlp_pretty_bare_ints.json").raw.collect()
    assert raw.select("model", "input_tokens", "output_tokens", "stream_outcome").rows() == [("example-model", "120", "45", "error")]


def test_litellm_standard_logging_payload(tmp_path: Path) -> None:
    path = PUBLIC / "litellm_standard_logging_payload.jsonl"
    assert detect_format(path) == "litellm"
    raw = read_requests(path).raw.collect()
    assert raw["status_code"].to_list() == [None, "429"]  # error_information.error_code
    assert raw["user_id"].to_list() == ["customer-42", "u-7"]
    store = Store(tmp_path / "store")
    ingest_request_files(store, [path])
    rows = _stored(store).sort("ts")
    assert rows.select("request_id", "provider", "model", "stream_outcome", "project_id", "cached_input_tokens").rows() == [
        ("chatcmpl-8f2c1e", "openai", "gpt-4o-mini", "completed", "team-search", 64),  # the provider's response id
        ("9b1f-litellm-call", "anthropic", "anthropic/claude-sonnet-4-5", "error", "team-search", None),
    ]
    assert rows["ts"].dt.to_string("%H:%M:%S%.3f").to_list() == ["00:00:00.250", "00:01:00.000"]  # epoch seconds


def test_codex_session_with_running_totals_only(tmp_path: Path) -> None:
    store = Store(tmp_path / "store")
    ingest_request_files(store, [PUBLIC / "codex_branch_parent.jsonl"])
    row = _stored(store).row(0, named=True)
    assert (row["model"], row["input_tokens"], row["cached_input_tokens"], row["output_tokens"], row["reasoning_tokens"]) == (
        "gpt-5.2", 1000, 100, 200, 20)


# ---- JSON Lines and CSV ------------------------------------------------------------------------

def test_a_column_first_seen_after_the_inferred_rows_is_read(tmp_path: Path) -> None:
    rows = [_row(i) for i in range(1500)] + [_row(1500, feature="late", cached_input_tokens=4, user_id="u1")]
    store = Store(tmp_path / "store")
    ingest_request_files(store, [_write_jsonl(tmp_path / "late.jsonl", rows)])
    last = _stored(store).filter(pl.col("request_id") == "r1500").row(0, named=True)
    assert (last["feature"], last["cached_input_tokens"]) == ("late", 4)
    if "user_id" in REQUESTS:
        assert last["user_id"] == "u1"


def test_mixed_types_in_one_column(tmp_path: Path) -> None:
    rows = [_row(0), _row(1, input_tokens="12"), _row(2, input_tokens=13.0)]
    store = Store(tmp_path / "store")
    ingest_request_files(store, [_write_jsonl(tmp_path / "mixed.jsonl", rows)])
    assert _stored(store)["input_tokens"].to_list() == [10, 12, 13]


def test_malformed_and_cut_short_lines_with_bom(tmp_path: Path) -> None:
    rows = [_row(0), "", _row(2), '{"ts":"2026-01-01T00:00:03Z","request_id":"r3","prov', _row(4, input_tokens="x"), _row(5)]
    path = _write_jsonl(tmp_path / "h.jsonl", rows, bom=True, tail='{"ts":"2026-01-01T00:00:06Z","request_id":"r6","mo')
    with pytest.raises(BadRowsError) as exc:
        ingest_request_files(Store(tmp_path / "a"), [path])
    assert str(exc.value).startswith(f"{path}:4: field '(line)': not valid JSON: Unterminated string")
    assert [(b.line, b.field) for b in exc.value.problems.rows] == [(4, "(line)"), (7, "(line)"), (5, "input_tokens")]
    assert "cut short" in exc.value.problems.rows[1].reason
    assert not (tmp_path / "a" / "requests").exists()
    store = Store(tmp_path / "b")
    report = ingest_request_files(store, [path], skip_bad_rows=True)
    assert (report.files[0].rows, report.files[0].bad, report.problems.count) == (3, 3, 3)
    assert _stored(store)["request_id"].to_list() == ["r0", "r2", "r5"]


def test_csv_with_bom_and_a_cut_short_last_line(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(b"\xef\xbb\xbfts,request_id,provider,model,input_tokens\n2026-01-01T00:00:00Z,a,openai,gpt-4o,5\n"
                     b"2026-01-01T00:00:01Z,b,openai,gpt-4o,x\n2026-01-01T00:00:02Z,c,open")
    with pytest.raises(BadRowsError, match=r"t.csv:4: field '\(line\)': cut short"):
        ingest_request_files(Store(tmp_path / "a"), [path])
    store = Store(tmp_path / "b")
    report = ingest_request_files(store, [path], skip_bad_rows=True)
    assert [(b.line, b.field) for b in report.problems.rows] == [(4, "(line)"), (3, "input_tokens")]
    assert _stored(store)["request_id"].to_list() == ["a"]


def test_csv_with_ragged_records_names_their_lines_and_skips_them(tmp_path: Path) -> None:
    """A record with more fields than the header (an unquoted comma in a value) stopped polars'
    scan with an internal error; now each such record is a bad line named by file and line
    (quoted values spanning lines counted), skipped under skip_bad_rows, and the rest loads."""
    head = "ts,request_id,provider,model,input_tokens,feature\n"
    good = [f"2026-01-01T00:00:{i:02d}Z,r{i},openai,gpt-4o,{i + 1},chat\n" for i in range(30)]
    body = (head + "".join(good[:10]) + '2026-01-01T00:01:00Z,q1,openai,gpt-4o,7,"two\nlines"\n' + "".join(good[10:20])
            + "2026-01-01T00:02:00Z,x1,openai,gpt-4o,5,chat, with a comma\n" + "".join(good[20:]))
    path = tmp_path / "ragged.csv"
    path.write_text(body)
    with pytest.raises(BadRowsError, match=r"ragged.csv:24: field '\(line\)': 7 field\(s\), the header has 6"):
        ingest_request_files(Store(tmp_path / "a"), [path])
    assert not (tmp_path / "a" / "requests").exists()
    store = Store(tmp_path / "b")
    report = ingest_request_files(store, [path], skip_bad_rows=True)
    assert [(b.line, b.field) for b in report.problems.rows] == [(24, "(line)")]
    ids = _stored(store)["request_id"].to_list()
    assert len(ids) == 31 and "x1" not in ids and "q1" in ids
    assert _stored(store).filter(pl.col("request_id") == "q1")["feature"].to_list() == ["two\nlines"]


def test_otlp_is_parsed_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    passes = []
    checked = ingest._checked
    monkeypatch.setattr(ingest, "_checked", lambda reading, lenient, *a, **k: passes.append(lenient) or checked(reading, lenient, *a, **k))
    ingest_request_files(Store(tmp_path / "s"), [PUBLIC / "otlp_openai_v2_tool_call.jsonl"])
    assert passes == [False]  # the strict pass only: epoch-nanosecond times no longer fail it


def test_fast_and_struct_otlp_paths_agree(tmp_path: Path) -> None:
    """The same spans with "value" written before "key" take the struct-decoding path."""
    src = (Path(__file__).parent / "data" / "request_logs" / "otel_genai_spans.jsonl").read_text()
    doc = json.loads(src.splitlines()[0])

    def swap(obj: object) -> object:
        if isinstance(obj, dict):
            if set(obj) == {"key", "value"}:
                return {"value": swap(obj["value"]), "key": obj["key"]}
            return {k: swap(v) for k, v in obj.items()}
        return [swap(v) for v in obj] if isinstance(obj, list) else obj

    fast = tmp_path / "fast.jsonl"
    fast.write_text(json.dumps(doc) + "\n")
    slow = tmp_path / "slow.jsonl"
    slow.write_text(json.dumps(swap(doc)) + "\n")
    a = read_requests(fast).raw.collect()
    b = read_requests(slow).raw.collect()
    assert a.height >= 1 and a.equals(b.select(a.columns))


def _otlp_line(value: str, key: str = "gen_ai.usage.input_tokens", i: int = 0) -> str:
    return ('{"resourceSpans":[{"resource":{"attributes":[]},"scopeSpans":[{"scope":{"name":"t"},"spans":[{"traceId":"%032x",'
            '"spanId":"%016x","name":"chat m","startTimeUnixNano":"1748131583608300000","endTimeUnixNano":"1748131583708300000",'
            '"attributes":[{"key":"gen_ai.provider.name","value":{"stringValue":"openai"}},{"key":"%s","value":%s}]}]}]}]}'
            % (i, i, key, value))


def test_blocks_of_scalar_values_skip_the_fallback_and_read_the_same(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A block of lines whose values are all scalars is read without the per-attribute fallback
    (decided per block on the attribute text polars wrote back), and reads exactly as with it;
    an array, a map or an empty value, however spaced, sends its block to the fallback."""
    from finops.connectors.request_logs import otel

    monkeypatch.setattr(otel, "_cut_rows", lambda *a: None)  # the text path's own decision
    seen: list[bool] = []
    decide = otel.needs_fallback
    monkeypatch.setattr(otel, "needs_fallback", lambda spans: seen.append(decide(spans)) or seen[-1])
    scalar = tmp_path / "scalar.jsonl"
    scalar.write_text((Path(__file__).parent / "data" / "request_logs" / "otel_genai_spans.jsonl").read_text())
    fast = read_requests(scalar).raw.collect()
    assert seen == [False]
    read_requests(PUBLIC / "otlp_openai_v2_tool_call.jsonl")  # arrays
    assert seen[-1] is True
    for value in ('{}', '{ }', '{"kvlistValue":{"values":[]}}', '{"arrayValue":{"values":[{"intValue":"1"}]}}'):
        f = tmp_path / "m.jsonl"
        f.write_text(_otlp_line(value, key="x") + "\n")
        read_requests(f).raw.collect()
        assert seen[-1] is True, value
    monkeypatch.setattr(otel, "needs_fallback", lambda spans: True)
    slow = read_requests(scalar).raw.collect()
    assert fast.height >= 1 and fast.equals(slow)


def test_otlp_strings_with_escapes_read_as_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """polars writes a decoded backslash or control character back unescaped: the blocks that hold
    one are read by the struct path, and a quote, a newline or a non-ASCII character by either,
    so every string reads as the file wrote it (before, one backslash failed the whole file)."""
    texts = [json.dumps(v) for v in ("plain", 'a"quote', "back\\slash", "ends with \\", "tab\there", "new\nline", "café",
                                      "\x01ctl", '", "gen_ai.usage.input_tokens": "999')] + ['"u\\u005cescaped"']
    path = tmp_path / "spans.jsonl"
    path.write_text("\n".join(_otlp_line('{"stringValue":%s}' % t, key="user.id", i=i) for i, t in enumerate(texts)) + "\n")
    raw = read_requests(path).raw.collect()
    assert raw["user_id"].to_list() == [json.loads(t) for t in texts]
    assert raw["input_tokens"].null_count() == len(texts)  # nothing smuggled in by a string
    from finops.connectors.request_logs import otel

    monkeypatch.setattr(otel, "_otlp", None)  # the escapes the text path reads right: it alone reads them
    safe = [t for t in texts if otel.text_path_reads(t.encode())]
    assert len(safe) == 5
    path.write_text("\n".join(_otlp_line('{"stringValue":%s}' % t, key="user.id", i=i) for i, t in enumerate(safe)) + "\n")
    assert read_requests(path).raw.collect()["user_id"].to_list() == [json.loads(t) for t in safe]


def test_otlp_lines_read_in_blocks_read_as_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file read a few lines at a time (bounded memory) gives the rows, records and order of one read."""
    from finops.connectors.request_logs import otel

    lines = [_otlp_line('{"intValue":"%d"}' % (10 + i), i=i) for i in range(7)]
    path = tmp_path / "spans.jsonl"
    path.write_text(lines[0] + "\n\n" + "\n".join(lines[1:]) + "\n")  # a blank line does not count as a record
    whole = read_requests(path).raw.collect()
    monkeypatch.setattr(otel, "BLOCK", len(lines[0]) * 2)
    for work in (None, tmp_path / "work"):
        blocks = read_requests(path, work=work).raw.collect()
        assert blocks.equals(whole)
    assert whole["input_tokens"].to_list() == [str(10 + i) for i in range(7)]
    assert whole["__rec"].to_list() == list(range(7))
    assert len(list((tmp_path / "work").iterdir())) == 4  # parts: lines 1-2 (with the blank), 3-4, 5-6, 7


def test_otlp_blocks_are_checked_as_utf8_by_their_reader(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The OTLP block reader checks each block's bytes itself (no pass over the whole file first):
    a bad byte in a later block is named by line and byte, as the whole-file check names it;
    a non-ASCII character read well is kept."""
    from finops.connectors.request_logs import otel
    from finops.connectors.request_logs.files import JSONL, preflight

    lines = [_otlp_line('{"intValue":"%d"}' % (10 + i), i=i) for i in range(7)]
    monkeypatch.setattr(otel, "BLOCK", len(lines[0]) * 2)
    good = tmp_path / "good.jsonl"
    good.write_text("\n".join([*lines[:5], lines[5].replace('"openai"', '"openai café"'), lines[6]]) + "\n")
    assert read_requests(good).raw.collect().height == 7
    bad = tmp_path / "bad.jsonl"
    raw = ("\n".join(lines) + "\n").encode()
    at = raw.index(b"openai", len(raw) - len(lines[6]))  # in the last line, the fourth block
    bad.write_bytes(raw[:at] + b"\xff" + raw[at + 1:])
    with pytest.raises(InputError) as by_blocks:
        read_requests(bad).raw.collect()
    with pytest.raises(InputError) as whole_file:
        preflight(bad, JSONL)
    assert str(by_blocks.value) == str(whole_file.value)
    assert f"line 7: byte {at:,} is not UTF-8" in str(by_blocks.value)


def test_utf8_check_across_read_blocks(tmp_path: Path) -> None:
    """ASCII blocks skip the decode, but not one that follows a character left open; errors name the line."""
    from finops.connectors.request_logs.files import JSONL, preflight

    head = b'{"a": "' + b"x" * ((1 << 20) - 8)  # one byte short of the 1 MB read block
    ok = tmp_path / "ok.jsonl"
    ok.write_bytes(head + "é".encode() + b'"}\n' + b'{"b": 1}\n' * 10)  # é split across the blocks
    preflight(ok, JSONL)
    cut = tmp_path / "cut.jsonl"
    cut.write_bytes(head + b"\xc3" + b'"}\n' + b'{"b": 1}\n' * 10)  # a lead byte, then an ASCII block
    with pytest.raises(InputError, match=r"cut.jsonl: line 1: byte 1,048,576 is not UTF-8"):
        preflight(cut, JSONL)
    late = tmp_path / "late.jsonl"
    late.write_bytes(b'{"b": 1}\n' * 200_000 + b'{"b": "\xff"}\n')
    with pytest.raises(InputError, match=r"late.jsonl: line 200001: byte 1,800,007 is not UTF-8"):
        preflight(late, JSONL)


# ---- Claude Code trees ---------------------------------------------------------------------------

def _assistant(session: str, msg: str, ts: str, out: int, one_hour: int | None = None, uuid: str = "") -> dict:
    usage: dict = {"input_tokens": 5, "cache_creation_input_tokens": 100, "cache_read_input_tokens": 1000, "output_tokens": out}
    if one_hour is not None:
        usage["cache_creation"] = {"ephemeral_5m_input_tokens": 100 - one_hour, "ephemeral_1h_input_tokens": one_hour}
    return {"parentUuid": None, "isSidechain": False, "userType": "external", "cwd": "/w", "sessionId": session,
            "version": "2.0.14", "type": "assistant", "uuid": uuid or f"{msg}-{out}", "timestamp": ts, "requestId": f"req_{msg}",
            "message": {"model": "claude-sonnet-4-5-20250929", "id": msg, "type": "message", "role": "assistant",
                        "content": [{"type": "text", "text": "x"}], "usage": usage}}


def _tree(root: Path) -> Path:
    a = root / "projects" / "-w"
    a.mkdir(parents=True)
    # msg_1: logged per content block, the fuller copy first and in the next month
    _write_jsonl(a / "s1.jsonl", [_assistant("s1", "msg_1", "2026-10-31T23:59:59.900Z", 3, uuid="x1"),
                                  _assistant("s1", "msg_2", "2026-10-31T23:59:58.000Z", 50, one_hour=100)])
    _write_jsonl(a / "s2.jsonl", [_assistant("s2", "msg_1", "2026-11-01T00:00:00.400Z", 40, one_hour=0, uuid="x2"),
                                  _assistant("s2", "msg_3", "2026-11-01T00:01:00.000Z", 7)])
    # a session killed mid-write: its last line is cut short
    _write_jsonl(a / "s3.jsonl", [_assistant("s3", "msg_4", "2026-11-02T10:00:00.000Z", 9)],
                 tail=json.dumps(_assistant("s3", "msg_5", "2026-11-02T10:00:01.000Z", 9))[:80])
    return root / "projects"


def test_claude_code_tree_dedup_across_months_keeps_the_fullest_copy(tmp_path: Path) -> None:
    tree = _tree(tmp_path / "claude")
    home = tmp_path / "home"
    result = CliRunner().invoke(app, ["--data-dir", str(home), "ingest", str(tree)])
    assert result.exit_code != 0 and "s3.jsonl:2: field '(line)': cut short" in result.output
    result = CliRunner().invoke(app, ["--data-dir", str(home), "ingest", str(tree), "--skip-bad-rows"])
    assert result.exit_code == 0, result.output
    rows = _stored(Store(home / "store"))
    assert rows["request_id"].to_list() == ["msg_1", "msg_2", "msg_3", "msg_4"]  # each response once, in the whole table
    one = rows.row(0, named=True)
    assert (one["output_tokens"], one["ts"].month) == (40, 11)  # the copy with the most tokens, not the first or last
    assert rows["input_tokens"].to_list() == [1105] * 4
    if "cache_write_1h_tokens" in REQUESTS:
        assert rows["cache_write_1h_tokens"].to_list() == [0, 100, None, None]  # null: the log does not split writes
    # loading a thinner copy later changes nothing; a fuller one replaces the stored row, across months
    extra = tmp_path / "later.jsonl"
    _write_jsonl(extra, [_assistant("s9", "msg_1", "2026-10-31T23:59:59.000Z", 2),
                         _assistant("s9", "msg_3", "2026-10-30T00:00:00.000Z", 70)])
    ingest_request_files(Store(home / "store"), [extra], fmt="claude-code")
    again = _stored(Store(home / "store"))
    assert again["request_id"].to_list() == ["msg_1", "msg_2", "msg_3", "msg_4"]
    assert again.filter(pl.col("request_id") == "msg_1")["output_tokens"].to_list() == [40]
    moved = again.filter(pl.col("request_id") == "msg_3").row(0, named=True)
    assert (moved["output_tokens"], moved["ts"].month) == (70, 10)


def test_clean_session_files_are_read_as_one_batch(tmp_path: Path) -> None:
    root = tmp_path / "p" / "-w"
    root.mkdir(parents=True)
    for i in range(3):
        _write_jsonl(root / f"s{i}.jsonl", [_assistant(f"s{i}", f"msg_{i}", f"2026-11-0{i + 1}T00:00:00Z", 5)])
    report = ingest_request_files(Store(tmp_path / "store"), sorted(root.iterdir()))
    assert [f.path.name for f in report.files] == ["(3 claude-code files)"]
    assert report.result.added == 3


def _kv(key: str, value: object) -> dict:
    return {"key": key, "value": value}


def _span(i: int, attributes: list[dict] | None, **extra: object) -> dict:
    span = {"traceId": "%032x" % i, "spanId": "%016x" % i, "name": "chat m", "kind": 3,
            "startTimeUnixNano": "1748131583608300000", "endTimeUnixNano": "1748131583708300000"}
    if attributes is not None:
        span["attributes"] = attributes
    return span | extra


def _otlp_doc(spans: list[dict], resource: list[dict] | None = None, scopes: int = 1) -> str:
    scope = [{"scope": {"name": f"s{j}", "version": "1"}, "spans": spans} for j in range(scopes)]
    res = {"attributes": resource} if resource is not None else {}
    return json.dumps({"resourceSpans": [{"resource": res, "scopeSpans": scope}]}, separators=(",", ":"), ensure_ascii=False)


CHAT = [_kv("gen_ai.provider.name", {"stringValue": "openai"}), _kv("gen_ai.usage.input_tokens", {"intValue": "7"})]


def test_otlp_lists_cut_from_the_raw_lines_read_as_the_struct_path(tmp_path: Path) -> None:
    """The cut path (attribute lists cut out of the raw bytes, made flat objects) reads each of
    these lines as the struct path does: strings holding the literals it cuts at or rewrites,
    every scalar kind, empty and missing lists, lists after and before other members, events and
    links with their own lists, a repeated attribute (the first counts) and a team's attribute
    found on the resource. Those it cannot read exactly it declines, and the block is read by the
    other paths, the same again."""
    from finops.connectors.request_logs import otel

    tricky = ["key", "value", "attributes", "a}}]b", "}}", "x}},{", "]", "café }}] ü", "", ","]
    taken = [
        _otlp_doc([_span(i, [*CHAT, _kv("user.id", {"stringValue": s}), _kv("app.feature", {"stringValue": "f"})])
                   for i, s in enumerate(tricky)]),
        _otlp_doc([_span(0, [*CHAT, _kv("gen_ai.usage.output_tokens", {"intValue": 3}), _kv("x.d", {"doubleValue": 1.5}),
                             _kv("gen_ai.is_streaming", {"boolValue": True}), _kv("b", {"bytesValue": "AAE="})]),
                   _span(1, [*CHAT, _kv("x.d", {"doubleValue": 2.5})], status={"code": 2, "message": "boom"}),
                   _span(2, [_kv("gen_ai.usage.output_tokens", {"intValue": "1"}), *CHAT, _kv("gen_ai.usage.output_tokens", {"intValue": "9"})]),
                   _span(3, []), _span(4, None), _span(5, CHAT, flags=256),
                   _span(6, CHAT, events=[{"timeUnixNano": "1", "name": "e", "attributes": [_kv("gen_ai.usage.input_tokens", {"intValue": "99"})]}],
                         links=[{"traceId": "%032x" % 9, "spanId": "%016x" % 9, "attributes": [_kv("k", {"stringValue": "v"})]}])],
                  resource=[_kv("service.name", {"stringValue": "svc"}), _kv("tenant", {"stringValue": "acme"})], scopes=2),
        _otlp_doc([_span(0, CHAT)], resource=[]),
    ]
    declined = [
        _otlp_doc([_span(0, [*CHAT, _kv("m", {"kvlistValue": {"values": [_kv("a", {"stringValue": "b"})]}})])]),
        _otlp_doc([_span(0, [*CHAT, _kv("a", {"arrayValue": {"values": [{"stringValue": "x"}]}})])]),
        _otlp_doc([_span(0, [*CHAT, _kv("e", {})])]),
        _otlp_doc([_span(0, [*CHAT, _kv("two", {"stringValue": "a", "intValue": "5"})])]),
        _otlp_doc([_span(0, [*CHAT, {"value": {"stringValue": "u"}, "key": "user.id"}])]),
        json.dumps(json.loads(_otlp_doc([_span(0, CHAT)]))),  # spaces between tokens
        _otlp_doc([_span(0, [*CHAT, _kv("user.id", {"stringValue": 'say "hi"'})])]),  # a backslash
    ]
    fields = {"project_id": "tenant"}
    attrs, mapped = otel.attributes(fields), set(fields)
    for line, cut in [(t, True) for t in taken] + [(d, False) for d in declined]:
        block = (line + "\n").encode()
        try:
            by_cut = otel._cut_rows(block, attrs, mapped)
        except pl.exceptions.ComputeError:
            by_cut = None
        assert (by_cut is not None) == cut, line
        n, rows = otel._read_block(block, attrs, mapped, value_first=False)
        n_struct, by_struct = otel._block_rows(block, attrs, mapped, struct=True)
        assert n == n_struct == 1 and rows.height >= 1 and rows.equals(by_struct), line
    rows = otel._cut_rows((taken[0] + "\n").encode(), attrs, mapped)[1]
    assert rows["user_id"].to_list() == tricky
    rows = otel._cut_rows((taken[1] + "\n").encode(), attrs, mapped)[1]
    assert rows.height == 10  # 5 model calls in each of 2 scopes (an empty list and none are not); no event's tokens
    assert rows["input_tokens"].to_list() == ["7"] * 10 and rows["output_tokens"].to_list()[:5] == ["3", None, "1", None, None]
    assert set(rows["__mapped_project_id"].to_list()) == {"acme"} and set(rows["__service"].to_list()) == {"svc"}


def test_otlp_cut_path_counts_lines_as_the_ndjson_reader_does() -> None:
    """The cut path decodes each line itself: CRLF endings, blank lines and an empty object give
    the records and numbers the NDJSON reader gives; a line that is JSON but not an object is
    declined or fails, as the reader fails on it, so the other paths name it."""
    from finops.connectors.request_logs import otel

    good = _otlp_doc([_span(0, CHAT)])
    attrs = otel.attributes({})
    for extra, records in [("  ", 2), ("{}", 3), ("", 2)]:
        block = f"{good}\r\n{extra}\r\n{good}\n".encode()
        n, rows = otel._cut_rows(block, attrs, set())
        n_struct, by_struct = otel._block_rows(block, attrs, set(), struct=True)
        assert n == n_struct == records and rows.equals(by_struct), extra
    for extra in ["null", "[1]", '"text"']:
        block = f"{good}\n{extra}\n".encode()
        with pytest.raises(pl.exceptions.ComputeError):
            if otel._cut_rows(block, attrs, set()) is None:
                raise pl.exceptions.ComputeError("declined")
        with pytest.raises(pl.exceptions.ComputeError):
            otel._block_rows(block, attrs, set(), struct=True)


def test_otlp_cut_path_with_one_span_a_line_reads_each_resource_as_its_own() -> None:
    """One span a line repeats each resource's list on every line: the cut path decodes each
    distinct list once and gives every span its own resource's attributes, as the struct path does."""
    from finops.connectors.request_logs import otel

    resources = [[_kv("service.name", {"stringValue": f"svc{j}"}), _kv("tenant", {"stringValue": f"t{j}"})] for j in range(3)]
    lines = [_otlp_doc([_span(i, [*CHAT, _kv("user.id", {"stringValue": f"u{i % 2}"})])], resource=resources[i % 3] if i % 4 else [])
             for i in range(40)]
    block = ("\n".join(lines) + "\n").encode()
    fields = {"project_id": "tenant"}
    attrs, mapped = otel.attributes(fields), set(fields)
    n, rows = otel._cut_rows(block, attrs, mapped)
    n_struct, by_struct = otel._block_rows(block, attrs, mapped, struct=True)
    assert n == n_struct == 40 and rows.equals(by_struct)
    assert rows["__service"].to_list()[:5] == [None, "svc1", "svc2", "svc0", None]
    assert rows["__mapped_project_id"].to_list()[:5] == [None, "t1", "t2", "t0", None]


def test_otlp_cut_path_names_a_malformed_line(tmp_path: Path) -> None:
    """A line that is not JSON is still named by file and line when the cut path reads the file."""
    good = _otlp_doc([_span(0, CHAT)])
    path = tmp_path / "spans.jsonl"
    path.write_text("\n".join([good, good, good[:-7], good]) + "\n")
    with pytest.raises(InputError, match=r"spans.jsonl: line 3: not valid JSON"):
        read_requests(path).raw.collect()


def test_otlp_text_path_keeps_braces_inside_strings(monkeypatch: pytest.MonkeyPatch) -> None:
    """The text path (a block with an escape polars writes back safely) reads a string value
    holding `}}` as written: its rewrite dropped every `}}`, and so `a}}b` read `ab`."""
    from finops.connectors.request_logs import otel

    monkeypatch.setattr(otel, "_cut_rows", lambda *a: None)
    values = ["a}}b", "}}x", "x}}", "}}", 'say "hi" }}']
    line = _otlp_doc([_span(i, [*CHAT, _kv("user.id", {"stringValue": v}), _kv("x.d", {"doubleValue": 1.5})])
                      for i, v in enumerate(values)] + [_span(9, [*CHAT, _kv("gen_ai.is_streaming", {"boolValue": True})])])
    block = (line + "\n").encode()
    assert otel.text_path_reads(block) and b"\\" in block
    attrs = otel.attributes()
    rows = otel._block_rows(block, attrs, set(), struct=False)[1]
    assert rows["user_id"].to_list() == [*values, None] and rows["__streaming"].to_list() == [None] * 5 + ["true"]
    assert rows.equals(otel._block_rows(block, attrs, set(), struct=True)[1])
