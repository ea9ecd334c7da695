"""The `[alerts]` section of finops.toml as dataclasses: rules, channels and the guard settings.

Every problem is one line naming the file, the line and the key (ConfigError via
ConfigFile.fail). Secrets are never read from here: a channel names where its URL, signing
secret or password is kept (finops.alerts.secrets), and a key that looks like one is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from finops.config import ConfigFile

# type -> (what the threshold is, lowest allowed, highest allowed, lowest inclusive, scope keys it can use)
RULE_TYPES: dict[str, tuple[str, float, float, bool, tuple[str, ...]]] = {
    "budget": ("probability of exhausting a USD budget before its reset", 0.0, 1.0, False, ("provider", "project")),
    "quota": ("probability of exhausting a token quota before its reset", 0.0, 1.0, False, ("provider", "project")),
    "spend_anomaly": ("dollars beyond the forecast's 95% band", 0.0, 1e12, True, ("provider", "project")),
    "unit_cost_anomaly": ("dollars beyond the usual cost per task", 0.0, 1e12, True, ("provider", "project")),
    "reconcile_unexplained": ("percent of billed dollars unexplained", 0.0, 100.0, True, ("provider", "project")),
    "reconcile_cause": ("dollar impact of a reconcile cause", 0.0, 1e12, True, ("provider", "project")),
    "sync_stale": ("hours since the source's last successful sync", 0.0, 24.0 * 366, False, ("provider",)),
    "cache_hit_rate": ("dollars lost while a feature's cache hit rate was below its usual (a miss episode)", 0.0, 1e12,
                       True, ("provider", "feature")),
    "cache_lost": ("dollars lost to cache misses and evictions over the last days", 0.0, 1e12, True, ("provider",)),
}
# Rule types the issue names whose figures do not exist yet: refused with this line.
NOT_AVAILABLE: dict[str, str] = {
    "join_coverage": "join coverage is not available yet (it needs `finops reconcile --coverage`)",
}
SCOPE_KEYS = ("provider", "project", "feature", "team")
CHANNEL_TYPES = ("slack", "webhook", "email")
RULE_KEYS = {"name", "type", "threshold", "scope", "channels", "budget", "days", "enabled"}
SETTING_KEYS = {"resolve_after", "flap_window_hours", "max_flaps", "deadline_seconds", "timeout_seconds",
                "retries", "run_with_export", "every_minutes", "rules", "channels"}
CHANNEL_KEYS = {
    "slack": {"type"},
    "webhook": {"type"},
    "email": {"type", "host", "port", "username", "from", "to", "ca_file", "starttls"},
}
# Keys that would put a secret in the file: refused, with where to put it instead.
SECRET_KEYS = {"url", "webhook_url", "secret", "token", "password"}
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.\-]{0,63}$")
CHANNEL_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-]{0,39}$")


@dataclass(frozen=True)
class Scope:
    provider: str | None = None
    project: str | None = None
    feature: str | None = None
    team: str | None = None

    def items(self) -> list[tuple[str, str]]:
        return [(k, v) for k in SCOPE_KEYS if (v := getattr(self, k)) is not None]

    def text(self) -> str:
        return ", ".join(f"{k} {v}" for k, v in self.items()) or "all"


@dataclass(frozen=True)
class Rule:
    name: str
    type: str
    threshold: float
    channels: tuple[str, ...]
    scope: Scope = field(default_factory=Scope)
    budget: str | None = None  # budget / quota rules: one named [[budgets]] entry (default: every one in scope)
    days: int = 7  # reconcile rules: the last n days through the as-of day; anomaly rules: flags this recent
    key: str = ""  # "alerts.rules[i]": where errors point


@dataclass(frozen=True)
class Channel:
    name: str
    type: str  # slack | webhook | email
    host: str = ""
    port: int = 587
    username: str = ""
    sender: str = ""
    to: tuple[str, ...] = ()
    ca_file: str = ""  # a private CA bundle for the SMTP server's certificate (default: the system's)
    starttls: bool = True

    @property
    def key(self) -> str:
        return f"alerts.channels.{self.name}"


@dataclass(frozen=True)
class AlertSettings:
    rules: tuple[Rule, ...] = ()
    channels: dict[str, Channel] = field(default_factory=dict)
    resolve_after: int = 2  # consecutive clear checks before "resolved" (one noisy check does not resolve)
    flap_window_hours: float = 24.0
    max_flaps: int = 3  # episodes of one alert within the window before its messages are held
    deadline_seconds: float = 20.0  # per channel and check: retries stop here, the message stays pending
    timeout_seconds: float = 5.0
    retries: int = 3
    run_with_export: bool = True  # `finops export --sync-first` runs the check after syncing
    every_minutes: int = 60  # `finops schedule show`: how often the check runs

    @property
    def configured(self) -> bool:
        return bool(self.rules)


def _number(cfg: Any, key: str, value: Any, lo: float, hi: float, lo_inclusive: bool = True,
            integer: bool = False) -> float:
    ok = not isinstance(value, bool) and isinstance(value, (int, float)) and (not integer or isinstance(value, int))
    if ok:
        ok = (value >= lo if lo_inclusive else value > lo) and value <= hi
    if not ok:
        low = f"{'>=' if lo_inclusive else '>'} {lo:g}"
        cfg.fail(key, f"must be {'an integer' if integer else 'a number'} {low} and <= {hi:g} (got {value!r})")
    return float(value)


def _channel(cfg: ConfigFile, name: str, raw: Any) -> Channel:
    key = f"alerts.channels.{name}"
    if not CHANNEL_NAME.match(name):
        cfg.fail(key, "a channel name is letters, digits, '-' and '_' (at most 40)")
    if not isinstance(raw, dict):
        cfg.fail(key, "must be a table")
    kind = raw.get("type")
    if kind not in CHANNEL_TYPES:
        cfg.fail(f"{key}.type", f"must be one of {', '.join(CHANNEL_TYPES)} (got {kind!r})")
    for k in raw:
        if k in SECRET_KEYS:
            cfg.fail(f"{key}.{k}", "secrets never go in finops.toml: keep it in the keyring or the environment "
                                   "(see `finops alert secrets`)")
        if k not in CHANNEL_KEYS[kind]:
            cfg.fail(f"{key}.{k}", f"unknown key for a {kind} channel")
    if kind != "email":
        return Channel(name, kind)
    host = raw.get("host")
    if not isinstance(host, str) or not host:
        cfg.fail(f"{key}.host", "an email channel needs the SMTP host")
    port = int(_number(cfg, f"{key}.port", raw.get("port", 587), 1, 65535, integer=True))
    to = raw.get("to")
    if isinstance(to, str):
        to = [to]
    if not isinstance(to, list) or not to or not all(isinstance(t, str) and "@" in t for t in to):
        cfg.fail(f"{key}.to", "needs one or more email addresses")
    sender = raw.get("from", raw.get("username", ""))
    if not isinstance(sender, str) or "@" not in sender:
        cfg.fail(f"{key}.from", "needs the sender's email address")
    for k in ("username", "ca_file"):
        if k in raw and not isinstance(raw[k], str):
            cfg.fail(f"{key}.{k}", "must be a string")
    starttls = raw.get("starttls", True)
    if not isinstance(starttls, bool):
        cfg.fail(f"{key}.starttls", "must be true or false")
    return Channel(name, kind, host, port, raw.get("username", ""), sender, tuple(to), raw.get("ca_file", ""), starttls)


def _scope(cfg: Any, kind: str, raw: Any) -> Scope:
    if raw is None:
        return Scope()
    if not isinstance(raw, dict):
        cfg.fail(f"alerts.rules.scope", "must be a table, e.g. scope = { provider = \"openai\" }")
    allowed = RULE_TYPES[kind][4]
    for k, v in raw.items():
        if k not in SCOPE_KEYS:
            cfg.fail(f"alerts.rules.scope.{k}", f"unknown scope key (one of {', '.join(SCOPE_KEYS)})")
        if k not in allowed:
            cfg.fail(f"alerts.rules.scope.{k}", f"a {kind} rule cannot be scoped by {k} (it can by: {', '.join(allowed)})")
        if not isinstance(v, str) or not v:
            cfg.fail(f"alerts.rules.scope.{k}", "must be a non-empty string")
    if kind.endswith("_anomaly") and len(raw) > 1:
        cfg.fail(f"alerts.rules.scope", f"a {kind} rule is scoped by one of provider or project, not both")
    return Scope(**raw)


class _RuleFile:
    """ConfigFile.fail for the i-th [[alerts.rules]]: the line is looked up inside that entry, not the first one."""

    def __init__(self, cfg: ConfigFile, i: int) -> None:
        self.cfg, self.i = cfg, i

    def fail(self, dotted_key: str, problem: str) -> Any:
        from finops.errors import ConfigError

        leaf = dotted_key.removeprefix("alerts.rules").lstrip(".")
        lines = self.cfg.text.splitlines()
        headers = [n for n, line in enumerate(lines) if re.match(r"^\s*\[\[\s*alerts\.rules\s*\]\]", line)]
        line = None
        if self.i < len(headers):
            start = headers[self.i]
            end = next((n for n in range(start + 1, len(lines)) if re.match(r"^\s*\[", lines[n])), len(lines))
            line = start + 1
            first = leaf.split(".")[0]
            for n in range(start + 1, end):
                if first and re.match(r"^\s*" + re.escape(first) + r"\s*=", lines[n]):
                    line = n + 1
                    break
        where = str(self.cfg.path) if self.cfg.path else "finops.toml"
        loc = f"{where}:{line}" if line else where
        key = f"alerts.rules[{self.i}]" + (f".{leaf}" if leaf else "")
        raise ConfigError(f"{loc}: {key}: {problem}")


def _rule(config: ConfigFile, i: int, raw: Any, channels: dict[str, Channel]) -> Rule:
    key = f"alerts.rules[{i}]"
    cfg: Any = _RuleFile(config, i)
    if not isinstance(raw, dict):
        cfg.fail("alerts.rules", "must be a table ([[alerts.rules]])")
    for k in raw:
        if k not in RULE_KEYS:
            cfg.fail(f"alerts.rules.{k}", "unknown key in a rule")
    name = raw.get("name")
    if not isinstance(name, str) or not NAME.match(name):
        cfg.fail("alerts.rules.name", "needs a name (letters, digits, space, '.', '_', '-'; at most 64)")
    kind = raw.get("type")
    if kind in NOT_AVAILABLE:
        cfg.fail("alerts.rules.type", f"{name}: {NOT_AVAILABLE[kind]}")
    if kind not in RULE_TYPES:
        known = ", ".join(list(RULE_TYPES))
        cfg.fail("alerts.rules.type", f"{name}: unknown rule type {kind!r} (one of {known})")
    what, lo, hi, lo_inclusive, _ = RULE_TYPES[kind]
    if "threshold" not in raw:
        cfg.fail("alerts.rules.threshold", f"{name}: needs a threshold: the {what}")
    threshold = _number(cfg, "alerts.rules.threshold", raw["threshold"], lo, hi, lo_inclusive)
    names = raw.get("channels", [])
    if isinstance(names, str):
        names = [names]
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        cfg.fail("alerts.rules.channels", f"{name}: channels is a list of [alerts.channels.NAME] names")
    for n in names:
        if n not in channels:
            cfg.fail("alerts.rules.channels", f"{name}: no channel {n!r} ([alerts.channels.{n}])")
    budget = raw.get("budget")
    if budget is not None and (kind not in ("budget", "quota") or not isinstance(budget, str)):
        cfg.fail("alerts.rules.budget", f"{name}: budget names one [[budgets]] entry, for budget and quota rules")
    days = int(_number(cfg, "alerts.rules.days", raw.get("days", 7), 1, 366, integer=True))
    return Rule(name, kind, threshold, tuple(names), _scope(cfg, kind, raw.get("scope")), budget, days, key)


def load_alerts(cfg: ConfigFile) -> AlertSettings:
    """The [alerts] section; an absent section is no rules and no channels."""
    raw = cfg.data.get("alerts")
    if raw is None:
        return AlertSettings()
    if not isinstance(raw, dict):
        cfg.fail("alerts", "must be a table")
    for k in raw:
        if k not in SETTING_KEYS:
            cfg.fail(f"alerts.{k}", "unknown key in [alerts]")
    chans_raw = raw.get("channels", {})
    if not isinstance(chans_raw, dict):
        cfg.fail("alerts.channels", "must be a table of [alerts.channels.NAME] tables")
    channels = {n: _channel(cfg, n, c) for n, c in chans_raw.items()}
    rules_raw = raw.get("rules", [])
    if not isinstance(rules_raw, list):
        cfg.fail("alerts.rules", "must be an array of tables ([[alerts.rules]])")
    rules = tuple(_rule(cfg, i, r, channels) for i, r in enumerate(rules_raw) if not (isinstance(r, dict) and r.get("enabled") is False))
    seen: set[str] = set()
    for r in rules:
        if r.name in seen:
            _RuleFile(cfg, int(r.key[13:-1])).fail("alerts.rules.name", f"a second rule is named {r.name!r}")
        seen.add(r.name)
    run_with_export = raw.get("run_with_export", True)
    if not isinstance(run_with_export, bool):
        cfg.fail("alerts.run_with_export", "must be true or false")
    return AlertSettings(
        rules, channels,
        resolve_after=int(_number(cfg, "alerts.resolve_after", raw.get("resolve_after", 2), 1, 100, integer=True)),
        flap_window_hours=_number(cfg, "alerts.flap_window_hours", raw.get("flap_window_hours", 24), 0, 24 * 30),
        max_flaps=int(_number(cfg, "alerts.max_flaps", raw.get("max_flaps", 3), 1, 100, integer=True)),
        deadline_seconds=_number(cfg, "alerts.deadline_seconds", raw.get("deadline_seconds", 20), 0.1, 600),
        timeout_seconds=_number(cfg, "alerts.timeout_seconds", raw.get("timeout_seconds", 5), 0.1, 120),
        retries=int(_number(cfg, "alerts.retries", raw.get("retries", 3), 0, 20, integer=True)),
        run_with_export=run_with_export,
        every_minutes=int(_number(cfg, "alerts.every_minutes", raw.get("every_minutes", 60), 5, 1440, integer=True)),
    )
