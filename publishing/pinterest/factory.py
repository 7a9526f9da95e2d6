"""Where Pinboard's Pinterest clients come from: one place builds them, so one switch can route
every call of a context through another transport."""

from __future__ import annotations

import contextlib
import contextvars
import time
from collections.abc import Iterator
from typing import Any

import httpx

from publishing.pinterest.client import PinterestClient
from publishing.pinterest.config import pinterest_endpoints
from publishing.pinterest.oauth import PinterestOAuth

# Lets a caller route every Pinterest call of this context through another httpx transport: the
# ``demo`` command talks to the built-in sandbox in-process before any web server is listening.
_transport: contextvars.ContextVar[httpx.BaseTransport | None] = contextvars.ContextVar(
    "pinterest_transport", default=None
)


@contextlib.contextmanager
def pinterest_transport(transport: httpx.BaseTransport) -> Iterator[None]:
    token = _transport.set(transport)
    try:
        yield
    finally:
        _transport.reset(token)


def transport_kwargs() -> dict[str, Any]:
    """``{"transport": ...}`` when a caller set one with ``pinterest_transport``, else ``{}``."""
    transport = _transport.get()
    return {"transport": transport} if transport is not None else {}


# The ``time.monotonic()`` by which every Pinterest call of this context must have its answer: a web
# request sets one (publishing.middleware.PinterestDeadlineMiddleware) so a slow Pinterest costs the
# request a bounded wait and a clear error, never a gunicorn thread held for the jobs' long timeout.
_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar("pinterest_deadline", default=None)


@contextlib.contextmanager
def pinterest_deadline(seconds: float) -> Iterator[None]:
    """Every Pinterest call made inside must be answered within ``seconds`` of entering, all together."""
    token = _deadline.set(time.monotonic() + seconds)
    try:
        yield
    finally:
        _deadline.reset(token)


def pinterest_deadline_remaining() -> float | None:
    """Seconds left before this context's deadline (negative once past); None without one."""
    deadline = _deadline.get()
    return None if deadline is None else deadline - time.monotonic()


def _bound_to_deadline(request: httpx.Request) -> None:
    """httpx request hook: shrink this call's timeouts to what is left of the deadline."""
    remaining = pinterest_deadline_remaining()
    if remaining is None:
        return
    if remaining <= 0:
        # Raised before sending: the client reports it as "could not reach Pinterest", never sent.
        raise httpx.ConnectTimeout("The time allowed for Pinterest in this request ran out", request=request)
    current = request.extensions.get("timeout", {})
    request.extensions["timeout"] = {
        name: remaining if current.get(name) is None else min(current[name], remaining)
        for name in ("connect", "read", "write", "pool")
    }


def _client_kwargs() -> dict[str, Any]:
    kwargs = transport_kwargs()
    if _deadline.get() is not None:
        kwargs["event_hooks"] = {"request": [_bound_to_deadline]}
    return kwargs


def oauth_client(environment: str) -> PinterestOAuth:
    return PinterestOAuth(pinterest_endpoints(environment), **_client_kwargs())


def api_client(environment: str, access_token: str) -> PinterestClient:
    return PinterestClient.for_environment(environment, access_token, **_client_kwargs())


