"""A stand-in for Pinterest's API that counts the requests it receives, over real HTTP.

Point ``SANDBOX_PINTEREST_API_BASE`` at ``stand_in.url`` to prove that a request made no call to
Pinterest (``stand_in.requests`` stays 0), or to give a call a Pinterest that fails at once
(``answer=True``: 503) or never answers (``answer=False``: each connection is held until the test
ends), while the built-in sandbox keeps serving the rest.

    from tests import pinterest_stand_in as stand_ins
    pinterest_stand_in = stand_ins.pinterest_stand_in  # the fixture, by name
"""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Iterator

import pytest

UNAVAILABLE = (b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nConnection: close\r\n"
               b"Content-Length: 48\r\n\r\n" b'{"code": 1, "message": "Stand-in: unavailable."}')


class PinterestStandIn(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, *, answer: bool) -> None:
        self.answer = answer
        self.requests = 0
        self.released = threading.Event()
        self._lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)
        self.url = f"http://127.0.0.1:{self.server_address[1]}/v5"

    def received(self) -> None:
        with self._lock:
            self.requests += 1


class _Handler(socketserver.StreamRequestHandler):
    server: PinterestStandIn

    def handle(self) -> None:
        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
            pass  # the request's head; no stand-in answer depends on it
        self.server.received()
        if self.server.answer:
            self.wfile.write(UNAVAILABLE)
        else:
            self.server.released.wait()


def _served(answer: bool) -> Iterator[PinterestStandIn]:
    server = PinterestStandIn(answer=answer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.released.set()
        server.shutdown()
        server.server_close()


@pytest.fixture
def pinterest_stand_in() -> Iterator[PinterestStandIn]:
    """A Pinterest that answers every request 503 at once (and counts them)."""
    yield from _served(answer=True)


@pytest.fixture
def hanging_pinterest() -> Iterator[PinterestStandIn]:
    """A Pinterest that accepts connections and never answers (and counts the requests)."""
    yield from _served(answer=False)
