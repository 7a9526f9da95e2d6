"""Signal receivers of the publishing app (connected in PublishingConfig.ready)."""

import logging

from django.dispatch import receiver
from django_q.signals import post_spawn
from django_q.tasks import async_task

logger = logging.getLogger("publishing.jobs")


@receiver(post_spawn)
def recover_when_a_worker_starts(sender, proc_name, **kwargs):
    """A worker (re)started, perhaps after a crash or a timeout kill: have orphaned work picked up
    now instead of at the next periodic sweep (see tasks.recover_orphaned_work)."""
    try:
        async_task("publishing.tasks.recover_orphaned_work")
    except Exception:  # never keep a worker from starting
        logger.exception("could not enqueue the start-up recovery sweep")
