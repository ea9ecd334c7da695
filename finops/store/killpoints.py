"""Named points in the store's write path where a test can kill the process (SIGKILL).

`FINOPS_KILL_AT=<name>[:<n>]` kills the process the n-th time (default the first) it
reaches point `<name>`. Unset, a point costs one dictionary lookup. Used by
tests/test_store_crash.py to prove a load is all-or-nothing at every point.
"""

from __future__ import annotations

import os
import signal

ENV = "FINOPS_KILL_AT"
_hits: dict[str, int] = {}


def reached(name: str) -> None:
    spec = os.environ.get(ENV)
    if not spec:
        return
    point, _, nth = spec.partition(":")
    if point != name:
        return
    _hits[name] = _hits.get(name, 0) + 1
    if _hits[name] >= int(nth or 1):
        os.kill(os.getpid(), signal.SIGKILL)
