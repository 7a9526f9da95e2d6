"""Running the pipeline: the periodic django-q2 schedules (defined here, in code) and stuck work.

``periodic_tasks_apply`` writes the schedules by name and only when they differ, so running it
on every start (``manage.py q_schedules``, called by ``make run`` and the tests) is harmless.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django_q.models import Schedule as QSchedule

from publishing.models import Pin, ScheduleStatus, WebhookDelivery
from publishing.models import Schedule as PinSchedule
from publishing.services.analytics_collection import SWEEP_MINUTES as ANALYTICS_SWEEP_MINUTES
from publishing.services.delivery import pins_requeue_due, stuck_pins
from publishing.services.imports import pin_imports_requeue_due
from publishing.services.schedules import schedules_run_due
from publishing.services.webhooks import webhook_deliveries_requeue_due

NAME_PREFIX = "pinboard: "
OVERDUE = timedelta(minutes=2)


@dataclass(frozen=True)
class PeriodicTask:
    name: str
    func: str
    minutes: int = 1


# The q2 scheduler looks for due schedules about every 30 seconds; these are backstops, the
# prompt paths are the jobs enqueued when work is created or deferred (services/queue.py).
PERIODIC_TASKS = (
    PeriodicTask(f"{NAME_PREFIX}sweep pins", "publishing.tasks.sweep_pins"),
    PeriodicTask(f"{NAME_PREFIX}run due schedules", "publishing.tasks.run_due_schedules"),
    PeriodicTask(f"{NAME_PREFIX}sweep webhook deliveries", "publishing.tasks.sweep_webhook_deliveries"),
    PeriodicTask(f"{NAME_PREFIX}sweep notification emails", "publishing.tasks.sweep_notification_emails",
                 minutes=5),
    # Retention (services/retention.py): hourly keeps each run's batch of deletions small.
    PeriodicTask(f"{NAME_PREFIX}prune old records", "publishing.tasks.prune_old_records", minutes=60),
    # Analytics (services/analytics_collection.py): each account once a day, at its own minute.
    PeriodicTask(f"{NAME_PREFIX}collect analytics", "publishing.tasks.collect_due_analytics",
                 minutes=ANALYTICS_SWEEP_MINUTES),
)


@transaction.atomic
def periodic_tasks_apply() -> dict[str, str]:
    """Create or update each periodic task by name; remove ours that are no longer defined."""
    outcome = {}
    for task in PERIODIC_TASKS:
        wanted = {"func": task.func, "schedule_type": QSchedule.MINUTES, "minutes": task.minutes, "repeats": -1}
        existing = QSchedule.objects.filter(name=task.name).order_by("id")
        current = existing.first()
        if current is None:
            QSchedule.objects.create(name=task.name, next_run=timezone.now(), **wanted)
            outcome[task.name] = "created"
            continue
        existing.exclude(pk=current.pk).delete()  # a name is one schedule
        if any(getattr(current, field) != value for field, value in wanted.items()):
            for field, value in wanted.items():
                setattr(current, field, value)
            current.save()
            outcome[task.name] = "updated"
        else:
            outcome[task.name] = "unchanged"
    defined = [task.name for task in PERIODIC_TASKS]
    for name in QSchedule.objects.filter(name__startswith=NAME_PREFIX).exclude(name__in=defined).values_list(
            "name", flat=True):
        outcome[name] = "removed"
    QSchedule.objects.filter(name__startswith=NAME_PREFIX).exclude(name__in=defined).delete()
    return outcome


@dataclass
class StuckWork:
    pins: list[Pin]
    schedules: list[PinSchedule]
    deliveries: list[WebhookDelivery]

    @property
    def total(self) -> int:
        return len(self.pins) + len(self.schedules) + len(self.deliveries)


def stuck_work_querysets(*, now: datetime | None = None) -> dict[str, QuerySet[Any]]:
    """The stuck pins, schedules and webhook deliveries as querysets (listed below, counted by /metrics)."""
    now = now or timezone.now()
    late = now - OVERDUE
    return {
        "pins": stuck_pins(now=now),
        "schedules": PinSchedule.objects.filter(own_status=ScheduleStatus.SCHEDULED, run_at__lte=late),
        "deliveries": WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING).filter(
            Q(next_attempt_at__lte=late) | Q(next_attempt_at__isnull=True, created_at__lte=late)),
    }


def stuck_work_find(*, now: datetime | None = None) -> StuckWork:
    """What should have moved by now and did not: the signs of lost jobs or dead workers."""
    stuck = stuck_work_querysets(now=now)
    return StuckWork(
        pins=list(stuck["pins"][:500]),
        schedules=list(stuck["schedules"].select_related("workspace__team").order_by("run_at")[:500]),
        deliveries=list(stuck["deliveries"].select_related("webhook").order_by("created_at")[:500]),
    )


def stuck_work_requeue(*, now: datetime | None = None,
                       queued_for: timedelta = OVERDUE) -> dict[str, int | dict[str, int]]:
    """Hand everything due back to the workers (each job's own claim keeps this safe)."""
    now = now or timezone.now()
    return {
        "pins": pins_requeue_due(now=now, queued_for=queued_for),
        "schedules_run": schedules_run_due(now=now),
        "webhook_deliveries": webhook_deliveries_requeue_due(now=now),
        "imports": pin_imports_requeue_due(now=now),
    }
