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
Every operation opens with ``caller(request).require(...)`` — the one access check.
"""

from dataclasses import dataclass
from enum import StrEnum

from django.conf import settings
from django.http import HttpRequest
from ninja.security import APIKeyCookie, APIKeyHeader, HttpBearer
from ninja.utils import check_csrf

from publishing.access import resolve_team_context
from publishing.models import AccessToken, ApiKey, Membership, PinterestAccount, User, Workspace
from publishing.permissions import Permission, role_can
from publishing.services.auth import access_token_authenticate
from publishing.services.errors import DomainError, PermissionDenied
from publishing.services.keys import api_key_allowed_account_ids, api_key_authenticate


class Need(StrEnum):
    """What an operation does, which is what an API key's scope must allow."""

    READ = "read"
    WRITE = "write"
    DESTRUCTIVE = "destructive"


# What a team member's role must allow for each kind of operation, unless it names a permission.
ROLE_PERMISSION_FOR = {
    Need.READ: Permission.VIEW_REPORTS,
    Need.WRITE: Permission.PUBLISH,
    Need.DESTRUCTIVE: Permission.DELETE_CONTENT,
}
# Managing people and credentials is for logged-in admins; a key must never mint keys or members.
USER_ONLY_PERMISSIONS = {Permission.MANAGE_MEMBERS, Permission.MANAGE_API_KEYS}


class NotAuthenticated(DomainError):
    code = "not_authenticated"
    status_hint = 401


@dataclass
class ApiCaller:
    mode: str  # "api_key" | "bearer" | "session": logged with every request
    workspace: Workspace
    user: User | None = None
    membership: Membership | None = None
    api_key: ApiKey | None = None
    access_token: AccessToken | None = None

    @property
    def team(self):
        return self.workspace.team

    @property
    def role(self) -> str | None:
        return self.membership.role if self.membership else None

    @property
    def label(self) -> str:
        """How audit events name this caller."""
        if self.api_key is not None:
            return f"key {self.api_key.prefix}"
        return self.user.email

    @property
    def actors(self) -> dict:
        """How the pipeline's services take the caller: ``actor_user`` and ``actor_key``."""
        return {"actor_user": self.user, "actor_key": self.api_key}

    def require(self, need: Need, permission: Permission | None = None) -> "ApiCaller":
        if self.api_key is not None:
            if permission in USER_ONLY_PERMISSIONS:
                raise PermissionDenied("user_required", "This needs a logged-in admin (bearer token), not an API key.")
            scopes = self.api_key.scopes or []
            if need.value not in scopes:
                raise PermissionDenied("insufficient_scope", f"This API key does not have the '{need.value}' scope.")
            return self
        permission = permission or ROLE_PERMISSION_FOR[need]
        if not role_can(self.role, permission):
            raise PermissionDenied("insufficient_role",
                            f"Your role ({self.role}) may not {permission.value.replace('_', ' ')}.")
        return self

    def require_user(self) -> User:
        if self.user is None:
            raise PermissionDenied("user_required", "This needs a logged-in user (bearer token), not an API key.")
        return self.user

    def allowed_account_ids(self) -> set[int] | None:
        """Primary keys of the accounts this caller may use; None means all of the workspace's."""
        if self.api_key is None:
            return None
        if not hasattr(self, "_allowed_account_ids"):
            self._allowed_account_ids = api_key_allowed_account_ids(self.api_key)
        return self._allowed_account_ids

    @property
    def restricted_to_accounts(self) -> bool:
        """An API key with an account allow-list: it may not touch what spans every account."""
        return self.allowed_account_ids() is not None

    def require_all_accounts(self) -> "ApiCaller":
        """For what spans the whole workspace (webhooks get every account's events)."""
        if self.restricted_to_accounts:
            raise PermissionDenied("account_restricted_key", "This API key is limited to some Pinterest accounts; "
                                   "it may not manage what covers the whole workspace.")
        return self

    def may(self, need: Need, permission: Permission | None = None) -> bool:
        """Whether ``require`` would let this caller through (to shape an answer, not to refuse)."""
        try:
            self.require(need, permission)
        except PermissionDenied:
            return False
        return True

    def check_account(self, account: PinterestAccount) -> PinterestAccount:
        allowed = self.allowed_account_ids()
        if allowed is not None and account.pk not in allowed:
            raise PermissionDenied("account_not_permitted", "This API key may not use this Pinterest account.")
        return account

    def filter_accounts(self, queryset, field: str = "pk"):
        """Narrow a queryset to the accounts this caller may use (``field`` names the account id)."""
        allowed = self.allowed_account_ids()
        return queryset if allowed is None else queryset.filter(**{f"{field}__in": allowed})


def caller(request: HttpRequest) -> ApiCaller:
    return request.auth


def _bearer(request: HttpRequest) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return value.strip() or None


def _from_api_key(plaintext: str) -> ApiCaller:
    key = api_key_authenticate(plaintext=plaintext)
    if key is None:
        raise NotAuthenticated("invalid_api_key", "Invalid API key: it is unknown, revoked or expired.")
    return ApiCaller(mode="api_key", workspace=key.workspace, api_key=key)


def _from_access_token(token: str) -> ApiCaller:
    record = access_token_authenticate(token=token)
    if record is None:
        raise NotAuthenticated("invalid_token", "Invalid or expired bearer token; log in again.")
    membership = Membership.objects.filter(user=record.user, team=record.workspace.team).select_related("team").first()
    if membership is None:
        raise NotAuthenticated("invalid_token", "This token's user is no longer a member of the team.")
    return ApiCaller(mode="bearer", workspace=record.workspace, user=record.user, membership=membership,
                     access_token=record)


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
