"""One row per start of a django-q2 cluster: its liveness heartbeat, in the shared database."""

from django.db import models


class WorkerCluster(models.Model):
    """A running (or once running) cluster, named by its sentinel process, unique per start.

    Its workers create the row when they spawn (the first one to do so runs the start-up
    recovery sweep, so the sweep runs once per cluster start, not per worker spawn or recycle)
    and beat ``beat_at`` every ``WORKER_HEARTBEAT_SECONDS`` while the sentinel lives.
    ``manage.py worker_health`` reads it from any machine.
    """

    start_id = models.CharField(max_length=100, unique=True)  # the sentinel's process name (a uuid)
    queue = models.CharField(max_length=100)  # the cluster name: "pinboard" or "media"
    host = models.CharField(max_length=255)
    sentinel_pid = models.IntegerField()
    started_at = models.DateTimeField()
    beat_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.queue} on {self.host} (pid {self.sentinel_pid})"
