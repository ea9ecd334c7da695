"""The dashboard's load workers: a thread each, and a read that failed on a damaged part file ends
as the store error naming that file.

The diagnosis reads every part's footer, which takes a while on a large store: it runs in the
failing worker's thread, never on the UI thread (the screens only show the error they get).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from textual import work
from textual.message_pump import MessagePump

F = TypeVar("F", bound=Callable[..., Any])


def load_worker(group: str) -> Callable[[F], F]:
    """`@work(thread=True, exclusive=True, group=group, exit_on_error=False)`, the error diagnosed in the thread."""

    def decorate(method: F) -> F:
        @functools.wraps(method)
        def diagnosing(node: MessagePump, *args: Any, **kwargs: Any) -> Any:
            try:
                return method(node, *args, **kwargs)
            except Exception as exc:
                # FinopsApp.diagnosed, looked up by name: naming DashboardHost here would make
                # finops.tui.workers and finops.tui.screens import each other.
                diagnose: Callable[[BaseException], BaseException] = getattr(node.app, "diagnosed")
                diagnosed = diagnose(exc)
                if diagnosed is exc:
                    raise
                raise diagnosed from exc

        return work(thread=True, exclusive=True, group=group, exit_on_error=False)(diagnosing)  # type: ignore[return-value]

    return decorate
