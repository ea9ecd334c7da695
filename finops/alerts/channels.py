"""Deliver one message to one channel, with retries inside a deadline; errors never carry a secret.

Slack and the generic webhook are HTTP POSTs (httpx, a timeout per attempt, exponential
backoff, never past the deadline); the webhook signs its body with HMAC-SHA256 (header
X-Finops-Signature, docs/alerts.md). Email goes over SMTP with STARTTLS, certificate checked
(the system's CAs, or the channel's ca_file). A failure raises DeliveryError: the message
stays in the outbox for the next check.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import smtplib
import ssl
import time
from collections.abc import Callable
from email.message import EmailMessage
from typing import Any

from finops.alerts import messages
from finops.alerts.rules import AlertSettings, Channel
from finops.alerts.secrets import Secrets

RETRY_STATUS = {408, 425, 429, 500, 502, 503, 504}


class DeliveryError(Exception):
    """One line, no secret: what failed and after how many attempts."""

    def __init__(self, message: str, attempts: int) -> None:
        super().__init__(message)
        self.attempts = attempts


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """HMAC-SHA256 over "<timestamp>.<body>", hex: what X-Finops-Signature carries after "sha256="."""
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def _attempts(settings: AlertSettings, deadline: float, once: Callable[[float], None]) -> int:
    """Call `once(timeout)` until it returns, retries run out or the deadline passes; the attempts made."""
    attempt, error = 0, "not attempted (deadline already passed)"
    while attempt <= settings.retries:
        left = deadline - time.monotonic()
        if left <= 0.05:
            break
        attempt += 1
        try:
            once(min(settings.timeout_seconds, left))
            return attempt
        except _Permanent as exc:
            raise DeliveryError(str(exc), attempt) from None
        except _Retry as exc:
            error = str(exc)
        pause = min(0.25 * 2 ** (attempt - 1), 4.0)
        if time.monotonic() + pause >= deadline:
            break
        time.sleep(pause)
    raise DeliveryError(f"{error} after {attempt} attempt(s)", attempt)


class _Retry(Exception):
    pass


class _Permanent(Exception):
    pass


def _post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> None:
    import httpx

    try:
        with httpx.Client(timeout=httpx.Timeout(timeout), follow_redirects=False) as client:
            r = client.post(url, content=body, headers=headers)
    except httpx.TimeoutException:
        raise _Retry(f"no answer within {timeout:.1f} s") from None
    except httpx.HTTPError as exc:  # the message of an httpx error can hold the URL: only its type is shown
        raise _Retry(type(exc).__name__) from None
    if 200 <= r.status_code < 300:
        return
    if r.status_code in RETRY_STATUS:
        raise _Retry(f"HTTP {r.status_code}")
    raise _Permanent(f"HTTP {r.status_code} (not retried in this check)")


def send_http(channel: Channel, secrets: Secrets, p: dict[str, Any], settings: AlertSettings, deadline: float) -> int:
    if channel.type == "slack":
        body = json.dumps(messages.slack(p)).encode()
        headers = {"Content-Type": "application/json"}
    else:
        body = json.dumps(p, sort_keys=True).encode()
        ts = str(int(time.time()))
        headers = {"Content-Type": "application/json", "User-Agent": "finops-console-alerts/1",
                   "X-Finops-Event": p["event"], "X-Finops-Delivery": p["id"], "X-Finops-Timestamp": ts,
                   "X-Finops-Signature": "sha256=" + signature(secrets["secret"], ts, body)}
    return _attempts(settings, deadline, lambda timeout: _post(secrets["url"], body, headers, timeout))


def send_email(channel: Channel, secrets: Secrets, p: dict[str, Any], settings: AlertSettings, deadline: float) -> int:
    msg = EmailMessage()
    msg["Subject"] = f"[finops] {messages.headline(p)}"
    msg["From"] = channel.sender
    msg["To"] = ", ".join(channel.to)
    msg["Message-ID"] = f"<{hashlib.sha256(p['id'].encode()).hexdigest()[:32]}@finops-console>"
    msg.set_content(messages.text(p))
    context = ssl.create_default_context(cafile=channel.ca_file or None)

    def once(timeout: float) -> None:
        try:
            with smtplib.SMTP(channel.host, channel.port, timeout=timeout) as smtp:
                smtp.ehlo()
                if channel.starttls:
                    smtp.starttls(context=context)
                    smtp.ehlo()
                if channel.username:
                    smtp.login(channel.username, secrets["password"])
                smtp.send_message(msg)
        except smtplib.SMTPAuthenticationError as exc:
            raise _Permanent(f"SMTP login refused ({exc.smtp_code})") from None
        except smtplib.SMTPNotSupportedError:
            raise _Permanent("the SMTP server offers no STARTTLS (refusing to send in clear text)") from None
        except ssl.SSLError as exc:
            raise _Permanent(f"TLS failed ({exc.reason or type(exc).__name__})") from None
        except smtplib.SMTPResponseException as exc:
            raise (_Retry if 400 <= exc.smtp_code < 500 else _Permanent)(f"SMTP {exc.smtp_code}") from None
        except (OSError, smtplib.SMTPException) as exc:
            raise _Retry(type(exc).__name__) from None

    return _attempts(settings, deadline, once)


def send(channel: Channel, secrets: Secrets, p: dict[str, Any], settings: AlertSettings, deadline: float) -> int:
    """Deliver `p`; the attempts it took. Raises DeliveryError."""
    if channel.type == "email":
        return send_email(channel, secrets, p, settings, deadline)
    return send_http(channel, secrets, p, settings, deadline)
