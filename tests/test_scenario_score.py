"""Scoring of `finops reconcile --format json` against a scenario's ground truth (tests/scenarios/score.py)."""

from __future__ import annotations

from tests.scenarios.score import base_model, matches, score

TRUTH = {"seed": 1, "findings": [
    {"cause": "retry_double_billing", "provider": "openai", "project_id": "proj_a", "project_ids": ["proj_a"],
     "models": ["gpt-4.1-2025-04-14"], "start": "2026-10-03", "end": "2026-10-05", "dollar_impact": 2.0},
    {"cause": "unlogged_traffic", "provider": "anthropic", "project_id": "default", "project_ids": ["default"],
     "api_key_id": "", "models": ["claude-haiku-4-5-20251001"], "start": "2026-10-10", "end": "2026-10-10",
     "dollar_impact": 1.0},
    {"cause": "price_mismatch", "provider": "openai", "project_id": None, "project_ids": ["proj_a", "proj_b"],
     "models": ["gpt-4.1-2025-04-14"], "token_class": "output", "start": "2026-10-08", "end": "2026-10-20",
     "dollar_impact": -3.0},
]}


def _found(cause: str, provider: str, projects: str, models: str, start: str, end: str, usd: float | None,
           keys: str = "", **details: object) -> dict:
    return {"cause": cause, "provider": provider, "projects": projects, "api_keys": keys, "models": models,
            "start": start, "end": end, "dollar_impact": usd, "evidence": "", "details": details}


def test_perfect_report_scores_one() -> None:
    doc = {"summary": {"unexplained_usd": 0.0}, "causes": [
        _found("retry_double_billing", "openai", "proj_a", "gpt-4.1", "2026-10-03", "2026-10-05", 2.01),
        _found("unlogged_traffic", "anthropic", "", "claude-haiku-4-5-20251001", "2026-10-10", "2026-10-10", 1.0),
        _found("price_mismatch", "openai", "proj_a,proj_b", "gpt-4.1-2025-04-14", "2026-10-08", "2026-10-20", -3.0,
               token_class="output"),
    ]}
    s = score(TRUTH, doc)
    assert (s.precision, s.recall, s.unexplained_tokens) == (1.0, 1.0, 0)
    assert s.worst_dollar_error is not None and abs(s.worst_dollar_error - 0.005) < 1e-9
    assert s.perfect


def test_splits_spurious_findings_misses_and_unexplained() -> None:
    doc = {"summary": {"unexplained_usd": 0.5, "unexplained_pct": 1.2}, "causes": [
        _found("retry_double_billing", "openai", "proj_a", "gpt-4.1-2025-04-14", "2026-10-03", "2026-10-04", 1.5),
        _found("retry_double_billing", "openai", "proj_a", "gpt-4.1-2025-04-14", "2026-10-05", "2026-10-05", 0.5),
        _found("retry_double_billing", "openai", "proj_b", "gpt-4.1-2025-04-14", "2026-10-03", "2026-10-04", 0.5),
        _found("unlogged_traffic", "anthropic", "default", "claude-haiku-4-5", "2026-10-10", "2026-10-10", 1.0,
               keys="apikey_x"),
        _found("price_mismatch", "openai", "proj_a", "gpt-4.1", "2026-10-08", "2026-10-20", -3.0, token_class="input_uncached"),
        _found("unexplained", "openai", "proj_a", "gpt-4.1", "2026-10-03", "2026-10-09", None, gross_tokens=1234),
    ]}
    s = score(TRUTH, doc)
    assert len(s.matches) == 1 and s.reported == 5 and s.planted == 3
    assert sorted(k for k, _ in s.false_positives) == ["split", "spurious", "spurious", "spurious"]
    assert [t["cause"] for t in s.misses] == ["unlogged_traffic", "price_mismatch"]
    assert s.unexplained_tokens == 1234 and not s.perfect
    assert s.matches[0].dollar_error == 0.25


def test_matching_rules() -> None:
    t = TRUTH["findings"][0]
    assert matches(t, _found("retry_double_billing", "openai", "proj_a,proj_c", "gpt-4.1-2025-04-14,o3", "2026-10-05", "2026-10-09", 1))
    assert not matches(t, _found("retry_double_billing", "openai", "proj_a", "gpt-4.1", "2026-10-06", "2026-10-09", 1))
    assert not matches(t, _found("retry_double_billing", "anthropic", "proj_a", "gpt-4.1", "2026-10-03", "2026-10-09", 1))
    assert not matches(t, _found("cache_eviction", "openai", "proj_a", "gpt-4.1", "2026-10-03", "2026-10-09", 1))
    assert not matches(t, _found("retry_double_billing", "openai", "proj_a", "gpt-4o", "2026-10-03", "2026-10-09", 1))
    assert base_model("openai/gpt-4.1-2025-04-14") == "gpt-4.1" and base_model("claude-sonnet-4-5-20250929") == "claude-sonnet-4-5"


def test_no_planted_and_nothing_reported_is_perfect() -> None:
    s = score({"seed": 0, "findings": []}, {"summary": {}, "causes": []})
    assert (s.precision, s.recall, s.perfect) == (1.0, 1.0, True)
