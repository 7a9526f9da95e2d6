"""Waiting for the cluster to finish what this process gave it: an observable fact, where a
sleep would only be a guess that "any other job would have run by now".

``task_watch`` records every django-q2 task this process enqueues (django-q2's ``pre_enqueue``
signal; the product enqueues only through ``django_q.tasks.async_task``). A task has finished
when the cluster has saved its result (``django_q.models.Task``, success or failure: settings
keep ``save_limit`` above zero). This works the same on the ORM and the Redis broker; on the ORM
broker the queue rows themselves are checked as well (a row stays until its task is acknowledged).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from django_q.brokers import get_broker
from django_q.brokers.orm import ORM
from django_q.models import OrmQ, Task
from django_q.signals import pre_enqueue

from tests.pipeline_fixtures import wait_for


@dataclass
class TaskWatch:
    enqueued: list[dict] = field(default_factory=list)

    def record(self, sender, task, **kwargs) -> None:
        self.enqueued.append({"id": task["id"], "func": task["func"], "args": task["args"]})

    def ids(self, func: str | None = None) -> list[str]:
        return [task["id"] for task in self.enqueued if func is None or task["func"] == func]

    def unfinished(self, func: str | None = None) -> list[str]:
        ids = self.ids(func)
        done = set(Task.objects.filter(id__in=ids).values_list("id", flat=True))
        waiting = [task_id for task_id in ids if task_id not in done]
        if isinstance(get_broker(), ORM):  # queued or in flight: the row goes when the task is acknowledged
            waiting += [row.task["id"] for row in OrmQ.objects.all()
                        if (func is None or row.task["func"] == func) and row.task["id"] not in waiting]
        return waiting

    def wait_finished(self, func: str | None = None, *, timeout: float = 30) -> list[Task]:
        """Wait until every task enqueued so far (calling ``func``) has run on the cluster; their results."""
        wait_for(lambda: not self.unfinished(func), timeout=timeout, interval=0.1,
                 message=f"the cluster to finish the {func or 'enqueued'} tasks")
        return list(Task.objects.filter(id__in=self.ids(func)))


@pytest.fixture
def task_watch():
    watch = TaskWatch()
    pre_enqueue.connect(watch.record, dispatch_uid="tests-task-watch")
    yield watch
    pre_enqueue.disconnect(dispatch_uid="tests-task-watch")
