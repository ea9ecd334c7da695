"""The independent scenario generator (tests/scenarios): deterministic, self-consistent, served as documented.

Self-consistency is checked from the files a scenario writes, not from the generator's own
objects: billed tokens read back from the provider buckets minus logged tokens read back
from each log shape must equal the planted differences of the ground truth's ledger, per
day, provider, project, key, model and token class; every planted finding's tokens are its
ledger rows; the cost buckets add up to the billed dollars of the truth.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from datetime import date, datetime, timezone
from pathlib import Path

import httpx
import pytest

from tests.scenarios.generate import generate
from tests.scenarios.logs import Naming
from tests.scenarios.prices import MODELS
from tests.scenarios.write import SHAPES, generate_into
from tests.support.fake_provider import FakeProvider, scenario_data

SEEDS = (0, 1, 2, 3, 5, 8, 13)
SNAPSHOT = {m.alias: m.snapshot for m in MODELS}
Key = tuple[str, str, str, str, str, str]  # day, provider, project, key, model, class


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    out = {}
    for seed in SEEDS:
        out[seed] = tmp_path_factory.mktemp(f"scenario{seed}")
        generate_into(seed, out[seed])
    return out


def _day(ts: int | str) -> str:
    if isinstance(ts, int):
        return datetime.fromtimestamp(ts, tz=timezone.utc).date().isoformat()
    return ts[:10]


def billed_tokens(folder: Path) -> dict[Key, int]:
    api = json.loads((folder / "provider_api.json").read_text())
    out: dict[Key, int] = defaultdict(int)
    for b in (api.get("openai") or {}).get("completions", []):
        for r in b["results"]:
            assert r["input_tokens"] == r["input_cached_tokens"] + r["input_uncached_tokens"] + r["input_cache_write_tokens"]
            k = (_day(b["start_time"]), "openai", r["project_id"], r["api_key_id"] or "", r["model"])
            out[(*k, "input_uncached")] += r["input_uncached_tokens"]
            out[(*k, "input_cache_read")] += r["input_cached_tokens"]
            out[(*k, "output")] += r["output_tokens"]
    for b in (api.get("anthropic") or {}).get("usage", []):
        for r in b["results"]:
            k = (_day(b["starting_at"]), "anthropic", r["workspace_id"] or "default", r["api_key_id"] or "", r["model"])
            out[(*k, "input_uncached")] += r["uncached_input_tokens"]
            out[(*k, "input_cache_read")] += r["cache_read_input_tokens"]
            out[(*k, "input_cache_write_5m")] += r["cache_creation"]["ephemeral_5m_input_tokens"]
            out[(*k, "input_cache_write_1h")] += r["cache_creation"]["ephemeral_1h_input_tokens"]
            out[(*k, "output")] += r["output_tokens"]
    return out


def _add_usage(out: dict[Key, int], k: tuple[str, ...], total_in: int, cached: int, write: int, write_1h: int, output: int) -> None:
    out[(*k, "input_uncached")] += total_in - cached - write
    out[(*k, "input_cache_read")] += cached
    out[(*k, "output")] += output
    if k[1] == "anthropic":
        out[(*k, "input_cache_write_5m")] += write - write_1h
        out[(*k, "input_cache_write_1h")] += write_1h


def _identity(folder: Path) -> dict[tuple[str, str, str], str]:
    import csv

    with (folder / "identity.csv").open() as fh:
        return {(r["provider"], r["kind"], r["name"]): r["provider_id"] for r in csv.DictReader(fh)}


def logged_generic(folder: Path) -> dict[Key, int]:
    out: dict[Key, int] = defaultdict(int)
    for line in (folder / "logs" / SHAPES["generic"]).read_text().splitlines():
        r = json.loads(line)
        if "input_tokens" not in r:
            continue
        k = (r["ts"][:10], r["provider"], r["project_id"], r["api_key_id"], SNAPSHOT[r["model"]])
        _add_usage(out, k, r["input_tokens"], r["cached_input_tokens"], r["cache_write_tokens"], r["cache_write_1h_tokens"],
                   r["output_tokens"])
    return out


def logged_jsonl(folder: Path, seed: int) -> dict[Key, int]:
    n = Naming.draw(seed)
    c = n.jsonl_fields()
    ids = _identity(folder)
    out: dict[Key, int] = defaultdict(int)
    for line in (folder / "logs" / SHAPES["jsonl"]).read_text().splitlines():
        r = json.loads(line)
        if c["input_tokens"] not in r:
            continue
        p = r[c["provider"]]
        day = datetime.fromisoformat(r[c["ts"]]).astimezone(timezone.utc).date().isoformat()
        k = (day, p, ids[(p, "project", r[c["project"]])], ids[(p, "api_key", r[c["api_key"]])], SNAPSHOT[r[c["model"]]])
        _add_usage(out, k, r[c["input_tokens"]], r.get(c["cached_input_tokens"], 0), r.get(c["cache_write_tokens"], 0),
                   r.get(c["cache_write_1h_tokens"], 0), r[c["output_tokens"]])
    return out


def _value(v: dict) -> object:
    if "intValue" in v:
        assert isinstance(v["intValue"], str)  # int64 as a JSON string, as the protobuf JSON mapping writes it
        return int(v["intValue"])
    return next(iter(v.values()))


def logged_otlp(folder: Path, seed: int) -> dict[Key, int]:
    n = Naming.draw(seed)
    ids = _identity(folder)
    out: dict[Key, int] = defaultdict(int)
    for line in (folder / "logs" / SHAPES["otel"]).read_text().splitlines():
        for rs in json.loads(line)["resourceSpans"]:
            res = {a["key"]: _value(a["value"]) for a in rs["resource"]["attributes"]}
            for ss in rs["scopeSpans"]:
                for span in ss["spans"]:
                    assert isinstance(span["startTimeUnixNano"], str)
                    a = {**res, **{x["key"]: _value(x["value"]) for x in span["attributes"]}}
                    if "gen_ai.usage.input_tokens" not in a:
                        continue
                    p = a[n.provider_attr]
                    day = datetime.fromtimestamp(int(span["startTimeUnixNano"]) / 1e9, tz=timezone.utc).date().isoformat()
                    k = (day, p, ids[(p, "project", a[n.otel("project")])], ids[(p, "api_key", a[n.otel("api_key")])],
                         a["gen_ai.response.model"])
                    _add_usage(out, k, a["gen_ai.usage.input_tokens"], a.get("gen_ai.usage.cache_read.input_tokens", 0),
                               a.get("gen_ai.usage.cache_creation.input_tokens", 0), a.get(n.otel("cache_write_1h_tokens"), 0),
                               a["gen_ai.usage.output_tokens"])
    return out


def logged_litellm(folder: Path) -> dict[Key, int]:
    ids = _identity(folder)
    out: dict[Key, int] = defaultdict(int)
    for line in (folder / "logs" / SHAPES["litellm"]).read_text().splitlines():
        r = json.loads(line)
        u = r["metadata"]["usage_object"]
        if r["status"] != "success" or not u:
            continue
        p, m = r["custom_llm_provider"], r["metadata"]
        day = datetime.fromtimestamp(r["startTime"], tz=timezone.utc).date().isoformat()
        k = (day, p, ids[(p, "project", m["user_api_key_team_alias"])], ids[(p, "api_key", m["user_api_key_alias"])],
             SNAPSHOT[r["model"]])
        d = u["prompt_tokens_details"]
        _add_usage(out, k, u["prompt_tokens"], d["cached_tokens"], d.get("cache_creation_tokens", 0),
                   (d.get("cache_creation_token_details") or {}).get("ephemeral_1h_input_tokens", 0), u["completion_tokens"])
    return out


def planted(truth: dict) -> dict[Key, int]:
    out: dict[Key, int] = defaultdict(int)
    for r in truth["ledger"]:
        out[(r["day"], r["provider"], r["project_id"], r["api_key_id"], r["model"], r["token_class"])] += r["tokens"]
    return out


def _nonzero(d: dict[Key, int]) -> dict[Key, int]:
    return {k: v for k, v in d.items() if v}


@pytest.mark.parametrize("seed", SEEDS)
def test_billed_is_logged_plus_planted_in_every_shape(written: dict[int, Path], seed: int) -> None:
    folder = written[seed]
    truth = json.loads((folder / "ground_truth.json").read_text())
    billed, expected = billed_tokens(folder), planted(truth)
    for name, logged in (("generic", logged_generic(folder)), ("jsonl", logged_jsonl(folder, seed)),
                         ("otel", logged_otlp(folder, seed)), ("litellm", logged_litellm(folder))):
        delta = {k: billed.get(k, 0) - logged.get(k, 0) for k in set(billed) | set(logged)}
        assert _nonzero(delta) == _nonzero(expected), name


@pytest.mark.parametrize("seed", SEEDS)
def test_findings_are_their_ledger_rows_and_costs_add_up(written: dict[int, Path], seed: int) -> None:
    truth = json.loads((written[seed] / "ground_truth.json").read_text())
    by_cause: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for r in truth["ledger"]:
        by_cause[r["cause"]][r["token_class"]] += r["tokens"]
    for cause in ("retry_double_billing", "cache_eviction", "tokenizer_drift", "unlogged_traffic"):
        summed: dict[str, int] = defaultdict(int)
        for f in truth["findings"]:
            if f["cause"] == cause:
                for c, v in f["tokens"].items():
                    summed[c] += v
        assert {c: v for c, v in summed.items() if v} == {c: v for c, v in by_cause[cause].items() if v}, cause
    api = json.loads((written[seed] / "provider_api.json").read_text())
    for provider, usd in truth["billed_usd_by_provider"].items():
        if provider == "openai":
            got = sum(float(r["amount"]["value"]) for b in api["openai"]["costs"] for r in b["results"])
        else:
            got = sum(float(r["amount"]) / 100 for b in api["anthropic"]["cost"] for r in b["results"])
        assert got == pytest.approx(usd, rel=1e-9, abs=1e-6)
    causes = {f["cause"] for f in truth["findings"]}
    assert causes <= {"retry_double_billing", "cache_eviction", "tokenizer_drift", "unlogged_traffic", "price_mismatch"}


def test_deterministic_per_seed(tmp_path: Path) -> None:
    a, b = generate_into(4, tmp_path / "a"), generate_into(4, tmp_path / "b")
    assert a.truth == b.truth
    for f in sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file()):
        assert (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes(), f
    assert generate(5).truth != generate(6).truth


def test_seeds_cover_every_planted_and_benign_kind() -> None:
    truths = [generate(s).truth for s in range(20)]
    causes = {f["cause"] for t in truths for f in t["findings"]}
    assert causes == {"retry_double_billing", "cache_eviction", "tokenizer_drift", "unlogged_traffic", "price_mismatch"}
    benign = [t["benign"] for t in truths]
    assert all(b["refused_attempts"] > 0 for b in benign)
    assert any(b["cache_write_1h_tokens"] for b in benign) and any(b["cache_write_5m_tokens"] for b in benign)
    assert any(b["batch_tokens"] for b in benign)
    changes = [b["price_change"]["known_to_catalog"] for b in benign if "price_change" in b]
    assert True in changes and False in changes
    keyless = [f for t in truths for f in t["findings"] if f["cause"] == "unlogged_traffic" and f["api_key_id"] == ""]
    assert keyless, "Console usage (no API key) appears in some seed"
    assert any("default" in f["project_ids"] for t in truths for f in t["findings"])


def test_prices_agree_with_the_catalog_the_product_ships() -> None:
    from finops.models.pricing.catalog import load_catalog

    cat = load_catalog()
    day = date(2026, 10, 1)
    for m in MODELS:
        for cls, usd in m.prices:
            rows = cat.filter((cat["provider"] == m.provider) & (cat["model"] == m.alias) & (cat["token_class"] == cls)
                              & (cat["effective_from"] <= day)
                              & (cat["effective_to"].is_null() | (cat["effective_to"] > day)))
            assert rows.height == 1 and rows["usd_per_million"][0] == pytest.approx(usd), (m.alias, cls)


def test_fake_provider_serves_the_scenario_in_the_documented_shapes(written: dict[int, Path]) -> None:
    folder = written[3]  # both providers
    api = json.loads((folder / "provider_api.json").read_text())
    truth = json.loads((folder / "ground_truth.json").read_text())
    start = int(datetime.fromisoformat(truth["period"]["start"]).replace(tzinfo=timezone.utc).timestamp())
    server = FakeProvider()
    url = server.start(scenario_data(folder))
    try:
        with httpx.Client(base_url=url, timeout=10) as client:
            def pages(path: str, params: list[tuple[str, str]], headers: dict[str, str]) -> list[dict]:
                out, cursor = [], None
                while True:
                    r = client.get(path, params=params + ([("page", cursor)] if cursor else []), headers=headers)
                    assert r.status_code == 200, r.text
                    body = r.json()
                    out.append(body)
                    if not body["has_more"]:
                        return out
                    cursor = body["next_page"]
                    assert cursor

            oa = {"Authorization": f"Bearer {server.keys['openai']}"}
            got = pages("/v1/organization/usage/completions",
                        [("start_time", str(start)), ("bucket_width", "1d"), ("limit", "7"), ("group_by", "model"),
                         ("group_by", "project_id"), ("group_by", "api_key_id"), ("group_by", "batch")], oa)
            assert all(p["object"] == "page" and all(b["object"] == "bucket" for b in p["data"]) for p in got)
            buckets = [b for p in got for b in p["data"]]
            assert buckets == api["openai"]["completions"] and len(got) > 1
            for r in (r for b in buckets for r in b["results"]):
                assert r["object"] == "organization.usage.completions.result"
                assert {"input_tokens", "output_tokens", "num_model_requests"} <= set(r)
                assert r["project_id"].startswith("proj_") and (r["api_key_id"] or "key_").startswith("key_")
            costs = [b for p in pages("/v1/organization/costs", [("start_time", str(start)), ("limit", "31"),
                                                                  ("group_by", "project_id"), ("group_by", "line_item")], oa)
                     for b in p["data"]]
            assert costs == api["openai"]["costs"]
            line = next(r for b in costs for r in b["results"])
            assert line["object"] == "organization.costs.result" and line["amount"]["currency"] == "usd"
            assert ", " in line["line_item"]
            empty = pages("/v1/organization/usage/embeddings", [("start_time", str(start)), ("limit", "31")], oa)
            assert [len(b["results"]) for p in empty for b in p["data"]] == [0] * len(api["openai"]["costs"])

            an = {"x-api-key": server.keys["anthropic"], "anthropic-version": "2023-06-01"}
            since = truth["period"]["start"] + "T00:00:00Z"
            usage = [b for p in pages("/v1/organizations/usage_report/messages",
                                      [("starting_at", since), ("limit", "7"), ("group_by[]", "model"),
                                       ("group_by[]", "workspace_id"), ("group_by[]", "api_key_id")], an) for b in p["data"]]
            assert usage == api["anthropic"]["usage"]
            rows = [r for b in usage for r in b["results"]]
            assert any(r["workspace_id"] is None for r in rows)  # the Default workspace
            assert all(set(r["cache_creation"]) == {"ephemeral_5m_input_tokens", "ephemeral_1h_input_tokens"} for r in rows)
            cost = [b for p in pages("/v1/organizations/cost_report", [("starting_at", since), ("limit", "31"),
                                                                       ("group_by[]", "workspace_id"), ("group_by[]", "description")], an)
                    for b in p["data"]]
            assert cost == api["anthropic"]["cost"]
            c = next(r for b in cost for r in b["results"])
            assert isinstance(c["amount"], str) and c["currency"] == "USD" and c["token_type"]
            assert not re.search(r"-\d{8}$", c["model"])  # the cost report names undated models
    finally:
        server.stop()
