"""PostgreSQL, with Django's per-request connection health check made free while the connection is quiet.

With ``CONN_HEALTH_CHECKS`` Django sends ``SELECT 1`` before the first query of every request that
reuses a connection, so a server restart costs a reconnect instead of a failed request. That round trip
was a third of ``GET /v1/auth/me``'s database work. A connection the server has ended is not silent:
PostgreSQL sends its ``FATAL: terminating connection`` notice and closes the socket, and either makes
the idle socket readable. So the check first looks at the socket without waiting (the way pgx's
``CheckConn`` does): nothing to read on an idle, open connection means nothing has happened to it,
and only a readable socket, or a connection not idle, still costs the ``SELECT 1``. Recovering after
a query error (``errors_occurred``) keeps Django's full check.
"""

import select

from django.db.backends.postgresql import base
from psycopg import pq


class DatabaseWrapper(base.DatabaseWrapper):
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
