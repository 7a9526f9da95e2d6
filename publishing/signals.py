"""Signal receivers of the publishing app (connected in PublishingConfig.ready)."""

import logging
import multiprocessing
import os
import socket
import threading

from django.conf import settings
from django.db import connection
from django.dispatch import receiver
from django_q.conf import Conf
from django_q.signals import post_spawn
from django_q.tasks import async_task

from publishing.services.workers import worker_cluster_beat, worker_cluster_register

logger = logging.getLogger("publishing.jobs")


@receiver(post_spawn)
def record_the_cluster_when_a_worker_starts(sender, proc_name, **kwargs):
    """A worker process started. Its parent is the cluster's sentinel, whose name is unique per
    cluster start: the first worker of a start records it and, in the publishing cluster, has
    orphaned work picked up now instead of at the next periodic sweep (tasks.recover_orphaned_work).
    Workers that spawn later (recycled, or replacing one that died) find the row and only beat."""
    sentinel = multiprocessing.parent_process()
    if sentinel is None:  # not a cluster worker
        return
    try:
        first = worker_cluster_register(start_id=sentinel.name, queue=Conf.CLUSTER_NAME, host=socket.gethostname(),
                                        sentinel_pid=sentinel.pid)
        if first and Conf.CLUSTER_NAME == Conf.PREFIX:
            async_task("publishing.tasks.recover_orphaned_work")
    except Exception:  # never keep a worker from starting
        logger.exception("could not record the cluster start or enqueue the start-up recovery sweep")
    finally:
        connection.close()  # the worker's tasks open their own
    threading.Thread(target=_beat, args=(sentinel.name, sentinel.pid), name="heartbeat", daemon=True).start()


def _beat(start_id: str, sentinel_pid: int) -> None:
    """Beat the cluster's row while this worker's sentinel lives (an orphaned worker, whose
    sentinel was killed, falls silent so the cluster reads as dead)."""
    stop = threading.Event()
    while os.getppid() == sentinel_pid and not stop.wait(settings.WORKER_HEARTBEAT_SECONDS):
        try:
            worker_cluster_beat(start_id=start_id)
        except Exception:  # a database blip: the next beat tries again
            logger.warning("worker heartbeat failed", exc_info=True)
        finally:
            connection.close()
