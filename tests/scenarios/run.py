"""Run scenarios end to end through the real CLI and score them.

    python -m tests.scenarios.run --seeds 0-19 [--shape otel|jsonl|litellm|generic] [--keep DIR] [-v]

Per seed: generate the scenario into a temporary folder, serve its provider buckets from the
fake provider on 127.0.0.1, then run `finops sync`, `finops ingest LOG --kind requests
--source NAME` and `finops reconcile --format json` as subprocesses with their own data
directory and the scenario's finops.toml, and score the JSON against ground_truth.json.
`generic` ingests our own format (provider ids already resolved, no --source): the baseline
that needs no source mapping or identity map. Exit status 1 when any seed is not perfect.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from tests.scenarios.score import Score, report, score
from tests.scenarios.generate import Scenario
from tests.scenarios.write import SHAPES, SOURCE, generate_into
from tests.support.fake_provider import FakeProvider, scenario_data

FINOPS = [sys.executable, "-m", "finops.cli"]


class StepFailed(RuntimeError):
    pass


def _env(home: Path, config: Path, server: FakeProvider) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FINOPS_")}
    env.update({
        "FINOPS_HOME": str(home), "FINOPS_CONFIG": str(config),
        "FINOPS_OPENAI_BASE_URL": server.url + "/v1", "FINOPS_ANTHROPIC_BASE_URL": server.url,
        "FINOPS_OPENAI_ADMIN_KEY": server.keys["openai"], "FINOPS_ANTHROPIC_ADMIN_KEY": server.keys["anthropic"],
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring", "NO_COLOR": "1", "COLUMNS": "200",
    })
    return env


def _run(args: list[str], env: dict[str, str], ok: tuple[int, ...] = (0,)) -> subprocess.CompletedProcess[str]:
    p = subprocess.run([*FINOPS, *args], env=env, capture_output=True, text=True, timeout=300)
    if p.returncode not in ok:
        tail = (p.stderr.strip() or p.stdout.strip()).splitlines()[-3:]
        raise StepFailed(f"finops {' '.join(args[:3])} exited {p.returncode}: {' | '.join(tail)}")
    return p


@contextmanager
def synced(sc: Scenario, folder: Path, home: Path) -> Iterator[dict[str, str]]:
    """The company in `folder` served by the fake provider and synced by `finops sync` into the data
    directory `home`: yields that directory's environment while the provider is still served."""
    server = FakeProvider()
    server.start(scenario_data(folder))
    try:
        env = _env(home, folder / "finops.toml", server)
        sources = [a for p in sc.org.providers for a in ("--source", p)]
        _run(["sync", *sources, "--since", sc.start.isoformat(), "--until", (sc.end + timedelta(days=1)).isoformat()], env)
        yield env
    finally:
        server.stop()


def run_seed(seed: int, shape: str, workdir: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """(ground truth, reconcile JSON) of one seed, through sync, ingest and reconcile."""
    folder = workdir / f"scenario-{seed}"
    sc = generate_into(seed, folder)
    with synced(sc, folder, workdir / f"home-{seed}-{shape}") as env:
        log = folder / "logs" / SHAPES[shape]
        _run(["ingest", str(log), "--kind", "requests", *([] if shape == "generic" else ["--source", SOURCE[shape]])], env)
        p = _run(["reconcile", "--since", sc.start.isoformat(), "--until", sc.end.isoformat(), "--by", "day",
                  "--format", "json"], env, ok=(0, 3))
    return sc.truth, json.loads(p.stdout)


def parse_seeds(text: str) -> list[int]:
    out: list[int] = []
    for part in text.split(","):
        lo, _, hi = part.partition("-")
        out += list(range(int(lo), int(hi) + 1)) if hi else [int(lo)]
    return out


def line(s: Score | None, seed: int, seconds: float, error: str = "") -> str:
    if s is None:
        return f"{seed:>4}  ERROR {error}"
    worst = s.worst_dollar_error
    worst_s = "-" if worst is None else ("n/a" if worst == float("inf") else f"{worst:.2%}")
    return (f"{seed:>4}  {s.precision:9.2f} {s.recall:6.2f} {len(s.matches):>3}/{s.planted:<3} {s.reported:>4} "
            f"{worst_s:>9} {s.unexplained_tokens:>12,} {s.unexplained_pct:>7.2f}% {s.billed_usd_without_usage:>9.4f} "
            f"{seconds:5.1f}s {'PASS' if s.perfect else 'fail'}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.scenarios.run", description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="0-19")
    ap.add_argument("--shape", default="otel", choices=sorted(SHAPES))
    ap.add_argument("--keep", type=Path, help="keep each scenario and data dir here")
    ap.add_argument("-v", "--verbose", action="store_true", help="per-finding diff for every seed, not only failing ones")
    args = ap.parse_args(argv)
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="finops-scenarios-"))
    scores: list[Score] = []
    print(f"shape {args.shape}; seeds {args.seeds}; work dir {workdir if args.keep else '(temporary)'}")
    print("seed  precision recall  hit  rep  worst$err unexpl_tokens unexpl%  $nousage  time")
    failed = 0
    t_all = time.perf_counter()
    try:
        for seed in parse_seeds(args.seeds):
            t0 = time.perf_counter()
            try:
                truth, doc = run_seed(seed, args.shape, workdir)
            except StepFailed as exc:
                print(line(None, seed, 0, str(exc)), flush=True)
                failed += 1
                continue
            s = score(truth, doc)
            scores.append(s)
            print(line(s, seed, time.perf_counter() - t0), flush=True)
            if args.verbose or not s.perfect:
                print("\n".join(report(s)), flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    if scores:
        n_match = sum(len(s.matches) for s in scores)
        n_rep = sum(s.reported for s in scores)
        n_plant = sum(s.planted for s in scores)
        errs = [m.dollar_error for s in scores for m in s.matches if m.dollar_error is not None]
        within = sum(1 for e in errs if e <= 0.01)
        print(f"ALL   precision {n_match / n_rep if n_rep else 1.0:.3f}  recall {n_match / n_plant if n_plant else 1.0:.3f}  "
              f"dollars within 1%: {within}/{len(errs)}  unexplained tokens {sum(s.unexplained_tokens for s in scores):,}  "
              f"perfect seeds {sum(s.perfect for s in scores)}/{len(scores) + failed}  ({time.perf_counter() - t_all:.0f}s)")
    return 0 if scores and not failed and all(s.perfect for s in scores) else 1


if __name__ == "__main__":
    sys.exit(main())
