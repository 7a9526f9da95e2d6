"""Check httpx traffic against Pinterest's official OpenAPI document (v5.23), with openapi-core.

    from tests.pinterest_contract import assert_contract

    response = httpx.get(f"{base}/v5/boards", headers=...)
    assert_contract(response)                 # the request and the response both conform
    assert_contract(response, request=False)  # only the response (tests that send bad input)

Any URL whose path contains ``/v5/`` is checked as that path of ``https://api.pinterest.com/v5``
(so the sandbox at ``/sandbox/pinterest/v5/...`` and the real host both work). The 2 MB document
is parsed once per process. Raises ``ContractViolation`` (an AssertionError) naming the problem.
"""

import warnings
from functools import cache
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers, ImmutableMultiDict

# Pinterest's official document, vendored with its source and licence (vendor/pinterest/README.md).
SPEC_PATH = Path(__file__).resolve().parent.parent / "vendor" / "pinterest" / "openapi-v5.json"
SPEC_HOST = "https://api.pinterest.com"


class ContractViolation(AssertionError):
    pass


@cache
def pinterest_openapi() -> OpenAPI:
    return OpenAPI.from_file_path(str(SPEC_PATH))


def _spec_path(url: httpx.URL) -> str:
    path = url.path
    marker = path.find("/v5/")
    if marker < 0:
        raise ContractViolation(f"{url} is not a Pinterest v5 URL (no /v5/ in its path)")
    return path[marker:]


class OpenAPIRequest:
    """An httpx.Request as openapi-core's Request protocol, re-homed on Pinterest's server."""

    def __init__(self, request: httpx.Request):
        self._request = request
        self.path = _spec_path(request.url)
        self.host_url = SPEC_HOST
        self.method = request.method.lower()
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(parse_qs(urlsplit(str(request.url)).query, keep_blank_values=True)),
            header=Headers(list(request.headers.items())),
            cookie=ImmutableMultiDict(),
        )

    @property
    def body(self) -> bytes | None:
        return _sent_body(self._request) or None

    @property
    def content_type(self) -> str:
        return self._request.headers.get("Content-Type", "").lower()


def _sent_body(request: httpx.Request) -> bytes:
    """The body as sent. A streamed body (a base64 image read from a file) is read again from
    its stream, which must be replayable, and must be exactly as long as its Content-Length."""
    try:
        return request.content
    except httpx.RequestNotRead:
        pass
    try:
        content = b"".join(request.stream)
    except httpx.StreamConsumed:
        raise ContractViolation(f"{request.method} {request.url}: a one-shot stream cannot be checked") from None
    declared = request.headers.get("Content-Length")
    if declared != str(len(content)):
        raise ContractViolation(
            f"{request.method} {request.url}: Content-Length {declared} but the body has {len(content)} bytes"
        )
    return content


class OpenAPIResponse:
    def __init__(self, response: httpx.Response):
        self._response = response
        self.status_code = response.status_code
        self.headers = Headers(list(response.headers.items()))

    @property
    def data(self) -> bytes:
        return self._response.content

    @property
    def content_type(self) -> str:
        return self._response.headers.get("Content-Type", "").lower()


def assert_contract(response: httpx.Response, *, request: bool = True) -> httpx.Response:
    """Validate ``response.request`` (unless ``request=False``) and ``response``; returns the response."""
    openapi = pinterest_openapi()
    spec_request = OpenAPIRequest(response.request)
    with warnings.catch_warnings():
        # openapi-core cannot check oauth2 schemes and warns on every call; bearer presence is ours to test.
        warnings.filterwarnings("ignore", message="Unsupported scheme type")
        try:
            if request:
                openapi.validate_request(spec_request)
            openapi.validate_response(spec_request, OpenAPIResponse(response))
        except Exception as exc:  # openapi-core raises many types; all mean "does not conform"
            raise ContractViolation(_describe(exc, response)) from exc
    return response


def _describe(exc: Exception, response: httpx.Response) -> str:
    details = [f"{type(exc).__name__}: {exc}"]
    cause = exc.__cause__
    while cause is not None:
        details.append(f"{type(cause).__name__}: {cause}")
        schema_errors = getattr(cause, "schema_errors", None)
        if schema_errors:
            details.extend(f"  - {error.message} at {list(error.absolute_path)}" for error in schema_errors)
        cause = cause.__cause__
    request = response.request
    return f"{request.method} {request.url} -> {response.status_code}\n" + "\n".join(details)
