"""Email alerts through a real SMTP server on 127.0.0.1 (aiosmtpd) with STARTTLS and a throwaway CA (trustme)."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from email import message_from_bytes
from pathlib import Path
from typing import Any

import pytest

from tests.support.fake_provider import use_keyring
from tests.test_alerts import BUDGET, check, write_config

aiosmtpd_controller = pytest.importorskip("aiosmtpd.controller")
trustme = pytest.importorskip("trustme")
from aiosmtpd.smtp import AuthResult, LoginPassword  # noqa: E402

PASSWORD = "smtp-pass-9f8e7d"


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        self.messages.append(envelope)
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _auth(server: object, session: object, envelope: object, mechanism: str, data: object) -> AuthResult:
    ok = isinstance(data, LoginPassword) and data.login == b"alerts@example.com" and data.password == PASSWORD.encode()
    return AuthResult(success=ok)


@pytest.fixture()
def ca(tmp_path: Path) -> tuple[Any, Path]:
    authority = trustme.CA()
    path = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(path))
    return authority, path


def _server(inbox: Inbox, authority: Any | None) -> Any:
    kwargs: dict[str, Any] = {"authenticator": _auth, "auth_require_tls": True}
    if authority is not None:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        authority.issue_cert("127.0.0.1").configure_cert(context)
        kwargs |= {"tls_context": context, "require_starttls": True}
    controller = aiosmtpd_controller.Controller(inbox, hostname="127.0.0.1", port=_free_port(), **kwargs)
    controller.start()
    return controller


@pytest.fixture()
def smtp(ca: tuple[Any, Path]) -> Iterator[tuple[Inbox, Any]]:
    inbox = Inbox()
    controller = _server(inbox, ca[0])
    yield inbox, controller
    controller.stop()


def email_config(port: int, ca_file: Path) -> str:
    return BUDGET.format(cap=250) + f"""
[alerts]
deadline_seconds = 5
timeout_seconds = 2
retries = 1

[alerts.channels.mail]
type = "email"
host = "127.0.0.1"
port = {port}
username = "alerts@example.com"
from = "alerts@example.com"
to = ["oncall@example.com"]
ca_file = "{ca_file}"

[[alerts.rules]]
name = "budget risk"
type = "budget"
threshold = 0.5
channels = ["mail"]
"""


def test_email_goes_over_starttls_with_login_and_says_figure_reason_command(
        finops_home: Path, smtp: tuple[Inbox, Any], ca: tuple[Any, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    use_keyring(monkeypatch, None)
    monkeypatch.setenv("FINOPS_ALERT_MAIL_PASSWORD", PASSWORD)
    inbox, controller = smtp
    write_config(finops_home, email_config(controller.port, ca[1]))
    report = check(finops_home)
    assert report.exit_code == 0, report.pending
    (env,) = inbox.messages
    assert env.rcpt_tos == ["oncall@example.com"] and env.mail_from == "alerts@example.com"
    msg = message_from_bytes(env.original_content)
    assert msg["Subject"] == "[finops] [FIRING] budget risk: budget inference"
    body = msg.get_payload(decode=True).decode()
    assert "Figure:     Budget used · inference · billed: " in body and "Provenance: billed" in body
    assert "See more:   finops forecast" in body and "$250.00 cap" in body
    assert PASSWORD not in body
    check(finops_home)
    assert len(inbox.messages) == 1  # still firing: no second mail


def test_a_server_without_starttls_is_refused_and_the_mail_waits(
        finops_home: Path, ca: tuple[Any, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    use_keyring(monkeypatch, None)
    monkeypatch.setenv("FINOPS_ALERT_MAIL_PASSWORD", PASSWORD)
    inbox = Inbox()
    controller = _server(inbox, None)
    try:
        write_config(finops_home, email_config(controller.port, ca[1]))
        report = check(finops_home)
    finally:
        controller.stop()
    assert report.exit_code == 4 and not inbox.messages
    ((mid, channel, attempts, error),) = report.pending
    assert channel == "mail" and "no STARTTLS" in error and PASSWORD not in error


def test_a_certificate_from_an_unknown_ca_is_refused(finops_home: Path, smtp: tuple[Inbox, Any],
                                                     monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    use_keyring(monkeypatch, None)
    monkeypatch.setenv("FINOPS_ALERT_MAIL_PASSWORD", PASSWORD)
    other = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(other))
    inbox, controller = smtp
    write_config(finops_home, email_config(controller.port, other))
    report = check(finops_home)
    assert report.exit_code == 4 and not inbox.messages
    assert "TLS failed" in report.pending[0][3]
