"""`finops dashboard --web`: the real command serves the page over HTTP and the app's screen over a WebSocket.

The server runs as a subprocess on a free port of 127.0.0.1 (as a user starts it); the test
loads the page like a browser, opens the WebSocket the page names, says its terminal size,
and reads the dashboard's screen output until the Overview's headline figure arrives, then
presses q (the app exits and the socket closes) and stops the server.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from test_tui_support import dash_home, tui_store_path  # noqa: F401

ANSI = re.compile(r"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_page(url: str, server: subprocess.Popen[bytes], log: Path, deadline: float) -> httpx.Response:
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"the server exited with {server.returncode}: {log.read_text(errors='replace')[-2000:]}")
        try:
            return httpx.get(url, timeout=2.0)
        except httpx.TransportError:
            time.sleep(0.2)  # not listening yet: polling a socket, not waiting on the app
    pytest.fail(f"nothing served at {url}: {log.read_text(errors='replace')[-2000:]}")


async def screen_text(ws_url: str, until: re.Pattern[str], deadline: float) -> tuple[str, bool]:
    """The app's screen output (escape codes stripped) until `until` matches it; then q; closed?"""
    import aiohttp

    seen = ""
    async with aiohttp.ClientSession() as session, session.ws_connect(ws_url) as ws:
        await ws.send_json(["resize", {"width": 120, "height": 40}])
        while not until.search(seen):
            left = deadline - time.monotonic()
            if left <= 0:
                break
            msg = await ws.receive(timeout=left)
            if msg.type == aiohttp.WSMsgType.BINARY:
                seen += ANSI.sub("", msg.data.decode("utf-8", "replace"))
            elif msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):
                break
        await ws.send_json(["stdin", "q"])
        closed = False
        while time.monotonic() < deadline:
            msg = await ws.receive(timeout=deadline - time.monotonic())
            if msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.CLOSING):
                closed = True
                break
    return seen, closed


def test_dashboard_served_over_http_and_websocket(dash_home: Path, tmp_path: Path) -> None:  # noqa: F811
    port = free_port()
    log = tmp_path / "server.log"
    env = {**os.environ, "FINOPS_TODAY": "2026-11-25", "NO_COLOR": ""}
    env.pop("FINOPS_CONFIG", None)
    with log.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "finops.cli", "--data-dir", str(dash_home), "--config", str(dash_home / "finops.toml"),
             "dashboard", "--web", "--port", str(port)],
            stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    try:
        deadline = time.monotonic() + 120  # generous: two cores shared by several test runs
        page = wait_for_page(f"http://127.0.0.1:{port}/", server, log, deadline)
        assert page.status_code == 200
        assert "FinOps console" in page.text
        ws_url = f"ws://127.0.0.1:{port}/ws"
        assert ws_url in page.text  # the page's terminal connects back to this server
        static = re.search(r'(?:src|href)="(http://127\.0\.0\.1:\d+/static/[^"]+)"', page.text)
        assert static is not None and httpx.get(static.group(1), timeout=5.0).status_code == 200

        # The Overview's first figure with its dollar value: the app read the store and painted it.
        figure = re.compile(r"Period total.*?\$[\d,]+\.\d\d", re.S)
        text, closed = asyncio.run(screen_text(f"{ws_url}?width=120&height=40", figure, deadline))
        assert figure.search(text), text[-2000:]
        assert "Overview" in text
        assert closed, "q did not end the app's session"
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGINT)  # the server's own group: it and the app processes it started
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait(timeout=5)


def test_web_listens_on_localhost_by_default() -> None:
    from typer.testing import CliRunner

    from finops.cli import app

    result = CliRunner().invoke(app, ["dashboard", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "--web" in result.output and "127.0.0.1" in result.output
