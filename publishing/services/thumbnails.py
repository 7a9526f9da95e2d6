"""Thumbnails and video key frames, made by a worker after an upload (never inside the request).

``asset_upload`` enqueues ``publishing.tasks.make_asset_thumbnail`` on commit; the job reads the
stored file back through the storage API (local disk or the S3 bucket, streamed), decodes it with
Pillow (images) or FFmpeg through PyAV (videos: the first key frame, plus a few more spread over
the video, offered as covers), and writes JPEGs into the same storage beside the asset. Pages show a
neutral placeholder until ``Asset.thumbnail`` is set. ``thumbnails_backfill`` enqueues the job for
assets uploaded before thumbnails existed (``manage.py assets_thumbnails_backfill``).

The job is safe to run twice: the row is claimed by a conditional UPDATE when the files are
written, and a run that loses keeps nothing.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import IO, cast

import av
from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from PIL import Image, ImageOps, UnidentifiedImageError

from publishing.media import IMAGE_MAX_PIXELS
from publishing.models import Asset
from publishing.services.colors import picture_dominant_color
from publishing.services.queue import task_enqueue

THUMBNAIL_TASK = "publishing.tasks.make_asset_thumbnail"
# Pickers show cards of about 10rem; twice that for sharp pictures on dense screens.
THUMBNAIL_BOX = (320, 320)
# A key frame offered as a cover is kept at the video's size, within Pinterest's largest cover.
KEY_FRAME_BOX = (1920, 1920)
KEY_FRAMES_OFFERED = 4
JPEG_QUALITY = 85


class ThumbnailUnavailable(Exception):
    """The stored file cannot be decoded into a picture."""


def _jpeg(image: Image.Image, box: tuple[int, int]) -> tuple[bytes, int, int]:
    picture = image.convert("RGB")
    picture.thumbnail(box, Image.Resampling.LANCZOS)  # keeps the aspect ratio, never enlarges
    out = io.BytesIO()
    picture.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue(), picture.width, picture.height


def _image_picture(handle: IO[bytes]) -> Image.Image:
    try:
        image = Image.open(handle, formats=["JPEG", "PNG"])
        if image.width * image.height > IMAGE_MAX_PIXELS:
            raise ThumbnailUnavailable("The image has too many pixels to preview.")
        if image.format == "JPEG":
            # Decode at the smallest scale that still covers the box: cheap for a 20 MB photo.
            image.draft("RGB", (THUMBNAIL_BOX[0] * 2, THUMBNAIL_BOX[1] * 2))
        return ImageOps.exif_transpose(image)  # a phone photo shown upright, as Pinterest shows it
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ThumbnailUnavailable(f"The image cannot be decoded ({exc}).") from None


def _video_key_frames(handle: IO[bytes], duration: float | None) -> Iterator[tuple[float, Image.Image]]:
    """The first key frame, then the key frames at or before evenly spaced offsets (each once)."""
    try:
        with av.open(handle, mode="r") as container:
            stream = container.streams.video[0]
            stream.codec_context.skip_frame = "NONKEY"  # decode key frames only
            time_base = float(stream.time_base or 0) or 1 / av.time_base
            seen: set[int | None] = set()
            offsets = [0.0]
            if duration:
                offsets += [duration * index / KEY_FRAMES_OFFERED for index in range(1, KEY_FRAMES_OFFERED)]
            for offset in offsets:
                if offset:
                    # A seek lands on the key frame at or before the offset (FFmpeg's default).
                    container.seek(int(offset / time_base), stream=stream, backward=True)
                frame = next(container.decode(stream), None)
                if frame is None or frame.pts in seen:
                    continue
                seen.add(frame.pts)
                seconds = frame.pts * time_base if frame.pts is not None else offset
                picture: Image.Image = frame.to_image()  # type: ignore[no-untyped-call]
                yield round(seconds, 3), picture
    except (av.FFmpegError, IndexError, StopIteration) as exc:
        raise ThumbnailUnavailable(f"The video cannot be decoded ({exc}).") from None


def _save(storage: Storage, name: str, data: bytes) -> str:
    return storage.save(name, ContentFile(data, name=name))


def asset_thumbnail_make(*, asset_id: int) -> Asset | None:
    """The job: make the asset's thumbnail (and a video's key frames) unless it has one already.

    Returns the asset, or None when it is gone, deleted or already done. A file that does not
    decode is recorded in ``thumbnail_error`` (the placeholder stays; the backfill skips it).
    """
    asset = Asset.objects.select_related("workspace").filter(pk=asset_id).first()
    if asset is None or asset.deleted_at is not None or asset.thumbnail or asset.thumbnail_error:
        return None
    storage = asset.file.storage  # thumbnails live where the asset lives (S3 in production)
    base = f"thumbnails/{asset.workspace.public_id}/{asset.public_id}"
    written: list[str] = []
    key_frames: list[dict[str, object]] = []
    color = asset.dominant_color
    try:
        with storage.open(str(asset.file.name), "rb") as handle:
            if asset.asset_type == Asset.Kind.IMAGE:
                picture = _image_picture(cast(IO[bytes], handle))
                data, width, height = _jpeg(picture, THUMBNAIL_BOX)
                # Compose's default dominant colour, from the picture already decoded here.
                color = asset.dominant_color or picture_dominant_color(picture)
            else:
                data, width, height = b"", 0, 0
                for index, (seconds, picture) in enumerate(
                        _video_key_frames(cast(IO[bytes], handle), asset.duration_seconds)):
                    if index == 0:
                        data, width, height = _jpeg(picture, THUMBNAIL_BOX)
                    frame_bytes, _, _ = _jpeg(picture, KEY_FRAME_BOX)
                    name = _save(storage, f"{base}-frame-{index}.jpg", frame_bytes)
                    written.append(name)
                    key_frames.append({"name": name, "seconds": seconds})
                if not data:
                    raise ThumbnailUnavailable("The video has no key frame to preview.")
        thumbnail_name = _save(storage, f"{base}-thumb.jpg", data)
        written.append(thumbnail_name)
    except ThumbnailUnavailable as exc:
        for name in written:
            storage.delete(name)
        Asset.objects.filter(pk=asset.pk, thumbnail="").update(thumbnail_error=str(exc)[:300])
        return None
    except BaseException:
        for name in written:
            storage.delete(name)
        raise
    claimed = Asset.objects.filter(pk=asset.pk, thumbnail="", deleted_at__isnull=True).update(
        thumbnail=thumbnail_name, thumbnail_width=width, thumbnail_height=height, key_frames=key_frames,
        dominant_color=color,
    )
    if not claimed:  # another run finished first, or the asset was deleted meanwhile
        for name in written:
            storage.delete(name)
        return None
    asset.refresh_from_db()
    return asset


def asset_thumbnail_enqueue(asset: Asset) -> None:
    """Ask a worker for the asset's thumbnail once the current transaction commits."""
    task_enqueue(THUMBNAIL_TASK, asset.pk)


def thumbnails_backfill(*, limit: int | None = None) -> int:
    """Enqueue the thumbnail job for live assets that have none yet; returns how many."""
    pending = Asset.objects.awaiting_thumbnail().order_by("-created_at", "-id").values_list("pk", flat=True)
    ids = list(pending[:limit] if limit else pending)
    for asset_id in ids:
        task_enqueue(THUMBNAIL_TASK, asset_id)
    return len(ids)


def asset_stored_names(asset: Asset) -> list[str]:
    """Every file the asset holds in storage: the upload, its thumbnail and key frames."""
    names = [asset.file.name, asset.thumbnail.name]
    names += [str(frame["name"]) for frame in asset.key_frames if isinstance(frame, dict) and frame.get("name")]
    return [name for name in names if name]
