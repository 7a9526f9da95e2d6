"""One publishing step (pin_publish), run in this process against the sandbox over real HTTP.

Each test sets up one situation with the sandbox's fault injection and checks the outcome, the
PublishAttempt log and what exists on the (sandbox) Pinterest board.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from pinterest_sandbox import faults
from pinterest_sandbox.models import Board as SandboxBoard
from pinterest_sandbox.models import Pin as SandboxPin
from publishing.access import Actor
from publishing.models import (
    AuditEvent,
    Pin,
    PinStatus,
    PinterestAccount,
    PublishAttempt,
    RateBucket,
    Webhook,
    WebhookDelivery,
)
from publishing.services.delivery import pin_claim, pin_publish
from publishing.services.pins import pin_create
from tests.pipeline_fixtures import pin_payload, queued_jobs

Outcome = PublishAttempt.Outcome
PUBLISH = "publishing.tasks.publish_pin"


@pytest.fixture
def pin(workspace, cast, account, board):
    return pin_create(actor=Actor.for_user(cast.manager, workspace), source="api", data=pin_payload(account, board))


def pins_on_board(board) -> list[SandboxPin]:
    return list(SandboxPin.objects.filter(board__pinterest_id=board.pinterest_board_id))


def audit_trail(pin) -> list[tuple[str, str]]:
    return list(AuditEvent.objects.filter(target_id=str(pin.public_id)).order_by("id")
                .values_list("action", "actor_label"))


def outcomes(pin) -> list[tuple[str, str]]:
    return list(pin.attempts.order_by("number").values_list("action", "outcome"))


def test_a_queued_pin_is_published_with_its_pinterest_id(pin, board):
    assert pin_publish(pin_id=pin.pk) == PinStatus.PUBLISHED

    pin.refresh_from_db()
    [remote] = pins_on_board(board)
    assert (remote.pinterest_id, remote.title, remote.link) == (pin.pinterest_pin_id, "A red chair",
                                                                 "https://shop.example.com/red-chair")
    assert pin.published_at is not None and pin.lease_token is None
    assert outcomes(pin) == [("create", Outcome.PUBLISHED)]
    assert pin_publish(pin_id=pin.pk) == "not_claimed"  # running the job again does nothing
    # The last step of the pin's story is in the audit log, once, by the publishing job.
    assert audit_trail(pin) == [("pin.created", pin.created_by.email),
                                ("pin.published", "system (publish)")]


def test_a_rate_limit_defers_the_pin_until_pinterests_reset(pin, board, frozen_clock):
    faults.rate_limit_burst(endpoint="pins.create", times=1, reset_seconds=30)

    assert pin_publish(pin_id=pin.pk) == PinStatus.DEFERRED

    pin.refresh_from_db()
    assert pin.error_code == "rate_limited"
    waited = (pin.next_attempt_at - timezone.now()).total_seconds()
    assert 29 <= waited <= 31
    assert outcomes(pin) == [("create", Outcome.DEFERRED)]
    assert [args for args, run_after in queued_jobs(PUBLISH) if run_after == pin.next_attempt_at] == [(pin.pk,)]
    assert pin_publish(pin_id=pin.pk) == "not_claimed"  # not due yet
    assert pins_on_board(board) == []


def test_server_errors_back_off_and_the_attempts_are_bounded(pin, board, settings, frozen_clock):
    settings.PUBLISH_MAX_ATTEMPTS = 3
    faults.server_error(endpoint="pins.create", status=503, times=None)

    for attempt in range(1, 4):
        Pin.objects.filter(pk=pin.pk).update(next_attempt_at=None)  # skip the wait
        status = pin_publish(pin_id=pin.pk)
        pin.refresh_from_db()
        assert pin.attempt_count == attempt
        if attempt < 3:
            assert status == PinStatus.DEFERRED
            backoff = (pin.next_attempt_at - timezone.now()).total_seconds()
            base = settings.PUBLISH_BACKOFF_BASE_SECONDS * 2 ** (attempt - 1)
            assert base * 0.5 <= backoff <= base

    assert (pin.status, pin.error_code) == (PinStatus.FAILED, "pinterest_unavailable")
    assert "Gave up after 3 attempts" in pin.error_message
    assert outcomes(pin) == [("create", Outcome.DEFERRED)] * 3
    assert pins_on_board(board) == []


def test_a_non_json_502_from_an_edge_proxy_is_transient(pin, board):
    faults.bad_gateway_html(endpoint="pins.create")
    assert pin_publish(pin_id=pin.pk) == PinStatus.DEFERRED
    Pin.objects.filter(pk=pin.pk).update(next_attempt_at=None)
    assert pin_publish(pin_id=pin.pk) == PinStatus.PUBLISHED
    assert len(pins_on_board(board)) == 1


def test_a_board_gone_from_pinterest_fails_the_pin_permanently(pin, board, workspace):
    Webhook.objects.create(workspace=workspace, url="https://hooks.example.com/h", secret="s" * 20,
                           events=["pin.failed"])
    SandboxBoard.objects.filter(pinterest_id=board.pinterest_board_id).delete()

    assert pin_publish(pin_id=pin.pk) == PinStatus.FAILED

    pin.refresh_from_db()
    assert pin.error_code == "board_not_found" and pin.failed_at is not None
    assert WebhookDelivery.objects.get().payload["error_code"] == "board_not_found"
    assert audit_trail(pin)[-1] == ("pin.publish_failed", "system (publish)")
    assert AuditEvent.objects.get(action="pin.publish_failed").details == {"error_code": "board_not_found"}


def test_a_revoked_token_fails_the_pin_and_asks_for_reconnection(pin, account):
    faults.revoke_token(account.access_token)

    assert pin_publish(pin_id=pin.pk) == PinStatus.FAILED

    pin.refresh_from_db()
    account.refresh_from_db()
    assert pin.error_code == "token_revoked"
    assert account.health_status == PinterestAccount.Health.RECONNECT_REQUIRED


def test_a_pin_of_an_account_needing_reconnection_fails_without_calling_pinterest(pin, account):
    PinterestAccount.objects.filter(pk=account.pk).update(health_status=PinterestAccount.Health.RECONNECT_REQUIRED)
    assert pin_publish(pin_id=pin.pk) == PinStatus.FAILED
    assert Pin.objects.get(pk=pin.pk).error_code == "account_reconnect_required"
    assert not PublishAttempt.objects.exists()


@pytest.mark.parametrize("lose_the_answer", [
    lambda: faults.timeout_after_create(seconds=2),
    lambda: faults.drop_connection_after_create(),
], ids=["timeout", "dropped-connection"])
def test_an_unknown_outcome_is_reconciled_by_adopting_the_pin_on_the_board(pin, board, settings, lose_the_answer):
    settings.PINTEREST_TIMEOUT_SECONDS = 1
    settings.PUBLISH_UNKNOWN_OUTCOME_SETTLE_SECONDS = 0
    lose_the_answer()

    assert pin_publish(pin_id=pin.pk) == PinStatus.DEFERRED
    pin.refresh_from_db()
    assert pin.error_code == "outcome_unknown"
    assert outcomes(pin) == [("create", Outcome.UNKNOWN)]
    [made] = pins_on_board(board)  # Pinterest did create it

    assert pin_publish(pin_id=pin.pk) == PinStatus.PUBLISHED

    pin.refresh_from_db()
    assert pin.pinterest_pin_id == made.pinterest_id
    assert len(pins_on_board(board)) == 1
    assert outcomes(pin) == [("create", Outcome.PUBLISHED), ("lookup", Outcome.ADOPTED)]


def test_a_dropped_request_that_made_nothing_is_published_once_after_the_lookup(pin, board, settings):
    settings.PUBLISH_UNKNOWN_OUTCOME_SETTLE_SECONDS = 0
    faults.drop_connection(endpoint="pins.create")

    assert pin_publish(pin_id=pin.pk) == PinStatus.DEFERRED
    assert pins_on_board(board) == []
    assert pin_publish(pin_id=pin.pk) == PinStatus.PUBLISHED

    assert len(pins_on_board(board)) == 1
    assert outcomes(Pin.objects.get(pk=pin.pk)) == [
        ("create", Outcome.FAILED), ("lookup", Outcome.FAILED), ("create", Outcome.PUBLISHED)]


def test_an_unknown_outcome_waits_for_the_earlier_request_to_settle(pin, settings, frozen_clock):
    settings.PUBLISH_UNKNOWN_OUTCOME_SETTLE_SECONDS = 60
    faults.drop_connection_after_create()
    pin_publish(pin_id=pin.pk)
    Pin.objects.filter(pk=pin.pk).update(next_attempt_at=None)

    assert pin_publish(pin_id=pin.pk) == PinStatus.DEFERRED
    pin.refresh_from_db()
    assert (pin.next_attempt_at - timezone.now()).total_seconds() == pytest.approx(60, abs=1)
    assert outcomes(pin) == [("create", Outcome.UNKNOWN)]  # no second call yet


def test_identical_pins_each_adopt_a_different_pinterest_pin(workspace, cast, account, board, settings):
    settings.PUBLISH_UNKNOWN_OUTCOME_SETTLE_SECONDS = 0
    twins = [pin_create(actor=Actor.for_user(cast.manager, workspace), source="api",
                        data=pin_payload(account, board, idempotency_key=key)) for key in ("twin-1", "twin-2")]
    for twin in twins:
        faults.drop_connection_after_create()
        assert pin_publish(pin_id=twin.pk) == PinStatus.DEFERRED
    for twin in twins:
        assert pin_publish(pin_id=twin.pk) == PinStatus.PUBLISHED

    adopted = set(Pin.objects.values_list("pinterest_pin_id", flat=True))
    assert adopted == {remote.pinterest_id for remote in pins_on_board(board)} and len(adopted) == 2


def test_a_worker_that_lost_its_lease_cannot_overwrite_the_outcome(pin):
    stalled = pin_claim(pin_id=pin.pk)
    Pin.objects.filter(pk=pin.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))

    assert pin_publish(pin_id=pin.pk) == PinStatus.PUBLISHED  # a second worker takes over

    assert stalled.renew() is False
    assert stalled.finish(status=PinStatus.FAILED, error_code="late") is False
    assert Pin.objects.get(pk=pin.pk).status == PinStatus.PUBLISHED


def test_an_empty_token_bucket_defers_without_calling_pinterest(pin, account, board, settings, frozen_clock):
    settings.PACING_ACCOUNT_CAPACITY = 1
    RateBucket.objects.create(key=f"account:{account.public_id}", tokens=0, refilled_at=timezone.now())

    assert pin_publish(pin_id=pin.pk) == PinStatus.DEFERRED

    pin.refresh_from_db()
    assert pin.error_code == "rate_limited" and pin.attempt_count == 0
    assert 0 < (pin.next_attempt_at - timezone.now()).total_seconds() <= 1.6
    assert not PublishAttempt.objects.exists() and pins_on_board(board) == []


def test_a_pin_awaiting_approval_is_never_claimed(workspace, cast, account, board):
    pending = pin_create(actor=Actor.for_user(cast.editor, workspace), source="api", data=pin_payload(account, board))
    assert pin_publish(pin_id=pending.pk) == "not_claimed"


def test_deleting_a_published_pin_from_pinterest_removes_it_there_too(pin, board, cast):
    from publishing.services.pins import pin_delete

    pin_publish(pin_id=pin.pk)
    pin.refresh_from_db()

    outcome = pin_delete(pin=pin, actor=Actor.for_user(cast.manager, pin.workspace), delete_from_pinterest=True)

    assert outcome == {"id": str(pin.public_id), "deleted": True, "removed_from_pinterest": True,
                       "pinterest_pin_id": pin.pinterest_pin_id, "reason": None}
    assert pins_on_board(board) == []
    pin.refresh_from_db()
    assert pin.deleted_at is not None and pin.removed_from_pinterest_at is not None
    assert pin.status == PinStatus.PUBLISHED  # the status stays; removal is recorded beside it


def test_when_pinterest_is_down_a_delete_keeps_the_record(pin, board, cast):
    from publishing.services.errors import DomainError
    from publishing.services.pins import pin_delete

    pin_publish(pin_id=pin.pk)
    pin.refresh_from_db()
    faults.server_error(endpoint="pins.delete", status=503)

    with pytest.raises(DomainError) as refused:
        pin_delete(pin=pin, actor=Actor.for_user(cast.manager, pin.workspace), delete_from_pinterest=True)
    assert refused.value.status_hint == 502
    assert Pin.objects.get(pk=pin.pk).deleted_at is None and len(pins_on_board(board)) == 1


def test_a_video_stuck_in_processing_defers_the_pin_then_fails_it(workspace, cast, account, board, tmp_path,
                                                                  frozen_clock):
    from django.core.files import File

    from publishing.models import MediaUpload
    from publishing.services.assets import asset_upload
    from tests.media import make_mp4

    with open(make_mp4(tmp_path / "clip.mp4"), "rb") as handle:
        video = asset_upload(
            actor=Actor.system(workspace, job="test"),
            uploaded_file=File(handle, name="clip.mp4"),
            expected_kind="video",
        )
    pin = pin_create(actor=Actor.for_user(cast.manager, workspace), source="api",
                     data=pin_payload(account, board, image_url=None, asset_id=str(video.public_id)))

    assert pin_publish(pin_id=pin.pk) == PinStatus.DEFERRED  # the upload job is only starting
    pin.refresh_from_db()
    assert pin.error_code == "media_processing" and pin.attempt_count == 0
    assert 2.5 <= (pin.next_attempt_at - timezone.now()).total_seconds() <= 3.1

    MediaUpload.objects.filter(asset=video).update(created_at=timezone.now() - timedelta(hours=2))
    Pin.objects.filter(pk=pin.pk).update(next_attempt_at=None)
    assert pin_publish(pin_id=pin.pk) == PinStatus.FAILED
    assert Pin.objects.get(pk=pin.pk).error_code == "media_processing_timeout"
    assert pins_on_board(board) == []


def test_a_video_pinterest_cannot_process_fails_the_pin(workspace, cast, account, board, tmp_path, settings):
    from django.core.files import File

    from publishing.models import MediaUpload
    from publishing.services.assets import asset_upload, media_upload_process
    from tests.media import make_mp4

    settings.PINTEREST_MEDIA_POLL_SECONDS = 5
    with open(make_mp4(tmp_path / "clip.mp4"), "rb") as handle:
        video = asset_upload(
            actor=Actor.system(workspace, job="test"),
            uploaded_file=File(handle, name="clip.mp4"),
            expected_kind="video",
        )
    pin = pin_create(actor=Actor.for_user(cast.manager, workspace), source="api",
                     data=pin_payload(account, board, image_url=None, asset_id=str(video.public_id)))
    faults.media_fail(times=1)
    pin_publish(pin_id=pin.pk)  # starts the upload and waits for it
    media_upload_process(media_upload_id=MediaUpload.objects.get(asset=video).pk)  # what the media job does
    assert MediaUpload.objects.get(asset=video).status == MediaUpload.Status.FAILED

    Pin.objects.filter(pk=pin.pk).update(next_attempt_at=None)
    assert pin_publish(pin_id=pin.pk) == PinStatus.FAILED
    assert Pin.objects.get(pk=pin.pk).error_code == "media_failed"

    # A retry starts the upload over (the sandbox processes it this time) and publishes the video.
    from publishing.services.pins import pin_retry

    pin_retry(pin=pin, actor=Actor.for_user(cast.manager, pin.workspace))
    assert MediaUpload.objects.get(asset=video).status == MediaUpload.Status.PENDING
    media_upload_process(media_upload_id=MediaUpload.objects.get(asset=video).pk)
    assert pin_publish(pin_id=pin.pk) == PinStatus.PUBLISHED
    assert pins_on_board(board)[0].media["media_type"] == "video"


def test_a_worker_dying_between_pinterests_answer_and_marking_the_pin_publishes_no_second_pin(pin, board):
    assert pin_publish(pin_id=pin.pk) == PinStatus.PUBLISHED
    pin.refresh_from_db()
    made = pin.pinterest_pin_id
    # What a SIGKILL right after the attempt row recorded Pinterest's answer leaves behind: the
    # attempt says published, the pin is still "publishing" under a lease that has run out.
    Pin.objects.filter(pk=pin.pk).update(status=PinStatus.PUBLISHING, pinterest_pin_id="", published_at=None,
                                         lease_expires_at=timezone.now() - timedelta(seconds=1))

    assert pin_publish(pin_id=pin.pk) == PinStatus.PUBLISHED

    pin.refresh_from_db()
    assert pin.pinterest_pin_id == made
    assert [remote.pinterest_id for remote in pins_on_board(board)] == [made]
    assert outcomes(pin) == [("create", Outcome.PUBLISHED)]
