"""Connecting Pinterest accounts through OAuth, and disconnecting them. Calls to Pinterest for a
connected account go through ``pinterest_access``; boards are in ``boards``.

Tokens are stored encrypted (``EncryptedTextField``) and never logged. No database transaction is
ever held open across a call to Pinterest: state changes happen in short transactions before and
after, and concurrent work is coordinated by claims on rows (the OAuth state, the refresh lease).
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from publishing.access import Actor, authorize
from publishing.models import (
    ApiKey,
    OAuthState,
    PinterestAccount,
    Schedule,
    ScheduleStatus,
    User,
    Workspace,
)
from publishing.pinterest import errors as pinterest_errors
from publishing.pinterest.config import pinterest_endpoints
from publishing.pinterest.factory import api_client, oauth_client
from publishing.pinterest.models import TokenGrant, UserAccount
from publishing.pinterest.oauth import GrantRejected, authorize_url
from publishing.services.analytics_collection import analytics_backfill_request
from publishing.services.audit import audit_record
from publishing.services.boards import boards_refresh, boards_refresh_request
from publishing.services.errors import Conflict, DomainError, NotFound
from publishing.services.pinterest_access import copy_token_fields, domain_error_from

logger = logging.getLogger(__name__)

OAUTH_STATE_TTL = timedelta(minutes=10)
# Expired round trips are kept this long past their expiry (to explain a late callback), then deleted.
OAUTH_STATE_KEEP_EXPIRED = timedelta(days=1)
DASHBOARD_CALLBACK_PATH = "/app/accounts/oauth/callback"
# Schedules that have not published yet and still may: disconnecting the account cancels them.
PENDING_SCHEDULE_STATUSES = (ScheduleStatus.SCHEDULED, ScheduleStatus.QUEUED, ScheduleStatus.DEFERRED)


class OAuthFailed(DomainError):
    """The OAuth round trip cannot be completed: unknown, used or expired state, or Pinterest
    refused the code. The user starts the connection again."""

    code = "oauth_failed"
    status_hint = 400


class SandboxDisabled(Conflict):
    """A sandbox workspace on a server whose built-in sandbox is off (``SANDBOX_ENABLED``)."""

    code = "sandbox_disabled"


# --- OAuth ------------------------------------------------------------------------------------


def dashboard_redirect_uri() -> str:
    return f"{settings.SITE_URL}{DASHBOARD_CALLBACK_PATH}"


def _state_digest(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


def oauth_states_delete_expired(*, now: datetime | None = None) -> int:
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
        raise OAuthFailed(
            "oauth_code_rejected", "Pinterest refused the authorization; connect the account again."
        ) from None
    except pinterest_errors.PinterestError as exc:
        raise domain_error_from(exc) from None

    account = _account_save_grant(workspace=workspace, user=pending.user, grant=grant, profile=profile)
    try:
        boards_refresh(account)
    except DomainError as exc:
        # The connection itself worked; a job fetches the board list (pages and the API serve it then).
        logger.warning("Boards of Pinterest account %s not refreshed after connecting: %s", account.public_id, exc.code)
        boards_refresh_request(account)
    return account


@transaction.atomic
def _account_save_grant(*, workspace: Workspace, user: User | None, grant: TokenGrant,
                        profile: UserAccount) -> PinterestAccount:
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
    analytics_backfill_request(account)  # the last 90 days (a sandbox workspace: from the sandbox), once this commits
    return account


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
    pending = Schedule.objects.with_status().filter(account=locked, current_status__in=PENDING_SCHEDULE_STATUSES)
    canceled = pending.update(
        own_status=ScheduleStatus.CANCELED, own_error="The Pinterest account was disconnected.", updated_at=now
    )
    locked.revoked_at = now
    locked.access_token = locked.refresh_token = ""
    locked.token_expires_at = locked.refresh_token_expires_at = None
    locked.token_refresh_lease_expires_at = None
    locked.save()
    copy_token_fields(locked, into=account)
    audit_record(
        team=locked.workspace.team, workspace=locked.workspace, action="pinterest_account.disconnected",
        actor=actor, target=locked,
        details={"username": locked.username, "canceled_schedules": canceled},
    )
    return canceled
