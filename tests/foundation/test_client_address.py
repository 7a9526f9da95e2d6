"""The client's address behind TRUSTED_PROXY_COUNT proxies (publishing/client_address.py): the entry the
proxies appended, never one the client sent; the peer's when the header is missing or holds no address."""

import pytest
from django.test import RequestFactory

from publishing.client_address import client_address


def address(forwarded=None, peer="10.0.0.2"):
    meta = {"REMOTE_ADDR": peer}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_address(RequestFactory().get("/", **meta))


@pytest.mark.parametrize(("proxies", "forwarded", "expected"), [
    (0, "203.0.113.5", "10.0.0.2"),  # no proxy trusted: the header is anyone's to write
    (1, "203.0.113.5", "203.0.113.5"),
    (1, "198.51.100.1, 203.0.113.5", "203.0.113.5"),  # the left entry is the client's own claim
    (2, "198.51.100.1, 203.0.113.5, 192.0.2.9", "203.0.113.5"),  # a CDN, then nginx
    (1, "203.0.113.5:41234", "203.0.113.5"),  # a proxy that writes the port
    (1, "[2001:db8::1]:41234", "2001:db8::1"),
    (1, "2001:db8::1", "2001:db8::1"),
    (1, None, "10.0.0.2"),  # not through the proxy (a health check on the node)
    (1, "", "10.0.0.2"),
    (1, "203.0.113.5, ", "10.0.0.2"),  # an empty entry where the proxy's should be: never the one before it
    (1, "unknown", "10.0.0.2"),  # no address where the proxy's should be: the peer's, not None
    (2, "203.0.113.5", "10.0.0.2"),  # fewer entries than proxies
])
def test_the_client_address(settings, proxies, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    assert address(forwarded) == expected


def test_no_address_at_all_is_none(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    assert address("unknown", peer="") is None
