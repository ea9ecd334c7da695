"""Channel secrets (webhook URLs, signing secrets, SMTP passwords): the OS keyring first, the environment second.

Kept under the keyring service "finops-console" as user "alert:<channel>:<field>" (`finops alert
secret CHANNEL FIELD` stores one), else read from FINOPS_ALERT_<CHANNEL>_<FIELD>. Never in
finops.toml, a log line, an exception or the state file.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass

from finops.alerts.rules import Channel

log = logging.getLogger("finops.alerts.secrets")
SERVICE = "finops-console"


def fields_of(channel: Channel) -> tuple[str, ...]:
    """The secrets a channel needs: slack a URL; webhook a URL and a signing secret; email a password if it logs in."""
    if channel.type == "slack":
        return ("url",)
    if channel.type == "webhook":
        return ("url", "secret")
    return ("password",) if channel.username else ()


def env_var(channel: str, fieldname: str) -> str:
    return "FINOPS_ALERT_" + re.sub(r"[^A-Za-z0-9]", "_", f"{channel}_{fieldname}").upper()


def keyring_user(channel: str, fieldname: str) -> str:
    return f"alert:{channel}:{fieldname}"


def _keyring_get(user: str) -> str | None:
    try:
        import keyring

        return keyring.get_password(SERVICE, user)
    except Exception as exc:  # noqa: BLE001 - a locked or absent keyring falls back to the environment
        log.debug("keyring lookup failed (%s); trying the environment", type(exc).__name__)
        return None


def lookup(channel: str, fieldname: str) -> str | None:
    return _keyring_get(keyring_user(channel, fieldname)) or os.environ.get(env_var(channel, fieldname)) or None


def store(channel: str, fieldname: str, value: str) -> None:
    from finops.errors import CredentialError

    try:
        import keyring

        keyring.set_password(SERVICE, keyring_user(channel, fieldname), value)
    except Exception as exc:  # noqa: BLE001 - backends raise their own types (dbus, NoKeyringError, ...)
        raise CredentialError(f"the keyring refused to store {channel}'s {fieldname} ({type(exc).__name__}); "
                              f"set {env_var(channel, fieldname)} in the environment instead") from None


@dataclass(frozen=True)
class Secrets:
    """One channel's secrets; repr never shows them."""

    values: dict[str, str]

    def __repr__(self) -> str:
        return f"Secrets({', '.join(sorted(self.values))})"

    def __getitem__(self, key: str) -> str:
        return self.values[key]


def secrets_for(channel: Channel, config_path: str) -> Secrets:
    """The channel's secrets, or a one-line ConfigError naming the file, the channel's key and where to put them."""
    from finops.errors import ConfigError

    out = {}
    for f in fields_of(channel):
        value = lookup(channel.name, f)
        if not value:
            raise ConfigError(f"{config_path}: {channel.key}: no {f} for this {channel.type} channel: store it with "
                              f"`finops alert secret {channel.name} {f}` or set {env_var(channel.name, f)}")
        if f == "url" and not re.match(r"^https?://", value):
            raise ConfigError(f"{config_path}: {channel.key}: its url (from the keyring or {env_var(channel.name, f)}) "
                              "is not an http(s) URL")
        out[f] = value
    return Secrets(out)
