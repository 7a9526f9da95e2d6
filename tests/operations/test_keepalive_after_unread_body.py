"""An answer given without reading the request body (a 413 for a JSON body over
DATA_UPLOAD_MAX_MEMORY_SIZE, or a multipart form field over it) leaves the keep-alive connection
usable: the next request on the same connection is answered. A leftover longer than
REQUEST_BODY_DRAIN_MAX_BYTES is not read: the answer says ``Connection: close`` and the server closes.
Checked against real gunicorn (scripts/web) and against the live server (Django's own HTTP server).
"""

from __future__ import annotations

import http.client
import socket
import threading

import pytest
from django.conf import settings

from publishing.access import Actor
from publishing.services.keys import api_key_create
from tests.foundation.test_production_server import production_env  # noqa: F401 - fixture
from tests.operations.gunicorn_server import start_web, stop_web

OVER_LIMIT = settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 500_000


def json_body(size: int) -> tuple[bytes, str]:
    return b'{"title": "' + b"a" * size + b'"}', "application/json"


def multipart_body(size: int) -> tuple[bytes, str]:
    # A form field (not a file) over DATA_UPLOAD_MAX_MEMORY_SIZE: Django stops parsing midway.
    boundary = "pinboard-boundary"
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="note"\r\n\r\n'.encode() + b"a" * size
            + f"\r\n--{boundary}--\r\n".encode())
    return body, f"multipart/form-data; boundary={boundary}"


def too_big_then_healthz(port: int, key: str, path: str, body: bytes, content_type: str):
    """POST ``body`` then GET /healthz on one connection (http.client reuses it unless told to close)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("POST", path, body=body, headers={"Content-Type": content_type, "x-api-key": key})
        first = connection.getresponse()
        first_body = first.read()
        first_socket = connection.sock
        assert first_socket is not None, "the 413 announced Connection: close"
        connection.request("GET", "/healthz")
        assert connection.sock is first_socket, "http.client kept the same connection"
        second = connection.getresponse()
        return first, first_body, second, second.read()
    finally:
        connection.close()


def raw_exchange(port: int, key: str, body: bytes, content_type: str) -> bytes:
    """The POST and a pipelined GET sent on one socket; everything the server sends until it closes."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    received = bytearray()

    def read_all():
        try:
            while chunk := sock.recv(65536):
                received.extend(chunk)
        except OSError:
            pass

    reader = threading.Thread(target=read_all)
    reader.start()
    head = (f"POST /v1/pins HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {len(body)}\r\nx-api-key: {key}\r\n\r\n").encode()
    try:
        sock.sendall(head + body + b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    except OSError:
        pass  # the server closed while the body was still on its way: what this case expects
    reader.join(timeout=30)
    assert not reader.is_alive(), "the server closed the connection"
    sock.close()
    return bytes(received)


def assert_next_request_answered(port: int, key: str) -> None:
    for path, make_body in (("/v1/pins", json_body), ("/v1/assets/images", multipart_body)):
        body, content_type = make_body(OVER_LIMIT)
        first, first_body, second, second_body = too_big_then_healthz(port, key, path, body, content_type)
        assert first.status == 413, (path, first.status, first_body[:300])
        assert b"payload_too_large" in first_body
        assert second.status == 200 and b'"status": "ok"' in second_body, (path, second.status, second_body[:300])


@pytest.fixture
def api_key(cast, workspace) -> str:
    return api_key_create(
        actor=Actor.system(workspace, job="test"), name="keep-alive", scopes=["read", "write"]
    ).plaintext


def test_gunicorn_answers_the_next_request_on_a_connection_after_a_413(api_key, production_env, tmp_path):  # noqa: F811
    web, server = start_web(production_env, tmp_path / "web.log")
    try:
        assert_next_request_answered(server.port, api_key)
    finally:
        stop_web(web)


def test_gunicorn_closes_and_says_so_when_the_leftover_body_is_longer_than_the_drain_limit(
        api_key, production_env, tmp_path):  # noqa: F811
    web, server = start_web({**production_env, "REQUEST_BODY_DRAIN_MAX_BYTES": "100000"}, tmp_path / "web.log")
    try:
        body, content_type = json_body(OVER_LIMIT)
        received = raw_exchange(server.port, api_key, body, content_type)
    finally:
        stop_web(web)
    head = received.split(b"\r\n\r\n", 1)[0].decode()
    assert head.startswith("HTTP/1.1 413"), received[:500]
    assert "Connection: close" in head.splitlines(), head
    assert received.count(b"HTTP/1.1 ") == 1, "the pipelined request is not read as part of the old body"


def test_the_live_server_answers_the_next_request_on_a_connection_after_a_413(api_key, live_server):
    assert_next_request_answered(int(live_server.url.rsplit(":", 1)[1]), api_key)
