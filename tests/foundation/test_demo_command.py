import subprocess
import sys
from io import StringIO

import pytest
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command

from publishing.management.commands.demo import Command
from publishing.models import Membership, Team, User


def run_demo(*args):
    out = StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def no_sandbox_account(monkeypatch):
    """The demo also connects a sandbox Pinterest account; these tests are about people and teams."""
    monkeypatch.setattr(Command, "after_seed", lambda self, team: None)


@pytest.fixture
def debug(settings):
    """The demo cast is for development: these tests run it as `make run` does, with DEBUG on."""
    settings.DEBUG = True


def test_demo_creates_the_team_with_one_user_per_role_and_says_how_to_log_in(db, debug, no_sandbox_account):
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


def test_demo_is_idempotent(db, debug, no_sandbox_account):
    run_demo()
    run_demo()
    assert Team.objects.filter(name="Demo team").count() == 1
    assert User.objects.count() == 4
    assert Membership.objects.count() == 4


def test_demo_cast_refuses_to_run_when_debug_is_off(db, no_sandbox_account):
    assert django_settings.DEBUG is False
    with pytest.raises(CommandError, match="only runs with DEBUG=true"):
        run_demo()
    assert not User.objects.exists() and not Team.objects.exists()


def test_demo_cast_exits_non_zero_in_production():
    result = subprocess.run([sys.executable, "manage.py", "demo"], cwd=django_settings.BASE_DIR,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "only runs with DEBUG=true" in result.stderr


def test_restarting_the_demo_never_resets_a_changed_superuser_password(db, debug, no_sandbox_account):
    run_demo()
    admin = User.objects.get(email="admin@demo.pinboard.test")
    admin.set_password("changed-by-the-admin-7")
    admin.save()
    run_demo()  # `make run` runs this on every start
    admin.refresh_from_db()
    assert admin.check_password("changed-by-the-admin-7") and admin.is_superuser


def test_first_admin_of_a_production_server_is_created_with_debug_off(db, no_sandbox_account):
    output = run_demo("--team", "Initech", "--email", "Pat@Initech.test", "--password", "first-pass-1",
                      "--role", "admin", "--superuser")
    pat = User.objects.get(email="pat@initech.test")
    assert pat.check_password("first-pass-1") and pat.is_superuser
    assert Membership.objects.get(team__name="Initech", user=pat).role == "admin"
    assert "first-pass-1" not in output


def test_running_again_changes_the_role_but_keeps_the_password_unless_asked(db, no_sandbox_account):
    run_demo("--team", "Initech", "--email", "Pat@Initech.test", "--password", "first-pass-1", "--role", "editor")
    run_demo("--team", "Initech", "--email", "pat@initech.test", "--password", "second-pass-2", "--role", "manager")
    initech = Team.objects.get(name="Initech")
    pat = User.objects.get(email="pat@initech.test")
    assert pat.check_password("first-pass-1")
    assert Membership.objects.get(team=initech, user=pat).role == "manager"
    assert Membership.objects.for_team(initech).count() == 1
    run_demo("--team", "Initech", "--email", "pat@initech.test", "--password", "second-pass-2", "--role", "manager",
             "--reset-password")
    pat.refresh_from_db()
    assert pat.check_password("second-pass-2") and User.objects.count() == 1


def test_password_can_come_from_an_environment_variable(db, no_sandbox_account, monkeypatch):
    monkeypatch.setenv("PINBOARD_ADMIN_PASSWORD", "from-the-env-3")
    run_demo("--team", "Initech", "--email", "ann@initech.test", "--password-env", "PINBOARD_ADMIN_PASSWORD",
             "--role", "admin")
    assert User.objects.get(email="ann@initech.test").check_password("from-the-env-3")
    with pytest.raises(CommandError, match="NO_SUCH_VARIABLE is empty or unset"):
        run_demo("--email", "bob@initech.test", "--password-env", "NO_SUCH_VARIABLE")


def test_password_is_prompted_for_on_a_terminal(db, no_sandbox_account, monkeypatch):
    answers = iter(["typed-pass-4", "typed-pass-4"])
    monkeypatch.setattr(Command, "stdin_is_a_terminal", staticmethod(lambda: True))
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    run_demo("--team", "Initech", "--email", "cy@initech.test", "--role", "admin")
    assert User.objects.get(email="cy@initech.test").check_password("typed-pass-4")


def test_demo_refuses_a_missing_or_weak_password_or_a_bad_address(db, no_sandbox_account, monkeypatch):
    monkeypatch.setattr(Command, "stdin_is_a_terminal", staticmethod(lambda: False))
    with pytest.raises(CommandError, match="--password, --password-env or a terminal"):
        run_demo("--email", "x@y.test")
    with pytest.raises(CommandError, match="not an email address"):
        run_demo("--email", "not-an-email", "--password", "p")
    with pytest.raises(CommandError, match="Password refused"):
        run_demo("--email", "x@y.test", "--password", "12345678")
    assert not User.objects.exists()
