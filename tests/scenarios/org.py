"""A random company: provider orgs, projects and keys, the app's names for them, features.

OpenAI: projects `proj_…` with keys `key_…`. Anthropic: workspaces `wrkspc_…` plus the
Default workspace (reported by the usage and cost reports as `workspace_id: null`; the
product stores it as `default`), keys `apikey_…`. The application never sees those ids:
its log names a tenant and a key alias, and the identity map (identity.csv) says which is
which. Each feature calls one model through one project with one or more keys.
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass, field

from tests.scenarios.prices import Model, models

DEFAULT_WORKSPACE = "default"  # what the product calls Anthropic's `workspace_id: null`
TENANTS = ["checkout", "search", "support", "insights", "agents", "docs", "billing", "growth", "risk", "mobile",
           "catalog", "onboarding", "legal", "ops"]
FEATURES = ["chat", "summarize", "classify", "extract", "rerank", "draft-reply", "code-review", "translate", "qa",
            "triage", "report", "tagging"]
CJK = ["ja", "zh", "ko"]


def _rid(rng: random.Random, n: int = 16) -> str:
    return "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(n))


@dataclass
class Project:
    provider: str
    name: str  # the application's name (the log's tenant)
    provider_id: str  # proj_… / wrkspc_… / "default"


@dataclass
class Key:
    provider: str
    project: Project
    name: str  # the application's alias for it
    provider_id: str  # key_… / apikey_…


@dataclass
class Feature:
    name: str
    model: Model
    project: Project
    keys: list[Key]
    weight: float
    caching: str = "none"  # none | auto (OpenAI) | 5m | 1h (Anthropic cache_control ttl)
    batch: bool = False
    language: str = "en"
    stream: bool = True
    unlogged: bool = False  # its traffic never reaches the log (a key the team forgot)
    drift_ratio: float = 1.0  # billed/logged uncached input (CJK text through a local tokenizer)
    tier: str = "standard"  # service tier of its calls: standard | priority | flex (batch: see `batch`)


@dataclass
class Org:
    providers: list[str]
    projects: list[Project] = field(default_factory=list)
    keys: list[Key] = field(default_factory=list)
    features: list[Feature] = field(default_factory=list)

    def keys_of(self, project: Project) -> list[Key]:
        return [k for k in self.keys if k.project is project]


def random_org(rng: random.Random) -> Org:
    providers = rng.choice([["openai"], ["anthropic"], ["openai", "anthropic"], ["openai", "anthropic"]])
    org = Org(providers)
    tenants = rng.sample(TENANTS, len(TENANTS))
    features = rng.sample(FEATURES, len(FEATURES))
    for provider in providers:
        n_projects = rng.randint(2, 3)
        for i in range(n_projects):
            name = tenants.pop()
            if provider == "openai":
                pid = f"proj_{_rid(rng, 24)}"
            else:  # the first Anthropic project is the Default workspace
                pid = DEFAULT_WORKSPACE if i == 0 else f"wrkspc_01{_rid(rng, 22)}"
            project = Project(provider, name, pid)
            org.projects.append(project)
            for j in range(rng.randint(1, 3)):
                kid = f"key_{_rid(rng, 16)}" if provider == "openai" else f"apikey_01{_rid(rng, 22)}"
                org.keys.append(Key(provider, project, f"{name}-{['prod', 'batch', 'staging'][j]}", kid))
            choices = models(provider)
            for _ in range(rng.randint(1, 2)):
                model = rng.choice(choices)
                keys = org.keys_of(project)
                org.features.append(Feature(
                    name=features.pop(), model=model, project=project,
                    keys=rng.sample(keys, rng.randint(1, len(keys))), weight=rng.uniform(0.5, 2.0),
                    caching=("auto" if rng.random() < 0.6 else "none") if provider == "openai"
                    else rng.choice(["none", "5m", "5m", "1h"]),
                ))
    return org
