"""LiteLLM's StandardLoggingPayload as the litellm package itself builds it (issue 23 item 4).

`litellm.completion` calls the fake OpenAI and Anthropic APIs on 127.0.0.1
(tests/support/fake_llm_api.py: plain, cached, streamed, a 429) with a logging callback that
writes each call's `standard_logging_object` as one JSON line, the way a LiteLLM callback
logs it. The file is ingested by `finops ingest --format litellm` and every request is checked
against what the fake served. litellm runs in a child interpreter: its import sets process-wide
state (TIKTOKEN_CACHE_DIR to its bundled encodings, logging handlers) that other tests must not
inherit, and it needs LITELLM_LOCAL_MODEL_COST_MAP so that nothing is fetched from the network.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

# Looked up, not imported (pytest.importorskip would import it): importing litellm here starts
# its fetch of the remote price map, whose warning then lands in whatever another test's
# CliRunner is capturing in this worker (test_cli_tables failed on it).
if importlib.util.find_spec("litellm") is None:
    pytest.skip("litellm is not installed", allow_module_level=True)

from finops.cli import app  # noqa: E402
from finops.config import Settings  # noqa: E402
from finops.store import Store  # noqa: E402
from tests.support.fake_llm_api import Served, fake_llm_api  # noqa: E402

CALLS = textwrap.dedent("""
    import json, sys, time
    import litellm
    from litellm.integrations.custom_logger import CustomLogger

    url, out, n_calls = sys.argv[1], sys.argv[2], 8
    payloads = []

    class JsonLines(CustomLogger):  # what a team's LiteLLM logging callback writes
        def log_success_event(self, kwargs, response_obj, start_time, end_time):
            payloads.append(kwargs["standard_logging_object"])

        def log_failure_event(self, kwargs, response_obj, start_time, end_time):
            payloads.append(kwargs["standard_logging_object"])

    litellm.callbacks = [JsonLines()]
    msgs = [{"role": "user", "content": "hello"}]
    for scenario in ("plain", "cached", "stream", "429"):
        stream = scenario == "stream"
        for model, extra in (("openai/gpt-4o-mini", {"api_base": url + "/v1", "user": scenario}),
                             ("anthropic/claude-sonnet-4-5", {"api_base": url, "metadata": {"user_id": scenario},
                                                              "max_tokens": 100})):
            try:
                reply = litellm.completion(model=model, messages=msgs, api_key="sk-test-not-a-key", stream=stream,
                                           stream_options={"include_usage": True} if stream else None,
                                           num_retries=0, max_retries=0, **extra)
                if stream:
                    for _ in reply:
                        pass
            except litellm.RateLimitError:
                pass
    for _ in range(600):  # a stream's callback runs on litellm's own thread after the last chunk
        if len(payloads) >= n_calls:
            break
        time.sleep(0.05)
    with open(out, "w") as fh:
        for p in payloads:
            fh.write(json.dumps(p, default=str) + "\\n")
""")


@pytest.fixture(scope="module")
def logged(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Served]]:
    out = tmp_path_factory.mktemp("litellm") / "payloads.jsonl"
    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True", "LITELLM_TELEMETRY": "False"}
    with fake_llm_api() as (url, fake):
        done = subprocess.run([sys.executable, "-c", CALLS, url, str(out)], env=env, capture_output=True, text=True,
                              timeout=300)
        served = list(fake.served)
    assert done.returncode == 0, done.stderr[-3000:]
    return out, served


def test_litellms_own_payloads_ingest_with_the_tokens_the_apis_served(tmp_path: Path, logged) -> None:
    path, served = logged
    payloads = [json.loads(line) for line in path.read_text().splitlines()]
    assert len(payloads) == len(served) == 8
    home = tmp_path / "home"
    res = CliRunner().invoke(app, ["--data-dir", str(home), "ingest", str(path), "--kind", "requests", "--format", "litellm"])
    assert res.exit_code == 0, res.output
    assert "8 row(s), 0 bad" in res.output
    rows = Store(Settings.resolve(home).store_dir).read("requests")

    openai_rows = rows.filter(pl.col("provider") == "openai")
    for s in (s for s in served if s.api == "openai" and s.status == 200):
        (row,) = openai_rows.filter(pl.col("request_id") == s.response_id).iter_rows(named=True)
        # OpenAI's prompt_tokens include the cached ones, as our input_tokens do
        assert (row["input_tokens"], row["cached_input_tokens"], row["output_tokens"]) == (
            s.input_tokens, s.cached_tokens, s.output_tokens), s

    # LiteLLM replaces Anthropic's message id with its own (chatcmpl-<uuid>): the call is matched
    # by its tokens here, and a reconcile can only join it per day, never per request.
    anthropic_rows = rows.filter((pl.col("provider") == "anthropic") & pl.col("status_code").is_null())
    assert not anthropic_rows["request_id"].str.starts_with("msg_").any()
    got = sorted(anthropic_rows.select("input_tokens", "cached_input_tokens", "cache_write_tokens", "output_tokens").rows())
    # Anthropic's input_tokens exclude cache reads and writes; ours are the whole prompt
    want = sorted((s.input_tokens + s.cached_tokens + s.cache_write_tokens, s.cached_tokens, s.cache_write_tokens,
                   s.output_tokens) for s in served if s.api == "anthropic" and s.status == 200)
    assert got == want

    limited = rows.filter(pl.col("status_code") == 429)
    assert sorted(limited["provider"]) == ["anthropic", "openai"]
    assert limited["input_tokens"].sum() == 0 and limited["output_tokens"].sum() == 0
    assert set(rows["model"]) == {"gpt-4o-mini", "claude-sonnet-4-5"}
