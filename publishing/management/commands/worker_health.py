"""Is a django-q2 cluster alive for a queue? Exit 0 if so, 1 if not (for probes and monitors)."""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django_q.conf import Conf

from publishing.services.workers import worker_clusters_alive


class Command(BaseCommand):
    help = ("Exit 0 when a cluster serving the queue beat its heartbeat recently (read from the shared "
            "database, so it answers the same on any machine); exit 1 otherwise.")

    def add_arguments(self, parser):
        parser.add_argument("--cluster", default=Conf.PREFIX,
                            help=f"The cluster (queue) name: {Conf.PREFIX!r} (publishing, the default) or 'media'.")
        parser.add_argument("--max-age", type=float, default=None,
                            help="Seconds since the last beat (default: three WORKER_HEARTBEAT_SECONDS).")

    def handle(self, *args, cluster, max_age, **options):
        alive = worker_clusters_alive(queue=cluster, max_age=None if max_age is None else timedelta(seconds=max_age))
        if not alive:
            raise CommandError(f"No live {cluster!r} cluster: no heartbeat recently.", returncode=1)
        now = timezone.now()
        for row in alive:
            self.stdout.write(f"{cluster}: alive on {row.host} (sentinel pid {row.sentinel_pid}), "
                              f"last beat {(now - row.beat_at).total_seconds():.1f}s ago")
