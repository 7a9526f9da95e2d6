"""On a real django-q2 cluster: an upload's thumbnail (and a video's key frames) are made by a
worker once the upload commits, into the assets' storage; the backfill command reaches the rest."""

from pathlib import Path

import pytest
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.management import call_command
from PIL import Image

from publishing.access import Actor
from publishing.models import Asset
from publishing.services.assets import asset_upload
from publishing.services.thumbnails import THUMBNAIL_BOX
from tests.media import make_mp4, make_png
from tests.pipeline_fixtures import wait_for


@pytest.fixture
def media_root(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path / "media")  # the cluster fixture hands MEDIA_ROOT to the workers
    return Path(settings.MEDIA_ROOT)


def upload(workspace, cast, path: Path, kind: str) -> Asset:
    with path.open("rb") as handle:
        return asset_upload(actor=Actor.for_user(cast.editor, workspace), uploaded_file=File(handle, name=path.name),
                            expected_kind=kind)


def legacy_asset(workspace, path: Path) -> Asset:
    """An image stored before thumbnails existed: in storage, with no job ever enqueued for it."""
    with path.open("rb") as handle:
        name = default_storage.save(f"assets/{workspace.public_id}/legacy.png", File(handle))
    return Asset.objects.create(workspace=workspace, asset_type="image", file=name, original_filename=path.name,
                                extension=".png", content_type="image/png", size_bytes=path.stat().st_size,
                                checksum_sha256="0" * 64, width=900, height=300)


def with_thumbnail(asset: Asset) -> Asset:
    return wait_for(lambda: Asset.objects.exclude(thumbnail="").filter(pk=asset.pk).first(), timeout=45,
                    message="a worker to make the thumbnail")


def test_workers_make_thumbnails_after_the_upload_and_the_backfill(media_root, workspace, cast, start_cluster,
                                                                   tmp_path):
    older = legacy_asset(workspace, make_png(tmp_path / "older.png", 900, 300))
    start_cluster(media=False)

    image = with_thumbnail(upload(workspace, cast, make_png(tmp_path / "wide.png", 1000, 500), "image"))
    video = with_thumbnail(upload(workspace, cast, make_mp4(tmp_path / "clip.mp4"), "video"))

    with default_storage.open(image.thumbnail.name, "rb") as handle:
        picture = Image.open(handle)
        assert (picture.format, picture.size) == ("JPEG", (THUMBNAIL_BOX[0], THUMBNAIL_BOX[1] // 2))
    assert video.key_frames and all(default_storage.exists(frame["name"]) for frame in video.key_frames)
    assert Asset.objects.get(pk=older.pk).thumbnail.name == ""
    call_command("assets_thumbnails_backfill", stdout=open("/dev/null", "w"))
    assert with_thumbnail(older).thumbnail_width == THUMBNAIL_BOX[0]
