"""What an uploaded file is, measured from its bytes: the kind (magic numbers), an image's size
(Pillow) and a video's duration and codec (FFmpeg through PyAV), and the limits Pinterest sets.

Nothing here writes to the database: ``services.assets`` stores what these functions accept, and
anything Pinterest would refuse is refused with an ``AssetRejected`` naming the reason.
"""

from __future__ import annotations

import hashlib
import unicodedata
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import PurePath
from typing import IO, cast

import av
import filetype
from PIL import Image, UnidentifiedImageError

from publishing.models import Asset
from publishing.services.errors import ValidationError

MB = 1024 * 1024
GB = 1024 * MB
# What Pinterest accepts (help-center and business specs; the API reference states none).
IMAGE_MAX_BYTES = 20 * MB
VIDEO_MAX_BYTES = 2 * GB
VIDEO_MIN_SECONDS = 4.0
VIDEO_MAX_SECONDS = 15 * 60.0
VIDEO_CODECS = {"h264": "H.264", "hevc": "H.265"}
# Pillow's own decompression-bomb threshold (about 89 megapixels); above it we refuse outright
# instead of letting Pillow merely warn. (Pillow types it optional, None turning its check off; it
# ships set and nothing here unsets it.)
IMAGE_MAX_PIXELS = cast(int, Image.MAX_IMAGE_PIXELS)
SNIFF_BYTES = 512
# A CharField's max_length is always set; Field types it optional for the fields that have none.
FILENAME_MAX_LENGTH = cast(int, Asset._meta.get_field("original_filename").max_length)


@dataclass(frozen=True)
class FileKind:
    asset_type: str
    content_type: str
    extension: str


# Sniffed MIME type -> what we store. Everything else is refused.
ACCEPTED_KINDS = {
    "image/jpeg": FileKind(Asset.Kind.IMAGE, "image/jpeg", ".jpg"),
    "image/png": FileKind(Asset.Kind.IMAGE, "image/png", ".png"),
    "video/mp4": FileKind(Asset.Kind.VIDEO, "video/mp4", ".mp4"),
    "video/x-m4v": FileKind(Asset.Kind.VIDEO, "video/x-m4v", ".m4v"),
    "video/quicktime": FileKind(Asset.Kind.VIDEO, "video/quicktime", ".mov"),
}
# Keyed by Asset.Kind values, looked up with the plain strings FileKind and the callers hold.
MAX_BYTES: dict[str, int] = {Asset.Kind.IMAGE: IMAGE_MAX_BYTES, Asset.Kind.VIDEO: VIDEO_MAX_BYTES}
A_KIND: dict[str, str] = {Asset.Kind.IMAGE: "an image", Asset.Kind.VIDEO: "a video"}
KIND_RULES: dict[str, str] = {
    Asset.Kind.IMAGE: "JPEG or PNG images up to 20 MB",
    Asset.Kind.VIDEO: "MP4, MOV or M4V videos (H.264 or H.265, 4 seconds to 15 minutes) up to 2 GB",
}


class AssetRejected(ValidationError):
    """The upload is not something we (or Pinterest) accept; ``code`` says why. The API answers 422."""

    code = "asset_rejected"

    def __init__(self, code: str, message: str, field: str = "file") -> None:
        super().__init__(code, message, field=field)


@dataclass
class Measurements:
    width: int | None = None
    height: int | None = None
    duration_seconds: float | None = None
    video_codec: str = ""


class MeasuredStream:
    """Wraps an uploaded file so that writing it to storage also hashes and counts it.

    Storage backends read ``chunks()``; the moment more than ``limit`` bytes have gone by, the
    copy stops with ``file_too_large``, whatever size the client claimed.
    """

    def __init__(self, source: IO[bytes], *, limit: int, kind: str) -> None:
        self.source = source
        self.limit = limit
        self.kind = kind
        self.size = 0
        self.sha256 = hashlib.sha256()
        self.name = getattr(source, "name", None)

    def chunks(self, chunk_size: int | None = None) -> Iterator[bytes]:
        self.seek(0)
        for chunk in self.source.chunks(chunk_size) if hasattr(self.source, "chunks") else _read_chunks(self.source):
            self.size += len(chunk)
            if self.size > self.limit:
                raise too_large(self.kind)
            self.sha256.update(chunk)
            yield chunk

    def read(self, size: int = -1) -> bytes:  # storages that read() instead of iterating chunks()
        data = self.source.read(size)
        self.size += len(data)
        if self.size > self.limit:
            raise too_large(self.kind)
        self.sha256.update(data)
        return data

    def seek(self, offset: int, whence: int = 0) -> int:
        if (offset, whence) != (0, 0):
            raise ValueError("a measured stream can only be rewound to the start")
        self.size = 0
        self.sha256 = hashlib.sha256()
        return self.source.seek(0)

    def tell(self) -> int:
        return self.size

    # What boto3's managed upload asks (the S3 storage): a readable stream that is *not* seekable,
    # so it reads the parts once, in order, through read() (which hashes and counts them), instead
    # of seeking to the end for a length and reading parts out of order.
    closed = False

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def close(self) -> None:  # the caller owns the uploaded file
        pass


class LentFile:
    """The upload lent to Pillow or FFmpeg for measuring: they may close what they are given
    (Pillow's PNG ``verify()`` does), and the upload must stay open to be stored afterwards."""

    def __init__(self, file: IO[bytes]) -> None:
        self._file = file
        self.name = getattr(file, "name", None)

    def read(self, size: int = -1) -> bytes:
        return self._file.read(size)

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._file.seek(offset, whence)

    def tell(self) -> int:
        return self._file.tell()

    def seekable(self) -> bool:
        return True

    def close(self) -> None:
        pass


def _read_chunks(file: IO[bytes], chunk_size: int = 64 * 1024) -> Iterator[bytes]:
    while chunk := file.read(chunk_size):
        yield chunk


def too_large(kind: str) -> AssetRejected:
    return AssetRejected(
        "file_too_large", f"The file is larger than {MAX_BYTES[kind] // MB} MB, the most Pinterest accepts for {kind}s."
    )


def clean_original_filename(name: str | None, extension: str) -> str:
    """The user's file name as we keep it for display: no path, no control characters."""
    name = PurePath((name or "").replace("\\", "/")).name.strip()
    if any(unicodedata.category(char) == "Cc" for char in name):
        raise AssetRejected(
            "invalid_filename", "The file name contains control characters (such as NUL); rename the file."
        )
    if not name:
        name = f"upload{extension}"
    if len(name) > FILENAME_MAX_LENGTH:
        stem, dot, suffix = name.rpartition(".")
        keep = suffix[:16] if dot else ""
        name = f"{(stem if dot else name)[: FILENAME_MAX_LENGTH - len(keep) - 1]}{dot}{keep}"
    return name


def sniff_kind(head: bytes) -> FileKind | None:
    """What the first bytes say the file is, among the kinds Pinterest accepts."""
    guess = filetype.guess(head)
    if guess is None:
        return None
    kind = ACCEPTED_KINDS.get(guess.mime)
    if kind is not None and kind.content_type == "video/mp4" and head[8:12] == b"M4V ":
        kind = ACCEPTED_KINDS["video/x-m4v"]  # the M4V brand of MP4
    return kind


def real_size(uploaded_file: IO[bytes]) -> int:
    """The upload's size as it lies on disk (or in memory), whatever size was declared for it."""
    uploaded_file.seek(0, 2)
    size = uploaded_file.tell()
    uploaded_file.seek(0)
    return size


def read_head(uploaded_file: IO[bytes]) -> bytes:
    uploaded_file.seek(0)
    head = uploaded_file.read(SNIFF_BYTES)
    uploaded_file.seek(0)
    return head


def measure_image(file: LentFile) -> Measurements:
    """Dimensions of a JPEG or PNG, refusing decompression bombs and truncated files."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            # Pillow reads any object with read(), seek() and tell() (its documentation); its
            # annotation names only IO.
            image = Image.open(cast(IO[bytes], file), formats=["JPEG", "PNG"])
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise _bomb() from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise AssetRejected(
            "image_unreadable", "The file starts like a JPEG or PNG but cannot be read as one."
        ) from None
    width, height = image.size
    if width * height > IMAGE_MAX_PIXELS:
        raise _bomb()
    try:
        if image.format == "JPEG":
            # Decode at 1/8 scale: proves every byte is there without holding the full picture.
            image.draft("RGB", (max(1, width // 8), max(1, height // 8)))
            image.load()
        else:
            image.verify()  # walks every PNG chunk and checks its CRC, through IEND
    except (OSError, SyntaxError, ValueError) as exc:
        raise AssetRejected("image_unreadable", f"The image is damaged or truncated ({exc}).") from None
    finally:
        image.close()
    return Measurements(width=width, height=height)


def _bomb() -> AssetRejected:
    return AssetRejected(
        "image_too_many_pixels",
        f"The image has more than {IMAGE_MAX_PIXELS:,} pixels, which looks like a decompression bomb.",
    )


def measure_video(file: LentFile) -> Measurements:
    """Duration, codec and size of a video, by FFmpeg (PyAV) reading the container."""
    try:
        with av.open(file, mode="r") as container:
            if not container.streams.video:
                raise AssetRejected("video_unreadable", "The file has no video track.")
            stream = container.streams.video[0]
            codec = stream.codec_context.name
            if codec not in VIDEO_CODECS:
                raise AssetRejected(
                    "video_codec_unsupported",
                    f"The video is encoded with {codec}; Pinterest accepts {' or '.join(VIDEO_CODECS.values())} only.",
                )
            if container.duration is not None:
                duration = container.duration / av.time_base
            elif stream.duration is not None and stream.time_base is not None:
                duration = float(stream.duration * stream.time_base)
            else:
                raise AssetRejected("video_unreadable", "The video's duration cannot be read.")
            # Decoding one frame proves the track holds real pictures, not just a header.
            if next(container.decode(stream), None) is None:
                raise AssetRejected("video_unreadable", "The video track holds no picture.")
            seconds = round(duration, 3)
            measured = Measurements(
                width=stream.codec_context.width or None,
                height=stream.codec_context.height or None,
                duration_seconds=seconds,
                video_codec=codec,
            )
    except av.FFmpegError as exc:
        raise AssetRejected("video_unreadable", f"The video cannot be read ({exc.strerror or exc}).") from None
    if seconds < VIDEO_MIN_SECONDS:
        raise AssetRejected(
            "video_too_short",
            f"The video lasts {seconds:.1f} s; Pinterest needs at least {VIDEO_MIN_SECONDS:.0f} s.",
        )
    if seconds > VIDEO_MAX_SECONDS:
        raise AssetRejected(
            "video_too_long",
            f"The video lasts {seconds / 60:.1f} min; Pinterest accepts at most 15 min.",
        )
    return measured


MEASURERS: dict[str, Callable[[LentFile], Measurements]] = {
    Asset.Kind.IMAGE: measure_image, Asset.Kind.VIDEO: measure_video,
}
