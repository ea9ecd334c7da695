"""Score `finops reconcile --format json` against a scenario's ground truth. Pure functions.

Matching: a reported finding matches a planted one when the cause and provider are the
same, the projects overlap (the Default workspace is `default`, whether written so, empty
or null), the models overlap where the truth names models (compared without their date
suffix, so an alias and its snapshot agree), the API key is among the finding's keys for
unlogged traffic (usage without a key matches a finding without keys), the token class is
the same for a price mismatch, and the day ranges overlap. Each planted finding is matched
at most once (the reported finding with the most overlapping days wins); a second finding
that would match an already matched truth is a false positive of kind "split".

precision = matched reported / reported, recall = matched planted / planted (both 1.0 when
both sides are empty); `unexplained` findings are not counted there but in
`unexplained_tokens` (gross tokens left on grain rows) and `unexplained_usd`. Dollar error
of a match = |reported - planted| / |planted|.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

DATED = re.compile(r"-(\d{8}|\d{4}-\d{2}-\d{2})$")
DOLLAR_TOLERANCE = 0.01


def base_model(name: str) -> str:
    name = name.split("/")[-1]
    return DATED.sub("", name)


def _project(p: Any) -> str:
    return "default" if p in (None, "", "default") else str(p)


def _split(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    return [v for v in str(value).split(",") if v != ""]


def _day(v: Any) -> date:
    return v if isinstance(v, date) else date.fromisoformat(str(v)[:10])


@dataclass
class Match:
    truth: dict[str, Any]
    found: dict[str, Any]

    @property
    def dollar_error(self) -> float | None:
        t, f = self.truth.get("dollar_impact"), self.found.get("dollar_impact")
        if f is None or t is None:
            return None
        return abs(f - t) / abs(t) if t else abs(f)


@dataclass
class Score:
    seed: int | None
    matches: list[Match] = field(default_factory=list)
    false_positives: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (kind, finding)
    misses: list[dict[str, Any]] = field(default_factory=list)
    reported: int = 0
    planted: int = 0
    unexplained_tokens: int = 0
    unexplained_usd: float = 0.0
    unexplained_pct: float = 0.0
    billed_usd_without_usage: float = 0.0

    @property
    def precision(self) -> float:
        return len(self.matches) / self.reported if self.reported else (1.0 if not self.planted else 0.0)

    @property
    def recall(self) -> float:
        return len(self.matches) / self.planted if self.planted else 1.0

    @property
    def worst_dollar_error(self) -> float | None:
        errs = [m.dollar_error for m in self.matches]
        if any(e is None for e in errs):
            return float("inf")
        return max(errs) if errs else 0.0  # type: ignore[type-var]

    @property
    def perfect(self) -> bool:
        worst = self.worst_dollar_error
        return (self.precision == 1.0 and self.recall == 1.0 and worst is not None and worst <= DOLLAR_TOLERANCE
                and self.unexplained_tokens == 0)


def matches(truth: dict[str, Any], found: dict[str, Any]) -> bool:
    if found["cause"] != truth["cause"] or found["provider"] != truth["provider"]:
        return False
    t_projects = {_project(p) for p in (truth.get("project_ids") or [truth.get("project_id")]) if p is not None or truth["cause"] != "price_mismatch"}
    f_projects = {_project(p) for p in _split(found.get("projects"))} or {"default"}
    if t_projects and not t_projects & f_projects:
        return False
    if truth.get("models"):
        if not {base_model(m) for m in truth["models"]} & {base_model(m) for m in _split(found.get("models"))}:
            return False
    if truth["cause"] == "unlogged_traffic":
        key = truth.get("api_key_id") or ""
        keys = _split(found.get("api_keys"))
        if key and key not in keys:
            return False
        if not key and keys:
            return False
    if truth["cause"] == "price_mismatch" and truth.get("token_class"):
        cls = (found.get("details") or {}).get("token_class")
        if cls and cls != truth["token_class"]:
            return False
    return _day(found["start"]) <= _day(truth["end"]) and _day(found["end"]) >= _day(truth["start"])


def _overlap(truth: dict[str, Any], found: dict[str, Any]) -> int:
    lo = max(_day(truth["start"]), _day(found["start"]))
    hi = min(_day(truth["end"]), _day(found["end"]))
    return (hi - lo).days + 1


def score(truth: dict[str, Any], doc: dict[str, Any]) -> Score:
    planted = list(truth["findings"])
    causes = doc.get("causes") or []
    reported = [c for c in causes if c["cause"] != "unexplained"]
    leftover = [c for c in causes if c["cause"] == "unexplained"]
    s = Score(seed=truth.get("seed"), reported=len(reported), planted=len(planted))
    pairs = sorted(((_overlap(t, f), i, j) for i, t in enumerate(planted) for j, f in enumerate(reported) if matches(t, f)),
                   reverse=True)
    used_t: set[int] = set()
    used_f: set[int] = set()
    for _, i, j in pairs:
        if i in used_t or j in used_f:
            continue
        used_t.add(i)
        used_f.add(j)
        s.matches.append(Match(planted[i], reported[j]))
    for j, f in enumerate(reported):
        if j not in used_f:
            split = any(matches(t, f) for t in planted)
            s.false_positives.append(("split" if split else "spurious", f))
    s.misses = [t for i, t in enumerate(planted) if i not in used_t]
    s.unexplained_tokens = sum(int((c.get("details") or {}).get("gross_tokens", abs(c.get("tokens") or 0))) for c in leftover)
    summary = doc.get("summary") or {}
    s.unexplained_usd = float(summary.get("unexplained_usd") or 0.0)
    s.unexplained_pct = float(summary.get("unexplained_pct") or 0.0)
    s.billed_usd_without_usage = float(summary.get("billed_usd_without_usage") or 0.0)
    return s


def describe(f: dict[str, Any]) -> str:
    """One line for a finding, planted or reported."""
    projects = ",".join(_split(f.get("projects"))) if "projects" in f else ",".join(str(p) for p in f.get("project_ids") or [])
    keys = f.get("api_keys") if "api_keys" in f else (f.get("api_key_id") or "")
    models = ",".join(_split(f.get("models")))
    usd = f.get("dollar_impact")
    extra = ""
    if f.get("token_class") or (f.get("details") or {}).get("token_class"):
        extra = f" class={f.get('token_class') or f['details']['token_class']}"
    return (f"{f['cause']} {f['provider']} project={projects or '-'} key={keys or '-'} model={models or '-'}{extra} "
            f"{str(f['start'])[:10]}..{str(f['end'])[:10]} ${usd if usd is None else round(usd, 6)}")


def report(s: Score) -> list[str]:
    """Per-finding diff: matches with their dollar error, false positives, misses."""
    out = []
    for m in s.matches:
        err = m.dollar_error
        mark = "ok " if err is not None and err <= DOLLAR_TOLERANCE else "$$ "
        exact = "" if (str(m.found["start"])[:10], str(m.found["end"])[:10]) == (m.truth["start"], m.truth["end"]) else \
            f" (days {str(m.found['start'])[:10]}..{str(m.found['end'])[:10]} vs planted {m.truth['start']}..{m.truth['end']})"
        out.append(f"  {mark}match  {describe(m.truth)} -> found ${m.found.get('dollar_impact')} "
                   f"err {'n/a' if err is None else f'{err:.2%}'}{exact}")
    for kind, f in s.false_positives:
        out.append(f"  FP ({kind}) {describe(f)} :: {f.get('evidence', '')[:160]}")
    for t in s.misses:
        out.append(f"  MISS     {describe(t)}")
    if s.unexplained_tokens:
        out.append(f"  unexplained {s.unexplained_tokens:,} tokens gross, ${s.unexplained_usd:,.4f} ({s.unexplained_pct:.2f}% of billed)")
    return out
