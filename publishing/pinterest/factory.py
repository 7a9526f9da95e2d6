"""Where Pinboard's Pinterest clients come from: one place builds them, so one switch can route
every call of a context through another transport."""

from __future__ import annotations

import contextlib
import contextvars
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


def oauth_client(environment: str) -> PinterestOAuth:
    return PinterestOAuth(pinterest_endpoints(environment), **transport_kwargs())


def api_client(environment: str, access_token: str) -> PinterestClient:
    return PinterestClient.for_environment(environment, access_token, **transport_kwargs())


