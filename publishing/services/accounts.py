"""Pinterest accounts and their boards: connecting through OAuth, keeping tokens fresh, the board
cache, board changes on Pinterest, and disconnecting.

Tokens are stored encrypted (``EncryptedTextField``) and never logged. No database transaction is
ever held open across a call to Pinterest: state changes happen in short transactions before and
after, and concurrent work is coordinated by claims on rows (the OAuth state, the refresh lease).
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import logging
import secrets
import time
from collections.abc import Iterator
from datetime import timedelta

import httpx
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from publishing.access import Actor, authorize
from publishing.models import (
    ApiKey,
    Board,
    OAuthState,
    PinterestAccount,
    Schedule,
    ScheduleStatus,
    User,
    Workspace,
)
from publishing.pinterest import errors as pinterest_errors
from publishing.pinterest.client import PinterestClient
from publishing.pinterest.config import pinterest_endpoints
from publishing.pinterest.oauth import GrantRejected, PinterestOAuth, authorize_url
from publishing.services.audit import audit_record
from publishing.services.errors import Conflict, DomainError, NotFound, RateLimited, ValidationError

logger = logging.getLogger(__name__)

OAUTH_STATE_TTL = timedelta(minutes=10)
# Expired round trips are kept this long past their expiry (to explain a late callback), then deleted.
OAUTH_STATE_KEEP_EXPIRED = timedelta(days=1)
# Refresh an access token this long before it expires, so no call goes out with a dying token.
REFRESH_MARGIN = timedelta(minutes=5)
# How long one worker may hold the refresh; others wait at most this long for its result.
REFRESH_LEASE = timedelta(seconds=45)
REFRESH_WAIT_POLL_SECONDS = 0.1
DASHBOARD_CALLBACK_PATH = "/app/accounts/oauth/callback"
BOARD_NAME_MAX = Board._meta.get_field("name").max_length
BOARD_PRIVACY_VALUES = ("PUBLIC", "SECRET")
PENDING_SCHEDULE_STATUSES = (ScheduleStatus.SCHEDULED, ScheduleStatus.QUEUED, ScheduleStatus.DEFERRED)
HEALTH_MESSAGE_MAX = PinterestAccount._meta.get_field("health_message").max_length


class OAuthFailed(DomainError):
    """The OAuth round trip cannot be completed: unknown, used or expired state, or Pinterest
    refused the code. The user starts the connection again."""

    code = "oauth_failed"
    status_hint = 400


class SandboxDisabled(Conflict):
    """A sandbox workspace on a server whose built-in sandbox is off (``SANDBOX_ENABLED``)."""

    code = "sandbox_disabled"


class AccountReconnectRequired(Conflict):
    """The account's tokens no longer work (expired refresh token, revoked access, missing scope)
    or it was disconnected: someone must connect it again."""

    code = "reconnect_required"


class PinterestUnavailable(DomainError):
    """Pinterest did not give a usable answer (5xx, timeout, unexpected body); trying later may work."""

    code = "pinterest_unavailable"
    status_hint = 502


# --- clients ----------------------------------------------------------------------------------

# Lets a caller route every Pinterest call of this context through another httpx transport: the
# ``demo`` command talks to the built-in sandbox in-process before any web server is listening.
_transport: contextvars.ContextVar[httpx.BaseTransport | None] = contextvars.ContextVar(
    "pinterest_transport", default=None
)


@contextlib.contextmanager
def pinterest_transport(transport: httpx.BaseTransport) -> Iterator[None]:
    token = _transport.set(transport)
    try:
        yield
    finally:
        _transport.reset(token)


def transport_kwargs() -> dict:
    """``{"transport": ...}`` when a caller set one with ``pinterest_transport``, else ``{}``."""
    transport = _transport.get()
    return {"transport": transport} if transport is not None else {}


def oauth_client(environment: str) -> PinterestOAuth:
    return PinterestOAuth(pinterest_endpoints(environment), **transport_kwargs())


def api_client(environment: str, access_token: str) -> PinterestClient:
    return PinterestClient.for_environment(environment, access_token, **transport_kwargs())


@contextlib.contextmanager
def pinterest_for(account: PinterestAccount) -> Iterator[PinterestClient]:
    """A client with a fresh token for ``account``; Pinterest's errors become domain errors.

    An authentication failure or missing scope marks the account reconnect-required.
    """
    try:
        access_token = account_fresh_access_token(account)
        with api_client(account.workspace.environment, access_token) as client:
            yield client
    except (pinterest_errors.AuthenticationFailed, pinterest_errors.MissingScope) as exc:
        account_mark_reconnect_required(account, _reconnect_message(exc), code=exc.error_code)
        raise AccountReconnectRequired(exc.error_code, _reconnect_message(exc)) from None
    except pinterest_errors.PinterestError as exc:
        raise domain_error_from(exc) from None


def _reconnect_message(exc: pinterest_errors.PinterestError) -> str:
    if isinstance(exc, pinterest_errors.MissingScope):
        return "Pinterest says the connection lacks a permission Pinboard needs; reconnect the account."
    return "Pinterest no longer accepts this account's access; reconnect the account."


def domain_error_from(exc: pinterest_errors.PinterestError) -> DomainError:
    """The domain error the API and dashboard answer for a Pinterest refusal or failure."""
    if isinstance(exc, pinterest_errors.NotFound):
        return NotFound(exc.error_code, exc.message)
    if isinstance(exc, pinterest_errors.InvalidRequest):
        return ValidationError("pinterest_rejected", f"Pinterest refused the request: {exc.message}")
    if isinstance(exc, pinterest_errors.RateLimited):
        return RateLimited("rate_limited", "Pinterest's rate limit was reached; try again shortly.",
                           retry_after=exc.reset_seconds or 1.0)
    if isinstance(exc, pinterest_errors.Forbidden):
        return DomainError(exc.error_code, f"Pinterest refused: {exc.message}", 403)
    if isinstance(exc, pinterest_errors.Conflict):
        return Conflict("pinterest_conflict", f"Pinterest is busy with this board: {exc.message}")
    return PinterestUnavailable(exc.error_code, f"Pinterest did not answer usably ({exc.message}); try again.")


# --- OAuth ------------------------------------------------------------------------------------


def dashboard_redirect_uri() -> str:
    return f"{settings.SITE_URL}{DASHBOARD_CALLBACK_PATH}"


def _state_digest(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


def oauth_states_delete_expired(*, now=None) -> int:
    """Delete the OAuth round trips that expired more than OAUTH_STATE_KEEP_EXPIRED ago."""
    now = now or timezone.now()
    deleted, _ = OAuthState.objects.filter(expires_at__lt=now - OAUTH_STATE_KEEP_EXPIRED).delete()
    return deleted


@transaction.atomic
def account_oauth_start(*, actor: Actor, redirect_uri: str | None = None, redirect_after: str = "") -> str:
    """Remember a new OAuth round trip and return the Pinterest page to send the browser to.

    The round trip belongs to whoever started it (``user``, or ``api_key`` for an API key): only
    they may complete it (``account_oauth_complete``). ``redirect_uri`` defaults to the
    dashboard's callback; the API passes its own.
    """
    authorize(actor, "account.connect")
    workspace, user, api_key = actor.workspace, actor.user, actor.api_key
    if (user is None) == (api_key is None):
        raise ValueError("An OAuth round trip is started by exactly one user or one API key.")
    if workspace.is_sandbox and not settings.SANDBOX_ENABLED:
        raise SandboxDisabled("sandbox_disabled", "The Pinterest sandbox is not enabled on this server "
                              "(SANDBOX_ENABLED): sandbox workspaces cannot connect accounts.")
    state = secrets.token_urlsafe(32)
    redirect_uri = redirect_uri or dashboard_redirect_uri()
    OAuthState.objects.create(
        state=_state_digest(state),
        workspace=workspace,
        user=user,
        api_key=api_key,
        redirect_uri=redirect_uri,
        redirect_after=redirect_after,
        expires_at=timezone.now() + OAUTH_STATE_TTL,
    )
    return authorize_url(pinterest_endpoints(workspace.environment), redirect_uri=redirect_uri, state=state)


def _started_by(pending: OAuthState, *, user: User | None, api_key: ApiKey | None) -> bool:
    if pending.api_key_id is not None:
        return api_key is not None and api_key.pk == pending.api_key_id
    return pending.user_id is not None and user is not None and user.pk == pending.user_id


def account_oauth_complete(*, state: str, code: str, user: User | None = None,
                           api_key: ApiKey | None = None) -> PinterestAccount:
    """Finish the round trip: spend the state once, trade the code for tokens, save the account.

    Only whoever started it completes it: the same user (the dashboard's session, or a bearer
    token) or the same API key. Anyone else who follows the link, or replays the callback, gets
    ``oauth_state_invalid`` without spending the state, so a connection link sent to someone
    else cannot connect their Pinterest account to the starter's workspace.
    """
    if not state or not code or "\x00" in state or "\x00" in code:
        raise OAuthFailed("oauth_failed", "The Pinterest callback is missing its code or state.")
    digest = _state_digest(state)
    pending = OAuthState.objects.select_related("workspace__team", "user").filter(state=digest).first()
    if pending is None or not _started_by(pending, user=user, api_key=api_key):
        raise OAuthFailed("oauth_state_invalid", "This Pinterest connection link is not valid for you; whoever "
                          "started the connection must complete it (start again).")
    now = timezone.now()
    if pending.used_at is not None:
        raise OAuthFailed("oauth_state_used", "This Pinterest connection link was already used; start again.")
    if pending.expires_at <= now:
        raise OAuthFailed("oauth_state_expired", "This Pinterest connection link has expired; start again.")
    # Spend the state before talking to Pinterest, so the same callback can never connect twice.
    claimed = OAuthState.objects.filter(pk=pending.pk, used_at__isnull=True, expires_at__gt=now).update(used_at=now)
    if not claimed:
        raise OAuthFailed("oauth_state_used", "This Pinterest connection link was already used; start again.")

    workspace = pending.workspace
    try:
        with oauth_client(workspace.environment) as oauth:
            grant = oauth.exchange_code(code=code, redirect_uri=pending.redirect_uri)
        with api_client(workspace.environment, grant.access_token.get_secret_value()) as client:
            profile = client.user_account()
    except GrantRejected:
        raise OAuthFailed("oauth_code_rejected", "Pinterest refused the authorization; connect the account again.") from None
    except pinterest_errors.PinterestError as exc:
        raise domain_error_from(exc) from None

    account = _account_save_grant(workspace=workspace, user=pending.user, grant=grant, profile=profile)
    try:
        boards_refresh(account)
    except DomainError as exc:
        # The connection itself worked; the board list fills in on the next refresh.
        logger.warning("Boards of Pinterest account %s not refreshed after connecting: %s", account.public_id, exc.code)
    return account


@transaction.atomic
def _account_save_grant(*, workspace: Workspace, user: User | None, grant, profile) -> PinterestAccount:
    live = PinterestAccount.objects.select_for_update().filter(
        workspace=workspace, pinterest_user_id=profile.id, revoked_at__isnull=True
    ).first()
    # Reconnecting a disconnected account revives its row, so pins and key allow-lists that name
    # it keep working.
    account = live or PinterestAccount.objects.select_for_update().filter(
        workspace=workspace, pinterest_user_id=profile.id
    ).order_by("-revoked_at").first() or PinterestAccount(workspace=workspace, pinterest_user_id=profile.id)
    reconnected = account.pk is not None
    now = timezone.now()
    account.username = profile.username or ""
    account.display_name = (profile.business_name or profile.username or "")[:255]
    account.scopes = ",".join(grant.scopes)
    account.access_token = grant.access_token.get_secret_value()
    account.refresh_token = grant.refresh_token.get_secret_value() if grant.refresh_token else ""
    account.token_expires_at = grant.access_token_expires_at
    account.refresh_token_expires_at = grant.refresh_token_expires_at
    account.health_status = PinterestAccount.Health.HEALTHY
    account.health_message = ""
    account.health_checked_at = now
    account.revoked_at = None
    account.token_refresh_lease_expires_at = None
    account.connected_by = user or account.connected_by
    account.save()
    audit_record(
        team=workspace.team, workspace=workspace, action="pinterest_account.connected", user=user,
        target=account, details={"username": account.username, "scopes": account.scopes, "reconnected": reconnected},
    )
    return account


# --- tokens -----------------------------------------------------------------------------------


def _token_is_fresh(account: PinterestAccount, now) -> bool:
    return bool(account.access_token) and (
        account.token_expires_at is None or account.token_expires_at > now + REFRESH_MARGIN
    )


def _ensure_usable(account: PinterestAccount) -> None:
    if account.revoked_at is not None:
        raise AccountReconnectRequired("account_revoked", "This Pinterest account was disconnected.")
    if account.reconnect_required:
        raise AccountReconnectRequired("reconnect_required", account.health_message or "Reconnect this Pinterest account.")


def account_fresh_access_token(account: PinterestAccount) -> str:
    """An access token good for a while yet; refreshes it (once, across all workers) if needed.

    One caller claims the refresh under ``select_for_update`` (a short lease on the row), calls
    Pinterest outside any transaction, and saves the new access token together with the rotated
    refresh token. Everyone else arriving meanwhile waits for that result instead of spending the
    same refresh token twice. If Pinterest refuses the refresh token the account is marked
    reconnect-required and ``AccountReconnectRequired`` is raised; a transient failure raises the
    client's ``PinterestError`` so the caller can retry later.
    """
    now = timezone.now()
    _ensure_usable(account)
    if _token_is_fresh(account, now):
        return account.access_token
    deadline = time.monotonic() + REFRESH_LEASE.total_seconds() + 5
    while True:
        claimed, current = _refresh_claim(account)
        _copy_token_fields(current, into=account)
        _ensure_usable(current)
        if _token_is_fresh(current, timezone.now()):
            return current.access_token
        if claimed:
            return _refresh_now(account)
        if time.monotonic() > deadline:
            raise pinterest_errors.TransportError("Timed out waiting for another worker's token refresh")
        time.sleep(REFRESH_WAIT_POLL_SECONDS)


@transaction.atomic
def _refresh_claim(account: PinterestAccount) -> tuple[bool, PinterestAccount]:
    """``(True, row)`` when this caller now holds the refresh lease; ``(False, row)`` otherwise."""
    current = PinterestAccount.objects.select_for_update().get(pk=account.pk)
    now = timezone.now()
    lease_free = current.token_refresh_lease_expires_at is None or current.token_refresh_lease_expires_at <= now
    if _token_is_fresh(current, now) or not lease_free or current.revoked_at or current.reconnect_required:
        return False, current
    current.token_refresh_lease_expires_at = now + REFRESH_LEASE
    current.save(update_fields=["token_refresh_lease_expires_at", "updated_at"])
    return True, current


def _refresh_now(account: PinterestAccount) -> str:
    try:
        if not account.refresh_token:
            raise GrantRejected("No refresh token is stored for this account")
        with oauth_client(account.workspace.environment) as oauth:
            grant = oauth.refresh(refresh_token=account.refresh_token)
    except GrantRejected:
        message = "Pinterest refused to renew this account's access (the refresh token expired or was revoked); reconnect it."
        account_mark_reconnect_required(account, message, code="token_expired")
        raise AccountReconnectRequired("token_expired", message) from None
    except BaseException:
        PinterestAccount.objects.filter(pk=account.pk).update(token_refresh_lease_expires_at=None)
        raise
    with transaction.atomic():
        current = PinterestAccount.objects.select_for_update().get(pk=account.pk)
        current.access_token = grant.access_token.get_secret_value()
        if grant.refresh_token:  # rotation: the old refresh token is spent now
            current.refresh_token = grant.refresh_token.get_secret_value()
            current.refresh_token_expires_at = grant.refresh_token_expires_at
        current.token_expires_at = grant.access_token_expires_at
        current.token_refresh_lease_expires_at = None
        current.health_checked_at = timezone.now()
        if grant.scopes:
            current.scopes = ",".join(grant.scopes)
        current.save()
    _copy_token_fields(current, into=account)
    return current.access_token


TOKEN_FIELDS = (
    "access_token", "refresh_token", "token_expires_at", "refresh_token_expires_at", "scopes",
    "health_status", "health_message", "health_checked_at", "revoked_at", "token_refresh_lease_expires_at",
)


def _copy_token_fields(source: PinterestAccount, *, into: PinterestAccount) -> None:
    for name in TOKEN_FIELDS:
        setattr(into, name, getattr(source, name))


def account_mark_reconnect_required(account: PinterestAccount, message: str, *, code: str = "reconnect_required") -> bool:
    """Flag the account so nothing publishes with it until someone reconnects it.

    Returns whether it changed (the first caller records the audit event; repeats are no-ops).
    """
    message = (message or "Reconnect this Pinterest account.")[:HEALTH_MESSAGE_MAX]
    now = timezone.now()
    with transaction.atomic():
        changed = (
            PinterestAccount.objects.filter(pk=account.pk)
            .exclude(health_status=PinterestAccount.Health.RECONNECT_REQUIRED)
            .update(health_status=PinterestAccount.Health.RECONNECT_REQUIRED, health_message=message,
                    health_checked_at=now, token_refresh_lease_expires_at=None, updated_at=now)
        )
        if changed:
            audit_record(
                team=account.workspace.team, workspace=account.workspace, action="pinterest_account.reconnect_required",
                target=account, details={"code": code, "message": message},
            )
    account.health_status = PinterestAccount.Health.RECONNECT_REQUIRED
    account.health_message, account.health_checked_at = message, now
    return bool(changed)


# --- boards -----------------------------------------------------------------------------------


def boards_refresh(account: PinterestAccount) -> list[Board]:
    """Page every board of the account from Pinterest into the cache; boards gone from Pinterest
    are marked deleted. Returns the live boards."""
    with pinterest_for(account) as client:
        remote = list(client.boards_iter())
    now = timezone.now()
    with transaction.atomic():
        rows = [
            Board(account=account, pinterest_board_id=board.id, name=board.name[:BOARD_NAME_MAX],
                  description=board.description or "", privacy=board.privacy or "PUBLIC", synced_at=now,
                  deleted_at=None)
            for board in remote
        ]
        Board.objects.bulk_create(
            rows, batch_size=500, update_conflicts=True, unique_fields=["account", "pinterest_board_id"],
            update_fields=["name", "description", "privacy", "synced_at", "deleted_at"],
        )
        Board.objects.filter(account=account, deleted_at__isnull=True).exclude(
            pinterest_board_id__in=[board.id for board in remote]
        ).update(deleted_at=now)
        PinterestAccount.objects.filter(pk=account.pk).update(boards_synced_at=now, updated_at=now)
    account.boards_synced_at = now
    return list(Board.objects.for_account(account))


def _clean_text(value: str | None, field: str, *, max_length: int | None = None, required: bool = False) -> str | None:
    if value is None:
        if required:
            raise ValidationError("validation_error", f"{field} is required.", field=field)
        return None
    if "\x00" in value:
        raise ValidationError("validation_error", f"{field} must not contain NUL characters.", field=field)
    value = value.strip()
    if required and not value:
        raise ValidationError("validation_error", f"{field} must not be empty.", field=field)
    if max_length is not None and len(value) > max_length:
        raise ValidationError("validation_error", f"{field} must be at most {max_length} characters.", field=field)
    return value


def _clean_privacy(account: PinterestAccount, privacy: str | None) -> str | None:
    if privacy is None:
        return None
    privacy = privacy.upper()
    if privacy not in BOARD_PRIVACY_VALUES:
        raise ValidationError("validation_error", "privacy must be PUBLIC or SECRET.", field="privacy")
    if privacy == "SECRET" and "boards:write_secret" not in account.scopes.split(","):
        raise Conflict("scope_missing", "Secret boards need the boards:write_secret permission; reconnect the account.")
    return privacy


def _board_upsert(account: PinterestAccount, remote) -> Board:
    board, _ = Board.objects.update_or_create(
        account=account, pinterest_board_id=remote.id,
        defaults={"name": remote.name[:BOARD_NAME_MAX], "description": remote.description or "",
                  "privacy": remote.privacy or "PUBLIC", "deleted_at": None},
    )
    return board


def board_list_refresh(*, account: PinterestAccount, actor: Actor) -> list[Board]:
    """``boards_refresh`` asked for by someone (the dashboard's refresh button)."""
    authorize(actor, "board.refresh", workspace=account.workspace, account=account)
    return boards_refresh(account)


def _board_audit(account: PinterestAccount, action: str, board: Board, actor: Actor, **details) -> None:
    audit_record(
        team=account.workspace.team, workspace=account.workspace, action=action, actor=actor, target=account,
        details={"board_id": board.pinterest_board_id, "name": board.name, **details},
    )


def board_create(
    *, account: PinterestAccount, actor: Actor, name: str, description: str | None = None, privacy: str | None = None,
) -> Board:
    """Create a board on Pinterest and in the cache."""
    authorize(actor, "board.create", workspace=account.workspace, account=account)
    name = _clean_text(name, "name", max_length=BOARD_NAME_MAX, required=True)
    description = _clean_text(description, "description", max_length=500)
    privacy = _clean_privacy(account, privacy)
    with pinterest_for(account) as client:
        remote = client.board_create(name=name, description=description or None, privacy=privacy)
    with transaction.atomic():
        board = _board_upsert(account, remote)
        _board_audit(account, "board.created", board, actor)
    return board


def board_update(
    *, account: PinterestAccount, actor: Actor, board_id: str, name: str | None = None,
    description: str | None = None, privacy: str | None = None,
) -> Board:
    """Rename a board or change its description or privacy, on Pinterest and in the cache."""
    authorize(actor, "board.update", workspace=account.workspace, account=account)
    name = _clean_text(name, "name", max_length=BOARD_NAME_MAX, required=name is not None)
    description = _clean_text(description, "description", max_length=500)
    privacy = _clean_privacy(account, privacy)
    if name is None and description is None and privacy is None:
        raise ValidationError("validation_error", "Give at least one of name, description or privacy.", field="name")
    board_id = _board_id(board_id)
    with _existing_board(account, board_id) as client:
        remote = client.board_update(board_id, name=name, description=description, privacy=privacy)
    with transaction.atomic():
        board = _board_upsert(account, remote)
        changed = {key: value for key, value in (("name", name), ("description", description), ("privacy", privacy))
                   if value is not None}
        _board_audit(account, "board.updated", board, actor, changed=sorted(changed))
    return board


def board_delete(*, account: PinterestAccount, actor: Actor, board_id: str) -> None:
    """Delete a board on Pinterest (with its pins) and mark it deleted in the cache."""
    authorize(actor, "board.delete", workspace=account.workspace, account=account)
    board_id = _board_id(board_id)
    with _existing_board(account, board_id) as client:
        client.board_delete(board_id)
    with transaction.atomic():
        board = _board_forget(account, board_id) or Board(pinterest_board_id=board_id, name="")
        _board_audit(account, "board.deleted", board, actor)


@contextlib.contextmanager
def _existing_board(account: PinterestAccount, board_id: str) -> Iterator[PinterestClient]:
    """``pinterest_for`` for a call about one board; a board Pinterest no longer has leaves the cache."""
    try:
        with pinterest_for(account) as client:
            yield client
    except NotFound:
        _board_forget(account, board_id)
        raise NotFound("board_not_found", "This board does not exist on Pinterest (any more).") from None


def _board_id(board_id: str) -> str:
    if not isinstance(board_id, str) or not board_id.isascii() or not board_id.isdigit() or len(board_id) > 64:
        raise NotFound("board_not_found", "Board ids are strings of digits; no such board.")
    return board_id


def _board_forget(account: PinterestAccount, board_id: str) -> Board | None:
    board = Board.objects.filter(account=account, pinterest_board_id=board_id).first()
    if board is not None and board.deleted_at is None:
        board.deleted_at = timezone.now()
        board.save(update_fields=["deleted_at", "synced_at"])
    return board


# --- disconnect -------------------------------------------------------------------------------


@transaction.atomic
def account_disconnect(*, account: PinterestAccount, actor: Actor) -> int:
    """Disconnect the account here: forget its tokens, cancel its pending schedules.

    Pinterest offers apps no way to revoke a user's grant (its revoke endpoint is for system
    users), so revoking is local: the tokens are erased. Returns how many schedules were canceled.
    """
    authorize(actor, "account.disconnect", workspace=account.workspace, account=account)
    locked = PinterestAccount.objects.select_for_update().get(pk=account.pk)
    if locked.revoked_at is not None:
        raise NotFound("account_not_found", "This Pinterest account is already disconnected.")
    now = timezone.now()
    canceled = Schedule.objects.filter(account=locked, status__in=PENDING_SCHEDULE_STATUSES).update(
        status=ScheduleStatus.CANCELED, last_error="The Pinterest account was disconnected.", updated_at=now
    )
    locked.revoked_at = now
    locked.access_token = locked.refresh_token = ""
    locked.token_expires_at = locked.refresh_token_expires_at = None
    locked.token_refresh_lease_expires_at = None
    locked.save()
    _copy_token_fields(locked, into=account)
    audit_record(
        team=locked.workspace.team, workspace=locked.workspace, action="pinterest_account.disconnected",
        actor=actor, target=locked,
        details={"username": locked.username, "canceled_schedules": canceled},
    )
    return canceled
