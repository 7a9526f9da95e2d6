"""Video pins through media register → upload (multipart, streamed from disk) → status polls."""

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from pinterest_sandbox import faults
from pinterest_sandbox.models import MediaUpload as SandboxMedia
from publishing.pinterest import (
    InvalidRequest,
    MediaNotReady,
    MediaProcessingFailed,
    MediaUploadRejected,
    NotFound,
    VideoSource,
)
from tests.media import make_mp4, make_png, pad_mp4

REPOSITORY = Path(__file__).resolve().parents[2]
FAST_POLLS = {"first_interval": 0.05, "max_interval": 0.2}
UPLOAD_SIZE = 30 * 1024 * 1024
# The client holds at most a few 64 KiB chunks of the file at a time; 4 MB leaves room for
# httpx and the interpreter while staying far below the 30 MB a whole-file read would cost.
UPLOAD_PEAK_LIMIT = 4 * 1024 * 1024


@pytest.fixture
def video(tmp_path) -> Path:
    return make_mp4(tmp_path / "clip.mp4", seconds=5)


def test_a_video_pin_goes_through_register_upload_and_processing(pinterest, account, video):
    registration = pinterest.media_register()
    assert registration.media_id.isdigit()
    assert registration.media_type == "video"
    assert {"key", "policy", "x-amz-signature"} <= registration.upload_parameters.keys()

    pinterest.media_upload(registration, video)
    stored = SandboxMedia.objects.get(pinterest_id=registration.media_id)
    assert stored.upload_size == video.stat().st_size
    assert stored.looks_like_video

    status = pinterest.media_wait(registration.media_id, timeout=10, **FAST_POLLS)
    assert status.status == "succeeded"

    board_id = account.user.boards.first().pinterest_id
    pin = pinterest.pin_create(
        board_id=board_id,
        title="Our new clip",
        media_source=VideoSource(
            media_id=registration.media_id, cover_image_url="https://images.example.com/c.jpg"
        ),
    )
    assert pin.media.media_type == "video"
    assert pinterest.pin_get(pin.id).media.media_type == "video"


def test_a_video_pin_may_take_its_cover_from_a_key_frame(pinterest, account, video):
    registration = pinterest.media_upload_file(video)
    pinterest.media_wait(registration.media_id, timeout=10, **FAST_POLLS)

    pin = pinterest.pin_create(
        board_id=account.user.boards.first().pinterest_id,
        media_source=VideoSource(media_id=registration.media_id, cover_image_key_frame_time=2),
    )

    assert pin.media.media_type == "video"


def test_a_video_pin_before_processing_finished_is_refused(pinterest, account, video, settings):
    settings.SANDBOX_MEDIA_PROCESSING_POLLS = 5  # still processing at the first look, however slow
    settings.SANDBOX_MEDIA_PROCESSING_SECONDS = 600
    registration = pinterest.media_upload_file(video)
    assert pinterest.media_get(registration.media_id).status == "processing"

    with pytest.raises(InvalidRequest) as refused:
        pinterest.pin_create(
            board_id=account.user.boards.first().pinterest_id,
            media_source=VideoSource(media_id=registration.media_id, cover_image_key_frame_time=0),
        )
    assert "media_id" in refused.value.message


def test_media_that_fails_processing_is_media_failed(pinterest, video, tmp_path, subtests):
    with subtests.test("bytes that are not a video"):
        registration = pinterest.media_upload_file(make_png(tmp_path / "not-a-video.mp4", 64, 64))
        with pytest.raises(MediaProcessingFailed) as failed:
            pinterest.media_wait(registration.media_id, timeout=10, **FAST_POLLS)
        assert failed.value.error_code == "media_failed" and failed.value.permanent
        assert pinterest.media_get(registration.media_id).status == "failed"

    with subtests.test("injected failure"):
        faults.media_fail()
        registration = pinterest.media_upload_file(video)
        with pytest.raises(MediaProcessingFailed):
            pinterest.media_wait(registration.media_id, timeout=10, **FAST_POLLS)


def test_media_stuck_in_processing_is_not_ready_when_the_caller_stops_waiting(pinterest, video):
    faults.media_stuck_processing()
    registration = pinterest.media_upload_file(video)

    with pytest.raises(MediaNotReady) as stuck:
        pinterest.media_wait(registration.media_id, timeout=0.5, **FAST_POLLS)

    assert stuck.value.transient and stuck.value.error_code == "media_processing"


def test_uploads_the_upload_url_refuses_are_upload_rejections(pinterest, video, settings, subtests):
    with subtests.test("expired policy"):
        faults.upload_policy_expired()
        registration = pinterest.media_register()
        with pytest.raises(MediaUploadRejected) as refused:
            pinterest.media_upload(registration, video)
        assert refused.value.status == 403 and refused.value.permanent
        assert "Policy expired" in refused.value.message

    with subtests.test("file over the size limit"):
        settings.SANDBOX_MEDIA_MAX_BYTES = 1024
        with pytest.raises(MediaUploadRejected) as too_large:
            pinterest.media_upload_file(video)
        assert too_large.value.status == 400
        assert "EntityTooLarge" in too_large.value.message

    with subtests.test("unknown media"):
        with pytest.raises(NotFound) as missing:
            pinterest.media_get("123")
        assert missing.value.error_code == "media_not_found"


def test_the_upload_sends_the_fields_first_and_the_file_last_without_our_token(pinterest, video):
    sent = []
    # Read the multipart body as it is about to go out (httpx rewinds the file before sending).
    pinterest._http.event_hooks["request"].append(
        lambda request: sent.append((request, b"".join(request.stream)))
    )
    registration = pinterest.media_register()

    pinterest.media_upload(registration, video)

    upload, body = sent[-1]
    assert str(upload.url) == registration.upload_url
    assert "authorization" not in upload.headers
    part_names = [
        line.split(b'name="')[1].split(b'"')[0].decode()
        for line in body.split(b"\r\n")
        if b"Content-Disposition" in line
    ]
    assert part_names == [*registration.upload_parameters.keys(), "file"]


def test_a_30_mb_upload_is_streamed_from_disk_not_read_into_memory(pinterest, tmp_path):
    video = pad_mp4(make_mp4(tmp_path / "big.mp4", seconds=5), UPLOAD_SIZE)
    registration = pinterest.media_register()

    # A separate process, so tracemalloc counts the client alone (the live server shares ours).
    measure = textwrap.dedent(
        """
        import json, sys, tracemalloc
        from publishing.pinterest import MediaUpload, PinterestClient
        registration = MediaUpload.model_validate_json(sys.argv[1])
        with PinterestClient("http://unused.invalid/v5", "pina_unused", timeout=30) as client:
            tracemalloc.start()
            client.media_upload(registration, sys.argv[2])
            _, peak = tracemalloc.get_traced_memory()
        print(json.dumps({"peak": peak}))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", measure, registration.model_dump_json(), str(video)],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr

    peak = json.loads(result.stdout)["peak"]
    assert video.stat().st_size > UPLOAD_SIZE
    assert peak < UPLOAD_PEAK_LIMIT, f"the upload held {peak / 1e6:.1f} MB in memory"
    stored = SandboxMedia.objects.get(pinterest_id=registration.media_id)
    assert stored.upload_size == video.stat().st_size
    assert pinterest.media_wait(registration.media_id, timeout=10, **FAST_POLLS).status == "succeeded"
