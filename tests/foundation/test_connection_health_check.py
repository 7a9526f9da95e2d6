"""The per-request connection health check (pinboard_site/postgresql/base.py): no round trip while the
connection is quiet, and a connection the server ended is still replaced before the request's query.

Each test plays two requests on one persistent connection the way Django's request signals do:
``close_old_connections()`` at a request's edge arms the check, the first query runs it.
"""

import select

import pytest
from django.db import close_old_connections, connection, connections

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _on_another_connection(sql: str, params: list):
    """The first column of ``sql``'s first row, run on a connection of its own."""
    observer = connections.create_connection("default")
    try:
        with observer.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()[0]
    finally:
        observer.close()


def _last_statement_of(pid: int) -> str:
    """What the backend ``pid`` last ran (pg_stat_activity is live)."""
    return _on_another_connection("SELECT query FROM pg_stat_activity WHERE pid = %s", [pid])


def _wait_until_readable(timeout_s: float = 10) -> None:
    """Until the server's goodbye reaches our socket (the condition itself, not a sleep)."""
    poller = select.poll()
    poller.register(connection.connection.pgconn.socket, select.POLLIN)
    assert poller.poll(timeout_s * 1000), "the terminated connection's socket never became readable"


def test_a_quiet_connection_is_reused_without_a_select_1():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 'the first request'")
        pid = connection.connection.info.backend_pid
    close_old_connections()  # the next request begins: the health check is due

    connection.close_if_health_check_failed()  # what the next request's first query runs first

    assert connection.health_check_done
    assert connection.connection.info.backend_pid == pid
    assert _last_statement_of(pid) == "SELECT 'the first request'"  # Django's check would have sent SELECT 1


def test_a_connection_the_server_ended_is_replaced_before_the_next_request_queries():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        pid = connection.connection.info.backend_pid
    _on_another_connection("SELECT pg_terminate_backend(%s)", [pid])  # a restart, a failover, an idle timeout
    _wait_until_readable()
    close_old_connections()

    with connection.cursor() as cursor:  # no OperationalError: the check saw the goodbye and reconnected
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != pid


def test_a_connection_left_inside_a_transaction_still_gets_the_full_check():
    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    connection.connection.execute("BEGIN")  # not idle: the quiet socket proves nothing about it
    connection.connection.execute("SELECT 'left open'")
    close_old_connections()

    connection.close_if_health_check_failed()

    assert _last_statement_of(pid) == "SELECT 1"
    connection.connection.execute("ROLLBACK")
