"""Bucket data for the fake provider server: the sample company's usage in both providers' shapes.

Completions, embeddings and costs come from the sample generator's provider-shape writers
(finops/sample/provider_shapes.py). The other OpenAI usage endpoints and the rarer
Anthropic fields (default workspace, 1-hour cache writes, web searches, batch tier,
code execution costs, fractional cents) are filled in here from a seeded RNG, so every
parser path is exercised over HTTP with numbers a test can check exactly.
`scenario_data(folder)` serves instead the buckets an independent scenario wrote
(tests/scenarios), which shares nothing with the sample generator.
"""

from __future__ import annotations

import copy
import json
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any

Buckets = list[dict[str, Any]]


@dataclass
class FakeData:
    openai: dict[str, Buckets] = field(default_factory=dict)  # usage endpoint or "costs" -> buckets
    anthropic: dict[str, Buckets] = field(default_factory=dict)  # "usage" | "cost" -> buckets


def _ts(d: date) -> int:
    return int(datetime(d.year, d.month, d.day, tzinfo=timezone.utc).timestamp())


def _rfc(d: date) -> str:
    return f"{d:%Y-%m-%d}T00:00:00Z"


def _oa_bucket(d: date, results: list[dict[str, Any]]) -> dict[str, Any]:
    return {"object": "bucket", "start_time": _ts(d), "end_time": _ts(d + timedelta(days=1)), "results": results}


def _openai_extras(days: list[date], rng: random.Random) -> dict[str, Buckets]:
    """Every other billed OpenAI usage endpoint, in its documented result shape."""
    projects = ["proj_support", "proj_search", None]
    make = {
        "moderations": lambda p: {"object": "organization.usage.moderations.result", "model": "omni-moderation-latest",
                                  "input_tokens": rng.randint(1, 90_000), "num_model_requests": rng.randint(1, 400)},
        "images": lambda p: {"object": "organization.usage.images.result", "model": "gpt-image-1", "size": None,
                             "source": None, "images": rng.randint(1, 40), "num_model_requests": rng.randint(1, 30)},
        "audio_speeches": lambda p: {"object": "organization.usage.audio_speeches.result", "model": "tts-1",
                                     "characters": rng.randint(1, 200_000), "num_model_requests": rng.randint(1, 90)},
        "audio_transcriptions": lambda p: {"object": "organization.usage.audio_transcriptions.result",
                                           "model": "whisper-1", "seconds": rng.randint(1, 36_000),
                                           "num_model_requests": rng.randint(1, 90)},
        "vector_stores": lambda p: {"object": "organization.usage.vector_stores.result",
                                    "usage_bytes": rng.randint(1, 2**34)},
        "code_interpreter_sessions": lambda p: {"object": "organization.usage.code_interpreter_sessions.result",
                                                "num_sessions": rng.randint(1, 50)},
        "file_search_calls": lambda p: {"object": "organization.usage.file_searches.result",
                                        "num_requests": rng.randint(1, 5_000)},
        "web_search_calls": lambda p: {"object": "organization.usage.web_searches.result", "model": "gpt-4.1-mini-2025-04-14",
                                       "num_requests": rng.randint(1, 900), "num_model_requests": rng.randint(1, 900)},
    }
    out: dict[str, Buckets] = {}
    for endpoint, result in make.items():
        buckets = []
        for i, d in enumerate(days):
            results = []
            for p in projects:
                if rng.random() < 0.25:  # some groups have no usage that day; empty buckets too
                    continue
                r = {**result(p), "project_id": p}
                if endpoint not in ("vector_stores", "code_interpreter_sessions"):
                    r.setdefault("api_key_id", None if p is None else f"key_{p.removeprefix('proj_')}")
                    r.setdefault("user_id", None)
                results.append(r)
            buckets.append(_oa_bucket(d, results))
        out[endpoint] = buckets
    # Audio chat in the completions shape: new field meaning from 2026-07-15, old before.
    out["completions_audio"] = [_oa_bucket(d, [_audio_completion(d, rng)]) for d in days]
    return out


def _audio_completion(d: date, rng: random.Random) -> dict[str, Any]:
    dims = {"object": "organization.usage.completions.result", "model": "gpt-4o-audio-preview-2025-06-03",
            "project_id": "proj_support", "user_id": None, "api_key_id": "key_support_oa", "batch": d.day % 3 == 0,
            "service_tier": None, "num_model_requests": rng.randint(1, 500)}
    text, audio, cached_text, cached_audio, write = (rng.randint(1, 50_000) for _ in range(5))
    out_text, out_audio = rng.randint(1, 20_000), rng.randint(1, 20_000)
    if d < date(2026, 7, 15):  # old meaning: input_tokens = text incl. cached; audio incl. cached
        return {**dims, "input_tokens": text + cached_text, "input_cached_tokens": cached_text,
                "input_audio_tokens": audio, "output_tokens": out_text, "output_audio_tokens": out_audio}
    return {**dims, "input_tokens": text + audio + cached_text + cached_audio + write,
            "input_cached_tokens": cached_text + cached_audio, "input_cache_write_tokens": write,
            "input_uncached_tokens": text + audio, "input_text_tokens": text, "input_cached_text_tokens": cached_text,
            "input_audio_tokens": audio, "input_cached_audio_tokens": cached_audio, "input_image_tokens": 0,
            "input_cached_image_tokens": 0, "output_tokens": out_text + out_audio, "output_text_tokens": out_text,
            "output_audio_tokens": out_audio, "output_image_tokens": 0}


def _openai_cost_extras(days: list[date], rng: random.Random) -> Buckets:
    items = ["gpt-image-1, image generation", "tts-1, characters", "Text tokens", "web search tool calls", None]
    return [_oa_bucket(d, [
        {"object": "organization.costs.result", "line_item": li, "project_id": rng.choice(["proj_support", None]),
         "api_key_id": None, "amount": {"value": f"{rng.randint(1, 10**9) / 10**7:.7f}", "currency": "usd"},
         **({"quantity": rng.randint(1, 10**6) / 100, "quantity_unit": "images"} if li and li.startswith("gpt-image")
            else {"quantity": None, "quantity_unit": None})}
        for li in items if rng.random() < 0.7]) for d in days]


def _anthropic_extras(days: list[date], rng: random.Random) -> tuple[Buckets, Buckets]:
    usage, cost = [], []
    for d in days:
        u = {"model": "claude-sonnet-4-5-20250929", "workspace_id": None, "api_key_id": None,
             "service_tier": "batch" if d.day % 2 else "standard", "context_window": "200k-1M", "inference_geo": "us",
             "account_id": None, "service_account_id": None, "uncached_input_tokens": rng.randint(0, 90_000),
             "cache_creation": {"ephemeral_5m_input_tokens": rng.randint(0, 9_000),
                                "ephemeral_1h_input_tokens": rng.randint(1, 9_000)},
             "cache_read_input_tokens": rng.randint(0, 300_000), "output_tokens": rng.randint(1, 40_000),
             "server_tool_use": {"web_search_requests": rng.randint(1, 60)}}
        c = [{"amount": f"{rng.randint(1, 10**7) / 10**4:.4f}", "currency": "USD", "workspace_id": None,
              "description": "Code Execution Usage", "cost_type": "code_execution", "token_type": None, "model": None,
              "service_tier": None, "context_window": None, "inference_geo": None},
             {"amount": str(rng.randint(1, 5000)), "currency": "USD", "workspace_id": "wrkspc_agents",
              "description": "Web Search Usage", "cost_type": "web_search", "token_type": None, "model": None,
              "service_tier": None, "context_window": None, "inference_geo": None}]
        usage.append({"starting_at": _rfc(d), "ending_at": _rfc(d + timedelta(days=1)), "results": [u]})
        cost.append({"starting_at": _rfc(d), "ending_at": _rfc(d + timedelta(days=1)), "results": c})
    return usage, cost


def _merge(base: Buckets, extra: Buckets, key: str) -> Buckets:
    by_start = {b[key]: b for b in extra}
    return [{**b, "results": [*b["results"], *by_start.get(b[key], {}).get("results", [])]} for b in base]


@lru_cache(maxsize=8)
def _sample(end: date, days: int, requests: int, seed: int) -> FakeData:
    from finops.sample import provider_shapes
    from finops.sample.generate import GeneratorConfig, generate

    s = generate(GeneratorConfig(seed=seed, days=days, requests=requests, end=end))
    flat = lambda pages: [b for p in pages for b in p["data"]]  # noqa: E731
    rng = random.Random(seed)
    extras = _openai_extras(s.days, rng)
    an_usage, an_cost = _anthropic_extras(s.days, rng)
    completions = flat(provider_shapes.openai_usage_pages(s.priced, s.days, "completions"))
    return FakeData(
        openai={
            "completions": _merge(completions, extras.pop("completions_audio"), "start_time"),
            "embeddings": flat(provider_shapes.openai_usage_pages(s.priced, s.days, "embeddings")),
            **extras,
            "costs": _merge(flat(provider_shapes.openai_cost_pages(s.priced, s.days)),
                            _openai_cost_extras(s.days, rng), "start_time"),
        },
        anthropic={
            "usage": _merge(flat(provider_shapes.anthropic_usage_pages(s.priced, s.days)), an_usage, "starting_at"),
            "cost": _merge(flat(provider_shapes.anthropic_cost_pages(s.priced, s.days)), an_cost, "starting_at"),
        },
    )


OPENAI_USAGE_ENDPOINTS = ("completions", "embeddings", "moderations", "images", "audio_speeches", "audio_transcriptions",
                          "vector_stores", "code_interpreter_sessions", "file_search_calls", "web_search_calls")


def scenario_data(folder: Path) -> FakeData:
    """The buckets a generated scenario wrote (tests/scenarios: provider_api.json), to serve as they are.

    Endpoints the scenario has no usage for still answer every day with empty buckets, as the
    APIs do, so a sync sees each day answered.
    """
    raw = json.loads((Path(folder) / "provider_api.json").read_text())
    openai, anthropic = raw.get("openai") or {}, raw.get("anthropic") or {}
    if openai:
        empty = [{**b, "results": []} for b in openai["costs"]]
        openai = {name: openai.get(name) or copy.deepcopy(empty) for name in (*OPENAI_USAGE_ENDPOINTS, "costs")}
    return FakeData(openai=openai, anthropic=anthropic)


def sample_data(end: date, days: int = 20, requests: int = 4000, seed: int = 5) -> FakeData:
    """A fresh copy (tests restate it) of the buckets for `days` UTC days ending on `end`."""
    return copy.deepcopy(_sample(end, days, requests, seed))
