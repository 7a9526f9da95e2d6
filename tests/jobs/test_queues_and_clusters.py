"""Queues that fit the work, on real clusters: videos in their own cluster, the start-up sweep once
per cluster start, delayed jobs at their time, and a worker liveness check read from the database.

Runs on the ORM broker, and on the Redis broker when REDIS_URL is set (.ci/run's second pass)."""

from datetime import timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.core.files import File
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_q.models import Task
from django_q.signals import pre_enqueue

from pinterest_sandbox import faults
from publishing.access import Actor
from publishing.models import MediaUpload, Pin, PinStatus, WorkerCluster
from publishing.services.assets import MEDIA_UPLOAD_TASK, asset_upload, media_upload_ensure
from publishing.services.pins import pin_create
from publishing.services.queue import media_task_timeout, task_enqueue
from tests.jobs import task_watch as task_watch_module
from tests.media import make_mp4
from tests.pipeline_fixtures import pin_payload, wait_for

SWEEP = "publishing.tasks.recover_orphaned_work"
NOW = "django.utils.timezone.now"
GB = 1024**3
task_watch = task_watch_module.task_watch  # a fixture


def test_a_video_upload_gets_a_timeout_sized_to_its_file_within_bounds(settings):
    settings.MEDIA_UPLOAD_MIN_BYTES_PER_SECOND = 1_000_000
    settings.MEDIA_UPLOAD_TIMEOUT_MIN_SECONDS = 120
    settings.MEDIA_UPLOAD_TIMEOUT_MAX_SECONDS = 3600

    assert media_task_timeout(0) == 120
    assert media_task_timeout(50_000_000) == 170  # 50 MB at 1 MB/s, plus the minimum
    assert media_task_timeout(2 * GB) == 120 + 2148  # the largest video Pinterest takes fits
    assert media_task_timeout(10 * GB) == 3600


def test_the_media_cluster_outlasts_its_longest_upload_before_a_task_is_handed_out_again():
    media = settings.Q_CLUSTER["ALT_CLUSTERS"][settings.Q_MEDIA_CLUSTER]
    longest = media_task_timeout(2 * GB)
    assert longest <= media["timeout"] < media["retry"]
    assert settings.PINTEREST_MEDIA_POLL_SECONDS < media_task_timeout(0)  # the processing poll fits too


def upload_video(workspace, user, tmp_path, name):
    with open(make_mp4(tmp_path / f"{name}.mp4", seconds=5), "rb") as handle:
        return asset_upload(actor=Actor.for_user(user, workspace), uploaded_file=File(handle, name=f"{name}.mp4"),
                            expected_kind="video")


def test_video_uploads_are_queued_for_the_media_cluster_with_their_timeout(workspace, cast, account, tmp_path,
                                                                           django_capture_on_commit_callbacks):
    video = upload_video(workspace, cast.manager, tmp_path, "clip")
    enqueued = []

    def record(sender, task, **kwargs):
        enqueued.append(task)

    pre_enqueue.connect(record, dispatch_uid="test-media-queue")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            media_upload_ensure(asset=video, account=account)
    finally:
        pre_enqueue.disconnect(dispatch_uid="test-media-queue")

    [task] = enqueued
    assert (task["func"], task["cluster"], task["timeout"]) == (
        MEDIA_UPLOAD_TASK, settings.Q_MEDIA_CLUSTER, media_task_timeout(video.size_bytes))


def test_publishing_goes_on_while_the_media_cluster_is_busy_with_videos(start_cluster, workspace, cast, account,
                                                                        board, tmp_path):
    # Pinterest keeps both videos "processing": each upload job holds its worker for the whole poll
    # (PINTEREST_MEDIA_POLL_SECONDS, 60 s). As many as the publishing cluster has workers: in one
    # shared queue they would take them all, and the image pin below would wait a minute.
    faults.media_stuck_processing(times=None)
    videos = [upload_video(workspace, cast.manager, tmp_path, f"clip-{n}") for n in range(2)]
    start_cluster(extra_env={"Q_WORKERS": "2", "Q_MEDIA_WORKERS": "2"})
    uploads = [media_upload_ensure(asset=video, account=account) for video in videos]

    def held():
        return MediaUpload.objects.filter(pk__in=[u.pk for u in uploads], status=MediaUpload.Status.PROCESSING,
                                          lease_expires_at__gt=timezone.now()).count()

    wait_for(lambda: held() == 2, timeout=30, message="both video uploads to be running (processing)")

    pin = pin_create(actor=Actor.for_user(cast.manager, workspace), source="api", data=pin_payload(account, board))
    published = wait_for(lambda: Pin.objects.filter(pk=pin.pk, status=PinStatus.PUBLISHED).first(), timeout=30,
                         message="the image pin to publish while the videos upload")

    assert held() == 2, "the video uploads were still running when the pin was published"
    assert published.pinterest_pin_id


def test_the_start_up_sweep_runs_once_per_cluster_start_not_per_worker_spawn(start_cluster, task_watch):
    # Every worker is replaced after each task it runs (Q_RECYCLE=1): many spawns, one cluster start.
    cluster = start_cluster(media=False, extra_env={"Q_RECYCLE": "1", "Q_WORKERS": "2"})
    wait_for(lambda: Task.objects.filter(func=SWEEP).exists(), timeout=30, message="the start-up sweep to run")
    for _ in range(4):
        task_enqueue("publishing.tasks.sweep_webhook_deliveries")
    task_watch.wait_finished("publishing.tasks.sweep_webhook_deliveries")
    # Workers were recycled and new ones spawned; wait for those spawns to have done their start-up work.
    recycled = wait_for(lambda: cluster.log().count("recycled worker") >= 4 and cluster.log().count("recycled worker"),
                        timeout=30, message="the workers to be recycled")
    wait_for(lambda: cluster.log().count("ready for work") >= 2 + recycled, timeout=30,
             message="replacement workers to start")
    # Anything a spawn enqueued has run once the broker is empty and every enqueued task finished.
    wait_for(lambda: broker_is_empty(), timeout=30, message="the queue to drain")
    task_watch.wait_finished()

    assert Task.objects.filter(func=SWEEP).count() == 1
    assert WorkerCluster.objects.filter(queue=settings.Q_CLUSTER["name"]).count() == 1

    second = start_cluster(media=False)  # a new start sweeps again
    wait_for(lambda: Task.objects.filter(func=SWEEP).count() == 2, timeout=30, message="the second start's sweep")
    second.kill()


def broker_is_empty() -> bool:
    from django_q.brokers import get_broker

    broker = get_broker()
    size = broker.queue_size()
    if hasattr(broker, "lock_size"):
        size += broker.lock_size() or 0  # ORM: rows taken but not yet acknowledged
    return size == 0


def test_a_delayed_job_runs_at_its_time_and_not_before(start_cluster, task_watch):
    start_cluster(media=False)
    run_at = timezone.now() + timedelta(seconds=4)
    task_enqueue(NOW, at=run_at)  # the task's result is the moment it ran

    [task] = task_watch.wait_finished(NOW, timeout=40)

    assert task.success and task.result >= run_at
    print(f"\n[measure] delayed job ran {(task.result - run_at).total_seconds():.2f}s after its time "
          f"({'Redis' if settings.REDIS_URL else 'ORM'} broker)")


def test_worker_health_reads_each_clusters_heartbeat_from_the_database(start_cluster):
    with pytest.raises(CommandError):
        call_command("worker_health")  # nothing runs yet
    cluster = start_cluster(extra_env={"WORKER_HEARTBEAT_SECONDS": "1"})
    out = StringIO()
    call_command("worker_health", stdout=out)
    call_command("worker_health", cluster=settings.Q_MEDIA_CLUSTER, stdout=out)
    assert "pinboard: alive" in out.getvalue() and "media: alive" in out.getvalue()
    first_beat = WorkerCluster.objects.get(queue=settings.Q_MEDIA_CLUSTER).beat_at
    wait_for(lambda: WorkerCluster.objects.get(queue=settings.Q_MEDIA_CLUSTER).beat_at > first_beat, timeout=10,
             message="the media cluster's workers to beat")

    cluster.kill()
    for name in (settings.Q_CLUSTER["name"], settings.Q_MEDIA_CLUSTER):
        wait_for(lambda name=name: not alive("--cluster", name, "--max-age", "3"), timeout=15,
                 message=f"worker_health to see the {name} cluster gone")


def alive(*args) -> bool:
    try:
        call_command("worker_health", *args, stdout=StringIO())
    except CommandError:
        return False
    return True
