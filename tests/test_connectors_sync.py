"""Both connectors against the fake provider over real HTTP: exact data, faults, restatements, watermarks."""

from __future__ import annotations

import copy
from collections import defaultdict
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from finops.connectors import anthropic_usage, openai_usage
from finops.connectors._http import RetryPolicy
from finops.connectors.sync import sync_source
from finops.config import ConfigFile
from finops.errors import CredentialError, SourceError
from finops.schema import TokenClass
from finops.store import Store, Watermarks
from tests.support.fake_provider import FakeProvider, Fault, fake_provider  # noqa: F401

UTC = timezone.utc
NOW = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)  # mid-day: the 20th is not complete yet
SINCE = datetime(2026, 11, 1, tzinfo=UTC)
END = datetime(2026, 11, 20, tzinfo=UTC)
FAST = RetryPolicy(attempts=4, base_seconds=0.01, cap_seconds=0.05, timeout_seconds=0.5)
USAGE_KEY = ["charge_period_start", "provider", "model", "project_id", "api_key_id", "service_tier", "context_window",
             "region", "token_class"]


def _day(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, tz=UTC)


def _an_day(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _in(start: datetime, end: datetime, a: datetime, b: datetime) -> bool:
    return start <= a and b <= end


# -- an oracle read straight from the server's JSON, not through the parsers ---------------------
def _group(token_class: str) -> str:
    if token_class in TokenClass.INPUT and token_class != TokenClass.EMBEDDING:
        return "input"
    if token_class in (TokenClass.OUTPUT, TokenClass.OUTPUT_AUDIO, TokenClass.OUTPUT_IMAGE, TokenClass.REASONING):
        return "output"
    return token_class


OPENAI_METERS = {"embeddings": {"input_tokens": "embedding", "num_model_requests": "requests"},
                 "moderations": {"input_tokens": "input", "num_model_requests": "requests"},
                 "images": {"images": "images", "num_model_requests": "requests"},
                 "audio_speeches": {"characters": "audio_characters", "num_model_requests": "requests"},
                 "audio_transcriptions": {"seconds": "audio_seconds", "num_model_requests": "requests"},
                 "vector_stores": {"usage_bytes": "vector_store_bytes"},
                 "code_interpreter_sessions": {"num_sessions": "code_interpreter_sessions"},
                 "file_search_calls": {"num_requests": "file_search_calls"},
                 "web_search_calls": {"num_requests": "web_search_calls"}}


def oracle(server: FakeProvider, start: datetime, end: datetime, provider: str | None = None) -> tuple[dict, dict, int]:
    """(tokens by (day, provider, group), Decimal dollars by (day, provider), cost line count) on whole days."""
    usage: dict[tuple, int] = defaultdict(int)
    dollars: dict[tuple, Decimal] = defaultdict(Decimal)
    lines = 0
    if provider in (None, "openai"):
        for endpoint, buckets in server.data.openai.items():
            for b in buckets:
                day = _day(b["start_time"])
                if not _in(start, end, day, _day(b["end_time"])):
                    continue
                for r in b["results"]:
                    if endpoint == "costs":
                        dollars[(day, "openai")] += Decimal(str(r["amount"]["value"]))
                        lines += 1
                    elif endpoint == "completions":
                        new = "input_uncached_tokens" in r  # 2026-07-15 meaning: every modality in input_tokens
                        usage[(day, "openai", "input")] += r["input_tokens"] + (0 if new else r.get("input_audio_tokens", 0))
                        usage[(day, "openai", "output")] += r["output_tokens"] + (0 if new else r.get("output_audio_tokens", 0))
                        usage[(day, "openai", "requests")] += r["num_model_requests"]
                    else:
                        for field, group in OPENAI_METERS[endpoint].items():
                            usage[(day, "openai", group)] += r[field]
    if provider in (None, "anthropic"):
        for b in server.data.anthropic["usage"]:
            day = _an_day(b["starting_at"])
            if _in(start, end, day, _an_day(b["ending_at"])):
                for r in b["results"]:
                    c = r["cache_creation"]
                    usage[(day, "anthropic", "input")] += (r["uncached_input_tokens"] + r["cache_read_input_tokens"]
                                                           + c["ephemeral_5m_input_tokens"] + c["ephemeral_1h_input_tokens"])
                    usage[(day, "anthropic", "output")] += r["output_tokens"]
                    usage[(day, "anthropic", "web_search_calls")] += r["server_tool_use"]["web_search_requests"]
        for b in server.data.anthropic["cost"]:
            day = _an_day(b["starting_at"])
            if _in(start, end, day, _an_day(b["ending_at"])):
                for r in b["results"]:
                    dollars[(day, "anthropic")] += Decimal(r["amount"]) / 100  # cents
                    lines += 1
    return {k: v for k, v in usage.items() if v}, dict(dollars), lines


def assert_store_matches_server(store: Store, server: FakeProvider, start: datetime, end: datetime,
                                provider: str | None = None) -> None:
    usage_want, dollars_want, lines_want = oracle(server, start, end, provider)
    usage = store.read("billed_usage")
    got: dict[tuple, int] = defaultdict(int)
    for day, prov, cls, qty in usage.select("charge_period_start", "provider", "token_class", "quantity").iter_rows():
        got[(day, prov, _group(cls))] += qty
    assert dict(got) == usage_want  # every token, call and byte once: no loss, no double count
    assert usage.select(USAGE_KEY).is_duplicated().sum() == 0
    costs = store.read("cost_lines")
    assert costs.height == lines_want and costs["x_LineId"].n_unique() == lines_want
    got_d: dict[tuple, Decimal] = defaultdict(Decimal)
    for day, prov, cost in costs.select("ChargePeriodStart", "ServiceProviderName", "BilledCost").iter_rows():
        got_d[(day, prov.lower())] += Decimal(repr(cost))  # each float is exactly the provider's decimal
    assert dict(got_d) == dollars_want
    if provider in (None, "openai"):
        quantities = [r["quantity"] for b in server.data.openai["costs"] for r in b["results"]
                      if r.get("quantity") is not None and _in(start, end, _day(b["start_time"]), _day(b["end_time"]))]
        stored = costs.filter(pl.col("ConsumedUnit") == "images")["ConsumedQuantity"]
        assert sorted(stored.to_list()) == sorted(quantities) and quantities
    # Whole rows too, dimensions included, against the page parsers on the same buckets.
    want = parsed(server, start, end, provider)
    assert usage.select(*USAGE_KEY, "quantity").sort(USAGE_KEY).equals(want.select(*USAGE_KEY, "quantity").sort(USAGE_KEY))


def parsed(server: FakeProvider, start: datetime, end: datetime, provider: str | None) -> pl.DataFrame:
    frames = []
    if provider in (None, "openai"):
        for endpoint, buckets in server.data.openai.items():
            if endpoint != "costs":
                page = {"data": [b for b in buckets if _in(start, end, _day(b["start_time"]), _day(b["end_time"]))]}
                frames.append(openai_usage.parse_usage_page(page, endpoint))
    if provider in (None, "anthropic"):
        page = {"data": [b for b in server.data.anthropic["usage"]
                         if _in(start, end, _an_day(b["starting_at"]), _an_day(b["ending_at"]))]}
        frames.append(anthropic_usage.parse_usage_page(page))
    from finops.connectors._rows import combine_usage

    return combine_usage(frames)


def _sync(store: Store, name: str, **kw):  # type: ignore[no-untyped-def]
    kw.setdefault("since", SINCE)
    kw.setdefault("now", NOW)
    return sync_source(store, ConfigFile(None), name, policy=kw.pop("policy", FAST), **kw)


# -- tests ------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["openai", "anthropic"])
def test_sync_stores_exactly_the_servers_complete_days(fake_provider: FakeProvider, tmp_path: Path, name: str) -> None:
    store = Store(tmp_path)
    result = _sync(store, name)
    assert (result.start, result.end, result.days) == (SINCE, END, 19)  # the 20th is still running at NOW
    assert result.pages == (11 if name == "openai" else 2) * 3  # 19 buckets at 8 per page
    assert_store_matches_server(store, fake_provider, SINCE, END, name)
    assert store.read("billed_usage")["charge_period_end"].max() == END
    assert Watermarks(tmp_path).get(name).watermark == END
    again = _sync(store, name)
    assert (again.added, again.changed, again.removed) == (0, 0, 0)  # a re-run changes nothing


def test_every_openai_endpoint_and_both_field_meanings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A window across 2026-07-15, when the completions fields changed meaning."""
    from datetime import date

    from tests.support.fake_provider import point_env, sample_data

    server = FakeProvider(page_size=31)
    server.start(sample_data(date(2026, 7, 25), days=20))
    point_env(monkeypatch, server)
    try:
        store = Store(tmp_path)
        start, end = datetime(2026, 7, 6, tzinfo=UTC), datetime(2026, 7, 26, tzinfo=UTC)
        _sync(store, "openai", since=start, now=end)
        assert_store_matches_server(store, server, start, end, "openai")
        classes = set(store.read("billed_usage")["token_class"])
        assert {"input_audio", "output_audio", "input_cache_write_5m", "images", "audio_seconds", "audio_characters",
                "vector_store_bytes", "code_interpreter_sessions", "file_search_calls", "web_search_calls",
                "embedding", "requests"} <= classes
        assert "batch" in set(store.read("billed_usage")["service_tier"])
    finally:
        server.stop()


def _mutated_costs(server: FakeProvider) -> list[dict]:
    buckets = copy.deepcopy(server.data.openai["costs"])
    for b in buckets:
        for r in b["results"]:
            r["amount"] = {"value": str(Decimal(str(r["amount"]["value"])) + Decimal("0.01")), "currency": "usd"}
    return buckets


FAULTS = [
    Fault("429", retry_after=0), Fault("429"), Fault("500"), Fault("502"), Fault("503", times=3), Fault("504"),
    Fault("529", times=2), Fault("529", retry_after=1),
    Fault("slow"), Fault("truncated"), Fault("expire", path="usage", times=2),
    Fault("restate", path="costs", restate=lambda s: s.restate("openai", "costs", _mutated_costs(s))),
]


@pytest.mark.parametrize("fault", FAULTS, ids=[f.kind + ("-retry-after" if f.retry_after is not None else "") for f in FAULTS])
def test_faults_are_survived_with_the_right_data(fake_provider: FakeProvider, tmp_path: Path, fault: Fault) -> None:
    fake_provider.set_faults(copy.copy(fault))  # "restate": a refresh between two pages expires the cursor
    store = Store(tmp_path)
    for name in ("openai", "anthropic"):
        _sync(store, name)
    assert fake_provider.pending_faults() == []  # the fault did happen
    assert_store_matches_server(store, fake_provider, SINCE, END)
    assert any(status >= 400 for _, _, status in fake_provider.log) or fault.kind in ("slow", "truncated")


def test_restate_mid_pagination_serves_the_new_data(fake_provider: FakeProvider, tmp_path: Path) -> None:
    fake_provider.set_faults(Fault("restate", path="costs", restate=lambda s: s.restate("openai", "costs", _mutated_costs(s))))
    store = Store(tmp_path)
    _sync(store, "openai")
    assert any(status == 410 for path, _, status in fake_provider.log if path.endswith("costs"))
    assert_store_matches_server(store, fake_provider, SINCE, END, "openai")


@pytest.mark.parametrize("kind", ["503", "429", "truncated", "slow"])
def test_persistent_failure_stores_nothing_and_keeps_the_watermark(fake_provider: FakeProvider, tmp_path: Path,
                                                                   kind: str) -> None:
    fake_provider.set_faults(Fault(kind, path="costs", times=100))
    store = Store(tmp_path)
    with pytest.raises(SourceError, match=r"openai: gave up on organization/costs after 4 attempts \(.+\); try again later"):
        _sync(store, "openai")
    assert store.read("billed_usage").height == 0 and store.read("cost_lines").height == 0
    assert Watermarks(tmp_path).get("openai").watermark is None


@pytest.mark.parametrize("kind", ["401", "403"])
def test_refused_key_fails_at_once_naming_the_key_type(fake_provider: FakeProvider, tmp_path: Path, kind: str) -> None:
    fake_provider.set_faults(Fault(kind, path="usage_report"))
    with pytest.raises(CredentialError, match=rf"anthropic: the provider refused the key \(HTTP {kind}\); this source needs an Admin API key"):
        _sync(Store(tmp_path), "anthropic")
    assert len(fake_provider.requests_to("usage_report")) == 1  # not retried


def test_interrupted_sync_resumes_without_duplicates(fake_provider: FakeProvider, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    store = Store(tmp_path)
    real = Store.upsert

    def crash_on_costs(self, table, frame):  # type: ignore[no-untyped-def]
        if table == "cost_lines":
            raise KeyboardInterrupt  # the process dies between the two tables
        return real(self, table, frame)

    monkeypatch.setattr(Store, "upsert", crash_on_costs)
    with pytest.raises(KeyboardInterrupt):
        _sync(store, "openai", since=None)
    # Both tables are one commit: an interrupted sync stores nothing, and the watermark stays.
    assert store.read("billed_usage").height == 0 and Watermarks(tmp_path).get("openai").watermark is None
    monkeypatch.setattr(Store, "upsert", real)
    result = _sync(store, "openai", since=None)  # no --since: resumes from the (absent) watermark
    assert result.start == END - timedelta(days=30)
    assert_store_matches_server(store, fake_provider, result.start, END, "openai")


def test_restated_past_days_are_updated_and_dropped_rows_removed(fake_provider: FakeProvider, tmp_path: Path) -> None:
    store = Store(tmp_path)
    _sync(store, "anthropic")
    usage = copy.deepcopy(fake_provider.data.anthropic["usage"])
    day18 = next(b for b in usage if b["starting_at"].startswith("2026-11-18"))
    gone = day18["results"].pop()  # the provider moved this group's usage elsewhere
    day18["results"][0]["output_tokens"] += 1000
    fake_provider.restate("anthropic", "usage", usage)
    cost = copy.deepcopy(fake_provider.data.anthropic["cost"])
    day17 = next(b for b in cost if b["starting_at"].startswith("2026-11-17"))
    day17["results"][0]["amount"] = str(Decimal(day17["results"][0]["amount"]) + Decimal("12.5"))
    fake_provider.restate("anthropic", "cost", cost)
    again = sync_source(store, ConfigFile(None), "anthropic", now=NOW + timedelta(days=1), policy=FAST)
    assert again.start == datetime(2026, 11, 17, tzinfo=UTC)  # watermark (20th) minus 3 days
    assert (again.changed, again.removed) == (2, _meters(gone))
    assert_store_matches_server(store, fake_provider, SINCE, END + timedelta(days=1), "anthropic")


def _meters(result: dict) -> int:
    c, t = result["cache_creation"], result["server_tool_use"]
    values = [result["uncached_input_tokens"], result["cache_read_input_tokens"], result["output_tokens"],
              c["ephemeral_5m_input_tokens"], c["ephemeral_1h_input_tokens"], t["web_search_requests"]]
    return sum(1 for v in values if v)


def test_days_outside_the_restatement_window_are_not_reread(fake_provider: FakeProvider, tmp_path: Path) -> None:
    store = Store(tmp_path)
    _sync(store, "anthropic")
    n = len(fake_provider.log)
    sync_source(store, ConfigFile(None), "anthropic", now=NOW, policy=FAST)
    starts = {dict(p)["starting_at"] for path, p, _ in fake_provider.log[n:]}
    assert starts == {"2026-11-17T00:00:00Z"}


def test_never_a_partial_day(fake_provider: FakeProvider, tmp_path: Path) -> None:
    """--until in the future is capped at today; a bucket that is not a whole day is dropped."""
    buckets = copy.deepcopy(fake_provider.data.anthropic["usage"])
    half = copy.deepcopy(buckets[-1])
    half["starting_at"], half["ending_at"] = "2026-11-21T00:00:00Z", "2026-11-21T12:00:00Z"
    fake_provider.restate("anthropic", "usage", [*buckets, half])
    store = Store(tmp_path)
    result = _sync(store, "anthropic", until=datetime(2026, 12, 31, tzinfo=UTC), now=datetime(2026, 11, 22, 9, tzinfo=UTC))
    assert result.end == datetime(2026, 11, 22, tzinfo=UTC)
    usage = store.read("billed_usage")
    assert usage.filter(pl.col("charge_period_end") - pl.col("charge_period_start") != timedelta(days=1)).height == 0
    assert datetime(2026, 11, 21, tzinfo=UTC) not in set(usage["charge_period_start"])


def test_watermark_never_jumps_a_gap_nor_moves_back(fake_provider: FakeProvider, tmp_path: Path) -> None:
    store, marks = Store(tmp_path), Watermarks(tmp_path)
    _sync(store, "openai", since=SINCE, until=datetime(2026, 11, 5, tzinfo=UTC))
    assert marks.get("openai").watermark == datetime(2026, 11, 5, tzinfo=UTC)
    _sync(store, "openai", since=datetime(2026, 11, 10, tzinfo=UTC))  # leaves the 5th..9th unsynced
    assert marks.get("openai").watermark == datetime(2026, 11, 5, tzinfo=UTC)
    _sync(store, "openai", since=datetime(2026, 11, 3, tzinfo=UTC))
    assert marks.get("openai").watermark == END
    _sync(store, "openai", since=SINCE, until=datetime(2026, 11, 4, tzinfo=UTC))  # an old re-read
    assert marks.get("openai").watermark == END


def test_requests_follow_each_providers_parameter_rules(fake_provider: FakeProvider, tmp_path: Path) -> None:
    store = Store(tmp_path)
    _sync(store, "openai")
    _sync(store, "anthropic")
    assert all(status == 200 for _, _, status in fake_provider.log)  # the server rejects any rule broken
    oa = fake_provider.requests_to("usage/completions")[0]
    an = fake_provider.requests_to("usage_report/messages")[0]
    assert [v for k, v in oa if k == "group_by"] == ["model", "project_id", "api_key_id", "batch", "service_tier"]
    assert dict(oa)["start_time"] == str(int(SINCE.timestamp())) and dict(oa)["end_time"] == str(int(END.timestamp()))
    assert [v for k, v in an if k == "group_by[]"] == ["model", "workspace_id", "api_key_id", "service_tier",
                                                     "context_window", "inference_geo"]
    assert dict(an)["starting_at"] == "2026-11-01T00:00:00Z" and dict(an)["ending_at"] == "2026-11-20T00:00:00Z"


def test_the_fake_server_enforces_the_documented_rules(fake_provider: FakeProvider) -> None:
    import httpx

    oa = {"Authorization": f"Bearer {fake_provider.keys['openai']}"}
    an = {"x-api-key": fake_provider.keys["anthropic"], "anthropic-version": "2023-06-01"}
    url = fake_provider.url
    cases = [
        (url + "/v1/organization/usage/completions", [("start_time", 0), ("group_by[]", "model")], oa, 400),
        (url + "/v1/organization/usage/completions", [("limit", 3)], oa, 400),  # start_time missing
        (url + "/v1/organization/usage/completions", [("start_time", 0), ("limit", 32)], oa, 400),
        (url + "/v1/organization/costs", [("start_time", 0), ("group_by", "model")], oa, 400),
        (url + "/v1/organization/usage/completions", [("start_time", 0)], {"Authorization": "Bearer sk-proj"}, 401),
        (url + "/v1/organizations/usage_report/messages", [("starting_at", "2026-11-01T00:00:00Z"), ("group_by", "model")], an, 400),
        (url + "/v1/organizations/usage_report/messages", [("starting_at", "2026-11-01T00:00:00Z")], {"x-api-key": an["x-api-key"]}, 400),
        (url + "/v1/organizations/cost_report", [("starting_at", "2026-11-01T00:00:00Z"), ("bucket_width", "1h")], an, 400),
        (url + "/v1/organizations/cost_report", [("starting_at", "2026-11-01T00:00:00Z"), ("page", "page_bogus")], an, 410),
        (url + "/v1/organizations/cost_report", [("starting_at", "2026-11-01T00:00:00Z")], an, 200),
    ]
    with httpx.Client() as client:
        assert [client.get(u, params=p, headers=h).status_code for u, p, h, _ in cases] == [c[-1] for c in cases]
