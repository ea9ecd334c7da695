"""`generate(seed)`: one random company over a few weeks, its traffic and planted anomalies.

Every planted anomaly is recorded twice: as a finding the reconcile engine should report
(`truth["findings"]`, cause names as the engine uses them: retry_double_billing,
cache_eviction, tokenizer_drift, unlogged_traffic, price_mismatch) and, token by token, in
the ledger (`truth["ledger"]`: billed - logged per day, provider, project, key, model and
class, per cause), from which the self-consistency test rebuilds every difference. Benign
effects that must NOT be reported are listed under `truth["benign"]`: rate-limited and
refused attempts, 5-minute and 1-hour cache writes, batch usage, service-tier traffic (OpenAI
priority and flex at their own prices, Anthropic priority with no cost line), and a price change
the catalog knows (finops.toml points [pricing] override at it).

Service tiers (drawn from a second random stream, so the rest of a seed's company is the same
with or without them): one feature's calls are copied onto a key of their own at another tier,
same model and project, so the provider's cost cell for that model mixes tiers. OpenAI's cost
line items then either name the tier (`priority | gpt-4.1-2025-04-14, input`, as seen live) or
not (one line per model and kind for every tier); some seeds plant broken streams on the tier
key, whose dollars are at the tier's price.

Mid-period price change (decided here): when the catalog is told (known = true) the bill
and the catalog agree and nothing is reported; when it is not, the engine must report
`price_mismatch` for that model and token class from the change day to the last billed
day, with dollar impact = billed - catalog over every project's cells in that range.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from tests.scenarios.org import CJK, DEFAULT_WORKSPACE, Feature, Key, Org, Project, random_org
from tests.scenarios.prices import BATCH_DISCOUNT, TIER_PRICES_FROM, Model, models
from tests.scenarios.traffic import Attempt, Tokens, lognormal, request_tokens, timestamp

VERSION = 1
LAST_DAY = date(2026, 11, 28)  # scenarios end before it: the sync only pulls complete past days


@dataclass(frozen=True)
class PriceChange:
    model: Model
    token_class: str
    day: date
    factor: float
    known: bool  # the catalog override (prices.csv) has the new price

    @property
    def new_price(self) -> float:
        return round(self.model.price(self.token_class) * self.factor, 6)


@dataclass
class Scenario:
    seed: int
    start: date
    end: date  # inclusive
    org: Org
    attempts: list[Attempt] = field(default_factory=list)
    change: PriceChange | None = None
    truth: dict[str, Any] = field(default_factory=dict)
    tier_line_items: bool = False  # OpenAI cost line items name their tier ("priority | <model>, <kind>")

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days + 1)]

    def rate(self, model: Model, token_class: str, day: date, tier: str) -> float:
        """USD per million tokens the provider billed for this class on this day (0: not in the cost report)."""
        if tier == "priority" and model.provider == "anthropic":
            return 0.0  # Priority Tier is a capacity commitment: no cost-report line
        usd = model.price(token_class, tier)
        c = self.change
        if c and c.model == model and c.token_class == token_class and day >= c.day:
            usd = c.new_price
        return usd * (BATCH_DISCOUNT if tier == "batch" else 1.0)

    def catalog_rate(self, model: Model, token_class: str, day: date, tier: str) -> float:
        c = self.change
        if c and not c.known and c.model == model and c.token_class == token_class:
            return model.price(token_class) * (BATCH_DISCOUNT if tier == "batch" else 1.0)
        return self.rate(model, token_class, day, tier)

    def usd(self, a: Attempt, tokens: Tokens | None = None) -> float:
        t = a.billed if tokens is None else tokens
        return sum(v * self.rate(a.feature.model, c, a.day, a.tier) / 1e6 for c, v in t.items())


def _window(rng: random.Random, days: list[date], lo: int, hi: int) -> list[date]:
    n = rng.randint(lo, hi)
    i = rng.randint(1, len(days) - n - 1)
    return days[i:i + n]


def _series(f: Feature) -> tuple[str, str, str]:
    return f.project.provider, f.project.provider_id, f.model.snapshot


def _plan(rng: random.Random, org: Org, days: list[date]) -> dict[str, Any]:
    """Which features carry which anomaly; every token anomaly on its own (provider, project, model)."""
    plan: dict[str, Any] = {}
    used: set[tuple[str, str, str]] = set()

    def pick(ok) -> Feature | None:  # type: ignore[no-untyped-def]
        cands = [f for f in org.features if ok(f) and _series(f) not in used and not f.batch and not f.unlogged]
        if not cands:
            return None
        f = rng.choice(cands)
        used.add(_series(f))
        return f

    if rng.random() < 0.85 and (f := pick(lambda f: f.stream)):
        plan["retry"] = (f, _window(rng, days, 2, 4), rng.uniform(0.25, 0.4))
    if rng.random() < 0.75 and (f := pick(lambda f: f.caching != "none")):
        plan["eviction"] = (f, _window(rng, days, 2, 5), rng.uniform(0.6, 0.9))
    if rng.random() < 0.75 and (f := pick(lambda f: True)):
        f.language, f.drift_ratio = rng.choice(CJK), round(rng.uniform(1.1, 1.3), 3)
        plan["drift"] = f
    return plan


def _add_extras(rng: random.Random, org: Org, days: list[date]) -> dict[str, Any]:
    """Features beyond the org's own: an unlogged key, a batch job, Console usage."""
    extra: dict[str, Any] = {}
    if rng.random() < 0.75:
        project = rng.choice(org.projects)
        kid = f"key_{rng.getrandbits(64):016x}" if project.provider == "openai" else f"apikey_01{rng.getrandbits(88):022x}"
        key = Key(project.provider, project, f"{project.name}-notebook", kid)
        org.keys.append(key)
        f = Feature("adhoc-eval", rng.choice(models(project.provider)), project, [key], 0.6, unlogged=True)
        org.features.append(f)
        extra["unlogged"] = (f, days[rng.randint(0, len(days) // 2):], rng.random() < 0.5)  # in the identity map?
    if rng.random() < 0.6:
        project = rng.choice(org.projects)
        keys = [k for k in org.keys_of(project) if not k.name.endswith("-notebook")]
        f = Feature("nightly-batch", rng.choice(models(project.provider)), project, [rng.choice(keys)], 0.8,
                    batch=True, stream=False)
        org.features.append(f)
        extra["batch"] = f
    if "anthropic" in org.providers and rng.random() < 0.4:
        default = next(p for p in org.projects if p.provider_id == DEFAULT_WORKSPACE)
        f = Feature("workbench", rng.choice(models("anthropic")), default, [], 0.0, unlogged=True, stream=False)
        org.features.append(f)
        extra["console"] = (f, _window(rng, days, 1, 3))
    if "anthropic" in org.providers and not any(f.caching == "1h" for f in org.features):
        cands = [f for f in org.features if f.project.provider == "anthropic" and not f.batch and not f.unlogged]
        if cands and rng.random() < 0.85:
            rng.choice(cands).caching = "1h"
    return extra


def generate(seed: int, requests: int | None = None) -> Scenario:
    rng = random.Random(f"finops-scenario-{seed}")
    n_days = rng.randint(28, 35)
    end = LAST_DAY - timedelta(days=rng.randint(0, 40))
    org = random_org(rng)
    sc = Scenario(seed, end - timedelta(days=n_days - 1), end, org)
    days = sc.days
    extra = _add_extras(rng, org, days)
    plan = _plan(rng, org, days)
    in_use = sorted({f.model.snapshot for f in org.features if not f.unlogged})
    if rng.random() < 0.6 and in_use:
        chosen = rng.choice(in_use)
        model = next(m for m in org_models(org) if m.snapshot == chosen)
        sc.change = PriceChange(model, rng.choice(["input_uncached", "output"]), days[rng.randint(8, len(days) - 6)],
                                rng.choice([1.25, 0.8]), known=rng.random() < 0.5)
    _traffic(rng, sc, requests or rng.randint(2000, 3500), plan, extra)
    tiers = _tiers(random.Random(f"finops-scenario-{seed}-tiers"), sc, plan)
    sc.attempts.sort(key=lambda a: (a.ts, a.logical_id, a.attempt))
    sc.truth = _truth(sc, plan, extra, tiers)
    return sc


def _tiers(rng: random.Random, sc: Scenario, plan: dict[str, Any]) -> list[Feature]:
    """Tier traffic: per provider, maybe one feature's calls copied to a key of their own at another tier."""
    planted = {id(v[0]) if isinstance(v, tuple) else id(v) for v in plan.values()}
    planted_projects = {id(v[0].project) if isinstance(v, tuple) else id(v.project) for v in plan.values()}
    changed = sc.change.model if sc.change else None
    sc.tier_line_items = rng.random() < 0.6
    out = []
    for provider in sc.org.providers:
        bases = [f for f in sc.org.features if f.project.provider == provider and not f.batch and not f.unlogged
                 and f.weight > 0 and f.stream and id(f) not in planted and f.model != changed]
        if not bases or rng.random() < 0.25:
            continue
        base = rng.choice(bases)
        choices = [t for t, _ in base.model.tiers] if provider == "openai" else ["priority"]
        if not choices:
            continue
        tier = rng.choice(choices)
        kid = f"key_{rng.getrandbits(64):016x}" if provider == "openai" else f"apikey_01{rng.getrandbits(88):022x}"
        key = Key(provider, base.project, f"{base.project.name}-{tier}", kid)
        sc.org.keys.append(key)
        f = Feature(f"{base.name}-{tier}", base.model, base.project, [key], 0.0, caching=base.caching, tier=tier)
        sc.org.features.append(f)
        days = [d for d in sc.days if provider == "anthropic" or d >= TIER_PRICES_FROM]
        # Broken streams on the tier key, billed at the tier's price (OpenAI only: Anthropic
        # priority dollars are not in the cost report, so there is no billed rate to check).
        retry = None
        if provider == "openai" and id(base.project) not in planted_projects and len(days) >= 6 and rng.random() < 0.6:
            retry = (days[rng.randint(1, len(days) - 5):][:rng.randint(2, 3)], rng.uniform(0.3, 0.5))
        _tier_traffic(rng, sc, f, days, rng.randint(250, 500), retry)
        out.append(f)
    return out


def _tier_traffic(rng: random.Random, sc: Scenario, f: Feature, days: list[date], n: int,
                  retry: tuple[list[date], float] | None) -> None:
    medians = (rng.uniform(500, 5000), rng.uniform(80, 900))
    for _ in range(n):
        day = rng.choice(days)
        lid = f"req-{rng.getrandbits(96):024x}"
        ts = timestamp(rng, day)
        task, user = f"task-{rng.getrandbits(48):012x}", f"u{rng.getrandbits(40):010x}"
        tokens, reasoning = request_tokens(rng, f, *medians)
        k = 1
        while rng.random() < 0.04 and k < 4:  # refused (429): nothing billed
            sc.attempts.append(Attempt(lid, k, ts, f, f.keys[0], "error", 429, None, {}, None, task, user,
                                       rng.randint(20, 400), tags={"benign": "refused"}))
            ts += timedelta(seconds=rng.uniform(1, 20))
            k += 1
        if retry and day in retry[0] and rng.random() < retry[1]:
            cut = {**{c: v for c, v in tokens.items() if c.startswith("input_")},
                   "output": int(tokens["output"] * rng.uniform(0.05, 0.7))}
            sc.attempts.append(Attempt(lid, k, ts, f, f.keys[0], "dropped", 200, None, cut, _ids(rng, f), task, user,
                                       rng.randint(2000, 30000), tags={"retry": "retry_double_billing"}))
            ts += timedelta(seconds=rng.uniform(1, 30))
            k += 1
        sc.attempts.append(Attempt(lid, k, ts, f, f.keys[0], "completed", 200, dict(tokens), dict(tokens), _ids(rng, f),
                                   task, user, rng.randint(300, 40000), reasoning))


def org_models(org: Org) -> list[Model]:
    seen: dict[str, Model] = {}
    for f in org.features:
        seen.setdefault(f.model.snapshot, f.model)
    return list(seen.values())


def _ids(rng: random.Random, f: Feature) -> str:
    return (f"chatcmpl-{rng.getrandbits(120):030x}" if f.model.provider == "openai"
            else f"msg_01{rng.getrandbits(110):028x}")


def _traffic(rng: random.Random, sc: Scenario, n: int, plan: dict[str, Any], extra: dict[str, Any]) -> None:
    days = sc.days
    dow = [1.0, 1.05, 1.1, 1.05, 0.95, 0.45, 0.4]
    storm = (rng.choice(sc.org.projects), set(_window(rng, days, 1, 2))) if rng.random() < 0.5 else None
    retry = plan.get("retry")
    evict = plan.get("eviction")
    unlogged = extra.get("unlogged")
    console = extra.get("console")
    medians = {f.name: (rng.uniform(500, 5000), rng.uniform(80, 900)) for f in sc.org.features}
    active = [f for f in sc.org.features if f.weight > 0]
    weights = [f.weight for f in active]
    users = [f"u{rng.getrandbits(40):010x}" for _ in range(40)]

    def one(f: Feature, day: date, key: Key | None) -> None:
        lid = f"req-{rng.getrandbits(96):024x}"
        ts = timestamp(rng, day)
        task, user = f"task-{rng.getrandbits(48):012x}", rng.choice(users)
        tokens, reasoning = request_tokens(rng, f, *medians[f.name])
        logged = dict(tokens)
        billed = dict(tokens)
        tags: dict[str, str] = {}
        if f.drift_ratio != 1.0 and tokens["input_uncached"] > 0:
            billed["input_uncached"] = int(round(tokens["input_uncached"] * f.drift_ratio * (1 + rng.gauss(0, 0.004))))
            tags["drift"] = "tokenizer_drift"
        if evict and f is evict[0] and day in evict[1] and tokens.get("input_cache_read", 0) > 0 and rng.random() < evict[2]:
            billed["input_uncached"] += billed["input_cache_read"]
            billed["input_cache_read"] = 0
            tags["eviction"] = "cache_eviction"
        k = 1
        failed = 0
        if not f.batch:
            p = 0.3 if storm and storm[0] is f.project and day in storm[1] else 0.04
            while rng.random() < p and failed < 3:
                failed += 1
        for _ in range(failed):  # refused before the provider accepted it: nothing billed, nothing to report
            status = rng.choice([429, 429, 429, 529 if f.model.provider == "anthropic" else 503, None])
            sc.attempts.append(Attempt(lid, k, ts, f, key, "error", status, None, {}, None, task, user,
                                       rng.randint(20, 400), tags={"benign": "refused"}))
            ts += timedelta(seconds=rng.uniform(1, 20))
            k += 1
        if retry and f is retry[0] and day in retry[1] and rng.random() < retry[2]:
            partial = int(tokens["output"] * rng.uniform(0.05, 0.7))
            cut = {**{c: v for c, v in tokens.items() if c.startswith("input_")}, "output": partial}
            sc.attempts.append(Attempt(lid, k, ts, f, key, rng.choice(["dropped", "dropped", "aborted"]), 200, None, cut,
                                       _ids(rng, f), task, user, rng.randint(2000, 30000), tags={"retry": "retry_double_billing"}))
            ts += timedelta(seconds=rng.uniform(1, 30))
            k += 1
        sc.attempts.append(Attempt(lid, k, ts, f, key, "completed", 200, logged, billed, _ids(rng, f), task, user,
                                   rng.randint(300, 40000), reasoning, tags))

    day_w = [dow[d.weekday()] for d in days]
    for _ in range(n):
        f = rng.choices(active, weights)[0]
        day = rng.choices(days, day_w)[0]
        if unlogged and f is unlogged[0] and day not in unlogged[1]:
            continue
        one(f, day, rng.choice(f.keys))
    if console:
        for day in console[1]:
            for _ in range(rng.randint(5, 20)):
                one(console[0], day, None)
    sc.attempts.sort(key=lambda a: (a.ts, a.logical_id, a.attempt))


def _add(ledger: dict, a: Attempt, tokens: Tokens, cause: str) -> None:
    project = a.feature.project
    key = a.key.provider_id if a.key else ""
    for c, v in tokens.items():
        if v:
            ledger[(a.day.isoformat(), project.provider, project.provider_id, key, a.feature.model.snapshot, c, cause)] += v


def _finding(cause: str, f: Feature, rows: list[tuple[Attempt, Tokens]], sc: Scenario, **more: Any) -> dict[str, Any]:
    tokens: dict[str, int] = defaultdict(int)
    for _, t in rows:
        for c, v in t.items():
            tokens[c] += v
    day_list = sorted({a.day for a, _ in rows})
    keys = sorted({a.key.provider_id if a.key else "" for a, _ in rows})
    return {
        "cause": cause, "provider": f.project.provider, "project_id": f.project.provider_id,
        "project_ids": [f.project.provider_id], "api_key_ids": keys, "models": [f.model.snapshot],
        "feature": f.name, "start": day_list[0].isoformat(), "end": day_list[-1].isoformat(), "days": len(day_list),
        "tokens": {c: v for c, v in sorted(tokens.items()) if v},
        "dollar_impact": round(sum(sc.usd(a, t) for a, t in rows), 6), **more,
    }


def _truth(sc: Scenario, plan: dict[str, Any], extra: dict[str, Any], tiers: list[Feature]) -> dict[str, Any]:
    ledger: dict[tuple, int] = defaultdict(int)
    findings: list[dict[str, Any]] = []
    per: dict[str, list[tuple[Attempt, Tokens]]] = defaultdict(list)
    for a in sc.attempts:
        if not a.billed:
            continue
        if a.feature.unlogged:
            per["unlogged:" + (a.key.provider_id if a.key else "console")].append((a, a.billed))
            _add(ledger, a, a.billed, "unlogged_traffic")
        elif a.logged is None:  # a broken stream: all of it is the second billing
            per["retry:" + a.feature.name].append((a, a.billed))
            _add(ledger, a, a.billed, "retry_double_billing")
        else:
            d = {c: a.billed.get(c, 0) - a.logged.get(c, 0) for c in a.billed}
            if "eviction" in a.tags:
                moved = a.logged["input_cache_read"]
                ev = {"input_uncached": moved, "input_cache_read": -moved}
                per["eviction"].append((a, ev))
                _add(ledger, a, ev, "cache_eviction")
                d = {c: v - ev.get(c, 0) for c, v in d.items()}
            if "drift" in a.tags:
                dr = {"input_uncached": d["input_uncached"]}
                per["drift"].append((a, dr))
                _add(ledger, a, dr, "tokenizer_drift")
                d["input_uncached"] = 0
            assert not any(d.values()), (a, d)
    for name, rows in sorted(per.items()):
        if name.startswith("retry:"):
            findings.append(_finding("retry_double_billing", rows[0][0].feature, rows, sc, broken_streams=len(rows)))
    if per["eviction"]:
        f = plan["eviction"][0]
        ev = _finding("cache_eviction", f, per["eviction"], sc)
        ev["evicted_tokens"] = ev["tokens"]["input_uncached"]
        findings.append(ev)
    if per["drift"]:
        f = plan["drift"]
        logged = sum(a.logged["input_uncached"] for a, _ in per["drift"] if a.logged)
        findings.append(_finding("tokenizer_drift", f, per["drift"], sc, language=f.language,
                                 ratio=round((logged + sum(t["input_uncached"] for _, t in per["drift"])) / logged, 6)))
    for name, rows in sorted(per.items()):
        if name.startswith("unlogged:"):
            f = rows[0][0].feature
            findings.append(_finding("unlogged_traffic", f, rows, sc, api_key_id=rows[0][0].key.provider_id if rows[0][0].key else "",
                                     requests=len(rows)))
    if sc.change and not sc.change.known:
        findings += _price_finding(sc)
    return {
        "generator": "tests.scenarios", "version": VERSION, "seed": sc.seed,
        "period": {"start": sc.start.isoformat(), "end": sc.end.isoformat()},
        "providers": sc.org.providers,
        "note": ("Dates are UTC days, inclusive. Dollar impacts are at the rates the provider billed. The Default "
                 "Anthropic workspace (workspace_id null) is 'default'; usage without an API key has api key ''."),
        "findings": sorted(findings, key=lambda x: (x["cause"], x["provider"], x["start"], x["project_id"] or "")),
        "benign": _benign(sc, extra, tiers),
        "billed_usd_by_provider": {p: round(sum(sc.usd(a) for a in sc.attempts if a.feature.model.provider == p), 6)
                                   for p in sc.org.providers},
        "ledger": [dict(zip(("day", "provider", "project_id", "api_key_id", "model", "token_class", "cause"), k), tokens=v)
                   for k, v in sorted(ledger.items()) if v],
    }


def _price_finding(sc: Scenario) -> list[dict[str, Any]]:
    c = sc.change
    assert c is not None
    rows = [a for a in sc.attempts if a.billed and a.feature.model == c.model and a.day >= c.day
            and a.billed.get(c.token_class)]
    if not rows:
        return []
    tokens = sum(a.billed[c.token_class] for a in rows)
    usd = sum(a.billed[c.token_class] * (sc.rate(c.model, c.token_class, a.day, a.tier)
                                          - sc.catalog_rate(c.model, c.token_class, a.day, a.tier)) / 1e6 for a in rows)
    projects = sorted({a.feature.project.provider_id for a in rows})
    return [{
        "cause": "price_mismatch", "provider": c.model.provider, "project_id": None, "project_ids": projects,
        "api_key_ids": [], "models": [c.model.snapshot], "token_class": c.token_class,
        "start": c.day.isoformat(), "end": max(a.day for a in rows).isoformat(), "tokens": {c.token_class: tokens},
        "catalog_usd_per_million": c.model.price(c.token_class), "billed_usd_per_million": c.new_price,
        "dollar_impact": round(usd, 6),
    }]


def _benign(sc: Scenario, extra: dict[str, Any], tiers: list[Feature]) -> dict[str, Any]:
    refused = [a for a in sc.attempts if a.outcome == "error"]
    billed = [a for a in sc.attempts if a.billed]
    out: dict[str, Any] = {
        "refused_attempts": len(refused),
        "refused_by_status": {str(s or "refused"): sum(1 for a in refused if (a.status or 0) == s)
                              for s in sorted({a.status or 0 for a in refused})},
        "retried_after_refusal": len({a.logical_id for a in refused}),
        "cache_write_5m_tokens": sum(a.billed.get("input_cache_write_5m", 0) for a in billed),
        "cache_write_1h_tokens": sum(a.billed.get("input_cache_write_1h", 0) for a in billed),
        "batch_tokens": sum(sum(a.billed.values()) for a in billed if a.feature.batch),
        "batch_usd": round(sum(sc.usd(a) for a in billed if a.feature.batch), 6),
        "tiers": [{"provider": f.model.provider, "tier": f.tier, "model": f.model.snapshot, "project_id": f.project.provider_id,
                   "api_key_id": f.keys[0].provider_id,
                   "tokens": sum(sum(a.billed.values()) for a in billed if a.feature is f),
                   "usd": round(sum(sc.usd(a) for a in billed if a.feature is f), 6),
                   "in_cost_report": not (f.tier == "priority" and f.model.provider == "anthropic")} for f in tiers],
        "tier_line_items": sc.tier_line_items,
    }
    if sc.change:
        c = sc.change
        out["price_change"] = {"provider": c.model.provider, "model": c.model.snapshot, "token_class": c.token_class,
                               "day": c.day.isoformat(), "old_usd_per_million": c.model.price(c.token_class),
                               "new_usd_per_million": c.new_price, "known_to_catalog": c.known}
    if "unlogged" in extra:
        f, _, mapped = extra["unlogged"]
        out["unlogged_key_in_identity_map"] = mapped
    return out
