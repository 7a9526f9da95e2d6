"""Handing work to the django-q2 clusters: after the transaction commits, now or at a given time.

Jobs take ids, so a job never runs against data its enqueuer had not committed yet; every
enqueue here therefore goes through ``transaction.on_commit``.

Queues: everything runs in the publishing cluster's queue unless ``queue=`` names another; video
uploads go to ``settings.Q_MEDIA_CLUSTER`` (its own cluster: ``Q_CLUSTER_NAME=media manage.py
qcluster``), each with a timeout sized to its file (``media_task_timeout``).

Delayed jobs: django-q2 has no per-task ETA. (Schedules are not among them until they are due:
they wait in their own table and the dispatcher hands each over shortly before its time, see
services/schedules.py; what stays delayed here is retries, backoffs and rate-limit waits.)
- Its ORM broker hands out a queued row only once the row's ``lock`` time has passed
  (``OrmQ.lock < now``), so writing the row with ``lock = run_at`` makes a task that starts at
  ``run_at``: a pusher with nothing due sleeps until the earliest row's time when it comes before
  the next poll (``Q_CLUSTER["poll"]``).
  ``OrmBroker`` finds the oldest due row through an index on (key, lock), however many wait.
- With Redis, ``RedisBroker`` (django-q2's, plus a sorted set of delayed tasks scored by their due
  time) does the same: every pusher moves the due ones onto the queue before each pop (at most a
  second apart, and no later than the next one's time), atomically, so each is handed over once
  however many clusters run.
Either way the periodic sweepers are the backstop: a job that was lost still runs on their next pass.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import TypedDict

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.brokers.orm import ORM
from django_q.models import Schedule
from django_q.tasks import async_task

from publishing.brokers import DelayedOrmBroker, RedisBroker


def media_task_timeout(size_bytes: int) -> int:
    """Seconds a video upload job may run: the minimum (registering, polling the processing) plus
    sending ``size_bytes`` at the slowest throughput we accept, at most the media cluster's maximum."""
    sending = math.ceil(max(size_bytes, 0) / settings.MEDIA_UPLOAD_MIN_BYTES_PER_SECOND)
    return min(settings.MEDIA_UPLOAD_TIMEOUT_MIN_SECONDS + sending, settings.MEDIA_UPLOAD_TIMEOUT_MAX_SECONDS)


class TaskOptions(TypedDict, total=False):
    """The django-q2 ``q_options`` this module sets."""

    cluster: str
    timeout: int


def _options(queue: str | None, timeout: int | None) -> TaskOptions:
    options: TaskOptions = {}
    if queue is not None:
        options["cluster"] = queue
    if timeout is not None:
        options["timeout"] = timeout
    return options


def _enqueue_now(func: str, args: tuple[object, ...], options: TaskOptions, kwargs: dict[str, object]) -> None:
    async_task(func, *args, q_options=options, **kwargs)


def _enqueue_at(func: str, args: tuple[object, ...], run_at: datetime, options: TaskOptions,
                kwargs: dict[str, object]) -> None:
    queue = options.get("cluster")
    broker = get_broker(queue)
    if run_at <= timezone.now():
        # Only a job already due goes straight to the queue: one due within the next poll but
        # started before its time would find its work not due (a claim refusing it), and wait
        # for the sweepers. A delayed one is handed out at the first poll after run_at.
        async_task(func, *args, q_options=options, **kwargs)
    elif isinstance(broker, ORM):
        async_task(func, *args, q_options={**options, "broker": DelayedOrmBroker(run_at, list_key=broker.list_key)},
                   **kwargs)
    elif isinstance(broker, RedisBroker):
        async_task(func, *args, q_options={**options, "broker": RedisBroker(list_key=queue, run_at=run_at)},
                   **kwargs)
    else:
        # Another broker: a one-off django-q2 Schedule (30 s resolution). repeats=-1: the scheduler
        # deletes a ONCE schedule after running it.
        Schedule.objects.create(func=func, args=repr(args), kwargs=repr(kwargs), schedule_type=Schedule.ONCE,
                                repeats=-1, next_run=run_at, cluster=queue)


def task_enqueue(func: str, *args: object, at: datetime | None = None, queue: str | None = None,
                 timeout: int | None = None, job_kwargs: dict[str, object] | None = None) -> None:
    """Run ``func(*args, **job_kwargs)`` on a cluster once the current transaction commits (at
    ``at``, if given): the publishing cluster's queue unless ``queue`` names another, killed after
    ``timeout`` seconds if given (otherwise after the cluster's own timeout). ``job_kwargs`` must
    not use a name django-q2 reads as an option (``timeout``, ``group``, ``hook``...)."""
    options = _options(queue, timeout)
    kwargs = dict(job_kwargs or {})
    if at is None:
        transaction.on_commit(lambda: _enqueue_now(func, args, options, kwargs))
    else:
        transaction.on_commit(lambda: _enqueue_at(func, args, at, options, kwargs))
