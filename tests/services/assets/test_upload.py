"""asset_upload: streamed into real storage, measured from the bytes, refused with a reason."""

import hashlib
import io
import tracemalloc

import pytest
from PIL import Image

from publishing.access import Actor
from publishing.media import VIDEO_MAX_BYTES, AssetRejected
from publishing.models import Asset, AuditEvent
from publishing.services import queue
from publishing.services.assets import asset_storage_usage, asset_upload
from tests.media import make_jpeg, make_mp4, make_png, make_png_bomb, pad_mp4
from tests.services.assets.helpers import stored_files, upload_bytes

pytestmark = pytest.mark.django_db


def sha256_of(path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while chunk := file.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def rejection(excinfo) -> str:
    return excinfo.value.code


def test_a_png_is_stored_under_a_random_name_with_its_measurements(cast, workspace, opened, tmp_path, media_root):
    source = make_png(tmp_path / "Holiday photo.png", 300, 200)

    asset = asset_upload(
        actor=Actor.for_user(cast.editor, workspace), uploaded_file=opened(source), expected_kind="image"
    )

    asset.refresh_from_db()
    assert (asset.asset_type, asset.content_type, asset.extension) == ("image", "image/png", ".png")
    assert (asset.width, asset.height) == (300, 200)
    assert asset.size_bytes == source.stat().st_size
    assert asset.checksum_sha256 == sha256_of(source)
    assert asset.original_filename == "Holiday photo.png"
    assert asset.uploaded_by == cast.editor
    assert asset.file.name == f"assets/{workspace.public_id}/{asset.public_id}.png"
    assert (media_root / asset.file.name).read_bytes() == source.read_bytes()
    event = AuditEvent.objects.for_team(cast.team).get(action="asset.uploaded")
    assert event.target_id == str(asset.public_id) and event.actor_user == cast.editor


@pytest.mark.django_db(transaction=True)
def test_a_broker_failing_after_the_upload_committed_leaves_the_asset_its_file(
    cast, workspace, opened, tmp_path, media_root, monkeypatch
):
    """The thumbnail job is enqueued once the upload has committed. A broker that fails then fails
    the call, and must not take the committed asset's file with it (the upload's clean-up of its
    part-file once caught that error too)."""

    def broker_down(*args, **kwargs):
        raise OSError("the broker is down")

    monkeypatch.setattr(queue, "async_task", broker_down)
    source = make_png(tmp_path / "kept.png", 64, 48)
    with pytest.raises(OSError, match="broker is down"):
        asset_upload(actor=Actor.for_user(cast.editor, workspace), uploaded_file=opened(source), expected_kind="image")
    asset = Asset.objects.get(workspace=workspace)
    assert (media_root / asset.file.name).read_bytes() == source.read_bytes()


def test_a_jpeg_is_measured(workspace, opened, tmp_path):
    asset = asset_upload(
        actor=Actor.system(workspace, job="test"),
        uploaded_file=opened(make_jpeg(tmp_path / "a.jpeg", 640, 480)),
        expected_kind="image",
    )
    assert (asset.content_type, asset.extension, asset.width, asset.height) == ("image/jpeg", ".jpg", 640, 480)


@pytest.mark.parametrize(
    "suffix, content_type",
    [(".mp4", "video/mp4"), (".mov", "video/quicktime"), (".m4v", "video/x-m4v")],
)
def test_a_video_is_measured_by_ffmpeg(workspace, opened, tmp_path, suffix, content_type):
    source = make_mp4(tmp_path / f"clip{suffix}", seconds=5)

    asset = asset_upload(actor=Actor.system(workspace, job="test"), uploaded_file=opened(source), expected_kind="video")

    assert (asset.asset_type, asset.content_type, asset.extension) == ("video", content_type, suffix)
    assert asset.duration_seconds == pytest.approx(5.0, abs=0.05)
    assert asset.video_codec == "h264"
    assert (asset.width, asset.height) == (64, 64)
    assert asset.checksum_sha256 == sha256_of(source)


def test_the_content_decides_the_type_not_the_name_or_the_client(workspace, tmp_path):
    png_bytes = make_png(tmp_path / "real.png").read_bytes()

    asset = asset_upload(
        actor=Actor.system(workspace, job="test"),
        uploaded_file=upload_bytes(png_bytes, "photo.jpg", "image/jpeg"),
        expected_kind="image",
    )

    assert (asset.content_type, asset.extension) == ("image/png", ".png")
    assert asset.original_filename == "photo.jpg"
    assert asset.file.name.endswith(".png")


REFUSALS = [
    # (what, file bytes or a maker, name, expected kind, code)
    ("text named .png", lambda tmp: b"hello, this is not an image\n" * 10, "fake.png", "image", "unsupported_type"),
    ("a GIF", lambda tmp: _gif_bytes(), "anim.gif", "image", "unsupported_type"),
    ("text named .mp4", lambda tmp: b"just some words, not a video " * 40, "movie.mp4", "video", "unsupported_type"),
    ("a PNG sent as a video", lambda tmp: make_png(tmp / "x.png").read_bytes(), "x.mp4", "video", "wrong_asset_type"),
    ("a video sent as an image", lambda tmp: make_mp4(tmp / "x.mp4").read_bytes(), "x.png", "image",
     "wrong_asset_type"),
    ("an MP4 header over garbage", lambda tmp: make_mp4(tmp / "x.mp4").read_bytes()[:32] + b"\x07" * 4000,
     "broken.mp4", "video", "video_unreadable"),
    ("a 3 second video", lambda tmp: make_mp4(tmp / "short.mp4", seconds=3).read_bytes(), "short.mp4", "video",
     "video_too_short"),
    ("a 15 min 1 s video", lambda tmp: make_mp4(tmp / "long.mp4", seconds=901, fps=1).read_bytes(), "long.mp4",
     "video", "video_too_long"),
    ("an MPEG-4 Part 2 video", lambda tmp: make_mp4(tmp / "old.mp4", codec="mpeg4").read_bytes(), "old.mp4", "video",
     "video_codec_unsupported"),
    ("a truncated PNG", lambda tmp: _truncated(make_png(tmp / "t.png", 400, 300)), "t.png", "image",
     "image_unreadable"),
    ("a truncated JPEG", lambda tmp: _truncated(make_jpeg(tmp / "t.jpg", 400, 300)), "t.jpg", "image",
     "image_unreadable"),
    ("a decompression bomb", lambda tmp: make_png_bomb(tmp / "bomb.png", 12_000, 12_000).read_bytes(), "bomb.png",
     "image", "image_too_many_pixels"),
    ("an empty file", lambda tmp: b"", "empty.png", "image", "empty_file"),
]


def _gif_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (10, 10)).save(buffer, "GIF")
    return buffer.getvalue()


def _truncated(path) -> bytes:
    data = path.read_bytes()
    return data[: len(data) * 2 // 3]


@pytest.mark.parametrize("what, make, name, kind, code", REFUSALS, ids=[r[0] for r in REFUSALS])
def test_what_pinterest_refuses_is_refused_with_a_reason_and_leaves_nothing(
    workspace, tmp_path, media_root, what, make, name, kind, code
):
    data = make(tmp_path)

    with pytest.raises(AssetRejected) as excinfo:
        asset_upload(
            actor=Actor.system(workspace, job="test"), uploaded_file=upload_bytes(data, name), expected_kind=kind
        )

    assert rejection(excinfo) == code
    assert excinfo.value.field == "file" and excinfo.value.status_hint == 422
    assert excinfo.value.message and excinfo.value.message != code
    assert not Asset.objects.exists()
    assert stored_files(media_root) == []


@pytest.mark.parametrize("name", ["evil\x00.png", "tab\there.png", "line\nbreak.png"])
def test_control_characters_in_the_file_name_are_refused(workspace, tmp_path, media_root, name):
    data = make_png(tmp_path / "ok.png").read_bytes()

    with pytest.raises(AssetRejected) as excinfo:
        asset_upload(
            actor=Actor.system(workspace, job="test"),
            uploaded_file=upload_bytes(data, "ok.png") | _renamed(name),
            expected_kind="image",
        )

    assert rejection(excinfo) == "invalid_filename"
    assert not Asset.objects.exists() and stored_files(media_root) == []


class _renamed:
    """``upload | _renamed(name)`` sets the name after Django's own name sanitising, as a raw multipart part could."""

    def __init__(self, name):
        self.name = name

    def __ror__(self, upload):
        upload._name = self.name  # File.name is a property over _name on UploadedFile
        return upload


def test_paths_and_overlong_names_are_trimmed_for_display(workspace, tmp_path):
    data = make_png(tmp_path / "ok.png").read_bytes()
    asset = asset_upload(
        actor=Actor.system(workspace, job="test"),
        uploaded_file=upload_bytes(data, "ok.png") | _renamed("../../etc/" + "n" * 400 + ".png"),
        expected_kind="image",
    )
    assert asset.original_filename.endswith(".png")
    assert len(asset.original_filename) == 255 and "/" not in asset.original_filename


def test_an_image_over_20_mb_is_refused_before_it_is_stored(workspace, media_root):
    big = b"\x89PNG\r\n\x1a\n" + bytes(20 * 1024 * 1024)

    with pytest.raises(AssetRejected) as excinfo:
        asset_upload(
            actor=Actor.system(workspace, job="test"), uploaded_file=upload_bytes(big, "big.png"), expected_kind="image"
        )

    assert rejection(excinfo) == "file_too_large"
    assert stored_files(media_root) == []


def test_a_lying_size_is_caught_while_streaming_and_the_part_file_removed(workspace, media_root):
    upload = upload_bytes(b"\x89PNG\r\n\x1a\n" + bytes(21 * 1024 * 1024), "big.png")
    upload.size = 1000  # what a dishonest client or upload handler might claim

    with pytest.raises(AssetRejected) as excinfo:
        asset_upload(actor=Actor.system(workspace, job="test"), uploaded_file=upload, expected_kind="image")

    assert rejection(excinfo) == "file_too_large"
    assert stored_files(media_root) == [] and not Asset.objects.exists()


def test_a_video_over_2_gb_is_refused_without_reading_it(workspace, opened, tmp_path, media_root):
    huge = make_mp4(tmp_path / "huge.mp4")
    with huge.open("r+b") as file:
        file.truncate(VIDEO_MAX_BYTES + 1)  # sparse: costs no disk and no time

    with pytest.raises(AssetRejected) as excinfo:
        asset_upload(actor=Actor.system(workspace, job="test"), uploaded_file=opened(huge), expected_kind="video")

    assert rejection(excinfo) == "file_too_large"
    assert stored_files(media_root) == []


def test_a_large_video_is_streamed_with_bounded_memory(workspace, opened, tmp_path, media_root):
    source = pad_mp4(make_mp4(tmp_path / "large.mp4"), 200 * 1024 * 1024)
    expected_sha = sha256_of(source)

    tracemalloc.start()
    try:
        asset = asset_upload(
            actor=Actor.system(workspace, job="test"), uploaded_file=opened(source), expected_kind="video"
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert asset.size_bytes == source.stat().st_size > 200 * 1024 * 1024
    assert asset.checksum_sha256 == expected_sha
    assert asset.duration_seconds == pytest.approx(5.0, abs=0.05)
    assert sha256_of(media_root / asset.file.name) == expected_sha
    assert peak < 8 * 1024 * 1024, f"peak Python memory {peak / 1e6:.1f} MB while uploading 200 MB"


def test_the_team_quota_is_enforced_and_reported(settings, cast, workspace, opened, tmp_path):
    first = make_png(tmp_path / "a.png", 200, 200)
    settings.ASSET_STORAGE_QUOTA_BYTES = first.stat().st_size * 3 // 2
    asset_upload(actor=Actor.system(workspace, job="test"), uploaded_file=opened(first), expected_kind="image")

    with pytest.raises(AssetRejected) as excinfo:
        asset_upload(
            actor=Actor.system(workspace, job="test"),
            uploaded_file=opened(make_png(tmp_path / "b.png", 210, 200)),
            expected_kind="image",
        )

    assert rejection(excinfo) == "storage_quota_exceeded"
    usage = asset_storage_usage(team=cast.team)
    assert usage.used_bytes == first.stat().st_size
    assert usage.quota_bytes == settings.ASSET_STORAGE_QUOTA_BYTES
    assert usage.used_percent == 66
    assert asset_storage_usage(team=cast.other_team).used_bytes == 0
