"""django-q2 brokers with delayed tasks: django-q2 has no per-task ETA, and the publishing
pipeline needs one (a schedule's time, a rate-limit wait). ``publishing.services.queue`` enqueues
through them; ``Q_CLUSTER["broker_class"]`` names ``RedisBroker`` when REDIS_URL is set.
"""

from __future__ import annotations

import time
from datetime import datetime

from django_q.brokers.orm import ORM
from django_q.brokers.redis_broker import Redis
from django_q.conf import Conf
from django_q.models import OrmQ


# django-q2 ships no type information, so its broker classes are Any to mypy.
class DelayedOrmBroker(ORM):  # type: ignore[misc]
    """The ORM broker, writing new tasks with a future lock so the cluster leaves them until then."""

    def __init__(self, run_at: datetime, list_key: str | None = None) -> None:
        super().__init__(list_key=list_key or Conf.CLUSTER_NAME)
        self.run_at = run_at

    def enqueue(self, task: str) -> int:
        package = OrmQ.objects.using(Conf.ORM).create(key=self.list_key, payload=task, lock=self.run_at)
        package_id: int = package.pk
        return package_id


# KEYS: the delayed set, the queue. ARGV: now (epoch seconds), how many to move at most.
_MOVE_DUE_SCRIPT = """
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, task in ipairs(due) do
  redis.call('ZREM', KEYS[1], task)
  redis.call('RPUSH', KEYS[2], task)
end
return #due
"""


class RedisBroker(Redis):  # type: ignore[misc]  # django-q2 ships no type information
    """django-q2's Redis broker with delayed tasks (``Q_CLUSTER["broker_class"]`` when REDIS_URL is set).

    A delayed task waits in ``<queue>:delayed`` (a sorted set scored by its due time, epoch seconds);
    ``dequeue`` first moves every due task onto the queue in one Lua script, then pops as django-q2
    does (blocking for at most a second), so a task starts within about a second of its time.
    """

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
        moved: int = self.connection.eval(_MOVE_DUE_SCRIPT, 2, self.delayed_key, self.list_key,
                                          time.time() if now is None else now, 100)
        return moved

    def dequeue(self) -> list[tuple[None, bytes]] | None:
        self.move_due()
        popped: list[tuple[None, bytes]] | None = super().dequeue()
        return popped

    def delete_queue(self) -> int:
        self.connection.delete(self.delayed_key)
        deleted: int = super().delete_queue()
        return deleted
