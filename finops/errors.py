"""One error hierarchy for the CLI and the TUI: each error has a title and a one-line message.

The CLI prints `title: message` and exits non-zero; the TUI shows a notification.
Messages must never contain a secret.
"""

from __future__ import annotations


class FinopsError(Exception):
    """Base class: an error a user can act on, shown as one line."""

    title = "error"
    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message

    def one_line(self) -> str:
        return f"{self.title}: {' '.join(self.message.split())}"


class ConfigError(FinopsError):
    title = "config error"
    exit_code = 2


class SchemaError(FinopsError):
    title = "schema error"
    exit_code = 2


class InputError(FinopsError):
    """Bad input data: the message names the file, line/row and field."""

    title = "bad input"
    exit_code = 2


class StoreError(FinopsError):
    title = "store error"


class SourceError(FinopsError):
    """A connector failed: the message names the source and what to do."""

    title = "source error"
    exit_code = 4


class CredentialError(FinopsError):
    title = "credentials"
    exit_code = 4


class PricingError(FinopsError):
    title = "pricing error"
    exit_code = 2


class CurrencyError(FinopsError):
    """A missing or bad exchange rate: never silently 1:1."""

    title = "currency error"
    exit_code = 2
