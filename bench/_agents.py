"""A Claude Code projects tree (`~/.claude/projects/<project>/<session>.jsonl`) of any size.

Lines as Claude Code writes them (checked against public logs: user lines, assistant lines
with `message.usage` incl. the `cache_creation` 5m/1h split, one line per content block so a
response's usage repeats, tool results), with realistic text sizes. Sessions run a few
hours; a few straddle a month boundary, and some files end with a line cut short, as real
trees do. Seeded: the same arguments give the same tree.
"""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

MODELS = ("claude-sonnet-4-5-20250929", "claude-opus-4-1-20250805", "claude-haiku-4-5-20251001")
WORDS = "the test fails because the parser reads the whole file before it checks a line and a slow path".split()


def _text(rng: random.Random, n_words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n_words))


def _base(session: str, project: str, uuid: str, parent: str | None, ts: datetime) -> dict:
    return {"parentUuid": parent, "isSidechain": False, "userType": "external", "cwd": f"/home/dev/{project}",
            "sessionId": session, "version": "2.0.14", "gitBranch": "main", "uuid": uuid,
            "timestamp": ts.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts.microsecond // 1000:03d}Z"}


def write_claude_tree(n_lines: int, out: Path, files: int = 610, seed: int = 7, truncated_share: float = 0.02) -> dict[str, int]:
    """Write about `n_lines` lines over `files` session files; returns counts for the bench."""
    rng = random.Random(seed)
    per_file = max(4, n_lines // files)
    start = datetime(2026, 9, 1, tzinfo=timezone.utc)
    written = responses = 0
    for f in range(files):
        project = f"-home-dev-project-{f % 12}"
        session = f"{f:08x}-5b1d-4c3e-9a77-{rng.getrandbits(48):012x}"
        folder = out / project
        folder.mkdir(parents=True, exist_ok=True)
        ts = start + timedelta(days=(f * 91) // files, hours=rng.randint(0, 23))
        if f % 50 == 0:  # a session that runs over midnight at a month's end
            ts = datetime(2026, 10, 31, 23, 59, 50, tzinfo=timezone.utc)
        lines: list[str] = []
        parent = None
        n = 0
        while len(lines) < per_file:
            n += 1
            ts += timedelta(seconds=rng.randint(2, 40))
            user = _base(session, project, f"u{f}-{n}", parent, ts)
            user |= {"type": "user", "message": {"role": "user", "content": _text(rng, rng.randint(5, 60))}}
            lines.append(json.dumps(user))
            model = rng.choice(MODELS)
            writes = rng.choice((0, 0, rng.randint(200, 6000)))
            one_hour = writes if rng.random() < 0.3 else 0
            usage = {"input_tokens": rng.randint(3, 40), "cache_creation_input_tokens": writes,
                     "cache_read_input_tokens": rng.randint(0, 60000),
                     "cache_creation": {"ephemeral_5m_input_tokens": writes - one_hour, "ephemeral_1h_input_tokens": one_hour},
                     "output_tokens": rng.randint(20, 1500), "service_tier": "standard"}
            msg_id = f"msg_{f:04d}{n:05d}{rng.getrandbits(32):08x}"
            blocks = [{"type": "text", "text": _text(rng, rng.randint(10, 120))}]
            if rng.random() < 0.6:
                blocks.append({"type": "tool_use", "id": f"toolu_{f}_{n}", "name": "Bash", "input": {"command": "pytest -x -q"}})
            parent_a = user["uuid"]
            for b, block in enumerate(blocks):  # one line per content block; the usage repeats
                ts += timedelta(milliseconds=rng.randint(50, 900))
                a = _base(session, project, f"a{f}-{n}-{b}", parent_a, ts)
                a |= {"type": "assistant", "requestId": f"req_{msg_id}",
                      "message": {"model": model, "id": msg_id, "type": "message", "role": "assistant", "content": [block],
                                  "stop_reason": None, "stop_sequence": None, "usage": usage}}
                lines.append(json.dumps(a))
                parent_a = a["uuid"]
            responses += 1
            if len(blocks) > 1:
                ts += timedelta(seconds=rng.randint(1, 20))
                result = _base(session, project, f"r{f}-{n}", parent_a, ts)
                result |= {"type": "user", "message": {"role": "user", "content": [
                    {"type": "tool_result", "tool_use_id": f"toolu_{f}_{n}", "content": _text(rng, rng.randint(20, 300))}]}}
                lines.append(json.dumps(result))
            parent = lines[-1] and json.loads(lines[-1])["uuid"]
        text = "\n".join(lines) + "\n"
        if rng.random() < truncated_share:  # the session was killed mid-write
            text = text[: len(text) - 1 - len(lines[-1]) // 2]
        (folder / f"{session}.jsonl").write_text(text)
        written += len(lines)
    return {"lines": written, "responses": responses, "files": files}
