"""The publishing pipeline end to end: a real django-q2 cluster (a ``manage.py qcluster``
subprocess on the test database) publishing to the sandbox over real HTTP."""

import threading
import time

import pytest
from django.db import connection
from django_q.tasks import async_task

from pinterest_sandbox import faults
from pinterest_sandbox.models import Pin as SandboxPin
from publishing.access import Actor
from publishing.models import (
    ApprovalState,
    MediaUpload,
    Pin,
    PinStatus,
    PinterestAccount,
    PublishAttempt,
    Webhook,
    WebhookDelivery,
)
from publishing.services.assets import asset_upload
from publishing.services.pins import pin_approve, pin_create, pin_reject
from tests.jobs import task_watch as watching
from tests.media import make_mp4
from tests.pipeline_fixtures import pin_payload, wait_for

task_watch = watching.task_watch  # the fixture: waits for the cluster to finish what this process queued

PUBLISH_TASK = "publishing.tasks.publish_pin"

FINISHED = (PinStatus.PUBLISHED, PinStatus.FAILED)


def create(workspace, user, account, board, **overrides):
    return pin_create(
        actor=Actor.for_user(user, workspace), source="api", data=pin_payload(account, board, **overrides)
    )


def wait_until_finished(pins, timeout=60):
    ids = [pin.pk for pin in pins]
    wait_for(lambda: Pin.objects.filter(pk__in=ids, status__in=FINISHED).count() == len(ids), timeout=timeout,
             interval=0.2, message=f"{len(ids)} pin(s) to finish publishing")
    return list(Pin.objects.filter(pk__in=ids).order_by("pk"))


def pins_on(board):
    return SandboxPin.objects.filter(board__pinterest_id=board.pinterest_board_id)


def test_an_image_pin_is_published_by_the_workers(start_cluster, workspace, cast, account, board):
    start_cluster()
    [pin] = wait_until_finished([create(workspace, cast.manager, account, board)], timeout=30)

    assert pin.status == PinStatus.PUBLISHED
    assert list(pins_on(board).values_list("pinterest_id", flat=True)) == [pin.pinterest_pin_id]


def test_a_video_pin_waits_for_its_media_then_is_published(start_cluster, workspace, cast, account, board,
                                                           tmp_path):
    from django.core.files import File

    with open(make_mp4(tmp_path / "clip.mp4", seconds=5), "rb") as handle:
        video = asset_upload(
            actor=Actor.for_user(cast.manager, workspace),
            uploaded_file=File(handle, name="clip.mp4"),
            expected_kind="video",
        )
    start_cluster()
    data = pin_payload(account, board, image_url=None, asset_id=str(video.public_id))
    pin = pin_create(actor=Actor.for_user(cast.manager, workspace), source="dashboard", data=data)

    [pin] = wait_until_finished([pin], timeout=60)

    assert pin.status == PinStatus.PUBLISHED, pin.error_message
    upload = MediaUpload.objects.get(asset=video, account=account)
    assert upload.status == MediaUpload.Status.SUCCEEDED
    remote = pins_on(board).get()
    assert remote.media["media_type"] == "video" and remote.media_upload.pinterest_id == upload.pinterest_media_id


def test_approval_holds_a_pin_back_and_rejection_fails_it(start_cluster, workspace, cast, account, board,
                                                          task_watch):
    start_cluster()
    waiting = create(workspace, cast.editor, account, board, idempotency_key="wait")
    refused = create(workspace, cast.editor, account, board, idempotency_key="refuse", title="Off-brand")
    # Proof that the workers had every chance to (wrongly) pick the pending pins up: a manager's pin
    # made after them is published, then the start-up recovery sweep (which requeues every queued
    # pin it considers due) runs, and every publish job queued by then has finished.
    [control] = wait_until_finished([create(workspace, cast.manager, account, board, idempotency_key="control",
                                            title="Control chair")], timeout=30)
    assert control.status == PinStatus.PUBLISHED
    async_task("publishing.tasks.recover_orphaned_work")
    task_watch.wait_finished("publishing.tasks.recover_orphaned_work")
    task_watch.wait_finished(PUBLISH_TASK)
    assert Pin.objects.filter(status=PinStatus.QUEUED, approval_state=ApprovalState.PENDING).count() == 2
    assert not PublishAttempt.objects.filter(pin__in=[waiting, refused]).exists()
    assert list(pins_on(board).values_list("title", flat=True)) == ["Control chair"]

    pin_approve(pin=waiting, actor=Actor.for_user(cast.manager, waiting.workspace))
    pin_reject(pin=refused, actor=Actor.for_user(cast.manager, refused.workspace), reason="Off-brand colours")
    [approved] = wait_until_finished([waiting], timeout=30)

    assert approved.status == PinStatus.PUBLISHED
    refused.refresh_from_db()
    assert (refused.status, refused.error_code) == (PinStatus.FAILED, "rejected")
    assert sorted(pins_on(board).values_list("title", flat=True)) == ["A red chair", "Control chair"]


@pytest.mark.parametrize("concurrency", [20])
def test_twenty_concurrent_creates_with_one_key_make_one_pin_and_one_pinterest_pin(
        start_cluster, workspace, cast, account, board, concurrency, task_watch):
    start_cluster()
    barrier = threading.Barrier(concurrency)
    results, errors = [], []

    def submit():
        try:
            barrier.wait()
            results.append(create(workspace, cast.manager, account, board, idempotency_key="burst").pk)
        except Exception as error:  # collected: the assertion below shows any
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == [] and len(results) == concurrency
    assert len(set(results)) == 1 and Pin.objects.count() == 1
    [pin] = wait_until_finished([Pin.objects.get()], timeout=30)
    # Every publish job the creates queued has run (a duplicate would have run by then, too).
    assert task_watch.ids(PUBLISH_TASK), "the creates queued a publish job"
    task_watch.wait_finished(PUBLISH_TASK)
    assert pins_on(board).count() == 1
    assert pin.attempts.filter(action=PublishAttempt.Action.CREATE).count() == 1


def test_a_worker_killed_mid_publish_loses_no_pin_and_duplicates_none(start_cluster, workspace, cast, account,
                                                                      board):
    # Pinterest answers slowly: the first create is in flight when the whole cluster is killed.
    faults.latency(endpoint="pins.create", seconds=2, times=1)
    first = start_cluster()
    pins = [create(workspace, cast.manager, account, board, idempotency_key=f"kill-{n}", title=f"Chair {n}")
            for n in range(4)]
    # The sandbox took the slow rule: that request is now in flight (the pin gets made after the wait).
    wait_for(lambda: not faults.active(), timeout=20, interval=0.05, message="a create call in flight")
    in_flight = set(PublishAttempt.objects.filter(outcome=PublishAttempt.Outcome.STARTED).values_list(
        "pin_id", flat=True))
    assert in_flight
    first.kill()
    killed_at = time.monotonic()

    start_cluster()  # the workers come back; the killed attempt's lease runs out, then it is reconciled
    finished = wait_until_finished(pins, timeout=60)
    recovery_seconds = time.monotonic() - killed_at

    assert all(pin.status == PinStatus.PUBLISHED for pin in finished)
    assert pins_on(board).count() == 4
    assert {pin.pinterest_pin_id for pin in finished} == set(pins_on(board).values_list("pinterest_id", flat=True))
    # The slow create went through after the kill: its pin was adopted from the board. (The other
    # worker may have been mid-call too; then its pin was adopted or, never made, created again.)
    adopted = set(PublishAttempt.objects.filter(outcome=PublishAttempt.Outcome.ADOPTED).values_list(
        "pin_id", flat=True))
    assert adopted and adopted <= in_flight
    print(f"\n[measure] killed cluster: all 4 pins published {recovery_seconds:.1f}s after SIGKILL, "
          f"{len(adopted)} adopted from the board, none duplicated")


def test_bursts_of_429_and_5xx_publish_everything_with_bounded_attempts(start_cluster, workspace, cast, account,
                                                                         board, settings):
    faults.rate_limit_burst(endpoint="pins.create", times=6, reset_seconds=1)
    faults.server_error(endpoint="pins.create", status=500, times=3)
    faults.bad_gateway_html(endpoint="pins.create", times=2)
    faults.server_error(endpoint="pins.create", status=503, times=2)
    start_cluster()
    pins = [create(workspace, cast.manager, account, board, idempotency_key=f"mix-{n}", title=f"Lamp {n}")
            for n in range(10)]
    # Then one answer lost after Pinterest made the pin (longer than the workers' 3 s timeout). It
    # waits for the error rules to be spent: the sandbox applies one rule of each kind per call.
    wait_for(lambda: not faults.active(), timeout=30, message="the error bursts to be spent")
    faults.timeout_after_create(seconds=4, times=1)
    pins += [create(workspace, cast.manager, account, board, idempotency_key=f"mix-{n}", title=f"Lamp {n}")
             for n in range(10, 12)]

    finished = wait_until_finished(pins, timeout=90)

    assert [pin.status for pin in finished] == [PinStatus.PUBLISHED] * 12, [pin.error_message for pin in finished]
    assert pins_on(board).count() == 12
    creates = [pin.attempts.filter(action=PublishAttempt.Action.CREATE).count() for pin in finished]
    assert max(creates) <= settings.PUBLISH_MAX_ATTEMPTS
    # The lost answer was reconciled: that pin was adopted from the board, not made twice.
    assert PublishAttempt.objects.filter(outcome=PublishAttempt.Outcome.ADOPTED).count() == 1
    print(f"\n[measure] fault mix (6x429, 3x500, 2x502 HTML, 2x503, 1 lost answer) over 12 pins: create attempts "
          f"per pin {sorted(creates)}, mean {sum(creates) / len(creates):.2f}, max {max(creates)} "
          f"(limit {settings.PUBLISH_MAX_ATTEMPTS})")


def test_a_revoked_token_fails_the_pin_and_marks_the_account(start_cluster, workspace, cast, account, board):
    Webhook.objects.create(workspace=workspace, url="https://hooks.example.com/h", secret="s" * 20,
                           events=["pin.failed"])
    faults.revoke_token(account.access_token)
    start_cluster()

    [pin] = wait_until_finished([create(workspace, cast.manager, account, board)], timeout=30)

    assert (pin.status, pin.error_code) == (PinStatus.FAILED, "token_revoked")
    account.refresh_from_db()
    assert account.health_status == PinterestAccount.Health.RECONNECT_REQUIRED
    assert WebhookDelivery.objects.get().event_type == "pin.failed"
    assert not pins_on(board).exists()
