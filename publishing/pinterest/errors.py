"""One error hierarchy for everything Pinterest answers (or fails to answer).

Every error carries a stable machine ``error_code`` the pipeline stores on a pin or an attempt,
and says whether it is ``permanent`` (retrying the same call cannot help) or ``transient``.
The client never retries a call itself: retry policy belongs to the publishing jobs.

Pinterest's error bodies are ``{"code": <int>, "message": <str>}`` where ``code`` is either a
Pinterest-specific number (2, 3, 8, 29, 40, 50, 233, 235, 2031, ...) or just the HTTP status.
"""

from __future__ import annotations

import json
import math
from typing import TypedDict, Unpack

import httpx

REQUEST_ID_HEADER = "x-pinterest-rid"
MESSAGE_LIMIT = 500  # keep stored messages short, whatever an edge proxy sends us


class ErrorDetails(TypedDict, total=False):
    """Where an error came from: the keyword arguments every PinterestError takes."""

    status: int | None
    code: int | None
    request_id: str | None


class PinterestError(Exception):
    """Base class: ``status`` (HTTP status or None), Pinterest ``code``, ``message``, ``request_id``."""

    error_code = "pinterest_error"
    permanent = True

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: int | None = None,
        request_id: str | None = None,
        error_code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.request_id = request_id
        if error_code is not None:
            self.error_code = error_code

    @property
    def transient(self) -> bool:
        return not self.permanent

    def __str__(self) -> str:
        where = f"HTTP {self.status}" if self.status is not None else "no response"
        code = f", code {self.code}" if self.code is not None else ""
        rid = f", request id {self.request_id}" if self.request_id else ""
        return f"{self.error_code}: {self.message} ({where}{code}{rid})"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self})"


class InvalidRequest(PinterestError):
    """400 (or our own refusal before sending): the request itself is wrong."""

    error_code = "invalid_request"


class AuthenticationFailed(PinterestError):
    """401 code 2: the access token is missing, bad, expired or revoked.

    Permanent for this token: the caller refreshes once and retries, and if that fails too the
    account needs reconnecting. At the token endpoint it means the code or refresh token (or
    the app's credentials) were refused.
    """

    error_code = "token_expired"


class MissingScope(PinterestError):
    """401 code 3: the token lacks a scope the endpoint requires; the user must reconnect."""

    error_code = "scope_missing"


class Forbidden(PinterestError):
    """403 (code 29 and others): not this user's resource, or the app's access tier forbids it."""

    error_code = "forbidden"


class NotFound(PinterestError):
    """404: board (40), section (2031), pin (50), media or user does not exist (any more)."""

    error_code = "not_found"


class ImageProblem(PinterestError):
    """Pinterest refused or could not fetch the pin's image (codes 233, 235, fetch failures)."""

    error_code = "media_invalid"


class ImageUnreachable(ImageProblem):
    """Pinterest could not download the pin's ``image_url``; the host may answer later."""

    error_code = "image_unreachable"
    permanent = False


class Conflict(PinterestError):
    """409: Pinterest could not get exclusive access to the board; trying later works."""

    error_code = "conflict"
    permanent = False


class RateLimited(PinterestError):
    """429 code 8. ``reset_seconds`` comes from ``X-RateLimit-Reset`` (a delta in seconds)."""

    error_code = "rate_limited"
    permanent = False

    def __init__(
        self,
        message: str,
        *,
        reset_seconds: float | None = None,
        error_code: str | None = None,
        **details: Unpack[ErrorDetails],
    ) -> None:
        super().__init__(message, error_code=error_code, **details)
        self.reset_seconds = reset_seconds


class ServerError(PinterestError):
    """5xx, including an edge proxy's non-JSON 502 page."""

    error_code = "pinterest_unavailable"
    permanent = False


class UnexpectedResponse(PinterestError):
    """A status or body the contract does not allow (e.g. a 2xx we cannot parse)."""

    error_code = "unexpected_response"
    permanent = False


class MediaUploadRejected(PinterestError):
    """The upload URL (S3) refused the file: expired policy, missing field, file too large.

    Permanent for this registration; register the media again to get fresh parameters.
    """

    error_code = "media_upload_rejected"


class MediaProcessingFailed(PinterestError):
    """Pinterest finished processing the upload with status ``failed`` (e.g. not a video)."""

    error_code = "media_failed"


class MediaNotReady(PinterestError):
    """The upload is still ``registered``/``processing`` when the caller stopped waiting."""

    error_code = "media_processing"
    permanent = False


class TransportError(PinterestError):
    """No answer: the connection could not be opened (nothing was sent), or a read's answer
    was lost. Either way safe to retry; state-changing calls raise OutcomeUnknown instead."""

    error_code = "pinterest_unreachable"
    permanent = False


class OutcomeUnknown(TransportError):
    """The request was sent but the answer never came (timeout, dropped connection).

    For a create this means the pin (board, media) may or may not exist now: reconcile before
    creating again (see ``PinterestClient.board_pin_find``).
    """

    error_code = "outcome_unknown"


# --- mapping a response to an error -----------------------------------------------------------

# Pinterest codes that name the missing thing more precisely than the status does.
NOT_FOUND_CODES = {
    40: "board_not_found",
    2031: "board_section_not_found",
    50: "pin_not_found",
    30: "user_not_found",
}
NOT_FOUND_MESSAGES = (  # used when ``code`` is just 404
    ("board section", "board_section_not_found"),
    ("board", "board_not_found"),
    ("pin", "pin_not_found"),
    ("media", "media_not_found"),
    ("user", "user_not_found"),
)
IMAGE_CODES = {233: "image_too_small", 235: "image_broken"}
IMAGE_FETCH_PHRASES = ("could not fetch the image", "unable to reach the url")
# Pinterest only writes "spam" in the 429 of its anti-spam block on rapid pin creation.
SPAM_PHRASE = "spam"
SCOPE_CODE = 3
# 401 code 7 "Not authorized to access board or Pin." denies a resource, not the token.
RESOURCE_DENIED_CODE = 7


def request_id_of(response: httpx.Response) -> str | None:
    request_id: str | None = response.headers.get(REQUEST_ID_HEADER)
    return request_id


def reset_seconds_of(response: httpx.Response) -> float | None:
    """Seconds until the rate-limit window resets: X-RateLimit-Reset, else Retry-After."""
    for header in ("x-ratelimit-reset", "retry-after"):
        raw = response.headers.get(header)
        if raw is None:
            continue
        try:
            value = float(raw.split(",")[0].strip())
        except ValueError:
            continue
        if math.isfinite(value) and value >= 0:
            return value
    return None


def error_body_of(response: httpx.Response) -> tuple[int | None, str]:
    """Pinterest's ``(code, message)``; for a non-JSON body, the start of its text."""
    try:
        body = json.loads(response.content)
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        code = body.get("code")
        return (code if isinstance(code, int) and not isinstance(code, bool) else None), body["message"][
            :MESSAGE_LIMIT
        ]
    text = response.content[:MESSAGE_LIMIT].decode("utf-8", "replace").strip()
    reason = response.reason_phrase or "error"
    return None, f"{reason}: {text}" if text else reason


def error_from_response(response: httpx.Response) -> PinterestError:
    """The typed error for a non-success Pinterest API response (the body must be read)."""
    status = response.status_code
    code, message = error_body_of(response)
    details = ErrorDetails(status=status, code=code, request_id=request_id_of(response))
    lowered = message.lower()
    if status == 401 and code == SCOPE_CODE:
        return MissingScope(message, **details)
    if status == 401 and code == RESOURCE_DENIED_CODE:
        return Forbidden(message, **details)
    if status == 401:
        return AuthenticationFailed(message, **details)
    if code in IMAGE_CODES:
        return ImageProblem(message, error_code=IMAGE_CODES[code], **details)
    if any(phrase in lowered for phrase in IMAGE_FETCH_PHRASES):
        return ImageUnreachable(message, **details)
    if status == 403:
        return Forbidden(message, **details)
    if status == 404:
        return NotFound(message, error_code=not_found_code(code, lowered), **details)
    if status == 409:
        return Conflict(message, **details)
    if status == 429:
        error_code = "spam_blocked" if SPAM_PHRASE in lowered else None
        return RateLimited(
            message, reset_seconds=reset_seconds_of(response), error_code=error_code, **details
        )
    if status >= 500:
        return ServerError(message, **details)
    if 400 <= status < 500:
        return InvalidRequest(message, **details)
    return UnexpectedResponse(f"Unexpected HTTP {status}: {message}", **details)


def not_found_code(code: int | None, lowered_message: str) -> str:
    if code in NOT_FOUND_CODES:
        return NOT_FOUND_CODES[code]
    for phrase, error_code in NOT_FOUND_MESSAGES:
        if phrase in lowered_message:
            return error_code
    return NotFound.error_code


def upload_error_from_response(response: httpx.Response) -> PinterestError:
    """S3 answers XML (``<Error><Code>…</Code><Message>…</Message></Error>``), not Pinterest JSON."""
    text = response.content[:MESSAGE_LIMIT].decode("utf-8", "replace").strip()
    message = f"Upload refused with HTTP {response.status_code}: {text or response.reason_phrase}"
    details = ErrorDetails(status=response.status_code, request_id=response.headers.get("x-amz-request-id"))
    if response.status_code >= 500:
        return ServerError(message, **details)
    return MediaUploadRejected(message, **details)


# Failures before a single byte of the request left: nothing can have happened on Pinterest.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)


def error_from_transport(exc: httpx.TransportError, *, changes_state: bool) -> TransportError:
    """A failure below HTTP. A state-changing call that was sent has an unknown outcome."""
    detail = type(exc).__name__
    if isinstance(exc, httpx.TimeoutException):
        detail = f"timed out ({detail})"
    if isinstance(exc, NOT_SENT):
        return TransportError(f"Could not reach Pinterest: {detail}")
    if changes_state:
        return OutcomeUnknown(f"Pinterest did not answer, the change may or may not have happened: {detail}")
    return TransportError(f"Pinterest did not answer: {detail}")
