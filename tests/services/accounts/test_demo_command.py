"""The demo command connects a sandbox Pinterest account through the real OAuth flow, in-process."""

from io import StringIO

import pytest
from django.core.management import call_command

from pinterest_sandbox.models import AuthorizationCode
from publishing.models import Board, OAuthState, PinterestAccount, Team

pytestmark = pytest.mark.django_db(transaction=True)


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
