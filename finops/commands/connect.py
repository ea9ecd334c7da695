"""`finops connect`: check a provider admin key with one cheap call and keep it in the OS keyring."""

from __future__ import annotations

from typing import Annotated, Optional

import typer


def register(app: typer.Typer) -> None:
    @app.command("connect")
    def connect_cmd(
        source: Annotated[Optional[str], typer.Argument(help="openai or anthropic")] = None,
        list_: Annotated[bool, typer.Option("--list", help="Show which sources have credentials (never the key).")] = False,
    ) -> None:
        """Store a provider admin key in the OS keyring after one cheap check call."""
        from finops.connectors import credentials
        from finops.errors import CredentialError, InputError

        if list_ or source is None:
            for st in credentials.status():
                typer.echo(f"{st.source:10s} {st.where:12s} (keyring service {credentials.SERVICE!r}, "
                           f"env {credentials.ENV_VARS[st.source]})")
            return
        if source not in credentials.ENV_VARS:
            raise InputError(f"connect: {source!r} is not one of {', '.join(credentials.ENV_VARS)}")
        if not credentials.backend_available():  # say so before asking for a key we cannot keep
            raise CredentialError(credentials.no_backend_message(source))
        key = typer.prompt(f"{source} admin key ({credentials.KEY_TYPES[source]})", hide_input=True).strip()
        if not key:
            raise InputError("connect: empty key; nothing stored")
        check_key(source, key)
        credentials.set_key(source, key)
        typer.echo(f"{source}: key checked and stored in the keyring (service {credentials.SERVICE!r})")


def check_key(source: str, key: str) -> None:
    """One small request (yesterday, one endpoint, one bucket); raises CredentialError if refused."""
    from datetime import datetime, timedelta, timezone

    from finops.connectors._http import ProviderClient, RetryPolicy
    from finops.connectors.sync import SOURCES, source_config
    from finops.commands._common import get_settings

    module = SOURCES[source]
    cfg = source_config(get_settings().config, source)
    end = datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    fetch = module.requests_for(end - timedelta(days=1), end, only=module.CHECK)[0]
    policy = RetryPolicy(attempts=2, base_seconds=cfg.policy.base_seconds, cap_seconds=cfg.policy.cap_seconds,
                         timeout_seconds=cfg.policy.timeout_seconds)
    with ProviderClient(source, cfg.base_url, module.headers(key), module.KEY_HINT, policy) as client:
        client.get(fetch.path, fetch.params)
