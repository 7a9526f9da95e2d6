"""Handing work to the django-q2 cluster: after the transaction commits, now or at a given time.

Jobs take ids, so a job never runs against data its enqueuer had not committed yet; every
enqueue here therefore goes through ``transaction.on_commit``.

Delayed jobs: django-q2 has no per-task ETA, but its ORM broker hands out a queued row only once
the row's ``lock`` time has passed (``OrmQ.lock < now``), so writing the row with
``lock = run_at`` makes a task that starts within one poll (``Q_CLUSTER["poll"]``) of ``run_at``.
With another broker (Redis) a one-off django-q2 ``Schedule`` does it instead, at the scheduler's
30-second resolution. Either way the periodic sweepers are the backstop: a job that was lost
still runs on their next pass.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.brokers.orm import ORM
from django_q.conf import Conf
from django_q.models import OrmQ, Schedule
from django_q.tasks import async_task


class DelayedOrmBroker(ORM):
    """The ORM broker, writing new tasks with a future lock so the cluster leaves them until then."""

    def __init__(self, run_at: datetime, list_key: str | None = None):
        super().__init__(list_key=list_key or Conf.CLUSTER_NAME)
        self.run_at = run_at

    def enqueue(self, task):
        package = OrmQ.objects.using(Conf.ORM).create(key=self.list_key, payload=task, lock=self.run_at)
        return package.pk


def _enqueue_now(func: str, args: tuple) -> None:
    async_task(func, *args)


def _enqueue_at(func: str, args: tuple, run_at: datetime) -> None:
    if run_at <= timezone.now() + timedelta(seconds=Conf.POLL or 0):
        async_task(func, *args)
    elif isinstance(get_broker(), ORM):
        async_task(func, *args, broker=DelayedOrmBroker(run_at))
    else:
        # repeats=-1: the scheduler deletes a ONCE schedule after running it.
        Schedule.objects.create(func=func, args=repr(args), schedule_type=Schedule.ONCE, repeats=-1,
                                next_run=run_at)


def task_enqueue(func: str, *args, at: datetime | None = None) -> None:
    """Run ``func(*args)`` on the cluster once the current transaction commits (at ``at``, if given)."""
    if at is None:
        transaction.on_commit(lambda: _enqueue_now(func, args))
    else:
        transaction.on_commit(lambda: _enqueue_at(func, args, at))
