"""PostgreSQL, with Django's per-request connection health check made free while the connection is quiet,
and ``timestamptz`` columns read by psycopg's C loader.

With ``CONN_HEALTH_CHECKS`` Django sends ``SELECT 1`` before the first query of every request that
reuses a connection, so a server restart costs a reconnect instead of a failed request. That round trip
was a third of ``GET /v1/auth/me``'s database work. A connection the server has ended is not silent:
PostgreSQL sends its ``FATAL: terminating connection`` notice and closes the socket, and either makes
the idle socket readable. So the check first looks at the socket without waiting (the way pgx's
``CheckConn`` does): nothing to read on an idle, open connection means nothing has happened to it,
and only a readable socket, or a connection not idle, still costs the ``SELECT 1``. Recovering after
a query error (``errors_occurred``) keeps Django's full check.

Django reads every ``timestamptz`` through its own loader, a subclass of psycopg's pure-Python one (it
pins the value's zone to Django's): about 5 µs a value, where psycopg's C loader (wrapped) takes 0.7. A page of 50
pins carries over a hundred of them, and the calendar and the jobs read them by the thousand.
"""

import datetime
import select

import psycopg
from django.db.backends.postgresql import base
from psycopg import pq
from psycopg.adapt import Loader
from psycopg.postgres import types
from psycopg.types.datetime import TimestamptzLoader as PythonTimestamptzLoader

# The loader psycopg itself uses: its C build's (psycopg_c or psycopg_binary, whichever psycopg picked),
# or the pure-Python one (no C build, or PSYCOPG_IMPL=python), in which case Django's loader stays.
_ACTIVE_LOADER = psycopg.adapters.get_loader(types["timestamptz"].oid, pq.Format.TEXT)
CTimestamptzLoader = None if _ACTIVE_LOADER in (None, PythonTimestamptzLoader) else _ACTIVE_LOADER


class UtcTimestamptzLoader(Loader):
    """``timestamptz`` as an aware UTC datetime (what Django's loader gives when ``USE_TZ`` is on), parsed
    by psycopg's C loader. The C loader is final (no subclass) and has no ``timezone`` attribute, which
    Django's ``create_cursor`` compares with the connection's before each cursor, so it is wrapped."""

    timezone = datetime.UTC

    def __init__(self, oid, context=None):
        super().__init__(oid, context)
        self._parse = CTimestamptzLoader(oid, context).load

    def load(self, data):
        value = self._parse(data)
        if value.tzinfo is datetime.UTC:
            return value
        # The C loader gives the session's zone: UTC, which Django sets on every connection. Should a
        # session say otherwise, the instant is still right here (Django's loader would mislabel it),
        # unless it lies beyond what a UTC datetime holds (near year 1 or 9999).
        try:
            return value.astimezone(datetime.UTC)
        except OverflowError:
            shown = bytes(data).decode(errors="replace")
            raise psycopg.DataError(f"timestamp out of range in UTC: {shown!r}") from None


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params):
        connection = super().get_new_connection(conn_params)
        if CTimestamptzLoader is not None and self.timezone is datetime.UTC:
            connection.adapters.register_loader("timestamptz", UtcTimestamptzLoader)
        return connection

    def close_if_health_check_failed(self):
        if (self.connection is not None and self.health_check_enabled and not self.health_check_done
                and self._idle_and_silent()):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()

    def _idle_and_silent(self) -> bool:
        pgconn = self.connection.pgconn
        if pgconn.status != pq.ConnStatus.OK or pgconn.transaction_status != pq.TransactionStatus.IDLE:
            return False
        try:
            poller = select.poll()  # not select.select: a busy process's descriptors may pass FD_SETSIZE
            poller.register(pgconn.socket, select.POLLIN | select.POLLPRI)
            return not poller.poll(0)  # a hang-up or an error is reported too, and counts as "not silent"
        except (OSError, ValueError):  # ValueError: psycopg has no socket for a closed connection
            return False
