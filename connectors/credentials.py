"""API keys: the OS keyring first, an environment variable second, never a file we write.

`finops connect openai|anthropic` stores a key under the service name "finops-console".
A headless machine has no keyring backend: we say so in one line and point to the
environment variable, or to the optional file backend (`pip install keyrings.alt`).
Keys never appear in messages, logs or exceptions.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

from finops.errors import CredentialError

log = logging.getLogger("finops.connectors.credentials")
SERVICE = "finops-console"
ENV_VARS = {"openai": "FINOPS_OPENAI_ADMIN_KEY", "anthropic": "FINOPS_ANTHROPIC_ADMIN_KEY"}
KEY_TYPES = {
    "openai": "an OpenAI organization Admin API key (sk-admin-...), created by an org owner under Admin keys",
    "anthropic": "an Anthropic Admin API key (sk-ant-admin01-...), created by an org admin in the Console",
}


def _no_backend(source: str) -> CredentialError:
    return CredentialError(
        f"no keyring backend on this machine (a headless server?): set {ENV_VARS[source]} in the environment, "
        "or install the file backend with `pip install keyrings.alt`"
    )


def backend_available() -> bool:
    """False on a machine whose only keyring backend is the 'fail' one (a headless server)."""
    try:
        import keyring
        from keyring.backends import fail
    except ImportError:
        return False
    return not isinstance(keyring.get_keyring(), fail.Keyring)


def no_backend_message(source: str) -> str:
    return _no_backend(source).message


def _keyring_get(source: str) -> str | None:
    try:
        import keyring

        return keyring.get_password(SERVICE, source)
    except Exception as exc:  # noqa: BLE001 - a locked or absent keyring falls back to the environment
        log.debug("keyring lookup for %s failed (%s); trying %s", source, type(exc).__name__, ENV_VARS[source])
        return None


def get_key(source: str) -> str:
    if source not in ENV_VARS:
        raise CredentialError(f"unknown source {source!r}; known: {', '.join(ENV_VARS)}")
    key = _keyring_get(source) or os.environ.get(ENV_VARS[source])
    if not key:
        raise CredentialError(f"no key for {source}: run `finops connect {source}` or set {ENV_VARS[source]} ({KEY_TYPES[source]})")
    return key


def set_key(source: str, key: str) -> None:
    import keyring
    from keyring.errors import KeyringError, NoKeyringError

    try:
        keyring.set_password(SERVICE, source, key)
    except NoKeyringError:
        raise _no_backend(source) from None
    except (KeyringError, Exception) as exc:  # noqa: BLE001 - backends raise their own types (dbus, ...)
        raise CredentialError(f"the keyring refused to store the {source} key ({type(exc).__name__}); "
                              f"set {ENV_VARS[source]} in the environment instead") from None


@dataclass(frozen=True)
class CredentialStatus:
    source: str
    where: str  # keyring | environment | missing


def status() -> list[CredentialStatus]:
    out = []
    for source, env in ENV_VARS.items():
        where = "keyring" if _keyring_get(source) else "environment" if os.environ.get(env) else "missing"
        out.append(CredentialStatus(source, where))
    return out
