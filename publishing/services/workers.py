"""The django-q2 clusters' own records: one row per cluster start, its heartbeat, its liveness.

Kept in the database every node shares, so ``manage.py worker_health`` answers the same on any
machine (a node-local cache would only ever see the workers beside it).
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from publishing.models import WorkerCluster

FORGET_AFTER = timedelta(days=1)  # rows of clusters that stopped beating this long ago are deleted


def worker_cluster_register(*, start_id: str, queue: str, host: str, sentinel_pid: int) -> bool:
    """Record a cluster start (idempotent: every worker of the cluster calls it when it spawns).
    True only for the first call of this start, which runs the start-up work."""
    now = timezone.now()
    _, created = WorkerCluster.objects.get_or_create(
        start_id=start_id,
        defaults={"queue": queue, "host": host, "sentinel_pid": sentinel_pid, "started_at": now, "beat_at": now},
    )
    if created:
        WorkerCluster.objects.filter(beat_at__lt=now - FORGET_AFTER).delete()
    return created


def worker_cluster_beat(*, start_id: str) -> None:
    WorkerCluster.objects.filter(start_id=start_id).update(beat_at=timezone.now())


def worker_clusters_alive(*, queue: str, max_age: timedelta | None = None) -> list[WorkerCluster]:
    """The clusters serving ``queue`` whose workers beat within ``max_age`` (by default three
    heartbeat intervals, so one late beat is not a death)."""
    if max_age is None:
        max_age = timedelta(seconds=3 * settings.WORKER_HEARTBEAT_SECONDS)
    return list(WorkerCluster.objects.filter(queue=queue, beat_at__gte=timezone.now() - max_age).order_by("-beat_at"))
