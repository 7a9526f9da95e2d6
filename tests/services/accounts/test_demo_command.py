"""The demo command connects a sandbox Pinterest account through the real OAuth flow, in-process."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from pinterest_sandbox.clock import sandbox_now
from pinterest_sandbox.models import AuthorizationCode
from pinterest_sandbox.models import Pin as SandboxPin
from pinterest_sandbox.services.analytics import pin_day_counts
from publishing.models import (
    AccountDailyMetric,
    AnalyticsCollectionRun,
    Board,
    OAuthState,
    Pin,
    PinDailyMetric,
    PinStatus,
    PinterestAccount,
    Team,
)
from publishing.services.analytics_collection import pinterest_today
from tests.services.analytics import conftest as analytics_fixtures

pytestmark = pytest.mark.django_db(transaction=True)
noon = analytics_fixtures.noon


@pytest.fixture(autouse=True)
def development(settings):
    """The demo cast runs only in development (DEBUG on); the suite runs with it off."""
    settings.DEBUG = True


def demo(*args) -> str:
    out = StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


def live_accounts(team_name: str):
    return PinterestAccount.objects.for_team(Team.objects.get(name=team_name)).filter(revoked_at__isnull=True)


def test_demo_connects_a_sandbox_account_with_boards_once():
    output = demo()

    account = live_accounts("Demo team").get()
    assert account.workspace.is_sandbox and account.health_status == "healthy"
    assert account.connected_by.email == "admin@demo.pinboard.test"
    assert Board.objects.for_account(account).count() == 3
    assert f"Connected sandbox Pinterest account @{account.username} with 3 boards." in output
    # The real code flow ran: our state was spent and the sandbox's code was exchanged.
    assert OAuthState.objects.get().used_at is not None
    assert AuthorizationCode.objects.get().used_at is not None

    again = demo()

    assert live_accounts("Demo team").get() == account
    assert "already connected" in again


def test_any_team_the_demo_is_given_gets_its_own_account():
    demo()
    demo("--team", "Initech", "--email", "peter@initech.test", "--password", "tps-reports-2026", "--role", "admin")

    theirs = live_accounts("Initech").get()
    assert theirs != live_accounts("Demo team").get()
    assert theirs.connected_by.email == "peter@initech.test"
    assert Board.objects.for_account(theirs).count() == 3


def stored_rows() -> tuple[int, int, int]:
    return Pin.objects.count(), AccountDailyMetric.objects.count(), PinDailyMetric.objects.count()


def test_the_demo_account_gets_a_published_history_collected_from_the_sandbox_once(noon):
    output = demo()

    account = live_accounts("Demo team").get()
    pins = Pin.objects.filter(account=account).order_by("published_at")
    assert pins.count() == 12 and set(pins.values_list("status", flat=True)) == {PinStatus.PUBLISHED}
    noon_now = sandbox_now()
    ages = [noon_now - pin.published_at for pin in pins]
    assert 2 <= min(ages).days and max(ages).days == 60
    # Each is a real sandbox pin, backdated there to our published_at.
    for pin in pins:
        assert SandboxPin.objects.get(pinterest_id=pin.pinterest_pin_id).created_at == pin.published_at
    run = AnalyticsCollectionRun.objects.get(account=account)
    assert (run.kind, run.outcome, run.calls, run.pins_collected) == ("backfill", "succeeded", 13, 12)
    assert AccountDailyMetric.objects.filter(account=account).count() == 91
    assert PinDailyMetric.objects.filter(account=account).count() > 0
    # The stored figures are the sandbox's (collected), not written by the command.
    oldest = pins.first()
    day = PinDailyMetric.objects.get(pin=oldest, date=pinterest_today() - timedelta(days=1))
    expected = pin_day_counts(SandboxPin.objects.get(pinterest_id=oldest.pinterest_pin_id), day.date, now=noon_now)
    assert day.impressions == expected["IMPRESSION"] > 0
    assert "Demo history: 12 published pins, analytics backfill succeeded" in output

    before = stored_rows()
    again = demo()

    assert stored_rows() == before and AnalyticsCollectionRun.objects.count() == 1
    assert "Demo history" not in again


def test_demo_pins_without_a_successful_backfill_are_backfilled_without_new_pins(noon):
    demo()
    AnalyticsCollectionRun.objects.all().delete()
    PinDailyMetric.objects.all().delete()

    output = demo()

    assert Pin.objects.count() == 12 and PinDailyMetric.objects.count() > 0
    assert AnalyticsCollectionRun.objects.get().outcome == "succeeded"
    assert "Demo history: 0 published pins, analytics backfill succeeded" in output
