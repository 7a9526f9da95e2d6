"""Pins whose media lives in the bucket publish through the sandbox: the image is sent to Pinterest
as base64 streamed from the bucket, the video is streamed from the bucket to the media upload URL.
The publish step runs in this process as the worker's job would (tests/services/pins do the same)."""

import pytest
from django.core.files import File

from pinterest_sandbox.models import MediaUpload as SandboxMedia
from pinterest_sandbox.models import Pin as SandboxPin
from publishing.access import Actor
from publishing.models import MediaUpload, PinStatus
from publishing.services.assets import asset_upload, media_upload_process
from publishing.services.delivery import pin_publish
from publishing.services.pins import pin_create
from tests.media import make_jpeg, make_mp4
from tests.pipeline_fixtures import pin_payload
from tests.services.assets.helpers import stored_files

pytestmark = pytest.mark.django_db(transaction=True)


def uploaded(workspace, path, kind):
    with open(path, "rb") as handle:
        return asset_upload(
            actor=Actor.system(workspace, job="test"), uploaded_file=File(handle, name=path.name), expected_kind=kind
        )


def test_an_image_pin_and_a_video_pin_publish_from_the_bucket(
    s3_storage, workspace, cast, account, board, tmp_path, media_root, settings
):
    settings.PINTEREST_MEDIA_POLL_SECONDS = 5
    settings.SANDBOX_MEDIA_PROCESSING_POLLS = 0
    image = uploaded(workspace, make_jpeg(tmp_path / "chair.jpg", 900, 600), "image")
    video = uploaded(workspace, make_mp4(tmp_path / "clip.mp4", seconds=6), "video")
    assert s3_storage.keys() == sorted([image.file.name, video.file.name])
    image_pin, video_pin = (
        pin_create(actor=Actor.for_user(cast.manager, workspace), source="api",
                   data=pin_payload(account, board, image_url=None, asset_id=str(asset.public_id),
                                    idempotency_key=f"from-s3-{asset.asset_type}"))
        for asset in (image, video)
    )

    assert pin_publish(pin_id=image_pin.pk) == PinStatus.PUBLISHED
    pin_publish(pin_id=video_pin.pk)  # registers the video with Pinterest and starts its upload job
    media_upload_process(media_upload_id=MediaUpload.objects.get(asset=video).pk)  # what the media job does
    video_pin.refresh_from_db()
    video_pin.next_attempt_at = None
    video_pin.save(update_fields=["next_attempt_at"])
    assert pin_publish(pin_id=video_pin.pk) == PinStatus.PUBLISHED

    image_pin.refresh_from_db(), video_pin.refresh_from_db()
    remote_image = SandboxPin.objects.get(pinterest_id=image_pin.pinterest_pin_id)
    originals = remote_image.media["images"]["originals"]
    assert (originals["width"], originals["height"]) == (900, 600), "Pinterest decoded the image from the bucket"
    remote_video = SandboxPin.objects.get(pinterest_id=video_pin.pinterest_pin_id)
    assert remote_video.media["media_type"] == "video"
    sent = SandboxMedia.objects.get(pinterest_id=MediaUpload.objects.get(asset=video).pinterest_media_id)
    assert sent.upload_size == video.size_bytes and sent.looks_like_video
    assert stored_files(media_root) == [], "no local copy was made to send either file"
