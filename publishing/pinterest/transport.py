"""The HTTP layer under the client: one described call in, a parsed result or a typed error out.

A ``Call`` describes one request (what to send, which statuses mean success). ``Session`` sends it
over one long-lived httpx client (so connections are reused) with a timeout on every call, and
parses a success body into the type the caller names. Nothing here retries a request except
httpx's reconnect when a connection could not even be opened, which cannot duplicate anything on
Pinterest.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Callable, Generator, Iterator, Mapping
from dataclasses import dataclass, field
from typing import IO, Any, Self, TypeVar, overload

import httpx
from pydantic import BaseModel, ValidationError

from publishing.pinterest import errors
from publishing.pinterest.models import Page
from publishing.pinterest.streaming import FileSource, StreamedJson

logger = logging.getLogger("publishing.pinterest")

USER_AGENT = "Pinboard (+https://github.com/pinboard; Pinterest v5 client)"
CONNECT_TIMEOUT_CAP = 10.0
CREATED = frozenset({200, 201})  # Pinterest 5.23 documents both for creates
DELETED = frozenset({200, 204})  # 204 today, 200 added in 5.28
OK = frozenset({200})
UPLOADED = frozenset({200, 201, 204})  # S3 answers 204 unless told otherwise

Result = TypeVar("Result", bound=BaseModel)  # every Pinterest answer body is one of our models
Item = TypeVar("Item")
# httpx's own event-hook type: callables that take the request, or the response.
EventHooks = Mapping[str, list[Callable[..., Any]]]
# The multipart part of an upload: the file's name, its open handle and its content type.
UploadFiles = dict[str, tuple[str, IO[bytes], str]]


@dataclass(frozen=True)
class Call:
    operation: str  # the OpenAPI operationId, e.g. "pins/create": for logs and errors
    method: str
    url: str  # a path under the API base, or an absolute URL (media uploads)
    success: frozenset[int] = OK
    params: Mapping[str, str | int] | None = None
    json: object = None
    streamed_json: StreamedJson | None = None  # a JSON body with file-backed base64 fields
    form: dict[str, str] | None = None
    upload_fields: dict[str, str] | None = None
    upload_file: FileSource | None = None
    authenticated: bool = True  # False for the upload URL: it must never see our token

    @property
    def changes_state(self) -> bool:
        return self.method != "GET"

    @property
    def is_upload(self) -> bool:
        return self.upload_file is not None


@dataclass(frozen=True)
class RateLimitStatus:
    """The ``X-RateLimit-*`` headers of the last answer (Pinterest sends them on every response)."""

    limit: int | None
    remaining: int | None
    reset_seconds: float | None

    @classmethod
    def from_response(cls, response: httpx.Response) -> RateLimitStatus | None:
        headers = response.headers
        if "x-ratelimit-remaining" not in headers and "x-ratelimit-limit" not in headers:
            return None
        return cls(
            limit=leading_int(headers.get("x-ratelimit-limit")),
            remaining=leading_int(headers.get("x-ratelimit-remaining")),
            reset_seconds=errors.reset_seconds_of(response),
        )


def leading_int(value: str | None) -> int | None:
    """``"100, 100;w=1, 1000;w=60"`` → 100 (the effective quota comes first)."""
    if not value:
        return None
    head = value.split(",")[0].split(";")[0].strip()
    return int(head) if head.isdigit() else None


class BearerAuth(httpx.Auth):
    def __init__(self, token: str) -> None:
        self._token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._token}"
        yield request

    def __repr__(self) -> str:
        return "BearerAuth(<hidden>)"


def build_timeout(seconds: float) -> httpx.Timeout:
    return httpx.Timeout(seconds, connect=min(seconds, CONNECT_TIMEOUT_CAP))


@overload
def handle_response(call: Call, response: httpx.Response) -> None: ...
@overload
def handle_response(call: Call, response: httpx.Response, result: type[Result]) -> Result: ...
def handle_response(
    call: Call, response: httpx.Response, result: type[Result] | None = None
) -> Result | None:
    """The success body parsed into ``result`` (None when the call has no body to read), or the
    typed error for this answer."""
    status = response.status_code
    if status not in call.success:
        if 200 <= status < 300:
            raise unreadable_success(call, response, f"HTTP {status} is not a documented success")
        if call.is_upload:
            raise errors.upload_error_from_response(response)
        raise errors.error_from_response(response)
    if result is None:
        return None
    try:
        return result.model_validate_json(response.content)
    except ValidationError as exc:
        raise unreadable_success(call, response, f"the body does not match the contract: {exc}") from None


def unreadable_success(call: Call, response: httpx.Response, why: str) -> errors.PinterestError:
    """A 2xx we cannot use. If the call changed something, we do not know what it created."""
    status, request_id = response.status_code, errors.request_id_of(response)
    message = f"{call.operation}: {why}"[: errors.MESSAGE_LIMIT]
    if call.changes_state:
        return errors.OutcomeUnknown(message, status=status, request_id=request_id)
    return errors.UnexpectedResponse(message, status=status, request_id=request_id)


def log_answer(call: Call, response: httpx.Response, started: float) -> None:
    # Only the operation, status and request id: never headers, bodies or query strings.
    logger.debug(
        "pinterest %s -> %s rid=%s %.0fms",
        call.operation,
        response.status_code,
        errors.request_id_of(response) or "-",
        (time.monotonic() - started) * 1000,
    )


@dataclass
class SessionOptions:
    base_url: str
    timeout: float
    auth: httpx.Auth | None
    event_hooks: EventHooks | None = None
    # Another httpx transport instead of the network (e.g. httpx.WSGITransport to reach the
    # built-in sandbox in-process before any server listens: the ``demo`` command).
    transport: httpx.BaseTransport | None = None
    headers: dict[str, str] = field(
        default_factory=lambda: {"User-Agent": USER_AGENT, "Accept": "application/json"}
    )

    def client_kwargs(self) -> dict[str, Any]:
        return {
            "base_url": self.base_url.rstrip("/") + "/",
            "timeout": build_timeout(self.timeout),
            "headers": self.headers,
            "event_hooks": self.event_hooks,
            # Redirects are never part of the contract; following one could leak the token.
            "follow_redirects": False,
        }


def relative(url: str) -> str:
    """Paths join under the base URL (``.../v5/`` + ``boards``), absolute URLs stay as they are."""
    return url if "://" in url else url.lstrip("/")


@contextlib.contextmanager
def opened_upload(call: Call) -> Iterator[UploadFiles | None]:
    """The multipart parts: every upload field first, the file last (S3's POST policy wants it
    so). httpx streams the open file in 64 KiB chunks, so a large video is never held in memory,
    whether it is read from local disk or from the media bucket."""
    if call.upload_file is None:
        yield None
        return
    with call.upload_file.open() as handle:
        yield {"file": (call.upload_file.filename, handle, "application/octet-stream")}


_shared_transports: dict[int, httpx.HTTPTransport] = {}
_shared_transports_lock = threading.Lock()


def shared_transport() -> httpx.HTTPTransport:
    """This process's transport to Pinterest: one connection pool and one TLS context (loading the
    CA bundle costs about 26 ms) for every client of the process, so a publish job builds neither.
    httpx's pool is thread-safe; a forked worker (another pid) gets its own."""
    pid = os.getpid()
    with _shared_transports_lock:
        transport = _shared_transports.get(pid)
        if transport is None:
            transport = _shared_transports[pid] = httpx.HTTPTransport(retries=1)
        return transport


class Session:
    """One httpx.Client for the life of the object: use it as a context manager or call close().
    Its connections come from the process's shared transport unless ``options.transport`` names
    another; closing the session leaves the shared pool open for the next client."""

    def __init__(self, options: SessionOptions) -> None:
        self._options = options
        self.rate_limit: RateLimitStatus | None = None
        self._owns_transport = options.transport is not None
        self._http = httpx.Client(
            transport=options.transport or shared_transport(), **options.client_kwargs()
        )

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        if self._owns_transport:
            self._http.close()

    @overload
    def _call(self, call: Call) -> None: ...
    @overload
    def _call(self, call: Call, result: type[Result]) -> Result: ...
    def _call(self, call: Call, result: type[Result] | None = None) -> Result | None:
        """Send ``call``; its success body parsed into ``result`` (None when there is none to read)."""
        started = time.monotonic()
        with opened_upload(call) as files:
            try:
                response = self._http.send(self._request(call, files), auth=self._auth_for(call))
            except httpx.TransportError as exc:
                raise errors.error_from_transport(exc, changes_state=call.changes_state) from exc
        log_answer(call, response, started)
        if not call.is_upload:
            self.rate_limit = RateLimitStatus.from_response(response) or self.rate_limit
        if result is None:
            return handle_response(call, response)
        return handle_response(call, response, result)

    def _paginate(
        self, call_for_bookmark: Callable[[str | None], Call], page_type: type[Page[Item]]
    ) -> Iterator[Item]:
        """Every item of a bookmark-paged list, one page (one request) at a time."""
        bookmark = None
        seen: set[str] = set()
        while True:
            page = self._call(call_for_bookmark(bookmark), page_type)
            yield from page.items
            bookmark = next_bookmark(page, seen)
            if bookmark is None:
                return

    def _request(self, call: Call, files: UploadFiles | None) -> httpx.Request:
        if call.streamed_json is not None:
            return self._http.build_request(
                call.method,
                relative(call.url),
                params=call.params,
                headers=call.streamed_json.headers,  # a real Content-Length: no chunked encoding
                content=call.streamed_json,
            )
        return self._http.build_request(
            call.method,
            relative(call.url),
            params=call.params,
            json=call.json,
            data=call.form if files is None else call.upload_fields,
            files=files,
        )

    def _auth_for(self, call: Call) -> httpx.Auth | None:
        return self._options.auth if call.authenticated else None


def next_bookmark(page: Page[Any], seen: set[str]) -> str | None:
    """The bookmark to ask for next; None on the last page (Pinterest sends null or omits it)."""
    if not page.bookmark:
        return None
    if page.bookmark in seen:
        # A bookmark we already followed would page forever.
        raise errors.UnexpectedResponse(f"Pinterest repeated the bookmark {page.bookmark[:40]!r}")
    seen.add(page.bookmark)
    return page.bookmark
