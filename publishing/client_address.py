"""The address a request came from: the one definition that login throttling (django-axes, through
``AXES_CLIENT_IP_CALLABLE``), the guest review pages' rate limit and the audit log use.

Behind ``TRUSTED_PROXY_COUNT`` reverse proxies, each appending the address it was reached from to
``X-Forwarded-For`` (nginx's ``$proxy_add_x_forwarded_for``, deploy/nginx/pinboard.conf), the client
is the entry that many places from the right. The entries further left are whatever the client sent,
so they are never read: a client cannot choose its address and slip a per-address limit. With no
proxy (the default) it is ``REMOTE_ADDR`` and ``X-Forwarded-For`` is ignored, since anyone can send it.
Behind a proxy with the count left at 0, every client would share the proxy's address, so five wrong
passwords from anyone would lock everyone out of logging in.
"""

import ipaddress
from contextvars import ContextVar

from django.conf import settings
from django.http import HttpRequest

_current: ContextVar[str | None] = ContextVar("client_address", default=None)


def _address(text: str | None) -> str | None:
    """An IP address, from the text a proxy or the server wrote (some proxies add the port:
    ``203.0.113.5:41234``, ``[2001:db8::1]:41234``); None when it is not one."""
    text = (text or "").strip()
    if text.startswith("[") and "]" in text:
        text = text[1:text.index("]")]
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def client_address(request: HttpRequest) -> str | None:
    """The client's address, or None when the server gives none (a Unix socket)."""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        hops = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        forwarded = _address(hops[-proxies]) if len(hops) >= proxies else None
        if forwarded is not None:
            return forwarded
    # Not through every proxy (a health check on the node itself), or what the proxy wrote is no
    # address: the peer's own, which is at least not the client's to choose.
    return _address(request.META.get("REMOTE_ADDR"))


def current_client_address() -> str | None:
    """The address of the request being served (``ClientAddressMiddleware``); None in a job."""
    return _current.get()


class ClientAddressMiddleware:
    """Remembers the request's client address while it is served, for the audit log to record."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _current.set(client_address(request))
        try:
            return self.get_response(request)
        finally:
            _current.reset(token)
