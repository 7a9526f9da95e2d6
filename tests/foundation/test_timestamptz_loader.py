"""``timestamptz`` columns are read by psycopg's C loader (pinboard_site/postgresql/base.py) and come back
exactly as Django's own loader gives them: aware, in ``datetime.timezone.utc``, to the microsecond."""

import datetime
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import DataError, connection
from django.db.backends.postgresql.psycopg_any import register_tzloader
from psycopg.postgres import types
from psycopg.pq import Format

from pinboard_site.postgresql.base import UtcTimestamptzLoader

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

TIMESTAMPTZ_OID = types["timestamptz"].oid
VALUES = ["2026-12-01 07:02:46.5383+00", "1970-01-01 00:00:00+00", "2026-03-29 01:59:59.999999+00",
          "0001-01-01 00:00:00+00", "9999-12-31 23:59:59.999999+00", "2026-06-30 12:00:00+05:30"]
SELECT_VALUES = "SELECT v::timestamptz FROM unnest(%s::text[]) WITH ORDINALITY AS t(v, n) ORDER BY n"


def _read(cursor, values: list[str] = VALUES) -> list[datetime.datetime]:
    cursor.execute(SELECT_VALUES, [values])
    return [row[0] for row in cursor.fetchall()]


def test_connections_read_timestamptz_with_the_c_loader():
    connection.ensure_connection()
    loader = connection.connection.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)
    assert loader is UtcTimestamptzLoader


def test_values_are_the_ones_djangos_loader_gives():
    with connection.cursor() as cursor:
        ours = _read(cursor)
    with connection.cursor() as cursor:
        register_tzloader(datetime.UTC, cursor.cursor)  # Django's own, on this cursor only
        djangos = _read(cursor)

    assert ours == djangos
    assert [value.tzinfo for value in ours] == [datetime.UTC] * len(VALUES)
    assert ours[0] == datetime.datetime(2026, 12, 1, 7, 2, 46, 538300, tzinfo=datetime.UTC)
    assert ours[-1] == datetime.datetime(2026, 6, 30, 6, 30, tzinfo=datetime.UTC)


def test_a_session_in_another_zone_still_reads_the_right_instant_in_utc():
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL TIME ZONE 'America/New_York'")  # inside the test's transaction only
        values = _read(cursor, [VALUES[0], VALUES[-1]])  # (year 1 is BC in New York: no datetime holds it)

    assert values == [datetime.datetime(2026, 12, 1, 7, 2, 46, 538300, tzinfo=datetime.UTC),
                      datetime.datetime(2026, 6, 30, 6, 30, tzinfo=datetime.UTC)]
    assert [value.tzinfo for value in values] == [datetime.UTC] * 2


@pytest.mark.parametrize("value", ["infinity", "-infinity", "0044-03-15 12:00:00+00 BC"])
def test_what_no_python_datetime_holds_is_a_data_error_as_with_djangos_loader(value):
    for djangos in (False, True):
        with connection.cursor() as cursor:
            if djangos:
                register_tzloader(datetime.UTC, cursor.cursor)
            with pytest.raises(DataError):
                _read(cursor, [value])


def test_a_value_past_utcs_range_in_another_zone_is_a_data_error_not_an_overflow():
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL TIME ZONE 'America/New_York'")
        with pytest.raises(DataError):  # 10000-01-01 04:00 in UTC
            _read(cursor, ["9999-12-31 23:00:00-05"])


def test_psycopg_without_its_c_build_keeps_djangos_loader():
    """Under PSYCOPG_IMPL=python psycopg_binary may still be installed, but its loader cannot read
    psycopg's pure-Python connections: the wrapper is only used over the loader psycopg itself uses."""
    probe = ("from pinboard_site.postgresql.base import CTimestamptzLoader; "
             "import psycopg; print(psycopg.pq.__impl__, CTimestamptzLoader)")
    environment = {**os.environ, "PSYCOPG_IMPL": "python"}
    answer = subprocess.run([sys.executable, "-c", probe], env=environment, capture_output=True, text=True,
                            check=True, cwd=settings.BASE_DIR).stdout.split()
    assert answer == ["python", "None"]
