"""The account page says what really happens to an account's pins, on a frozen clock."""

import re
from datetime import UTC, datetime, timedelta

import time_machine

from publishing.models import PinterestAccount

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def health_of(client, account) -> str:
    html = client.get("/app/accounts/").content.decode()
    match = re.search(rf'<div class="account-health[^"]*" id="account-{account.public_id}-health".*?</div>', html, re.S)
    return re.sub(r"\s+", " ", match.group(0)) if match else ""


def test_a_revoked_token_says_pins_fail_with_token_revoked_and_can_be_retried_after_reconnecting(
        cast, login, offline_account):
    PinterestAccount.objects.filter(pk=offline_account.pk).update(
        health_status=PinterestAccount.Health.RECONNECT_REQUIRED, health_message="Pinterest refused the token.")
    text = health_of(login(cast.admin), offline_account)
    assert 'role="alert"' in text and "Reconnect required." in text
    assert "fails (token_revoked" in text and "retry the failed pins" in text
    assert "wait" not in text  # they do not wait: they fail


def test_an_access_token_that_ran_out_is_renewal_pending_not_an_alarm(cast, login, offline_account):
    PinterestAccount.objects.filter(pk=offline_account.pk).update(
        token_expires_at=NOW - timedelta(minutes=1), refresh_token_expires_at=NOW + timedelta(days=300))
    with time_machine.travel(NOW, tick=False):
        text = health_of(login(cast.admin), offline_account)
    assert 'role="status"' in text and "Renewal pending." in text and "renews it with the refresh token" in text
    assert "Reconnect" not in text


def test_a_week_before_the_refresh_token_expires_the_page_warns(cast, login, offline_account):
    ends = NOW + timedelta(days=7)
    PinterestAccount.objects.filter(pk=offline_account.pk).update(
        token_expires_at=NOW + timedelta(hours=20), refresh_token_expires_at=ends)
    client = login(cast.admin)
    with time_machine.travel(ends - timedelta(days=7, seconds=1), tick=False):
        assert health_of(client, offline_account) == ""  # more than a week left: healthy, nothing shown
    with time_machine.travel(ends - timedelta(days=7), tick=False):
        text = health_of(client, offline_account)
        assert "Reconnect soon." in text and "for 7 more days, until 7 Dec 2026, 12:00 UTC" in text
        assert "Reconnect<span" in client.get("/app/accounts/").content.decode()  # the button is offered
    with time_machine.travel(ends - timedelta(hours=3), tick=False):
        assert "for 1 more day," in health_of(client, offline_account)
    with time_machine.travel(ends, tick=False):
        text = health_of(client, offline_account)
        assert "Connection expired." in text and "account_reconnect_required" in text
