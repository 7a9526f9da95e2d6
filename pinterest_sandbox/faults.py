"""Fault injection: make the sandbox misbehave on purpose, from tests or from the control page.

Rules live in the database (``FaultRule``), so the live server's threads and django-q2 worker
processes all see what a test set up. Each rule applies to the next ``times`` calls of one
endpoint (``"*"``: any endpoint; ``times=None``: until ``clear()``).

Endpoint names are the OpenAPI operationIds with a dot: ``user_account.get``, ``boards.list``,
``boards.create``, ``boards.get``, ``boards.update``, ``boards.delete``, ``board_sections.list``,
``boards.list_pins``, ``pins.create``, ``pins.get``, ``pins.delete``, ``media.create``,
``media.get``, ``pins.analytics``, ``user_account.analytics``, ``user_account.top_pins``,
``oauth.token``, plus
``media.upload`` for the stand-in for S3.

    from pinterest_sandbox import faults
    faults.inject(endpoint="pins.create", status=500, times=2)
    faults.timeout_after_create(seconds=2)     # the pin IS created; the answer never comes
    faults.advance_clock(31 * 24 * 3600)       # every access token has now expired
"""

import logging
import socket
import time
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Case, F, Q, When
from django.http import HttpResponse

from pinterest_sandbox import errors
from pinterest_sandbox.clock import advance_clock, reset_clock  # noqa: F401 - part of this API
from pinterest_sandbox.models import FaultRule, MediaUpload, SandboxUser
from pinterest_sandbox.services import media as media_services
from pinterest_sandbox.services import oauth as oauth_services

logger = logging.getLogger(__name__)

ENDPOINTS = (
    "user_account.get",
    "boards.list",
    "boards.create",
    "boards.get",
    "boards.update",
    "boards.delete",
    "board_sections.list",
    "boards.list_pins",
    "pins.create",
    "pins.get",
    "pins.delete",
    "media.create",
    "media.get",
    "media.upload",
    "pins.analytics",
    "user_account.analytics",
    "user_account.top_pins",
    "oauth.token",
)
ANY = "*"
Kind = FaultRule.Kind

BAD_GATEWAY_HTML = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n"
)
POLICY_EXPIRED_XML = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
    "<Message>Invalid according to Policy: Policy expired.</Message>"
    "<RequestId>SANDBOX</RequestId><HostId>sandbox</HostId></Error>"
)


def _rule(*, endpoint: str, kind: str, times: int | None, **fields) -> FaultRule:
    if endpoint != ANY and endpoint not in ENDPOINTS:
        raise ValueError(f"Unknown endpoint {endpoint!r}; one of {', '.join(ENDPOINTS)} or '*'")
    if times is not None and times < 1:
        raise ValueError("times must be at least 1 (or None: until cleared)")
    return FaultRule.objects.create(endpoint=endpoint, kind=kind, remaining=times, **fields)


# --- What tests call -------------------------------------------------------------------------


def inject(
    *,
    endpoint: str,
    status: int,
    code: int | None = None,
    message: str | None = None,
    times: int | None = 1,
    body: str | None = None,
) -> FaultRule:
    """The next ``times`` calls answer ``status`` with ``{code, message}`` (code defaults to the
    status; message to Pinterest's text for it), or with the raw ``body`` when given."""
    default_message = {429: errors.RATE_LIMITED, 401: errors.AUTHENTICATION_FAILED, 403: errors.NOT_PERMITTED}
    return _rule(
        endpoint=endpoint,
        kind=Kind.ERROR,
        times=times,
        status=status,
        code=code if code is not None else (8 if status == 429 else status),
        message=message
        or default_message.get(status, errors.SERVER_ERROR if status >= 500 else "Invalid parameters."),
        raw_body=body or "",
    )


def server_error(*, endpoint: str, status: int = 500, times: int | None = 1) -> FaultRule:
    """5xx with Pinterest's ``{code, message}`` body ("Something went wrong on our end")."""
    return inject(endpoint=endpoint, status=status, times=times)


def bad_gateway_html(*, endpoint: str, times: int | None = 1) -> FaultRule:
    """A 502 whose body is an edge proxy's HTML page, not JSON."""
    return inject(endpoint=endpoint, status=502, times=times, body=BAD_GATEWAY_HTML)


def rate_limit_burst(*, endpoint: str = ANY, times: int | None = 1, reset_seconds: int = 30) -> FaultRule:
    """The next ``times`` calls get 429 code 8 with ``X-RateLimit-Remaining: 0`` and
    ``X-RateLimit-Reset: reset_seconds``."""
    return _rule(
        endpoint=endpoint, kind=Kind.RATE_LIMIT, times=times, status=429, code=8, seconds=reset_seconds
    )


def spam_block(*, times: int | None = 1) -> FaultRule:
    """Pinterest's anti-spam 429 on pin creation (clients spot it by "spam" in the message)."""
    return inject(
        endpoint="pins.create",
        status=429,
        code=8,
        times=times,
        message="Your request was blocked by a block (Pins) we have in place to combat spam.",
    )


def latency(*, endpoint: str = ANY, seconds: float, times: int | None = 1) -> FaultRule:
    """Answer ``seconds`` late (the work is done after the wait)."""
    return _rule(endpoint=endpoint, kind=Kind.LATENCY, times=times, seconds=seconds)


def drop_connection(*, endpoint: str, times: int | None = 1) -> FaultRule:
    """Close the connection without doing anything or answering."""
    return _rule(endpoint=endpoint, kind=Kind.DROP, times=times)


def timeout_after_create(
    *, endpoint: str = "pins.create", seconds: float = 5.0, times: int | None = 1
) -> FaultRule:
    """Do the work and commit it (the pin IS created), then hold the answer back for ``seconds``
    so a client with a shorter timeout gives up: the unknown-outcome case."""
    return _rule(endpoint=endpoint, kind=Kind.TIMEOUT_AFTER, times=times, seconds=seconds)


def drop_connection_after_create(*, endpoint: str = "pins.create", times: int | None = 1) -> FaultRule:
    """Do the work and commit it, then close the connection instead of answering."""
    return _rule(endpoint=endpoint, kind=Kind.DROP_AFTER, times=times)


def image_failure(*, kind: str, times: int | None = 1) -> FaultRule:
    """Pinterest failed to use a pin's image: ``too_small`` (403 code 233), ``broken`` (403 code
    235) or ``unreachable`` (400 "could not fetch the image"). The sandbox never fetches images,
    so this is the only way to get these for an image URL."""
    answers = {
        "too_small": (403, 233, errors.IMAGE_TOO_SMALL),
        "broken": (403, 235, errors.IMAGE_BROKEN),
        "unreachable": (400, 1, errors.IMAGE_UNREACHABLE),
    }
    if kind not in answers:
        raise ValueError(f"kind is one of {', '.join(answers)}")
    status, code, message = answers[kind]
    return inject(endpoint="pins.create", status=status, code=code, message=message, times=times)


def upload_policy_expired(*, times: int | None = 1) -> FaultRule:
    """The stand-in for S3 refuses the next upload with 403 AccessDenied "Policy expired"."""
    return inject(endpoint="media.upload", status=403, times=times, body=POLICY_EXPIRED_XML)


def media_stuck_processing(*, media_id: str | None = None, times: int | None = 1) -> FaultRule | MediaUpload:
    """That upload (or the next ``times`` registered ones) stays ``processing`` forever."""
    return _media_outcome(media_id, MediaUpload.ForcedOutcome.STUCK, Kind.MEDIA_STUCK, times)


def media_fail(*, media_id: str | None = None, times: int | None = 1) -> FaultRule | MediaUpload:
    """That upload (or the next ``times`` registered ones) ends ``failed`` whatever its bytes."""
    return _media_outcome(media_id, MediaUpload.ForcedOutcome.FAIL, Kind.MEDIA_FAIL, times)


def _media_outcome(media_id, outcome, kind, times):
    if media_id is None:
        return _rule(endpoint="media.create", kind=kind, times=times)
    media = MediaUpload.objects.get(pinterest_id=media_id)
    return media_services.media_force_outcome(media=media, outcome=outcome)


def revoke_token(access_token: str | None = None, *, username: str | None = None) -> int:
    """Revoke one access token (by its plaintext) or every token of a sandbox user."""
    user = SandboxUser.objects.get(username=username) if username else None
    return oauth_services.access_token_revoke(access_token=access_token, user=user)


def expire_access_token(access_token: str) -> int:
    return oauth_services.access_token_expire(access_token=access_token)


def expire_refresh_token(refresh_token: str | None = None, *, username: str | None = None) -> int:
    """The refresh token (or all of a user's) is expired from now on: 401 code 2 at /oauth/token."""
    user = SandboxUser.objects.get(username=username) if username else None
    return oauth_services.refresh_token_expire(refresh_token=refresh_token, user=user)


def clear() -> None:
    """Forget every fault rule."""
    FaultRule.objects.all().delete()


def active() -> list[FaultRule]:
    return list(FaultRule.objects.all())


# --- How the endpoints apply them -------------------------------------------------------------

ANSWERING = (Kind.ERROR, Kind.RATE_LIMIT, Kind.DROP)
AFTERWARDS = (Kind.TIMEOUT_AFTER, Kind.DROP_AFTER)
MEDIA = {Kind.MEDIA_STUCK: MediaUpload.ForcedOutcome.STUCK, Kind.MEDIA_FAIL: MediaUpload.ForcedOutcome.FAIL}


class FaultAnswer(Exception):
    """Carries a ready response (a raw body, or nothing at all after a dropped connection)."""

    def __init__(self, response):
        self.response = response


@dataclass
class FaultPlan:
    """The rules one call consumed: at most one per slot (answer, latency, afterwards, media)."""

    answer: FaultRule | None = None
    latency: FaultRule | None = None
    afterwards: FaultRule | None = None
    media: FaultRule | None = None
    taken: list = field(default_factory=list)

    @property
    def media_outcome(self) -> str:
        return MEDIA[self.media.kind] if self.media else ""


def _consume(rule: FaultRule) -> bool:
    """Take one use of the rule; False when another call took the last one first."""
    taken = (
        FaultRule.objects.filter(pk=rule.pk)
        .filter(Q(remaining__isnull=True) | Q(remaining__gt=0))
        .update(remaining=Case(When(remaining__isnull=True, then=None), default=F("remaining") - 1))
    )
    return bool(taken)


def plan_for(endpoint: str) -> FaultPlan:
    plan = FaultPlan()
    rules = FaultRule.objects.filter(Q(endpoint=endpoint) | Q(endpoint=ANY)).exclude(remaining=0)
    for rule in rules:
        if rule.kind in ANSWERING:
            slot = "answer"
        elif rule.kind == Kind.LATENCY:
            slot = "latency"
        elif rule.kind in AFTERWARDS:
            slot = "afterwards"
        else:
            slot = "media"
        if getattr(plan, slot) is None and _consume(rule):
            setattr(plan, slot, rule)
    FaultRule.objects.filter(remaining=0).delete()
    return plan


def apply_before(plan: FaultPlan, request) -> None:
    """Latency, then a replaced answer: raises SandboxError or FaultAnswer."""
    if plan.latency:
        time.sleep(plan.latency.seconds or 0)
    rule = plan.answer
    if rule is None:
        return
    if rule.kind == Kind.DROP:
        drop(request)
        raise FaultAnswer(_empty_response())
    if rule.kind == Kind.RATE_LIMIT:
        raise RateLimitFault(int(rule.seconds or 1))
    if rule.raw_body:
        raise FaultAnswer(_raw_response(rule))
    raise errors.SandboxError(rule.status, rule.code, rule.message)


def apply_after(plan: FaultPlan, request) -> None:
    """Runs after the work was committed."""
    rule = plan.afterwards
    if rule is None:
        return
    if rule.kind == Kind.TIMEOUT_AFTER:
        # Hold no database connection while the answer is withheld.
        connection.close()
        time.sleep(rule.seconds or 0)
    else:
        drop(request)
        raise FaultAnswer(_empty_response())


class RateLimitFault(errors.SandboxError):
    def __init__(self, reset_seconds: int):
        super().__init__(429, 8, errors.RATE_LIMITED)
        self.reset_seconds = reset_seconds


def _raw_response(rule: FaultRule) -> HttpResponse:
    content_type = "application/xml" if rule.raw_body.startswith("<?xml") else "text/html"
    return HttpResponse(rule.raw_body, status=rule.status, content_type=content_type)


def _empty_response() -> HttpResponse:
    # What the server tries to write into the dead connection; nobody reads it, and a 204
    # keeps Django from logging an "Internal Server Error" that did not happen.
    return HttpResponse(status=204)


def drop(request) -> None:
    """Close the client's TCP connection under the WSGI server's feet, so the client sees the
    connection end without an answer. Works with gunicorn and Django's own server (live_server)."""
    sock = request.META.get("gunicorn.socket") or _socket_of(request.META.get("wsgi.input"))
    if sock is None:
        raise RuntimeError("This server does not expose the client socket; cannot drop the connection")
    logger.info("Sandbox fault: dropping the connection of %s %s", request.method, request.path)
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already gone


def _socket_of(wsgi_input):
    """Django's development server wraps the socket file: LimitedStream -> BufferedReader -> SocketIO."""
    reader = getattr(getattr(wsgi_input, "_read", None), "__self__", None)
    raw = getattr(reader, "raw", None)
    return getattr(raw, "_sock", None)
