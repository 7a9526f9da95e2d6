from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from publishing.models import Membership, Team, User


def run_demo(*args):
    out = StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def no_sandbox_account(monkeypatch):
    """The demo also connects a sandbox Pinterest account; these tests are about people and teams."""
    from publishing.management.commands.demo import Command

    monkeypatch.setattr(Command, "after_seed", lambda self, team: None)


def test_demo_creates_the_team_with_one_user_per_role_and_says_how_to_log_in(db, no_sandbox_account):
    output = run_demo()
    team = Team.objects.get(name="Demo team")
    roles = dict(Membership.objects.for_team(team).values_list("user__email", "role"))
    assert roles == {
        "admin@demo.pinboard.test": "admin", "manager@demo.pinboard.test": "manager",
        "editor@demo.pinboard.test": "editor", "viewer@demo.pinboard.test": "viewer",
    }
    assert team.workspaces.get().environment == "sandbox"
    assert "editor@demo.pinboard.test / pinboard-demo" in output
    assert User.objects.get(email="editor@demo.pinboard.test").check_password("pinboard-demo")
    assert User.objects.get(email="admin@demo.pinboard.test").is_staff


def test_demo_is_idempotent(db, no_sandbox_account):
    run_demo()
    run_demo()
    assert Team.objects.filter(name="Demo team").count() == 1
    assert User.objects.count() == 4
    assert Membership.objects.count() == 4


def test_demo_creates_or_updates_exactly_one_user_in_a_second_team(db, no_sandbox_account):
    run_demo()
    run_demo("--team", "Initech", "--email", "Pat@Initech.test", "--password", "first-pass-1", "--role", "editor")
    run_demo("--team", "Initech", "--email", "pat@initech.test", "--password", "second-pass-2", "--role", "manager")
    initech = Team.objects.get(name="Initech")
    pat = User.objects.get(email="pat@initech.test")
    assert pat.check_password("second-pass-2")
    assert Membership.objects.get(team=initech, user=pat).role == "manager"
    assert Membership.objects.for_team(initech).count() == 1
    assert User.objects.count() == 5


def test_demo_refuses_an_email_without_password_or_a_bad_address(db, no_sandbox_account):
    with pytest.raises(CommandError, match="--password is required"):
        run_demo("--email", "x@y.test")
    with pytest.raises(CommandError, match="not an email address"):
        run_demo("--email", "not-an-email", "--password", "p")
