"""django-q2 brokers with delayed tasks and the schedule dispatcher.

Delayed tasks: django-q2 has no per-task ETA, and the publishing pipeline needs one (a rate-limit
wait, a retry's backoff, a schedule's exact time). ``publishing.services.queue`` enqueues through
them; ``Q_CLUSTER["broker_class"]`` names ``OrmBroker``, or ``RedisBroker`` when REDIS_URL is set.

Dispatch: schedules do not wait in the broker (100k future schedules would be 100k rows every poll
looks through); they wait in their own table. Before it pops, the publishing cluster's pusher hands
over the schedules due within the next poll (``DISPATCH_DUE``, at most every ``DISPATCH_INTERVAL``),
each as a delayed task for its exact time, so a schedule starts at its ``run_at`` on either
broker, with as many clusters as run: a pusher with nothing due waits for the next delayed task's
time when it comes before the next poll (``idle_wait``).
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta

from django import db
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django_q.brokers.orm import ORM
from django_q.brokers.redis_broker import Redis
from django_q.conf import Conf
from django_q.models import OrmQ

logger = logging.getLogger(__name__)

# Called by the publishing cluster's pusher before it pops (a path: the services import this module).
DISPATCH_DUE = "publishing.services.schedules.schedules_dispatch_due"
# Seconds between two dispatches of one pusher: the ORM broker's poll.
DISPATCH_INTERVAL = 0.5


class DispatchingBroker:
    """What the publishing queue's brokers do before each pop: run ``DISPATCH_DUE`` (at most every
    ``DISPATCH_INTERVAL``). Only the pusher pops, so only the clusters dispatch; the media cluster's
    queue has no schedules."""

    _last_dispatch = float("-inf")

    def dispatch_due(self) -> None:
        # The publishing cluster's pusher (Q_CLUSTER_NAME unset or Q_CLUSTER["name"]); not the list
        # key, which django-q2's Redis broker rewrites ("django_q:pinboard:q").
        if Conf.CLUSTER_NAME != Conf.PREFIX:
            return
        started = time.monotonic()
        if started - self._last_dispatch < DISPATCH_INTERVAL:
            return
        self._last_dispatch = started
        try:
            if transaction.get_autocommit():
                db.close_old_connections()  # the pusher has no request cycle to recycle them
            import_string(DISPATCH_DUE)()
        except Exception:  # the pusher must go on popping; the periodic due-scanner is the backstop
            logger.exception("dispatching the due schedules failed")


# How much later than its time a delayed task is handed out, at most: the clock's granularity
# and the time the pop itself takes, not a poll.
DUE_MARGIN = 0.002


def idle_wait(until_next_due: float | None) -> float:
    """Seconds a pusher with nothing due waits before it looks again: the poll (``Conf.POLL``), or
    less when the next delayed task falls due before that (``until_next_due`` seconds from now; None:
    none waits), so the task is handed out at its time (a slot, a retry, a schedule's ``run_at``)
    rather than up to a poll after it."""
    if until_next_due is None:
        return float(Conf.POLL)
    return min(float(Conf.POLL), max(0.0, until_next_due) + DUE_MARGIN)


# django-q2 ships no type information, so its broker classes are Any to mypy.
class OrmBroker(DispatchingBroker, ORM):  # type: ignore[misc]
    """django-q2's ORM broker (``Q_CLUSTER["broker_class"]`` without Redis), dispatching due
    schedules before each pop, and popping the oldest due row of its queue through the index on
    (key, lock) (migration 0027): django-q2's own query has no order, and scans every delayed row
    (each publishing retry waiting for its time) whenever none is due."""

    def dequeue(self) -> list[tuple[int, str]] | None:
        self.dispatch_due()
        # As django-q2's ORM.dequeue, with the order; a row taken is locked for Conf.RETRY seconds
        # (handed out again after that unless acknowledged), and ``lock < now`` is its only test.
        # The earliest rows whether due or not, in the same index range: when none is due, the
        # first says how long to wait.
        now = timezone.now()
        earliest = list(self.get_connection().filter(key=self.list_key).order_by("lock")[:Conf.BULK])
        tasks = [task for task in earliest if task.lock < now]
        if not tasks:
            time.sleep(idle_wait((earliest[0].lock - now).total_seconds() if earliest else None))  # spare the CPU
            return None
        taken = []
        for task in tasks:
            if self.get_connection().filter(id=task.id, lock=task.lock).update(
                    lock=timezone.now() + timedelta(seconds=Conf.RETRY)):
                taken.append((task.pk, task.payload))  # otherwise another cluster was faster
        return taken


class DelayedOrmBroker(ORM):  # type: ignore[misc]
    """The ORM broker, writing new tasks with a future lock so the cluster leaves them until then."""

    def __init__(self, run_at: datetime, list_key: str | None = None) -> None:
        super().__init__(list_key=list_key or Conf.CLUSTER_NAME)
        self.run_at = run_at

    def enqueue(self, task: str) -> int:
        package = OrmQ.objects.using(Conf.ORM).create(key=self.list_key, payload=task, lock=self.run_at)
        package_id: int = package.pk
        return package_id


# KEYS: the delayed set, the queue. ARGV: now (epoch seconds), how many to move at most. Returns
# how many it moved and the due time of the next task still delayed ('' when none).
_MOVE_DUE_SCRIPT = """
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, task in ipairs(due) do
  redis.call('ZREM', KEYS[1], task)
  redis.call('RPUSH', KEYS[2], task)
end
local next_due = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {#due, next_due[2] or ''}
"""


class RedisBroker(DispatchingBroker, Redis):  # type: ignore[misc]  # django-q2 ships no type information
    """django-q2's Redis broker with delayed tasks (``Q_CLUSTER["broker_class"]`` when REDIS_URL is set).

    A delayed task waits in ``<queue>:delayed`` (a sorted set scored by its due time, epoch seconds);
    ``dequeue`` dispatches the due schedules, moves every due task onto the queue in one Lua script,
    then pops as django-q2 does, blocking for at most a second, or only until the next delayed
    task falls due: so a task is handed out at its time.
    """

    # When the next task still delayed falls due (epoch seconds), as of the last move; None: none.
    _next_due: float | None = None

    def __init__(self, list_key: str | None = None, run_at: datetime | None = None) -> None:
        super().__init__(list_key=list_key)
        self.run_at = run_at

    @property
    def delayed_key(self) -> str:
        return f"{self.list_key}:delayed"

    # ``self.connection`` comes from the untyped base class; each result is named with redis's own type.
    def enqueue(self, task: str) -> int:
        if self.run_at is None:
            queue_length: int = super().enqueue(task)
            return queue_length
        added: int = self.connection.zadd(self.delayed_key, {task: self.run_at.timestamp()})
        return added

    def move_due(self, now: float | None = None) -> int:
        moved, next_due = self.connection.eval(_MOVE_DUE_SCRIPT, 2, self.delayed_key, self.list_key,
                                               time.time() if now is None else now, 100)
        self._next_due = float(next_due) if next_due else None
        return int(moved)

    def dequeue(self) -> list[tuple[None, bytes]] | None:
        self.dispatch_due()
        self.move_due()
        # As django-q2's Redis.dequeue, blocking for at most a second (its poll), or until the next
        # delayed task is due (never 0: BLPOP would block for ever).
        block = 1.0 if self._next_due is None else min(1.0, max(0.0, self._next_due - time.time()) + DUE_MARGIN)
        task = self.connection.blpop(self.list_key, block)
        return [(None, task[1])] if task else None

    def delete_queue(self) -> int:
        self.connection.delete(self.delayed_key)
        deleted: int = super().delete_queue()
        return deleted
