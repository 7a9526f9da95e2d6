"""Two transactions on one row at the same moment, made to happen in a known order (PostgreSQL only).

``while_held(change, act)`` runs ``change`` (a service call) in a transaction another thread holds
open, then ``act`` here; the held transaction commits only once the database reports a lock wait,
so ``act`` really ran into the change's row lock (polling pg_locks, never a sleep, is the proof)."""

import threading
import time
from collections.abc import Callable
from typing import TypeVar

import pytest
from django.db import connection, connections, transaction

Result = TypeVar("Result")


def needs_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs row locks that block (PostgreSQL); SQLite serialises every writer anyway")


def _someone_waits_on_a_row_lock() -> bool:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted AND locktype IN ('transactionid', 'tuple')")
        return cursor.fetchone()[0] > 0


def while_held(change: Callable[[], object], act: Callable[[], Result], *, wait_seconds: float = 20) -> Result:
    """``act()``'s result, run while ``change()``'s transaction is open; it commits once ``act`` waits on it
    (or after ``wait_seconds`` if ``act`` never does)."""
    changed, release, failures = threading.Event(), threading.Event(), []

    def change_and_hold_the_transaction_open():
        try:
            with transaction.atomic():
                change()
                changed.set()
                release.wait(timeout=wait_seconds)
        except Exception as error:  # reported by the assertion below
            failures.append(error)
        finally:
            connection.close()

    def release_once_someone_waits():
        try:
            deadline = time.monotonic() + wait_seconds
            while not _someone_waits_on_a_row_lock() and time.monotonic() < deadline:
                time.sleep(0.02)  # polling the database, not a proof: the proof is the lock it reports
        finally:
            release.set()
            connections["default"].close()

    holder = threading.Thread(target=change_and_hold_the_transaction_open)
    holder.start()
    assert changed.wait(timeout=wait_seconds)
    watcher = threading.Thread(target=release_once_someone_waits)
    watcher.start()
    try:
        return act()
    finally:
        release.set()
        holder.join(timeout=wait_seconds)
        watcher.join(timeout=wait_seconds)
        assert not failures
