"""What every v5 endpoint does around its own work: a request id, authentication (Bearer, or
HTTP Basic at /oauth/token), scopes, the per-token rate limit, injected faults, one
transaction, and the ``x-pinterest-rid`` / ``X-RateLimit-*`` headers on every answer."""

import base64
import binascii
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from pinterest_sandbox import errors, faults
from pinterest_sandbox.clock import sandbox_now
from pinterest_sandbox.ids import is_pinterest_id
from pinterest_sandbox.models import AccessToken, SandboxUser
from pinterest_sandbox.ratelimit import RateLimitState, rate_limit_consume, rate_limit_untouched
from pinterest_sandbox.services.oauth import access_token_authenticate, client_credentials_valid

# Scope sets from the OpenAPI document's ``security`` of each operation.
USER_ACCOUNTS_READ = ("user_accounts:read",)
BOARDS_READ = ("boards:read",)
BOARDS_WRITE = ("boards:read", "boards:write")
BOARD_PINS_READ = ("boards:read", "pins:read")
ANALYTICS_PINS_READ = ("boards:read", "pins:read")  # pins/analytics
TOP_PINS_READ = ("pins:read", "user_accounts:read")  # user_account/analytics/top_pins
PINS_WRITE = ("boards:read", "boards:write", "pins:read", "pins:write")
MEDIA_READ = ("pins:read",)
MEDIA_WRITE = ("pins:read", "pins:write")
CLIENT_BASIC = "basic"
MAX_JSON_BYTES = 40 * 1024 * 1024  # a 20 MB image, base64-encoded, with room to spare


@dataclass
class ApiCall:
    request: HttpRequest
    endpoint: str
    now: datetime
    rid: str = field(default_factory=lambda: uuid.uuid4().hex)
    token: AccessToken | None = None
    client_id: str | None = None
    rate: RateLimitState | None = None
    plan: faults.FaultPlan | None = None

    @property
    def user(self) -> SandboxUser:
        return self.token.user

    def has_scope(self, scope: str) -> bool:
        return self.token is not None and scope in self.token.scope_set

    def json_body(self) -> bytes:
        """The raw JSON body, read without Django's 2.5 MB in-memory cap (base64 images are big)."""
        if self.request.content_type != "application/json":
            raise errors.invalid("Invalid request: Content-Type must be application/json")
        raw = self.request.read(MAX_JSON_BYTES + 1)
        if len(raw) > MAX_JSON_BYTES:
            raise errors.invalid("Invalid request: body too large")
        return raw


@dataclass
class Operation:
    endpoint: str
    scopes: tuple[str, ...] | str
    handler: Callable
    rate_category: str = ""  # a rate-limit category with its own budget (ratelimit.py), or the general one


def operation(endpoint: str, scopes: tuple[str, ...] | str, *, rate_category: str = ""):
    """Mark a handler ``(call, **path) -> HttpResponse`` as the named v5 operation."""

    def decorate(handler):
        return Operation(endpoint, scopes, handler, rate_category)

    return decorate


def path_id(value: str, name: str) -> str:
    if not is_pinterest_id(value):
        raise errors.invalid(f"Invalid request: {name}: '{value}' does not match '^\\d+$'")
    return value


def _bearer(request: HttpRequest) -> str:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


def _basic_client(request: HttpRequest) -> str:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    try:
        client_id, _, secret = base64.b64decode(value.strip(), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise errors.authentication_failed() from None
    if scheme.lower() != "basic" or not client_credentials_valid(client_id, secret):
        raise errors.authentication_failed()
    return client_id


def _run(op: Operation, call: ApiCall, path: dict) -> HttpResponse:
    if op.scopes == CLIENT_BASIC:
        call.client_id = _basic_client(call.request)
    else:
        call.token = access_token_authenticate(_bearer(call.request), now=call.now)
        if not set(op.scopes) <= call.token.scope_set:
            raise errors.missing_scope()
        call.rate = rate_limit_consume(call.token, call.now, op.rate_category)
        if call.rate.exceeded:
            raise errors.rate_limited()
    call.plan = faults.plan_for(op.endpoint)
    try:
        faults.apply_before(call.plan, call.request)
    except faults.RateLimitFault as fault:
        limit = (call.rate or rate_limit_untouched(call.now, op.rate_category)).limit
        call.rate = RateLimitState(limit, -1, fault.reset_seconds)
        raise
    with transaction.atomic():
        response = op.handler(call, **path)
    faults.apply_after(call.plan, call.request)
    return response


def finish(response: HttpResponse, call: ApiCall) -> HttpResponse:
    response["x-pinterest-rid"] = call.rid
    response["Cache-Control"] = "no-cache, no-store, must-revalidate"
    for name, value in (call.rate or rate_limit_untouched(call.now)).headers().items():
        response[name] = value
    return response


def dispatch(**operations: Operation):
    """One URL, one operation per HTTP method (``dispatch(GET=..., POST=...)``)."""

    @csrf_exempt
    def view(request: HttpRequest, **path) -> HttpResponse:
        op = operations.get(request.method)
        call = ApiCall(request=request, endpoint=op.endpoint if op else "", now=sandbox_now())
        try:
            if op is None:
                raise errors.SandboxError(405, 405, "Method not allowed.")
            response = _run(op, call, path)
        except errors.SandboxError as exc:
            response = exc.response()
        except faults.FaultAnswer as answer:
            response = answer.response
        return finish(response, call)

    return view


@csrf_exempt
def not_found(request: HttpRequest) -> HttpResponse:
    """Any other path under /v5: Pinterest's JSON 404, not Django's HTML page."""
    call = ApiCall(request=request, endpoint="", now=sandbox_now())
    return finish(JsonResponse({"code": 404, "message": "Not found."}, status=404), call)
