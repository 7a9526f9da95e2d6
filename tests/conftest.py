"""The fixed cast every test draws on: one team with a member per role, and an outsider
who belongs to another team. And the test clock.

The clock
---------
Whatever depends on the date must pass at any hour: the team's zone (Europe/Paris) is one or two
hours ahead of UTC, so "today" differs between them late in the UTC evening, and twice a year a
day has 23 or 25 hours.

- ``clock`` (a fixture, parametrised with ``at_every_clock``) runs a test with the clock set to
  00:30, 12:30 and 23:30 UTC on a winter day, a summer day and the two days Paris changes its
  clocks (2026-03-29, 2026-10-25). It uses time-machine with ``tick=True``: time moves on from
  that instant, so ordering and timeouts still behave.
- ``PINBOARD_TEST_CLOCK=2026-11-30T23:30:00Z pytest ...`` runs the WHOLE suite at that instant
  (the session starts there and time moves on). This process is shifted by time-machine. Other
  processes the suite starts (django-q2 clusters, gunicorn, ``manage.py serve``) must agree with
  it, or a schedule due "now" here is hours away for the workers: they get the same offset through
  ``PINBOARD_TEST_CLOCK_OFFSET`` and ``tests/clock_shift/sitecustomize.py`` (first on their
  ``PYTHONPATH``), which starts the same time-machine travel when Python starts. Parent and
  children agree to the millisecond; monotonic clocks (timeouts) stay real. pytest-xdist's
  workers (``make test``) are such children too: shifted as they start, they pass the offset on
  as they inherited it (tests/foundation/test_session_clock.py).
  libfaketime (Debian's ``faketime``) was tried first and is not sound here: with monotonic
  clocks left alone Python 3.11's ``time.sleep`` fails with EINVAL (an absolute
  ``clock_nanosleep`` on the monotonic clock), and with them shifted ``threading.Event.wait``
  never returns.
  Not shifted: PostgreSQL's ``now()``/``CURRENT_TIMESTAMP``, Redis's clock, Chromium's
  JavaScript clock, and C libraries that read the clock themselves (time-machine patches
  Python's clock functions): OpenSSL checks a certificate's validity against the real time, so
  a certificate a test makes with the shifted "now" must be valid at both. The product never
  asks the database or Redis for the time (timestamps come from ``django.utils.timezone.now()``
  in Python), which is why shifting the Python processes is sound; a new ``db_default=Now()``
  would break that and show up in a run at a shifted clock.
"""

import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine

from publishing.models import Team, User
from publishing.permissions import Role
from publishing.services.teams import membership_set_role, team_create

# postgres/redis markers, no silent skips in CI; one process only on the Redis broker.
pytest_plugins = ["tests.service_markers", "tests.parallel"]

PASSWORD = "correct-horse-battery"


@dataclass
class Cast:
    team: Team
    other_team: Team
    admin: User
    manager: User
    editor: User
    viewer: User
    outsider: User

    def by_role(self, role: str) -> User:
        return getattr(self, role)


def make_member(team: Team, email: str, role: str) -> User:
    user = User.objects.create_user(email=email, password=PASSWORD, full_name=email.split("@")[0].title())
    membership_set_role(team=team, user=user, role=role)
    return user


@pytest.fixture
def cast(db) -> Cast:
    team = team_create(name="Acme", timezone="Europe/Paris")
    other = team_create(name="Globex")
    return Cast(
        team=team,
        other_team=other,
        admin=make_member(team, "alice@acme.test", Role.ADMIN),
        manager=make_member(team, "mona@acme.test", Role.MANAGER),
        editor=make_member(team, "eddie@acme.test", Role.EDITOR),
        viewer=make_member(team, "vera@acme.test", Role.VIEWER),
        outsider=make_member(other, "otto@globex.test", Role.ADMIN),
    )


CLOCK_ENV = "PINBOARD_TEST_CLOCK"
CLOCK_SHIFT_DIR = Path(__file__).resolve().parent / "clock_shift"

# 00:30, 12:30 and 23:30 UTC on a winter day, a summer day, and the days Europe/Paris springs
# forward (02:00 -> 03:00 at 01:00 UTC) and falls back (03:00 -> 02:00 at 01:00 UTC).
CLOCK_DAYS = {"winter": "2026-11-30", "summer": "2026-07-14", "dst-start": "2026-03-29", "dst-end": "2026-10-25"}
CLOCKS = [(f"{name}-{hour}Z", f"{day}T{hour}:00+00:00") for name, day in CLOCK_DAYS.items()
          for hour in ("00:30", "12:30", "23:30")]

at_every_clock = pytest.mark.parametrize("clock", [instant for _, instant in CLOCKS], indirect=True,
                                         ids=[name for name, _ in CLOCKS])


def parse_clock(value: str) -> datetime:
    instant = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if instant.tzinfo is None:
        raise pytest.UsageError(f"{CLOCK_ENV}={value!r} needs a zone, e.g. 2026-11-30T23:30:00Z")
    return instant.astimezone(UTC)


@pytest.fixture
def clock(request):
    """The clock set to ``request.param`` (an ISO instant) for this test, moving on from there."""
    with time_machine.travel(parse_clock(request.param), tick=True) as traveller:
        yield traveller


_session_travel = None


def pytest_configure(config):
    """``PINBOARD_TEST_CLOCK``: start the whole session at that instant (see the module docstring)."""
    global _session_travel
    value = os.environ.get(CLOCK_ENV)
    if not value:
        return
    if os.environ.get("PINBOARD_TEST_CLOCK_OFFSET"):
        # Started by the run (a pytest-xdist worker): tests/clock_shift shifted this process as it
        # started, and the offset its own children need is the one it inherited.
        return
    offset = (parse_clock(value) - datetime.now(UTC)).total_seconds()
    os.environ["PINBOARD_TEST_CLOCK_OFFSET"] = repr(offset)
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(CLOCK_SHIFT_DIR), os.environ.get("PYTHONPATH")]))
    _session_travel = time_machine.travel(datetime.now(UTC) + timedelta(seconds=offset), tick=True)
    _session_travel.start()


def pytest_unconfigure(config):
    if _session_travel is not None:
        _session_travel.stop()


def pytest_report_header(config):
    if os.environ.get(CLOCK_ENV):
        return f"clock: {CLOCK_ENV}={os.environ[CLOCK_ENV]} (children shifted by tests/clock_shift)"
    return None


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's, then, before it drops the test database on PostgreSQL, ends any session still
    connected to it: a connection some test's thread or child process left open made the DROP fail
    ("being accessed by other users") and left test_<name> behind after every `make test`."""
    yield
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                       "WHERE datname = current_database() AND pid <> pg_backend_pid()")
