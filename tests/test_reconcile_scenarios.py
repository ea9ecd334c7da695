"""Reconcile on independent companies (tests/scenarios), through finops sync/ingest/reconcile: nothing missed, nothing extra.

Each case generates a seeded company the product has never seen (its own attribute names, an
identity map, the Default workspace, Console keys, benign 429 retries, broken streams billed
twice, 5m and 1h cache writes, batch, a mid-period price change, unlogged keys), serves its
provider APIs from the local fake provider, ingests its log in one of four shapes (OTLP/JSON,
JSON Lines with its own column names, LiteLLM payloads, our generic format) and scores
`finops reconcile --format json` against the ground truth. The shape rotates with the seed so
every shape meets six companies; `python -m tests.scenarios.run --seeds 0-19 --shape S` runs
any seed on any shape by hand.
"""

import pytest

from tests.scenarios.run import run_seed
from tests.scenarios.score import report, score

SHAPES = ("otel", "jsonl", "litellm", "generic")
CASES = [(seed, SHAPES[seed % len(SHAPES)]) for seed in range(24)]


@pytest.mark.parametrize(("seed", "shape"), CASES, ids=[f"{shape}-{seed}" for seed, shape in CASES])
def test_independent_company_reconciles_exactly(seed: int, shape: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    truth, doc = run_seed(seed, shape, tmp_path)
    s = score(truth, doc)
    assert s.planted > 0
    assert s.precision == 1.0 and s.recall == 1.0, "\n".join(report(s))
    assert s.worst_dollar_error is not None and s.worst_dollar_error <= 0.01, "\n".join(report(s))
    assert s.unexplained_tokens == 0, "\n".join(report(s))
    _unlogged_groups_do_not_join(truth, doc["coverage"])


def _unlogged_groups_do_not_join(truth: dict, coverage: dict) -> None:  # type: ignore[type-arg]
    """Join coverage: every group the ground truth never logged (a key, Console usage, a project)
    is not joined with exactly its billed tokens and its dollars within 1%, and nothing else is."""
    got: dict[tuple[str, str, str], list[float]] = {}
    for r in coverage["not_joined"]:
        if r["side"] == "billed usage":
            g = got.setdefault((r["provider"], r["project_id"], r["api_key_id"]), [0, 0.0])
            g[0] += r["tokens"]
            g[1] += r["usd"]
    want: dict[tuple[str, str, str], list[float]] = {}
    for f in truth["findings"]:
        if f["cause"] == "unlogged_traffic":
            w = want.setdefault((f["provider"], f["project_id"], f.get("api_key_id") or ""), [0, 0.0])
            w[0] += sum(f["tokens"].values())
            w[1] += f["dollar_impact"]
    assert set(got) == set(want), (got, want)
    for key, (tokens, usd) in want.items():
        assert got[key][0] == tokens, (key, got[key], want[key])
        assert got[key][1] == pytest.approx(usd, rel=0.01, abs=0.005), (key, got[key], want[key])
