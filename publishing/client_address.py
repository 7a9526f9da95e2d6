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
    try:
        return str(ipaddress.ip_address((text or "").strip()))
    except ValueError:
        return None


def client_address(request: HttpRequest) -> str | None:
    """The client's address, or None when what stands there is not one."""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        hops = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if len(hops) >= proxies:
            return _address(hops[-proxies])
    # Fewer hops than proxies: the request did not come through them all (a health check on the node).
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
