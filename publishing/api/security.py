"""Who is calling the /v1 API, in which workspace, and may they do this?

Three ways in, tried in this order (the vendor's own precedence):
1. ``x-api-key: pb_live_…`` — an API key, scoped to one workspace, with scopes and an optional
   account allow-list;
2. ``Authorization: Bearer …`` — an API key again when it starts with ``pb_``, otherwise a login
   token from ``POST /v1/auth/login`` (a user acting in one workspace with their team role);
3. the dashboard's session cookie (CSRF-checked on writes), for htmx calls from the browser.

``x-api-key`` together with a login bearer token (the vendor's example programs send both): both
must be valid, and the user acts. A credential that is presented but wrong is a 401 at once; it
never falls through to the next.
Operations build the ``Actor`` (``actor_of``); the services decide with ``authorize`` (publishing.access).
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.security import APIKeyCookie, APIKeyHeader, HttpBearer
from ninja.utils import check_csrf

from publishing.access import Actor, authorize, resolve_team_context
from publishing.models import AccessToken, ApiKey, Membership, User, Workspace
from publishing.services.auth import access_token_resolve
from publishing.services.credential_cache import CredentialCopy
from publishing.services.errors import DomainError, PermissionDenied
from publishing.services.keys import api_key_resolve


class NotAuthenticated(DomainError):
    code = "not_authenticated"
    status_hint = 401


@dataclass
class ApiCaller:
    """How the request authenticated; ``actor`` is who acts (what services and ``authorize`` take)."""

    mode: str  # "api_key" | "bearer" | "session": logged with every request
    workspace: Workspace
    user: User | None = None
    membership: Membership | None = None
    api_key: ApiKey | None = None
    access_token: AccessToken | None = None
    credential: CredentialCopy | None = None  # the key's or token's rows, as the credential cache read them

    @property
    def team(self):
        return self.workspace.team

    @cached_property
    def actor(self) -> Actor:
        if self.api_key is not None:
            return Actor.for_key(self.api_key)
        return Actor.for_user(self.user, self.workspace, self.membership)

    def remember(self, name: str, compute: Callable[[], Any]) -> Any:
        """``compute()``, kept with the credential's cached copy until the auth epoch changes: only for
        values read from what the epoch tracks (publishing.services.credential_cache)."""
        return compute() if self.credential is None else self.credential.remember(name, compute)

    def require_user(self) -> User:
        if self.user is None:
            raise PermissionDenied("user_required", "This needs a logged-in user (bearer token), not an API key.")
        return self.user


def caller(request: HttpRequest) -> ApiCaller:
    return request.auth


def actor_of(request: HttpRequest, action: str | None = None) -> Actor:
    """The caller as an ``Actor``. With ``action``: authorized for it, for the reads no service
    opens (the services authorize every change themselves)."""
    actor = request.auth.actor
    if action is not None:
        authorize(actor, action)
    return actor


def _bearer(request: HttpRequest) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return value.strip() or None


def _from_api_key(plaintext: str) -> ApiCaller:
    copy = api_key_resolve(plaintext=plaintext)
    if copy is None:
        raise NotAuthenticated("invalid_api_key", "Invalid API key: it is unknown, revoked or expired.")
    key = copy.record
    return ApiCaller(mode="api_key", workspace=key.workspace, api_key=key, credential=copy)


def _from_access_token(token: str) -> ApiCaller:
    copy = access_token_resolve(token=token)
    if copy is None:
        raise NotAuthenticated("invalid_token", "Invalid or expired bearer token; log in again.")
    record = copy.record
    membership = record.membership  # read with the token, in the same statement
    if membership is None:
        raise NotAuthenticated("invalid_token", "This token's user is no longer a member of the team.")
    return ApiCaller(mode="bearer", workspace=record.workspace, user=record.user, membership=membership,
                     access_token=record, credential=copy)


def _from_session(request: HttpRequest) -> ApiCaller | None:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    if request.method not in ("GET", "HEAD", "OPTIONS") and check_csrf(request):
        raise PermissionDenied("csrf_failed", "CSRF check failed: send the X-CSRFToken header with session requests.")
    context = getattr(request, "team_context", None) or resolve_team_context(user)
    if context is None:
        raise PermissionDenied("no_team", "You are not a member of any team yet.")
    return ApiCaller(mode="session", workspace=context.workspace, user=user, membership=context.membership)


def resolve_caller(request: HttpRequest) -> ApiCaller | None:
    """Authenticate once per request; the result is remembered on the request."""
    if hasattr(request, "api_caller"):
        return request.api_caller
    api_key = request.headers.get("x-api-key", "").strip()
    bearer = _bearer(request)
    if api_key and bearer and not bearer.startswith("pb_"):
        # Both, as the vendor's own example programs send them: each must be valid (else 401), and
        # the logged-in user acts, so user operations (auth.me, api_keys.*, projects.*) work.
        _from_api_key(api_key)
        found = _from_access_token(bearer)
    elif api_key:
        if bearer:  # two API keys: both must be valid; the x-api-key one acts (the vendor's precedence)
            _from_api_key(bearer)
        found = _from_api_key(api_key)
    elif bearer and bearer.startswith("pb_"):
        found = _from_api_key(bearer)
    elif bearer:
        found = _from_access_token(bearer)
    else:
        found = _from_session(request)
    request.api_caller = found
    return found


# Three classes so the OpenAPI document lists the three schemes; each resolves the same way.
class ApiKeyAuth(APIKeyHeader):
    param_name = "x-api-key"

    def __call__(self, request):
        return resolve_caller(request)

    def authenticate(self, request, key):  # pragma: no cover - __call__ does the work
        return resolve_caller(request)


class BearerAuth(HttpBearer):
    def __call__(self, request):
        return resolve_caller(request)

    def authenticate(self, request, token):  # pragma: no cover - __call__ does the work
        return resolve_caller(request)


class SessionAuth(APIKeyCookie):
    param_name = settings.SESSION_COOKIE_NAME

    def __call__(self, request):
        return resolve_caller(request)

    def authenticate(self, request, key):  # pragma: no cover - __call__ does the work
        return resolve_caller(request)


API_AUTH = [ApiKeyAuth(), BearerAuth(), SessionAuth(csrf=False)]
