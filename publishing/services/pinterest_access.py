"""The way to Pinterest for a connected account: a client with a fresh access token (refreshed
under a lease so concurrent workers refresh once), Pinterest's errors turned into domain errors, and
marking an account reconnect-required when Pinterest stops accepting it.

Tokens are stored encrypted (``EncryptedTextField``) and never logged. No database transaction is
ever held open across a call to Pinterest.
"""

from __future__ import annotations

import contextlib
import logging
import math
import time
from collections.abc import Iterator
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from publishing.models import PinterestAccount
from publishing.pinterest import errors as pinterest_errors
from publishing.pinterest.client import PinterestClient
from publishing.pinterest.factory import api_client, oauth_client, pinterest_deadline_remaining
from publishing.pinterest.oauth import GrantRejected
from publishing.services.audit import audit_record
from publishing.services.errors import Conflict, DomainError, NotFound, RateLimited, ValidationError

logger = logging.getLogger(__name__)

# Refresh an access token this long before it expires, so no call goes out with a dying token.
REFRESH_MARGIN = timedelta(minutes=5)
# How long one worker may hold the refresh; others wait at most this long for its result.
REFRESH_LEASE = timedelta(seconds=45)
REFRESH_WAIT_POLL_SECONDS = 0.1
HEALTH_MESSAGE_MAX = PinterestAccount._meta.get_field("health_message").max_length


class AccountReconnectRequired(Conflict):
    """The account's tokens no longer work (expired refresh token, revoked access, missing scope)
    or it was disconnected: someone must connect it again."""

    code = "reconnect_required"


class PinterestUnavailable(DomainError):
    """Pinterest did not give a usable answer (5xx, timeout, unexpected body); trying later may work."""

    code = "pinterest_unavailable"
    status_hint = 502


# --- the client every call goes through -------------------------------------------------------


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


# --- tokens -----------------------------------------------------------------------------------


def _token_is_fresh(account: PinterestAccount, now: datetime) -> bool:
    return bool(account.access_token) and (
        account.token_expires_at is None or account.token_expires_at > now + REFRESH_MARGIN
    )


def _ensure_usable(account: PinterestAccount) -> None:
    if account.revoked_at is not None:
        raise AccountReconnectRequired("account_revoked", "This Pinterest account was disconnected.")
    if account.reconnect_required:
        raise AccountReconnectRequired(
            "reconnect_required", account.health_message or "Reconnect this Pinterest account."
        )


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
    # A web request waits no longer than its Pinterest deadline (PinterestDeadlineMiddleware).
    remaining = pinterest_deadline_remaining()
    wait = min(REFRESH_LEASE.total_seconds() + 5, math.inf if remaining is None else remaining)
    deadline = time.monotonic() + wait
    while True:
        claimed, current = _refresh_claim(account)
        copy_token_fields(current, into=account)
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
        message = (
            "Pinterest refused to renew this account's access (the refresh token expired or was revoked); reconnect it."
        )
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
    copy_token_fields(current, into=account)
    return current.access_token


TOKEN_FIELDS = (
    "access_token", "refresh_token", "token_expires_at", "refresh_token_expires_at", "scopes",
    "health_status", "health_message", "health_checked_at", "revoked_at", "token_refresh_lease_expires_at",
)


def copy_token_fields(source: PinterestAccount, *, into: PinterestAccount) -> None:
    for name in TOKEN_FIELDS:
        setattr(into, name, getattr(source, name))


def account_mark_reconnect_required(
    account: PinterestAccount, message: str, *, code: str = "reconnect_required"
) -> bool:
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
