"""Write a scenario into a folder: what a new user would have, plus the ground truth.

    provider_api.json      usage and cost buckets per provider endpoint (the fake provider serves them)
    logs/spans.otlp.jsonl  the request log as OTLP/JSON
    logs/requests.jsonl    the request log as JSON Lines with the company's own column names
    logs/litellm.jsonl     the request log as LiteLLM StandardLoggingPayload lines
    logs/generic.jsonl     our own format, provider ids resolved (the baseline)
    finops.toml            [sources.requests.*] mappings, [identity], [pricing] when the catalog knows the change
    identity.csv           provider,kind,name,provider_id
    prices.csv             the new price, when the company told the catalog about the change
    ground_truth.json
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from tests.scenarios.billing import anthropic_buckets, openai_buckets
from tests.scenarios.generate import Scenario, generate
from tests.scenarios.logs import Naming, write_generic, write_jsonl, write_litellm, write_otlp

SHAPES = {"otel": "spans.otlp.jsonl", "jsonl": "requests.jsonl", "litellm": "litellm.jsonl", "generic": "generic.jsonl"}
SOURCE = {"otel": "app_otel", "jsonl": "app_jsonl", "litellm": "gateway", "generic": "baseline"}


def provider_api(sc: Scenario) -> dict[str, dict]:
    out: dict[str, dict] = {"openai": {}, "anthropic": {}}
    if "openai" in sc.org.providers:
        out["openai"] = openai_buckets(sc, amount_as_string=sc.seed % 2 == 0)
    if "anthropic" in sc.org.providers:
        out["anthropic"] = anthropic_buckets(sc)
    return out


def _toml_table(name: str, fmt: str, fields: dict[str, str]) -> str:
    lines = [f"[sources.requests.{name}]", f'format = "{fmt}"', f"[sources.requests.{name}.fields]"]
    lines += [f'{k} = "{v}"' for k, v in fields.items()]
    return "\n".join(lines) + "\n"


def _only(fields: dict[str, str], present: set[str]) -> dict[str, str]:
    """The mapping a user would write: fields their log actually carries (a company without
    Anthropic caching has no 1-hour cache-write attribute to name)."""
    return {ours: theirs for ours, theirs in fields.items() if theirs in present}


def finops_toml(sc: Scenario, n: Naming, present: dict[str, set[str]]) -> str:
    parts = [
        f"# Scenario {sc.seed}: a company the product has never seen (tests/scenarios).\n",
        _toml_table(SOURCE["otel"], "otel", _only(n.otel_fields(), present["otel"])),
        _toml_table(SOURCE["jsonl"], "jsonl", _only(n.jsonl_fields(), present["jsonl"])),
        _toml_table(SOURCE["litellm"], "litellm", _only(n.litellm_fields(), present["litellm"])),
        '[identity]\nfile = "identity.csv"\n',
    ]
    if sc.change and sc.change.known:
        parts.append('[pricing]\noverride = "prices.csv"\n')
    parts.append("[reconcile]\nmax_unexplained_pct = 2.0\n")
    return "\n".join(parts)


def identity_rows(sc: Scenario) -> list[dict[str, str]]:
    rows = []
    mapped_unlogged = sc.truth["benign"].get("unlogged_key_in_identity_map", False)
    for p in sc.org.projects:
        rows.append({"provider": p.provider, "kind": "project", "name": p.name, "provider_id": p.provider_id})
    for k in sc.org.keys:
        if k.name.endswith("-notebook") and not mapped_unlogged:
            continue
        rows.append({"provider": k.provider, "kind": "api_key", "name": k.name, "provider_id": k.provider_id})
    return rows


def write(sc: Scenario, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "logs").mkdir(exist_ok=True)
    n = Naming.draw(sc.seed)
    (folder / "provider_api.json").write_text(json.dumps(provider_api(sc)))
    present = {"otel": write_otlp(sc, n, folder / "logs" / SHAPES["otel"]),
               "jsonl": write_jsonl(sc, n, folder / "logs" / SHAPES["jsonl"]),
               "litellm": write_litellm(sc, folder / "logs" / SHAPES["litellm"])}
    write_generic(sc, folder / "logs" / SHAPES["generic"])
    (folder / "finops.toml").write_text(finops_toml(sc, n, present))
    with (folder / "identity.csv").open("w", newline="") as fh:
        w = csv.DictWriter(fh, ["provider", "kind", "name", "provider_id"])
        w.writeheader()
        w.writerows(identity_rows(sc))
    if sc.change and sc.change.known:
        c = sc.change
        with (folder / "prices.csv").open("w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["provider", "model", "token_class", "usd_per_million", "effective_from", "effective_to",
                        "source_url", "as_of", "batch_discount"])
            w.writerow([c.model.provider, c.model.alias, c.token_class, f"{c.new_price:g}", c.day.isoformat(), "",
                        "https://example.com/price-change-notice", c.day.isoformat(), "0.5"])
    (folder / "ground_truth.json").write_text(json.dumps(sc.truth, indent=1, sort_keys=True) + "\n")
    return folder


def generate_into(seed: int, folder: Path) -> Scenario:
    sc = generate(seed)
    write(sc, folder)
    return sc
