"""Retention: delete rows that have served their purpose, each table after its own configurable age.

One function per table, each ``<table>_prune(*, now=None, dry_run=False) -> int`` (rows deleted, or
that would be). Ages come from settings (``RETENTION_*_DAYS``; 0 keeps the table's rows forever).
Deletes go in primary-key batches, each its own short statement, so pruning a large backlog never
holds long locks on the tables the workers write. ``records_prune`` runs them all: the
``prune old records`` periodic task (services/operations.py) and ``manage.py prune``.

What is kept whatever its age:
- publish attempts of a pin that is not finished (queued, deferred, publishing): they are its
  running record, and a pin's attempt numbers continue from what remains. A finished pin's attempts
  go all together, so what remains of a pin is never a gap-toothed history;
- webhook deliveries still pending;
- an analytics collection run still running (the next run closes it);
- notifications not read yet, or whose email is still being sent;
- the audit log, unless RETENTION_AUDIT_DAYS is set.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from publishing.models import (
    AccessToken,
    AnalyticsCollectionRun,
    AuditEvent,
    Notification,
    OAuthState,
    Pin,
    PinStatus,
    PublishAttempt,
    WebhookDelivery,
)

BATCH = 1000
FINISHED_PIN_STATUSES = (PinStatus.PUBLISHED, PinStatus.FAILED)
# The audit trail's retention as /v1 reports it (activity logs, pricing): it is append-only and
# kept, which the API's day count states as ten years.
AUDIT_LOG_RETENTION_DAYS = 3650


def _cutoff(days: int, now: datetime | None) -> datetime | None:
    return None if days <= 0 else (now or timezone.now()) - timedelta(days=days)


def _delete_in_batches(queryset: QuerySet[Any], *, dry_run: bool) -> int:
    if dry_run:
        return queryset.count()
    deleted = 0
    while True:
        ids = list(queryset.values_list("pk", flat=True)[:BATCH])
        if not ids:
            return deleted
        # The condition is repeated with the ids: a row that changed since it was listed stays.
        count, _ = queryset.filter(pk__in=ids).delete()
        deleted += count


def access_tokens_prune(*, now: datetime | None = None, dry_run: bool = False) -> int:
    """Login bearer tokens that expired or were revoked more than RETENTION_ACCESS_TOKENS_DAYS ago."""
    cutoff = _cutoff(settings.RETENTION_ACCESS_TOKENS_DAYS, now)
    if cutoff is None:
        return 0
    return _delete_in_batches(AccessToken.objects.filter(Q(expires_at__lt=cutoff) | Q(revoked_at__lt=cutoff)),
                              dry_run=dry_run)


def publish_attempts_prune(*, now: datetime | None = None, dry_run: bool = False) -> int:
    """All attempts of pins finished (published or failed) more than RETENTION_PUBLISH_ATTEMPTS_DAYS ago."""
    cutoff = _cutoff(settings.RETENTION_PUBLISH_ATTEMPTS_DAYS, now)
    if cutoff is None:
        return 0
    finished = Pin.objects.filter(status__in=FINISHED_PIN_STATUSES, updated_at__lt=cutoff)
    return _delete_in_batches(PublishAttempt.objects.filter(pin__in=finished.values("pk")), dry_run=dry_run)


def webhook_deliveries_prune(*, now: datetime | None = None, dry_run: bool = False) -> int:
    """Delivered or failed webhook deliveries older than RETENTION_WEBHOOK_DELIVERIES_DAYS."""
    cutoff = _cutoff(settings.RETENTION_WEBHOOK_DELIVERIES_DAYS, now)
    if cutoff is None:
        return 0
    done = [WebhookDelivery.Status.DELIVERED, WebhookDelivery.Status.FAILED]
    return _delete_in_batches(WebhookDelivery.objects.filter(status__in=done, updated_at__lt=cutoff),
                              dry_run=dry_run)


def oauth_states_prune(*, now: datetime | None = None, dry_run: bool = False) -> int:
    """"Connect Pinterest" round trips that expired more than RETENTION_OAUTH_STATES_DAYS ago."""
    cutoff = _cutoff(settings.RETENTION_OAUTH_STATES_DAYS, now)
    if cutoff is None:
        return 0
    return _delete_in_batches(OAuthState.objects.filter(expires_at__lt=cutoff), dry_run=dry_run)


def audit_events_prune(*, now: datetime | None = None, dry_run: bool = False) -> int:
    """Audit events older than RETENTION_AUDIT_DAYS; by default (0) the audit log is kept forever."""
    cutoff = _cutoff(settings.RETENTION_AUDIT_DAYS, now)
    if cutoff is None:
        return 0
    return _delete_in_batches(AuditEvent.objects.filter(created_at__lt=cutoff), dry_run=dry_run)


def notifications_prune(*, now: datetime | None = None, dry_run: bool = False) -> int:
    """Notifications read more than RETENTION_NOTIFICATIONS_DAYS ago whose email is settled."""
    cutoff = _cutoff(settings.RETENTION_NOTIFICATIONS_DAYS, now)
    if cutoff is None:
        return 0
    return _delete_in_batches(Notification.objects.filter(read_at__lt=cutoff)
                              .exclude(email_status=Notification.EmailStatus.PENDING), dry_run=dry_run)


def analytics_runs_prune(*, now: datetime | None = None, dry_run: bool = False) -> int:
    """Analytics collection runs started more than RETENTION_ANALYTICS_RUNS_DAYS ago (not one still
    running). The collected figures are other tables and stay."""
    cutoff = _cutoff(settings.RETENTION_ANALYTICS_RUNS_DAYS, now)
    if cutoff is None:
        return 0
    return _delete_in_batches(AnalyticsCollectionRun.objects.filter(started_at__lt=cutoff).exclude(
        outcome=AnalyticsCollectionRun.Outcome.RUNNING), dry_run=dry_run)


PRUNERS = {
    "access_tokens": access_tokens_prune,
    "publish_attempts": publish_attempts_prune,
    "webhook_deliveries": webhook_deliveries_prune,
    "oauth_states": oauth_states_prune,
    "audit_events": audit_events_prune,
    "notifications": notifications_prune,
    "analytics_runs": analytics_runs_prune,
}


def records_prune(*, now: datetime | None = None, dry_run: bool = False) -> dict[str, int]:
    """Every table's pruning at one instant; rows deleted (or that would be) per table."""
    now = now or timezone.now()
    return {name: prune(now=now, dry_run=dry_run) for name, prune in PRUNERS.items()}
