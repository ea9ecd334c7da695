"""`finops dashboard --web`: the same dashboard served to a browser by textual-serve.

textual-serve starts one dashboard process per browser tab (the command below, driven by
Textual's web driver over its stdin/stdout) and relays its screen over a WebSocket. The
command is this Python running `finops dashboard` with the options the user gave, so a
tab shows exactly what the terminal would. Bound to 127.0.0.1 by default: the dashboard
shows spend figures and can start syncs, so exposing it is an explicit choice (--host).
"""

from __future__ import annotations

import shlex
import sys
from collections.abc import Sequence

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def dashboard_command(global_args: Sequence[str], dashboard_args: Sequence[str]) -> str:
    """The shell command textual-serve runs per browser tab: `finops [global] dashboard [args]`."""
    return shlex.join([sys.executable, "-m", "finops.cli", *global_args, "dashboard", *dashboard_args])


def serve(command: str, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> None:
    """Serve `command` over HTTP + WebSocket until Ctrl+C (or SIGTERM)."""
    from textual_serve.server import Server

    Server(command, host=host, port=port, title="FinOps console").serve()
