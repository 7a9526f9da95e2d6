"""Thumbnails and key frames: made by the job with real Pillow and real FFmpeg (PyAV), into the
assets' storage, enqueued when an upload commits, backfilled for older assets."""

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from PIL import Image

from publishing.access import Actor
from publishing.models import Asset
from publishing.services.assets import asset_delete, asset_upload
from publishing.services.thumbnails import THUMBNAIL_BOX, THUMBNAIL_TASK, asset_thumbnail_make, thumbnails_backfill
from tests.media import make_jpeg, make_mp4, make_png
from tests.services.assets.helpers import stored_files

pytestmark = pytest.mark.django_db


def upload(cast, workspace, opened, path, kind="image") -> Asset:
    return asset_upload(actor=Actor.for_user(cast.editor, workspace), uploaded_file=opened(path), expected_kind=kind)


def stored_picture(name: str) -> Image.Image:
    with default_storage.open(name, "rb") as handle:
        picture = Image.open(handle)
        picture.load()
    return picture


def test_an_image_thumbnail_is_a_jpeg_inside_the_box_in_the_assets_storage(cast, workspace, opened, tmp_path):
    asset = upload(cast, workspace, opened, make_png(tmp_path / "wide.png", 1200, 600, color=(200, 40, 90)))

    done = asset_thumbnail_make(asset_id=asset.pk)

    assert done is not None and done.thumbnail.name.startswith(f"thumbnails/{workspace.public_id}/")
    picture = stored_picture(done.thumbnail.name)
    assert picture.format == "JPEG" and picture.size == (THUMBNAIL_BOX[0], THUMBNAIL_BOX[1] // 2) == (
        done.thumbnail_width, done.thumbnail_height)
    red, green, blue = picture.convert("RGB").getpixel((10, 10))
    assert abs(red - 200) < 12 and abs(green - 40) < 12 and abs(blue - 90) < 12, "the picture is the image's"
    assert default_storage.exists(done.thumbnail.name) and done.file.storage is default_storage


def test_a_small_image_is_not_enlarged(cast, workspace, opened, tmp_path):
    asset = upload(cast, workspace, opened, make_jpeg(tmp_path / "small.jpg", 120, 80))
    done = asset_thumbnail_make(asset_id=asset.pk)
    assert stored_picture(done.thumbnail.name).size == (120, 80)


def test_a_video_gets_its_first_key_frame_as_thumbnail_and_key_frames_as_covers(cast, workspace, opened, tmp_path):
    asset = upload(cast, workspace, opened, make_mp4(tmp_path / "clip.mp4", seconds=5), kind="video")

    done = asset_thumbnail_make(asset_id=asset.pk)

    assert done is not None and (done.thumbnail_width, done.thumbnail_height) == (64, 64)
    thumbnail = stored_picture(done.thumbnail.name)
    assert thumbnail.format == "JPEG" and thumbnail.size == (64, 64)
    # make_mp4's first frame is RGB (0, 90, 160): the key frame is the video's first picture.
    red, green, blue = thumbnail.convert("RGB").getpixel((32, 32))
    assert red < 30 and abs(green - 90) < 25 and abs(blue - 160) < 25
    assert done.key_frames and done.key_frames[0]["seconds"] == 0.0
    assert all(stored_picture(frame["name"]).format == "JPEG" for frame in done.key_frames)


def test_a_file_that_does_not_decode_is_recorded_and_left_to_its_placeholder(cast, workspace, opened, tmp_path):
    asset = upload(cast, workspace, opened, make_png(tmp_path / "a.png"))
    with default_storage.open(asset.file.name, "wb") as handle:  # the stored bytes go bad later
        handle.write(b"\x89PNG\r\n\x1a\n" + b"garbage" * 10)

    assert asset_thumbnail_make(asset_id=asset.pk) is None

    asset.refresh_from_db()
    assert asset.thumbnail.name == "" and "cannot be decoded" in asset.thumbnail_error
    assert not Asset.objects.awaiting_thumbnail().filter(pk=asset.pk).exists()


def test_running_the_job_twice_keeps_one_thumbnail(cast, workspace, opened, tmp_path, media_root):
    asset = upload(cast, workspace, opened, make_png(tmp_path / "a.png"))
    first = asset_thumbnail_make(asset_id=asset.pk)
    assert asset_thumbnail_make(asset_id=asset.pk) is None
    assert len([p for p in stored_files(media_root) if "thumbnails" in p.parts]) == 1
    assert Asset.objects.get(pk=asset.pk).thumbnail.name == first.thumbnail.name


def test_an_upload_enqueues_the_thumbnail_job_when_it_commits(cast, workspace, opened, tmp_path,
                                                              django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        asset = upload(cast, workspace, opened, make_png(tmp_path / "a.png"))
    from django_q.models import OrmQ
    from django_q.signing import SignedPackage

    assert OrmQ.objects.count() == 0, "nothing is enqueued before the commit"
    for callback in callbacks:
        callback()
    queued = [SignedPackage.loads(row.payload) for row in OrmQ.objects.all()]
    assert [(task["func"], task["args"]) for task in queued] == [(THUMBNAIL_TASK, (asset.pk,))]


def test_the_backfill_enqueues_assets_without_a_thumbnail_only(cast, workspace, opened, tmp_path,
                                                               django_capture_on_commit_callbacks):
    done = upload(cast, workspace, opened, make_png(tmp_path / "a.png"))
    waiting = upload(cast, workspace, opened, make_png(tmp_path / "b.png"))
    deleted = upload(cast, workspace, opened, make_png(tmp_path / "c.png"))
    asset_thumbnail_make(asset_id=done.pk)
    asset_delete(asset=deleted, actor=Actor.for_user(cast.admin, workspace))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert thumbnails_backfill() == 1
    assert len(callbacks) == 1
    call_command("assets_thumbnails_backfill", stdout=open("/dev/null", "w"))
    assert list(Asset.objects.awaiting_thumbnail()) == [waiting]


def test_deleting_an_asset_removes_its_thumbnail_and_frames(cast, workspace, opened, tmp_path, media_root,
                                                            django_capture_on_commit_callbacks):
    asset = upload(cast, workspace, opened, make_mp4(tmp_path / "clip.mp4"), kind="video")
    asset = asset_thumbnail_make(asset_id=asset.pk)
    assert len(stored_files(media_root)) >= 3
    with django_capture_on_commit_callbacks(execute=True):
        asset_delete(asset=asset, actor=Actor.for_user(cast.admin, workspace))
    assert stored_files(media_root) == []


def test_key_frames_are_spread_over_the_video_each_at_its_own_time(cast, workspace, opened, tmp_path):
    path = make_mp4(tmp_path / "long.mp4", seconds=8, key_frame_every=10)  # a key frame each second
    asset = upload(cast, workspace, opened, path, kind="video")

    done = asset_thumbnail_make(asset_id=asset.pk)

    assert [frame["seconds"] for frame in done.key_frames] == [0.0, 2.0, 4.0, 6.0]
    reds = [stored_picture(frame["name"]).convert("RGB").getpixel((32, 32))[0] for frame in done.key_frames]
    # make_mp4 paints frame n with red (n * 9) % 256: frames 0, 20, 40, 60 at 10 fps.
    assert all(abs(red - expected) < 20 for red, expected in zip(reds, [0, 180, 104, 28], strict=True)), reds
