"""Videos to Pinterest's media endpoint: register, stream the upload, poll, every step stored."""

from datetime import timedelta

import pytest
from django.utils import timezone

from pinterest_sandbox import faults
from pinterest_sandbox.models import MediaUpload as SandboxMedia
from publishing import tasks
from publishing.access import Actor
from publishing.management.sandbox_connect import account_connect_sandbox
from publishing.models import Asset, MediaUpload, PinterestAccount
from publishing.services.assets import (
    MEDIA_UPLOAD_MAX_ATTEMPTS,
    MEDIA_UPLOAD_TASK,
    asset_upload,
    media_upload_ensure,
    media_upload_process,
)
from publishing.services.errors import NotFound, ValidationError
from tests.media import make_mp4, make_png
from tests.pipeline_fixtures import queued_jobs, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def video(sandbox_workspace, opened, tmp_path) -> Asset:
    return asset_upload(
        actor=Actor.system(sandbox_workspace, job="test"),
        uploaded_file=opened(make_mp4(tmp_path / "clip.mp4")),
        expected_kind="video",
    )


@pytest.fixture
def quick_processing(settings):
    settings.SANDBOX_MEDIA_PROCESSING_POLLS = 0  # the first status poll already sees the outcome


def run(upload: MediaUpload) -> MediaUpload | None:
    tasks.media_upload_run(upload.pk)
    return MediaUpload.objects.get(pk=upload.pk)


def test_a_video_is_registered_uploaded_and_processed(connected_account, video, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        upload = media_upload_ensure(asset=video, account=connected_account)

    assert upload.status == "pending"
    assert [args for args, _ in queued_jobs(MEDIA_UPLOAD_TASK)] == [(upload.pk,)]

    done = run(upload)  # polls "processing" once, then "succeeded"

    assert (done.status, done.attempts, done.error_message, done.lease_expires_at) == ("succeeded", 1, "", None)
    assert done.pinterest_media_id.isdigit() and done.processing_started_at is not None
    remote = SandboxMedia.objects.get(pinterest_id=done.pinterest_media_id)
    assert remote.status == "succeeded" and remote.upload_size == video.size_bytes and remote.looks_like_video

    # Safe to run twice, and nothing more to do once it succeeded.
    assert media_upload_process(media_upload_id=upload.pk) is None
    with django_capture_on_commit_callbacks(execute=True):
        again = media_upload_ensure(asset=video, account=connected_account)
    assert again.pk == upload.pk and again.status == "succeeded"
    assert len(queued_jobs(MEDIA_UPLOAD_TASK)) == 1
    assert SandboxMedia.objects.count() == 1


def test_a_run_that_finds_the_upload_leased_leaves_it_alone(connected_account, video):
    upload = media_upload_ensure(asset=video, account=connected_account)
    MediaUpload.objects.filter(pk=upload.pk).update(lease_expires_at=timezone.now() + timedelta(minutes=1))

    assert media_upload_process(media_upload_id=upload.pk) is None
    assert MediaUpload.objects.get(pk=upload.pk).status == "pending" and not SandboxMedia.objects.exists()


def test_pinterest_failing_the_video_fails_the_upload_until_restarted(
    connected_account, video, quick_processing, django_capture_on_commit_callbacks
):
    faults.media_fail()
    upload = media_upload_ensure(asset=video, account=connected_account)

    failed = run(upload)

    assert failed.status == "failed" and "could not process" in failed.error_message
    restarted = media_upload_ensure(asset=video, account=connected_account, restart_failed=True)
    assert (restarted.status, restarted.attempts, restarted.pinterest_media_id) == ("pending", 0, "")
    assert run(restarted).status == "succeeded"


def test_media_stuck_in_processing_is_let_go_and_given_up_on_after_30_minutes(
    settings, connected_account, video, quick_processing
):
    settings.PINTEREST_MEDIA_POLL_SECONDS = 1
    faults.media_stuck_processing()
    upload = media_upload_ensure(asset=video, account=connected_account)

    waiting = run(upload)

    assert (waiting.status, waiting.lease_expires_at) == ("processing", None)
    MediaUpload.objects.filter(pk=upload.pk).update(processing_started_at=timezone.now() - timedelta(minutes=31))
    gave_up = run(upload)
    assert gave_up.status == "failed" and "30 minutes" in gave_up.error_message


def test_a_refused_upload_starts_over_with_a_new_registration(connected_account, video, quick_processing):
    faults.upload_policy_expired()
    upload = media_upload_ensure(asset=video, account=connected_account)

    refused = run(upload)

    assert (refused.status, refused.attempts) == ("pending", 1)
    assert "refused the upload" in refused.error_message
    first_media_id = refused.pinterest_media_id
    done = run(upload)
    assert (done.status, done.attempts) == ("succeeded", 2) and done.pinterest_media_id != first_media_id


def test_sending_is_given_up_after_the_attempt_limit(connected_account, video):
    upload = media_upload_ensure(asset=video, account=connected_account)
    MediaUpload.objects.filter(pk=upload.pk).update(attempts=MEDIA_UPLOAD_MAX_ATTEMPTS, error_message="S3 said no")

    failed = run(upload)

    assert failed.status == "failed" and "S3 said no" in failed.error_message
    assert not SandboxMedia.objects.exists()


def test_a_revoked_token_waits_for_a_reconnect_instead_of_failing(connected_account, video):
    faults.revoke_token(username=connected_account.username)
    upload = media_upload_ensure(asset=video, account=connected_account)

    waiting = run(upload)

    assert waiting.status == "pending" and "reconnect" in waiting.error_message
    assert PinterestAccount.objects.get(pk=connected_account.pk).health_status == "reconnect_required"


def test_only_live_videos_of_the_accounts_workspace_are_sent(
    cast, connected_account, video, sandbox_workspace, opened, tmp_path
):
    image = asset_upload(
        actor=Actor.system(sandbox_workspace, job="test"),
        uploaded_file=opened(make_png(tmp_path / "a.png")),
        expected_kind="image",
    )
    with pytest.raises(ValidationError):
        media_upload_ensure(asset=image, account=connected_account)

    theirs = account_connect_sandbox(workspace=cast.other_team.workspaces.get(environment="sandbox"),
                                     user=cast.outsider)
    with pytest.raises(NotFound):
        media_upload_ensure(asset=video, account=theirs)

    upload = media_upload_ensure(asset=video, account=connected_account)
    Asset.objects.filter(pk=video.pk).update(deleted_at=timezone.now())
    assert run(upload).status == "failed"
    video.refresh_from_db()
    with pytest.raises(NotFound):
        media_upload_ensure(asset=video, account=connected_account)


def test_the_worker_cluster_sends_the_video(start_cluster, connected_account, video, quick_processing):
    cluster = start_cluster()

    upload = media_upload_ensure(asset=video, account=connected_account)

    done = wait_for(lambda: MediaUpload.objects.filter(pk=upload.pk, status="succeeded").first(), timeout=30,
                    message="the cluster to finish the upload")
    assert done.pinterest_media_id and SandboxMedia.objects.get(pinterest_id=done.pinterest_media_id).upload_size
    cluster.kill()  # its work is done and every step is in the database; no graceful shutdown to wait for
