"""account_fresh_access_token: refresh once (across threads), save the rotation, flag dead tokens."""

import threading
from datetime import timedelta

import pytest
from django.db import connections
from django.utils import timezone

from pinterest_sandbox import faults
from pinterest_sandbox.models import AccessToken as SandboxAccessToken
from pinterest_sandbox.models import RefreshToken as SandboxRefreshToken
from pinterest_sandbox.services.oauth import secret_hash
from publishing.access import Actor
from publishing.models import AuditEvent, PinterestAccount
from publishing.pinterest import PinterestClient, ServerError
from publishing.services.pinterest_access import (
    AccountReconnectRequired,
    account_fresh_access_token,
    account_mark_reconnect_required,
)
from publishing.services.pinterest_accounts import account_disconnect
from tests.services.live_sandbox import sandbox_user_of

pytestmark = pytest.mark.django_db(transaction=True)


def expire(account: PinterestAccount) -> PinterestAccount:
    PinterestAccount.objects.filter(pk=account.pk).update(token_expires_at=timezone.now() - timedelta(minutes=1))
    return PinterestAccount.objects.get(pk=account.pk)


def issued_access_tokens(account) -> int:
    return SandboxAccessToken.objects.filter(user=sandbox_user_of(account)).count()


def username_seen_by_pinterest(access_token: str) -> str:
    with PinterestClient.for_environment("sandbox", access_token) as client:
        return client.user_account().username


def refresh_token_is_live_in_sandbox(refresh_token: str) -> bool:
    row = SandboxRefreshToken.objects.get(token_hash=secret_hash(refresh_token))
    return row.revoked_at is None and row.rotated_at is None


def test_a_fresh_token_is_used_as_it_is(connected_account):
    before = issued_access_tokens(connected_account)
    assert account_fresh_access_token(connected_account) == connected_account.access_token
    assert issued_access_tokens(connected_account) == before


def test_an_expiring_token_is_refreshed_and_the_rotated_refresh_token_saved(connected_account):
    account = expire(connected_account)
    old_access, old_refresh = account.access_token, account.refresh_token

    token = account_fresh_access_token(account)

    stored = PinterestAccount.objects.get(pk=account.pk)
    assert token != old_access and stored.access_token == token == account.access_token
    assert stored.token_expires_at - timezone.now() > timedelta(days=29)
    assert stored.token_refresh_lease_expires_at is None
    assert stored.refresh_token != old_refresh and stored.refresh_token == account.refresh_token
    assert refresh_token_is_live_in_sandbox(stored.refresh_token)
    assert not refresh_token_is_live_in_sandbox(old_refresh)  # rotated away: only the saved one works
    assert username_seen_by_pinterest(token) == account.username
    # Refreshing again only works if the refresh token we saved is the one Pinterest expects now.
    assert account_fresh_access_token(expire(stored)) not in (token, old_access)


def test_two_workers_refreshing_at_once_make_one_refresh(connected_account):
    account = expire(connected_account)
    before = issued_access_tokens(account)
    start = threading.Barrier(2)
    results, failures = [], []

    def worker():
        try:
            start.wait(timeout=10)
            results.append(account_fresh_access_token(PinterestAccount.objects.get(pk=account.pk)))
        except Exception as exc:  # reported below
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert failures == []
    assert len(results) == 2 and results[0] == results[1]
    assert issued_access_tokens(account) == before + 1
    stored = PinterestAccount.objects.get(pk=account.pk)
    assert stored.health_status == "healthy" and stored.access_token == results[0]
    assert refresh_token_is_live_in_sandbox(stored.refresh_token)


def test_a_refused_refresh_token_marks_the_account_for_reconnecting(cast, connected_account):
    account = expire(connected_account)
    faults.expire_refresh_token(username=account.username)

    with pytest.raises(AccountReconnectRequired) as excinfo:
        account_fresh_access_token(account)

    assert excinfo.value.code == "token_expired"
    stored = PinterestAccount.objects.get(pk=account.pk)
    assert stored.health_status == "reconnect_required" and "reconnect" in stored.health_message
    assert stored.token_refresh_lease_expires_at is None
    assert AuditEvent.objects.for_team(cast.team).filter(action="pinterest_account.reconnect_required").count() == 1
    before = issued_access_tokens(account)
    with pytest.raises(AccountReconnectRequired):  # no second try at Pinterest
        account_fresh_access_token(stored)
    assert issued_access_tokens(account) == before


def test_a_transient_failure_releases_the_claim_and_the_next_call_refreshes(connected_account):
    account = expire(connected_account)
    faults.server_error(endpoint="oauth.token", status=503, times=1)

    with pytest.raises(ServerError):
        account_fresh_access_token(account)

    stored = PinterestAccount.objects.get(pk=account.pk)
    assert stored.health_status == "healthy" and stored.token_refresh_lease_expires_at is None
    assert username_seen_by_pinterest(account_fresh_access_token(stored)) == account.username


def test_marking_reconnect_required_is_recorded_once(cast, connected_account):
    assert account_mark_reconnect_required(connected_account, "Token revoked by the user") is True
    assert account_mark_reconnect_required(connected_account, "Token revoked by the user") is False

    stored = PinterestAccount.objects.get(pk=connected_account.pk)
    assert (stored.health_status, stored.health_message) == ("reconnect_required", "Token revoked by the user")
    assert PinterestAccount.objects.needing_reconnect().get() == stored
    assert AuditEvent.objects.for_team(cast.team).filter(action="pinterest_account.reconnect_required").count() == 1
    with pytest.raises(AccountReconnectRequired):
        account_fresh_access_token(stored)


def test_a_disconnected_account_has_no_token(cast, connected_account):
    account_disconnect(account=connected_account, actor=Actor.for_user(cast.admin, connected_account.workspace))
    with pytest.raises(AccountReconnectRequired) as excinfo:
        account_fresh_access_token(PinterestAccount.objects.get(pk=connected_account.pk))
    assert excinfo.value.code == "account_revoked"
